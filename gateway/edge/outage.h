/*
 * outage.h: what clients see while PostgreSQL cannot be reached.
 *
 * The database is reachable while the LISTEN connection and at least one
 * query connection are up (what /healthz reports).  While it is not, the
 * sessions keep their requests waiting: a restart of a few seconds goes
 * unnoticed, and what was sent is answered once it is back.  Past the grace
 * (--db-grace), every session is closed with 1013 (try again later) and new
 * WebSocket handshakes are answered HTTP 503 until it is back, so clients
 * reconnect, perhaps to another gateway, and resend what is pending (the
 * database recognises a resend by (src, seq)).  A failover is such an outage:
 * it lasts until the connections find the new primary.
 *
 * On partitions (db/partitions.h) each partition has its own outage: a
 * partition is reachable while its LISTEN connection and one of its query
 * connections are up.  Past the grace, the sessions that subscribe to one
 * of its documents or use one of its presence channels are closed with
 * 1013, and so is any session that comes to hold one while it is down
 * (looked for each second);
 * the other sessions go on.  Handshakes get 503 only while every partition
 * is down.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_OUTAGE_H
#define PG_OT_GATEWAY_OUTAGE_H

#include <stdbool.h>

struct lws_context;

void		outage_init(struct lws_context *context, int grace_seconds);
void		outage_stop(void);

/* Every partition is reachable (the one database, without partitions). */
bool		database_reachable(void);
/* Some partition is (the one database, without partitions). */
bool		database_partly_reachable(void);
bool		partition_reachable(int partition);

/* Seconds unreachable now (0 while reachable), and in all; in steps of 0.25 s. */
double		outage_seconds(void);
double		outage_seconds_total(void);
/* The same for one partition. */
double		partition_outage_seconds(int partition);

#endif
