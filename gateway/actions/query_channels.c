/*
 * query_channels.c: the LISTEN of every document channel for the
 * subscribed queries (see query_channels.h).
 *
 * Owns: the channels' names (read once per hold from zero) and the
 * listener memberships.  May call: db (listener, pool, pg_conn, queries),
 * base.
 */
#include "actions/query_channels.h"

#include <stdlib.h>

#include "base/alloc.h"
#include "db/listener.h"
#include "db/pg_conn.h"
#include "db/pool.h"
#include "db/queries.h"

typedef struct Member
{
	ListenMember member;
	bool		ready;
} Member;

static struct
{
	int			users;
	bool		looking_up;
	bool		up;				/* every channel listened at least once */
	Member	   *members;
	int			n;
	int			nready;
	lws_dll2_owner_t waiting;	/* QueryChannelsWait.link */
	void		(*on_restored) (void);
} qc;

static void
run_waiters(bool ok)
{
	while (qc.waiting.head)
	{
		QueryChannelsWait *w = lws_container_of(qc.waiting.head, QueryChannelsWait, link);

		lws_dll2_remove(&w->link);
		w->fn(w, ok);
	}
}

static void
member_ready(ListenMember *lm)
{
	Member	   *m = lws_container_of(lm, Member, member);

	if (!m->ready)
	{
		m->ready = true;
		qc.nready++;
	}
	if (qc.nready < qc.n)
		return;
	if (!qc.up)
	{
		qc.up = true;
		run_waiters(true);
	}
	else if (qc.on_restored)
		qc.on_restored();		/* a reconnect's LISTEN: the queries re-run (debounced) */
}

static void
leave_all(void)
{
	for (int i = 0; i < qc.n; i++)
		listener_leave(&qc.members[i].member);
	free(qc.members);
	qc.members = NULL;
	qc.n = qc.nready = 0;
	qc.up = false;
}

static void
looked_up(DbRead *read, PGresult *res)
{
	char		buf[256];
	int			n;

	qc.looking_up = false;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1)
	{
		lwsl_err("query channels: %s\n", pg_result_message(res, buf, sizeof(buf)));
		run_waiters(false);
		return;
	}
	if (qc.users == 0)
		return;					/* nobody wants them any more */
	n = PQntuples(res);
	qc.members = xcalloc((size_t) n, sizeof(Member));
	qc.n = n;
	for (int i = 0; i < n; i++)
		qc.members[i].member.ready = member_ready;
	for (int i = 0; i < n; i++)
		listener_join(&qc.members[i].member, PQgetvalue(res, i, 0));
}

void
query_channels_hold(QueryChannelsWait *w)
{
	qc.users++;
	if (qc.up)
	{
		if (w)
			w->fn(w, true);
		return;
	}
	if (w)
		lws_dll2_add_tail(&w->link, &qc.waiting);
	if (qc.looking_up || qc.members)
		return;
	qc.looking_up = true;
	pool_read(0, db_read_new(NOTIFY_CHANNELS_SQL, NULL, looked_up, NULL, 0, NULL));
}

void
query_channels_cancel(QueryChannelsWait *w)
{
	if (w->link.owner)
		lws_dll2_remove(&w->link);
}

void
query_channels_release(void)
{
	if (--qc.users > 0)
		return;
	leave_all();
}

void
query_channels_on_restored(void (*fn) (void))
{
	qc.on_restored = fn;
}
