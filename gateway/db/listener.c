/*
 * listener.c: the LISTEN connections, one per partition (see listener.h).
 *
 * Owns: each one's channels and their members, the LISTEN/UNLISTEN batches, the
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
#include "base/text.h"
#include "db/pg_conn.h"
#include "db/queries.h"
#include "db/listener_internal.h"

typedef struct Listener
{
	int			partition;
	char		name[64];		/* application_name (kept: pg_conn holds it) */
	PgConn		conn;
	lws_dll2_owner_t channels;
	bool		restored_pending;	/* a reconnect: fill gaps after the LISTENs */
	bool		ever_connected;
	bool		paused;			/* after a failed LISTEN: wait before retrying */
	lws_sorted_usec_list_t heartbeat;
	lws_sorted_usec_list_t resume;
	char		server[256];	/* host and port the LISTEN connection last reached */
} Listener;

/* One per partition. */
static Listener *listeners;
static int	nlisteners;
static struct lws_context *listener_context;
static void (*on_silence) (int partition);
static void (*on_restored) (int partition);

static void sync_channels(Listener *l);

static void
restored_now(Listener *l)
{
	if (on_restored)
		on_restored(l->partition);
}

static Listener *
listener_of(int partition)
{
	return &listeners[partition >= 0 && partition < nlisteners ? partition : 0];
}

static ListenChannel *
channel_find(Listener *l, const char *name)
{
	lws_start_foreach_dll(struct lws_dll2 *, p, l->channels.head)
	{
		ListenChannel *ch = lws_container_of(p, ListenChannel, link);

		if (strcmp(ch->name, name) == 0)
			return ch;
	}
	lws_end_foreach_dll(p);
	return NULL;
}

ListenChannel *
listener_channel_find(PgConn *conn, const char *name)
{
	return channel_find(conn->owner, name);
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
prune_channels(Listener *l)
{
	lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, l->channels.head)
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
wake_docs(Listener *l)
{
	for (;;)
	{
		ListenChannel *ch = NULL;

		lws_start_foreach_dll(struct lws_dll2 *, p, l->channels.head)
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
	Listener   *l = lws_container_of(sul, Listener, resume);

	l->paused = false;
	sync_channels(l);
}

static void
synced(PgConn *conn, PGresult *res, void *arg)
{
	Listener   *l = conn->owner;
	bool		ok = res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	int64_t		since = ok ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
	bool		restored = false;
	char		buf[256];

	if (res && !ok)
	{
		lwsl_err("listener: %s\n", pg_result_message(res, buf, sizeof(buf)));
		l->paused = true;
		lws_sul_schedule(listener_context, 0, &l->resume, resume, LWS_USEC_PER_SEC);
	}
	lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, l->channels.head)
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
	wake_docs(l);
	prune_channels(l);
	if (ok && l->restored_pending)
	{
		l->restored_pending = false;
		restored = true;
	}
	if (restored)
		restored_now(l);
}

/*
 * LISTENs what has documents and UNLISTENs what lost them, in one query,
 * after reading the server's clock (synced() takes it as the channels'
 * "since").
 */
/*
 * LISTEN "name"; or UNLISTEN "name";  The name comes from the database
 * (ot.channel(), the query channels' list): quoted, with its quotes doubled,
 * it can only ever name a channel.
 */
static void
add_listen(Text *sql, bool listen, const char *name)
{
	const char *prefix = listen ? "LISTEN \"" : "UNLISTEN \"";

	text_add(sql, prefix, strlen(prefix));
	for (const char *c = name; *c; c++)
		text_add(sql, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
	text_add(sql, "\";", 2);
}

static void
sync_channels(Listener *l)
{
	Text		sql = {0};
	bool		any = false;

	if (!pg_conn_idle(&l->conn) || l->paused)
		return;
	text_add(&sql, CLOCK_SQL, strlen(CLOCK_SQL));
	lws_start_foreach_dll(struct lws_dll2 *, p, l->channels.head)
	{
		ListenChannel *ch = lws_container_of(p, ListenChannel, link);
		bool		want = ch->docs.count > 0;

		if (want != (ch->state == CHANNEL_ON))
		{
			add_listen(&sql, want, ch->name);
			ch->state = CHANNEL_SENT;
			ch->sent_listen = want;
			any = true;
		}
	}
	lws_end_foreach_dll(p);
	if (any)
		pg_conn_query_simple(&l->conn, sql.buf, synced, NULL);
	text_free(&sql);
}

/* A server that went away silently shows up as a failed query. */
static void
heartbeat(lws_sorted_usec_list_t *sul)
{
	Listener   *l = lws_container_of(sul, Listener, heartbeat);

	if (pg_conn_idle(&l->conn))
		pg_conn_query_simple(&l->conn, HEARTBEAT_SQL, NULL, NULL);
	lws_sul_schedule(listener_context, 0, &l->heartbeat, heartbeat, HEARTBEAT_US);
}

/* Counts (and logs) a LISTEN connection that came back on another server: a failover. */
static void
note_server(Listener *l, PgConn *conn)
{
	char		server[256];

	snprintf(server, sizeof(server), "%s port %s", PQhost(conn->pg), PQport(conn->pg));
	if (l->server[0] && strcmp(server, l->server) != 0)
	{
		metrics.db_server_changes++;
		lwsl_user("%s: the primary is now %s (was %s)\n", l->name, server, l->server);
	}
	memcpy(l->server, server, sizeof(server));
}

static void
listener_ready(PgConn *conn)
{
	Listener   *l = conn->owner;

	if (conn->pg && (!l->ever_connected || l->restored_pending))
		note_server(l, conn);
	if (!l->ever_connected)
		lwsl_user("%s: connected\n", nlisteners > 1 ? l->name : "listener");
	else if (l->channels.count == 0)
		l->restored_pending = false;	/* nothing to fill */
	l->ever_connected = true;
	sync_channels(l);
	if (l->restored_pending && pg_conn_idle(conn))
	{
		l->restored_pending = false;
		restored_now(l);
	}
}

static void
listener_lost(PgConn *conn)
{
	Listener   *l = conn->owner;

	metrics.listener_reconnects++;
	lws_start_foreach_dll(struct lws_dll2 *, p, l->channels.head)
	{
		ListenChannel *ch = lws_container_of(p, ListenChannel, link);

		ch->state = CHANNEL_OFF;
		replay_deaf(&ch->presence);
		replay_deaf(&ch->revoke);
	}
	lws_end_foreach_dll(p);
	l->restored_pending = true;
}

/* The connection was dropped for a deadline; its reconnect is scheduled. */
static void
listener_silent(PgConn *conn)
{
	Listener   *l = conn->owner;

	metrics.db_silent++;
	lwsl_warn("%s: the database went silent: dropping the query connections too\n",
			  nlisteners > 1 ? l->name : "listener");
	if (on_silence)
		on_silence(l->partition);
}

static const PgConnHooks listener_hooks = {listener_ready, listener_lost, listener_notify, listener_silent};

void
listener_on_silence(void (*fn) (int partition))
{
	on_silence = fn;
}

void
listener_on_restored(void (*fn) (int partition))
{
	on_restored = fn;
}

void
listener_init(struct lws_context *context, struct lws_vhost *vhost, const char *const *conninfos,
			  int n, const PgConnDeadlines *deadlines)
{
	listener_context = context;
	nlisteners = n;
	listeners = xcalloc((size_t) n, sizeof(Listener));
	for (int p = 0; p < n; p++)
	{
		Listener   *l = &listeners[p];

		l->partition = p;
		if (n > 1)
			snprintf(l->name, sizeof(l->name), "pg_ot_gateway listener p%d", p);
		else
			snprintf(l->name, sizeof(l->name), "pg_ot_gateway listener");
		pg_conn_init(&l->conn, context, vhost, conninfos[p], deadlines, l->name, &listener_hooks, l);
		pg_conn_start(&l->conn);
		lws_sul_schedule(context, 0, &l->heartbeat, heartbeat, HEARTBEAT_US);
	}
}

void
listener_stop(void)
{
	for (int i = 0; i < nlisteners; i++)
	{
		Listener   *l = &listeners[i];

		lws_sul_cancel(&l->heartbeat);
		lws_sul_cancel(&l->resume);
		pg_conn_stop(&l->conn);
		lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, l->channels.head)
		{
			ListenChannel *ch = lws_container_of(p, ListenChannel, link);

			channel_free(ch);
		}
		lws_end_foreach_dll_safe(p, p1);
	}
	free(listeners);
	listeners = NULL;
	nlisteners = 0;
}

void
listener_join(ListenMember *member, const char *name)
{
	Listener   *l = listener_of(member->partition);
	ListenChannel *ch = channel_find(l, name);

	if (ch == NULL)
	{
		ch = xcalloc(1, sizeof(ListenChannel));
		ch->name = xstrdup(name);
		ch->listener = l;
		lws_dll2_add_tail(&ch->link, &l->channels);
	}
	member->channel = ch;
	lws_dll2_add_tail(&member->link, &ch->docs);
	if (ch->state == CHANNEL_ON)
		member->ready(member);
	else
		sync_channels(l);
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
		sync_channels(ch->listener);
}

bool
listener_up(int partition)
{
	return listener_of(partition)->conn.state >= PG_CONN_IDLE;
}
