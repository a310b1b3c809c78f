/*
 * outage.c: the grace before clients are sent away (see outage.h).
 *
 * May call: db/listener, base/metrics, db/pool, client/client,
 * edge/ws_session.
 */
#include "edge/outage.h"

#include <libwebsockets.h>

#include "db/listener.h"
#include "base/metrics.h"
#include "db/pool.h"
#include "client/client.h"
#include "edge/ws_session.h"

#define TICK_US (250 * LWS_US_PER_MS)

static struct
{
	struct lws_context *context;
	lws_usec_t	grace;
	lws_usec_t	down_since;		/* 0 while reachable */
	lws_usec_t	down_total;		/* the outages that ended */
	bool		sent_away;		/* sessions closed, handshakes refused */
	lws_sorted_usec_list_t tick;
} outage;

bool
database_reachable(void)
{
	return listener_up() && pool_connected() > 0;
}

/* Asked at each handshake, so it ends the moment /healthz says ok. */
static bool
refusing(void)
{
	return outage.sent_away && !database_reachable();
}

static void
tick(lws_sorted_usec_list_t *sul)
{
	lws_usec_t	now = lws_now_usecs();

	if (database_reachable())
	{
		if (outage.sent_away)
			lwsl_user("PostgreSQL answers again after %.1f s: accepting sessions\n",
					  (double) (now - outage.down_since) / LWS_US_PER_SEC);
		else if (outage.down_since)
			lwsl_user("PostgreSQL answers again after %.1f s\n",
					  (double) (now - outage.down_since) / LWS_US_PER_SEC);
		if (outage.down_since)
			outage.down_total += now - outage.down_since;
		outage.down_since = 0;
		outage.sent_away = false;
	}
	else if (outage.down_since == 0)
	{
		outage.down_since = now;
		metrics.db_outages++;
	}
	else if (!outage.sent_away && now - outage.down_since >= outage.grace)
	{
		lwsl_warn("PostgreSQL unreachable for %.0f s: closing %d sessions (%d), refusing handshakes (503) until it is back\n",
				  (double) outage.grace / LWS_US_PER_SEC, sessions_count(), CLOSE_TRY_AGAIN_LATER);
		outage.sent_away = true;
		sessions_close_all(CLOSE_TRY_AGAIN_LATER);
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
