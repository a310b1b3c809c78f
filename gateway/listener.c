/*
 * listener.c: the LISTEN connection (see listener.h).
 */
#include "listener.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "metrics.h"
#include "pg_conn.h"
#include "presence.h"
#include "revocation.h"

/* With the default --db-timeout of 5 s, silence shows within 7 s. */
#define HEARTBEAT_US (2 * LWS_USEC_PER_SEC)

typedef enum ChannelState
{
	CHANNEL_OFF,				/* not listened on this connection */
	CHANNEL_SENT,				/* in the LISTEN or UNLISTEN in flight */
	CHANNEL_ON
} ChannelState;

struct Channel
{
	lws_dll2_t	link;
	char	   *name;			/* ot.channel()'s result: a plain identifier */
	lws_dll2_owner_t docs;		/* Doc.channel_link */
	ChannelState state;
	bool		sent_listen;	/* the command in flight is LISTEN (or UNLISTEN) */
	bool		to_wake;		/* just turned on: its documents are told */
};

static struct
{
	PgConn		conn;
	lws_dll2_owner_t channels;
	bool		restored_pending;	/* a reconnect: fill gaps after the LISTENs */
	bool		ever_connected;
	bool		paused;			/* after a failed LISTEN: wait before retrying */
	lws_sorted_usec_list_t heartbeat;
	lws_sorted_usec_list_t resume;
	struct lws_context *context;
	void		(*on_silence) (void);
} listener;

static void sync_channels(void);

static Channel *
channel_find(const char *name)
{
	lws_start_foreach_dll(struct lws_dll2 *, p, listener.channels.head)
	{
		Channel    *ch = lws_container_of(p, Channel, link);

		if (strcmp(ch->name, name) == 0)
			return ch;
	}
	lws_end_foreach_dll(p);
	return NULL;
}

static void
channel_free(Channel *ch)
{
	lws_dll2_remove(&ch->link);
	free(ch->name);
	free(ch);
}

/* Frees the channels no document uses and nothing is listened on. */
static void
prune_channels(void)
{
	lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, listener.channels.head)
	{
		Channel    *ch = lws_container_of(p, Channel, link);

		if (ch->docs.count == 0 && ch->state == CHANNEL_OFF)
			channel_free(ch);
	}
	lws_end_foreach_dll_safe(p, p1);
}

/*
 * Tells the documents of the channels that turned on.  What they do next
 * (reads, replies, releasing themselves) may change the lists, so each
 * channel is looked up afresh, and a document is kept while it is told.
 */
static void
wake_docs(void)
{
	for (;;)
	{
		Channel    *ch = NULL;

		lws_start_foreach_dll(struct lws_dll2 *, p, listener.channels.head)
		{
			Channel    *c = lws_container_of(p, Channel, link);

			if (c->to_wake && ch == NULL)
				ch = c;
		}
		lws_end_foreach_dll(p);
		if (ch == NULL)
			return;
		ch->to_wake = false;
		lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, ch->docs.head)
		{
			Doc		   *doc = lws_container_of(p, Doc, channel_link);

			doc->refs++;
			doc_channel_ready(doc);
			doc_release(doc);
		}
		lws_end_foreach_dll_safe(p, p1);
	}
}

static void
resume(lws_sorted_usec_list_t *sul)
{
	listener.paused = false;
	sync_channels();
}

static void
synced(PgConn *conn, PGresult *res, void *arg)
{
	bool		ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
	bool		restored = false;
	char		buf[256];

	if (res && !ok)
	{
		lwsl_err("listener: %s\n", pg_result_message(res, buf, sizeof(buf)));
		listener.paused = true;
		lws_sul_schedule(listener.context, 0, &listener.resume, resume, LWS_USEC_PER_SEC);
	}
	lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, listener.channels.head)
	{
		Channel    *ch = lws_container_of(p, Channel, link);

		/* (no "continue" in these loops: the macros advance at the end) */
		if (ch->state == CHANNEL_SENT)
		{
			ch->state = ok == ch->sent_listen ? CHANNEL_ON : CHANNEL_OFF;
			ch->to_wake = ch->state == CHANNEL_ON;
		}
	}
	lws_end_foreach_dll_safe(p, p1);
	wake_docs();
	prune_channels();
	if (ok && listener.restored_pending)
	{
		listener.restored_pending = false;
		restored = true;
	}
	if (restored)
		docs_listener_restored();
}

/* LISTENs what has documents and UNLISTENs what lost them, in one query. */
static void
sync_channels(void)
{
	size_t		cap = 256,
				len = 0;
	char	   *sql;

	if (!pg_conn_idle(&listener.conn) || listener.paused)
		return;
	sql = xmalloc(cap);
	sql[0] = '\0';
	lws_start_foreach_dll(struct lws_dll2 *, p, listener.channels.head)
	{
		Channel    *ch = lws_container_of(p, Channel, link);
		bool		want = ch->docs.count > 0;

		if (want != (ch->state == CHANNEL_ON))
		{
			while (len + strlen(ch->name) + 16 > cap)
				sql = xrealloc(sql, cap *= 2);
			len += (size_t) sprintf(sql + len, "%sLISTEN %s;", want ? "" : "UN", ch->name);
			ch->state = CHANNEL_SENT;
			ch->sent_listen = want;
		}
	}
	lws_end_foreach_dll(p);
	if (len > 0)
		pg_conn_query_simple(&listener.conn, sql, synced, NULL);
	free(sql);
}

/* A server that went away silently shows up as a failed query. */
static void
heartbeat(lws_sorted_usec_list_t *sul)
{
	if (pg_conn_idle(&listener.conn))
		pg_conn_query_simple(&listener.conn, "SELECT 1", NULL, NULL);
	lws_sul_schedule(listener.context, 0, &listener.heartbeat, heartbeat, HEARTBEAT_US);
}

static void
listener_ready(PgConn *conn)
{
	if (!listener.ever_connected)
		lwsl_user("listener: connected\n");
	else if (listener.channels.count == 0)
		listener.restored_pending = false;	/* nothing to fill */
	listener.ever_connected = true;
	sync_channels();
	if (listener.restored_pending && pg_conn_idle(conn))
	{
		listener.restored_pending = false;
		docs_listener_restored();
	}
}

static void
listener_lost(PgConn *conn)
{
	metrics.listener_reconnects++;
	lws_start_foreach_dll(struct lws_dll2 *, p, listener.channels.head)
	{
		lws_container_of(p, Channel, link)->state = CHANNEL_OFF;
	}
	lws_end_foreach_dll(p);
	listener.restored_pending = true;
}

/* Op messages go to their document, presence to its channel, revocations to the sessions. */
static void
listener_notify(PgConn *conn, const PGnotify *n)
{
	size_t		len = strlen(n->extra);
	json_t	   *m = json_loadb(n->extra, len, 0, NULL);
	const char *a = json_string_value(json_object_get(m, "a"));

	metrics.notifications++;
	if (a && strcmp(a, "op") == 0)
		docs_notification(m, n->extra, len);
	else if (a && (strcmp(a, "p") == 0 || strcmp(a, "pr") == 0))
		presence_notification(m);
	else if (a && strcmp(a, "revoke") == 0)
		revocation_notification(m);
	else
		lwsl_warn("listener: ignored a notification on %s that is no ShareDB message\n", n->relname);
	json_decref(m);
}

/* The connection was dropped for a deadline; its reconnect is scheduled. */
static void
listener_silent(PgConn *conn)
{
	metrics.db_silent++;
	lwsl_warn("listener: the database went silent: dropping the query connections too\n");
	if (listener.on_silence)
		listener.on_silence();
}

static const PgConnHooks listener_hooks = {listener_ready, listener_lost, listener_notify, listener_silent};

void
listener_on_silence(void (*fn) (void))
{
	listener.on_silence = fn;
}

void
listener_init(struct lws_context *context, struct lws_vhost *vhost, const char *conninfo,
			  const PgConnDeadlines *deadlines)
{
	listener.context = context;
	pg_conn_init(&listener.conn, context, vhost, conninfo, deadlines, "pg_ot_gateway listener",
				 &listener_hooks, NULL);
	pg_conn_start(&listener.conn);
	lws_sul_schedule(listener.context, 0, &listener.heartbeat, heartbeat, HEARTBEAT_US);
}

void
listener_stop(void)
{
	lws_sul_cancel(&listener.heartbeat);
	lws_sul_cancel(&listener.resume);
	pg_conn_stop(&listener.conn);
	lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, listener.channels.head)
	{
		Channel    *ch = lws_container_of(p, Channel, link);

		channel_free(ch);
	}
	lws_end_foreach_dll_safe(p, p1);
}

void
listener_join(Doc *doc, const char *name)
{
	Channel    *ch = channel_find(name);

	if (ch == NULL)
	{
		ch = xcalloc(1, sizeof(Channel));
		ch->name = xstrdup(name);
		lws_dll2_add_tail(&ch->link, &listener.channels);
	}
	doc->channel = ch;
	lws_dll2_add_tail(&doc->channel_link, &ch->docs);
	if (ch->state == CHANNEL_ON)
		doc_channel_ready(doc);
	else
		sync_channels();
}

void
listener_leave(Doc *doc)
{
	Channel    *ch = doc->channel;

	if (ch == NULL)
		return;
	lws_dll2_remove(&doc->channel_link);
	doc->channel = NULL;
	if (ch->docs.count > 0)
		return;
	if (ch->state == CHANNEL_OFF)
	{
		channel_free(ch);
	}
	else
		sync_channels();
}

bool
listener_up(void)
{
	return listener.conn.state >= PG_CONN_IDLE;
}
