/*
 * metrics.h: what the gateway counts, served at /metrics as Prometheus text
 * (edge/metrics_text.h renders it).
 *
 * Counters are bumped where things happen; gauges are read when scraped.
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_METRICS_H
#define PG_OT_GATEWAY_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_LATENCY_BUCKETS 11
#define METRICS_BATCH_BUCKETS 7

typedef struct Metrics
{
	uint64_t	connections_total;	/* WebSocket sessions opened */
	uint64_t	messages_received;
	uint64_t	ops_received;		/* op messages from clients */
	uint64_t	ops_acked;
	uint64_t	ops_rejected;
	uint64_t	frames_sent;
	uint64_t	notifications;		/* received on the LISTEN connection */
	uint64_t	notifications_forged;	/* dropped: not signed with the notify key */
	uint64_t	notifications_invalid;	/* dropped: signed, but unreadable */
	uint64_t	notifications_replayed;	/* dropped: a stamp seen, or from before LISTEN */
	uint64_t	gap_fills;			/* op log reads after a missed notification */
	uint64_t	op_rows_unusable;	/* op rows read that could not be delivered */
	uint64_t	subscriptions_failed;	/* stopped with an error: their ops could not be read */
	uint64_t	closed_lagging;		/* sessions closed for an over-full queue */
	uint64_t	listener_reconnects;
	uint64_t	db_timeouts;		/* round trips past their deadline: connection dropped */
	uint64_t	db_silent;			/* the listener found the database silent: all dropped */
	uint64_t	batches_resent;		/* submit batches sent again after their connection went */
	uint64_t	pool_reconnects;	/* query connections that broke or failed to connect */
	uint64_t	db_read_only;		/* connections dropped on SQLSTATE 25006: a standby */
	uint64_t	db_version_refused; /* connections dropped: pg_ot missing or unsupported */
	uint64_t	db_outages;			/* times the database became unreachable (outage.h) */
	uint64_t	db_server_changes;	/* the listener came back on another host or port */
	uint64_t	closed_db_unavailable;	/* sessions closed with 1013 */
	uint64_t	refused_db_unavailable; /* handshakes refused (503) during an outage */
	uint64_t	rate_limited;		/* client messages refused for the rate limit */
	uint64_t	presence_merged;	/* presence updates over --presence-rate, merged */
	uint64_t	subscriptions_refused;	/* over --max-subscriptions */
	uint64_t	queries;		/* qf and qs requests taken */
	uint64_t	queries_refused;	/* over --max-queries or --query-max-results */
	uint64_t	query_reruns;	/* subscribed queries read again whole */
	uint64_t	query_rechecks; /* filter-only queries' re-checks of changed documents */
	uint64_t	query_diffs;	/* {"a": "q", diff} messages sent */
	uint64_t	refused_per_ip;		/* handshakes over --max-connections-per-ip */
	uint64_t	refused_pending;	/* connections closed at accept, over --max-pending-per-ip or --max-connections */
	int64_t		reads_in_flight;	/* gauge: database reads held by sessions (reads.h) */
	uint64_t	reads_waited;		/* messages that waited for a read slot */
	uint64_t	refusals_cached;	/* presence requests refused from a session's cache */
	uint64_t	presence_refused;	/* presence updates over --max-presence or --max-presences */
	int64_t		presences;			/* gauge: presences (channel, id) sessions hold */
	int64_t		presence_bytes;		/* gauge: bytes of the updates kept for them */
	uint64_t	refused_auth;		/* handshakes without a valid token (403) */
	uint64_t	refused_origin;		/* handshakes from a page of another origin (403) */
	uint64_t	closed_no_handshake;	/* sessions closed with 4002 */
	uint64_t	closed_revoked;		/* sessions closed with 4003 */
	uint64_t	ops_refused_src;	/* ops naming a src not issued to their client */
	uint64_t	ops_refused_waiting;	/* ops over --ops-waiting-max-bytes */
	uint64_t	ops_abandoned;		/* ops dropped unsent: their client left */
	uint64_t	log_bytes;		/* gauge: frames the documents' logs hold (--doc-log-bytes) */
	uint64_t	queued_bytes;		/* gauge: frames queued to clients (session_frame_cost) */
	uint64_t	ops_waiting_bytes;	/* gauge: ops received, not answered yet */
	uint64_t	submit_latency[METRICS_LATENCY_BUCKETS + 1];	/* cumulative at scrape */
	double		submit_latency_sum;
	uint64_t	batch_size[METRICS_BATCH_BUCKETS + 1];
	uint64_t	batch_ops;
	double		notification_queue_usage;	/* sampled pg_notification_queue_usage() */
} Metrics;

extern Metrics metrics;

/* The upper bounds of the histograms' buckets. */
extern const double metrics_latency_bounds[METRICS_LATENCY_BUCKETS];
extern const int metrics_batch_bounds[METRICS_BATCH_BUCKETS];

void		metrics_submit_latency(double seconds);
void		metrics_batch(int ops);

#endif
