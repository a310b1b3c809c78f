/*
 * metrics_text.h: /metrics, the Prometheus text of the counters
 * (base/metrics.h) and of the gauges each module answers when scraped.
 *
 * May include: every folder below edge.
 */
#ifndef PG_OT_GATEWAY_METRICS_TEXT_H
#define PG_OT_GATEWAY_METRICS_TEXT_H

#include <stddef.h>

struct lws_context;

/* The Prometheus text of every metric (malloc'd, with LWS_PRE bytes before it). */
char	   *metrics_render(size_t *len);

/* Samples pg_notification_queue_usage() every 15 s through the pool. */
void		metrics_start_sampling(struct lws_context *context);

#endif
