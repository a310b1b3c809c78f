/*
 * outage.c: the grace before clients are sent away (see outage.h).
 *
 * Owns: each partition's outage (since when, and whether its sessions were
 * sent away).  May call: db (listener, pool, partitions), base/metrics,
 * client/client, docs/document (subs_on_partition), actions/presence
 * (presence_on_partition), edge/ws_session.
 */
#include "edge/outage.h"

#include <libwebsockets.h>
#include <stdio.h>

#include "actions/presence.h"
#include "base/metrics.h"
#include "client/client.h"
#include "db/listener.h"
#include "db/partitions.h"
#include "db/pool.h"
#include "docs/document.h"
#include "edge/ws_session.h"

#define TICK_US (250 * LWS_US_PER_MS)
/* A walk over every session's subscriptions: once a second is soon enough for those that came meanwhile. */
#define SWEEP_US LWS_US_PER_SEC

typedef struct PartitionOutage
{
	lws_usec_t	down_since;		/* 0 while reachable */
	bool		sent_away;		/* its sessions closed */
	lws_usec_t	swept;			/* when they last were (again each SWEEP_US while it is down) */
} PartitionOutage;

static struct
{
	struct lws_context *context;
	lws_usec_t	grace;
	lws_usec_t	down_since;		/* some partition is down since; 0 while all are reachable */
	lws_usec_t	down_total;		/* the outages that ended */
	PartitionOutage partition[PARTITIONS_MAX];
	lws_sorted_usec_list_t tick;
} outage;

bool
partition_reachable(int partition)
{
	return listener_up(partition) && pool_connected(partition) > 0;
}

bool
database_reachable(void)
{
	for (int p = 0; p < partitions_count(); p++)
		if (!partition_reachable(p))
			return false;
	return true;
}

bool
database_partly_reachable(void)
{
	for (int p = 0; p < partitions_count(); p++)
		if (partition_reachable(p))
			return true;
	return false;
}

/* Asked at each handshake, so it ends the moment /healthz says ok. */
static bool
refusing(void)
{
	for (int p = 0; p < partitions_count(); p++)
		if (!outage.partition[p].sent_away || partition_reachable(p))
			return false;
	return true;
}

static void
close_if_on(Session *s, void *arg)
{
	int			p = *(int *) arg;

	if (s->close_code == 0 && (subs_on_partition(s, p) || presence_on_partition(s, p)))
	{
		metrics.closed_db_unavailable++;
		session_close(s, CLOSE_TRY_AGAIN_LATER);
	}
}

/* The sessions that hold something of partition p go (all of them without partitions). */
static void
send_away(int p)
{
	if (partitions_count() == 1)
		sessions_close_all(CLOSE_TRY_AGAIN_LATER);
	else
		clients_each(close_if_on, &p);
}

static void
tick_partition(int p, lws_usec_t now)
{
	PartitionOutage *o = &outage.partition[p];
	bool		named = partitions_count() > 1;
	char		what[32];

	snprintf(what, sizeof(what), named ? "partition %d" : "PostgreSQL", p);
	if (partition_reachable(p))
	{
		if (o->sent_away)
			lwsl_user("%s answers again after %.1f s: accepting sessions\n", what,
					  (double) (now - o->down_since) / LWS_US_PER_SEC);
		else if (o->down_since)
			lwsl_user("%s answers again after %.1f s\n", what, (double) (now - o->down_since) / LWS_US_PER_SEC);
		o->down_since = 0;
		o->sent_away = false;
	}
	else if (o->down_since == 0)
		o->down_since = now;
	else if (!o->sent_away && now - o->down_since >= outage.grace)
	{
		if (named)
			lwsl_warn("partition %d unreachable for %.0f s: closing the sessions on its documents (%d)\n",
					  p, (double) outage.grace / LWS_US_PER_SEC, CLOSE_TRY_AGAIN_LATER);
		else
			lwsl_warn("PostgreSQL unreachable for %.0f s: closing %d sessions (%d), refusing handshakes (503) until it is back\n",
					  (double) outage.grace / LWS_US_PER_SEC, sessions_count(), CLOSE_TRY_AGAIN_LATER);
		o->sent_away = true;
		o->swept = now;
		send_away(p);
	}
	else if (o->sent_away && named && now - o->swept >= SWEEP_US)
	{
		o->swept = now;
		send_away(p);			/* those that came to it meanwhile */
	}
}

static void
tick(lws_sorted_usec_list_t *sul)
{
	lws_usec_t	now = lws_now_usecs();

	for (int p = 0; p < partitions_count(); p++)
		tick_partition(p, now);
	if (database_reachable())
	{
		if (outage.down_since)
			outage.down_total += now - outage.down_since;
		outage.down_since = 0;
	}
	else if (outage.down_since == 0)
	{
		outage.down_since = now;
		metrics.db_outages++;
	}
	lws_sul_schedule(outage.context, 0, &outage.tick, tick, TICK_US);
}

double
outage_seconds(void)
{
	return outage.down_since ? (double) (lws_now_usecs() - outage.down_since) / LWS_US_PER_SEC : 0;
}

double
outage_seconds_total(void)
{
	return (double) outage.down_total / LWS_US_PER_SEC + outage_seconds();
}

double
partition_outage_seconds(int partition)
{
	lws_usec_t	since = outage.partition[partition].down_since;

	return since ? (double) (lws_now_usecs() - since) / LWS_US_PER_SEC : 0;
}

void
outage_init(struct lws_context *context, int grace_seconds)
{
	outage.context = context;
	outage.grace = (lws_usec_t) grace_seconds * LWS_USEC_PER_SEC;
	sessions_refuse_when(refusing);
	lws_sul_schedule(context, 0, &outage.tick, tick, TICK_US);
}

void
outage_stop(void)
{
	lws_sul_cancel(&outage.tick);
}
