/*
 * query_channels.c: the LISTEN of every document channel for the
 * subscribed queries (see query_channels.h).
 *
 * Owns: the channels' names (read from each partition once per hold from
 * zero) and the listener memberships: one per channel per partition, each
 * on its partition's LISTEN connection.  May call: db (listener, pool,
 * partitions, pg_conn, queries), base.
 */
#include "actions/query_channels.h"

#include <stdlib.h>

#include "base/alloc.h"
#include "db/listener.h"
#include "db/partitions.h"
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
	int			looking_up;		/* partitions whose channels are being read */
	bool		lookup_failed;
	bool		up;				/* every channel listened at least once */
	Member	   *members[PARTITIONS_MAX];	/* partition p's channels */
	int			count[PARTITIONS_MAX];
	int			n;				/* members in all */
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
	if (qc.looking_up > 0 || qc.nready < qc.n)
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
	for (int p = 0; p < PARTITIONS_MAX; p++)
	{
		for (int i = 0; i < qc.count[p]; i++)
			listener_leave(&qc.members[p][i].member);
		free(qc.members[p]);
		qc.members[p] = NULL;
		qc.count[p] = 0;
	}
	qc.n = qc.nready = 0;
	qc.up = false;
}

/* Partition p's channel names came back: its members join its LISTEN connection. */
static void
looked_up(DbRead *read, PGresult *res)
{
	char		buf[256];
	int			p = read->partition;
	int			n;

	qc.looking_up--;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1)
	{
		lwsl_err("query channels (partition %d): %s\n", p, pg_result_message(res, buf, sizeof(buf)));
		qc.lookup_failed = true;
	}
	else
	{
		n = PQntuples(res);
		qc.members[p] = xcalloc((size_t) n, sizeof(Member));
		qc.count[p] = n;
		qc.n += n;
		for (int i = 0; i < n; i++)
		{
			qc.members[p][i].member.ready = member_ready;
			qc.members[p][i].member.partition = p;
		}
		for (int i = 0; i < n; i++)
			listener_join(&qc.members[p][i].member, PQgetvalue(res, i, 0));
	}
	if (qc.looking_up > 0)
		return;
	if (qc.lookup_failed || qc.users == 0)
	{
		qc.lookup_failed = false;
		leave_all();			/* (a later hold reads them again) */
		run_waiters(false);
		return;
	}
	if (qc.nready == qc.n && !qc.up)
	{
		qc.up = true;
		run_waiters(true);
	}
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
	if (qc.looking_up || qc.n)
		return;
	qc.looking_up = partitions_count();
	for (int p = 0; p < partitions_count(); p++)
		pool_read(p, db_read_new(NOTIFY_CHANNELS_SQL, NULL, looked_up, NULL, 0, NULL));
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
	if (--qc.users > 0 || qc.looking_up > 0)
		return;					/* (a lookup out: once all are in, looked_up() leaves) */
	leave_all();
}

void
query_channels_on_restored(void (*fn) (void))
{
	qc.on_restored = fn;
}
