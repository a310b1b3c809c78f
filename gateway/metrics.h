/*
 * metrics.h: what the gateway counts, served at /metrics as Prometheus text.
 *
 * Counters are bumped where things happen; gauges are read when scraped.
 */
#ifndef PG_OT_GATEWAY_METRICS_H
#define PG_OT_GATEWAY_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct lws_context;

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
	uint64_t	closed_lagging;		/* sessions closed for an over-full queue */
	uint64_t	listener_reconnects;
	uint64_t	rate_limited;		/* client messages refused for the rate limit */
	uint64_t	presence_merged;	/* presence updates over --presence-rate, merged */
	uint64_t	subscriptions_refused;	/* over --max-subscriptions */
	uint64_t	refused_per_ip;		/* handshakes over --max-connections-per-ip */
	uint64_t	refused_auth;		/* handshakes without a valid token (403) */
	uint64_t	refused_origin;		/* handshakes from a page of another origin (403) */
	uint64_t	closed_no_handshake;	/* sessions closed with 4002 */
	uint64_t	closed_revoked;		/* sessions closed with 4003 */
	uint64_t	submit_latency[METRICS_LATENCY_BUCKETS + 1];	/* cumulative at scrape */
	double		submit_latency_sum;
	uint64_t	batch_size[METRICS_BATCH_BUCKETS + 1];
	uint64_t	batch_ops;
	double		notification_queue_usage;	/* sampled pg_notification_queue_usage() */
} Metrics;

extern Metrics metrics;

void		metrics_submit_latency(double seconds);
void		metrics_batch(int ops);

/* The Prometheus text of every metric (malloc'd, with LWS_PRE bytes before it). */
char	   *metrics_render(size_t *len);

/* Samples pg_notification_queue_usage() every 15 s through the pool. */
void		metrics_start_sampling(struct lws_context *context);

#endif
