/*
 * listener.c: the LISTEN connection (see listener.h).
 *
 * Owns: the channels and their members, the LISTEN/UNLISTEN batches, the
 * replay windows, the heartbeat.  May call: db/pg_conn,
 * db/listener_notify.c (listener_internal.h), base (metrics, alloc).
 * What a notification means is the business of the handlers registered
 * with listener_on; it names none.
 */
#include "db/listener.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/metrics.h"
#include "base/notification.h"
#include "base/secrets.h"
#include "db/pg_conn.h"
#include "db/queries.h"
#include "db/listener_internal.h"

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
	void		(*on_restored) (void);
	char		server[256];	/* host and port the LISTEN connection last reached */
} listener;

static void sync_channels(void);

static void
restored_now(void)
{
	if (listener.on_restored)
		listener.on_restored();
}

ListenChannel *
listener_channel_find(const char *name)
{
	lws_start_foreach_dll(struct lws_dll2 *, p, listener.channels.head)
	{
		ListenChannel *ch = lws_container_of(p, ListenChannel, link);

		if (strcmp(ch->name, name) == 0)
			return ch;
	}
	lws_end_foreach_dll(p);
	return NULL;
}

static void
channel_free(ListenChannel *ch)
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
		ListenChannel *ch = lws_container_of(p, ListenChannel, link);

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
		ListenChannel *ch = NULL;

		lws_start_foreach_dll(struct lws_dll2 *, p, listener.channels.head)
		{
			ListenChannel *c = lws_container_of(p, ListenChannel, link);

			if (c->to_wake && ch == NULL)
				ch = c;
		}
		lws_end_foreach_dll(p);
		if (ch == NULL)
			return;
		ch->to_wake = false;
		lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, ch->docs.head)
		{
			ListenMember *m = lws_container_of(p, ListenMember, link);

			m->ready(m);
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
	bool		ok = res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	int64_t		since = ok ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
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
		ListenChannel *ch = lws_container_of(p, ListenChannel, link);

		/* (no "continue" in these loops: the macros advance at the end) */
		if (ch->state == CHANNEL_SENT)
		{
			ch->state = ok == ch->sent_listen ? CHANNEL_ON : CHANNEL_OFF;
			ch->to_wake = ch->state == CHANNEL_ON;
			if (ch->state == CHANNEL_ON)
			{
				replay_listening(&ch->presence, since);
				replay_listening(&ch->revoke, since);
			}
			else
			{
				replay_deaf(&ch->presence);
				replay_deaf(&ch->revoke);
			}
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
		restored_now();
}

/*
 * LISTENs what has documents and UNLISTENs what lost them, in one query,
 * after reading the server's clock (synced() takes it as the channels'
 * "since").
 */
static void
sync_channels(void)
{
	size_t		cap = 256,
				len;
	char	   *sql;
	bool		any = false;

	if (!pg_conn_idle(&listener.conn) || listener.paused)
		return;
	sql = xmalloc(cap);
	len = (size_t) sprintf(sql, "%s", CLOCK_SQL);
	lws_start_foreach_dll(struct lws_dll2 *, p, listener.channels.head)
	{
		ListenChannel *ch = lws_container_of(p, ListenChannel, link);
		bool		want = ch->docs.count > 0;

		if (want != (ch->state == CHANNEL_ON))
		{
			while (len + strlen(ch->name) + 16 > cap)
				sql = xrealloc(sql, cap *= 2);
			len += (size_t) sprintf(sql + len, LISTEN_FMT, want ? "" : "UN", ch->name);
			ch->state = CHANNEL_SENT;
			ch->sent_listen = want;
			any = true;
		}
	}
	lws_end_foreach_dll(p);
	if (any)
		pg_conn_query_simple(&listener.conn, sql, synced, NULL);
	free(sql);
}

/* A server that went away silently shows up as a failed query. */
static void
heartbeat(lws_sorted_usec_list_t *sul)
{
	if (pg_conn_idle(&listener.conn))
		pg_conn_query_simple(&listener.conn, HEARTBEAT_SQL, NULL, NULL);
	lws_sul_schedule(listener.context, 0, &listener.heartbeat, heartbeat, HEARTBEAT_US);
}

/* Counts (and logs) a LISTEN connection that came back on another server: a failover. */
static void
note_server(PgConn *conn)
{
	char		server[256];

	snprintf(server, sizeof(server), "%s port %s", PQhost(conn->pg), PQport(conn->pg));
	if (listener.server[0] && strcmp(server, listener.server) != 0)
	{
		metrics.db_server_changes++;
		lwsl_user("listener: the primary is now %s (was %s)\n", server, listener.server);
	}
	memcpy(listener.server, server, sizeof(server));
}

static void
listener_ready(PgConn *conn)
{
	if (conn->pg && (!listener.ever_connected || listener.restored_pending))
		note_server(conn);
	if (!listener.ever_connected)
		lwsl_user("listener: connected\n");
	else if (listener.channels.count == 0)
		listener.restored_pending = false;	/* nothing to fill */
	listener.ever_connected = true;
	sync_channels();
	if (listener.restored_pending && pg_conn_idle(conn))
	{
		listener.restored_pending = false;
		restored_now();
	}
}

static void
listener_lost(PgConn *conn)
{
	metrics.listener_reconnects++;
	lws_start_foreach_dll(struct lws_dll2 *, p, listener.channels.head)
	{
		ListenChannel *ch = lws_container_of(p, ListenChannel, link);

		ch->state = CHANNEL_OFF;
		replay_deaf(&ch->presence);
		replay_deaf(&ch->revoke);
	}
	lws_end_foreach_dll(p);
	listener.restored_pending = true;
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
listener_on_restored(void (*fn) (void))
{
	listener.on_restored = fn;
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
		ListenChannel *ch = lws_container_of(p, ListenChannel, link);

		channel_free(ch);
	}
	lws_end_foreach_dll_safe(p, p1);
}

void
listener_join(ListenMember *member, const char *name)
{
	ListenChannel *ch = listener_channel_find(name);

	if (ch == NULL)
	{
		ch = xcalloc(1, sizeof(ListenChannel));
		ch->name = xstrdup(name);
		lws_dll2_add_tail(&ch->link, &listener.channels);
	}
	member->channel = ch;
	lws_dll2_add_tail(&member->link, &ch->docs);
	if (ch->state == CHANNEL_ON)
		member->ready(member);
	else
		sync_channels();
}

void
listener_leave(ListenMember *member)
{
	ListenChannel *ch = member->channel;

	if (ch == NULL)
		return;
	lws_dll2_remove(&member->link);
	member->channel = NULL;
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
