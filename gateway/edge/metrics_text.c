/*
 * metrics_text.c: the Prometheus text of /metrics (see metrics_text.h).
 *
 * Owns: the rendering of the counters (base/metrics.h) and of the gauges
 * read when scraped (per partition too, with --partition), and the
 * sampling of pg_notification_queue_usage() on each partition.
 * May call: every folder below edge (each gauge's module: client, docs,
 * db/listener, db/pool, db/partitions, actions/submit), edge/admission,
 * edge/outage.
 */
#include "edge/metrics_text.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>

#include "actions/submit.h"
#include "base/alloc.h"
#include "base/metrics.h"
#include "base/text.h"
#include "client/client.h"
#include "db/listener.h"
#include "db/partitions.h"
#include "db/pool.h"
#include "db/queries.h"
#include "docs/document.h"
#include "edge/admission.h"
#include "edge/outage.h"

#define SAMPLE_US (15 * LWS_USEC_PER_SEC)

static struct lws_context *sample_context;
static lws_sorted_usec_list_t sample_timer;
static double queue_usage[PARTITIONS_MAX];	/* each partition's last sample */

static void
counter(Text *t, const char *name, const char *help, uint64_t value)
{
	text_addf(t, "# HELP pg_ot_gateway_%s %s\n# TYPE pg_ot_gateway_%s counter\npg_ot_gateway_%s %llu\n",
		name, help, name, name, (unsigned long long) value);
}

static void
gauge(Text *t, const char *name, const char *help, double value)
{
	text_addf(t, "# HELP pg_ot_gateway_%s %s\n# TYPE pg_ot_gateway_%s gauge\npg_ot_gateway_%s %g\n",
		name, help, name, name, value);
}

static void
histogram(Text *t, const char *name, const char *help, const uint64_t *counts, int nbounds,
		  const double *bounds, double sum)
{
	uint64_t	cumulative = 0;

	text_addf(t, "# HELP pg_ot_gateway_%s %s\n# TYPE pg_ot_gateway_%s histogram\n", name, help, name);
	for (int i = 0; i < nbounds; i++)
	{
		cumulative += counts[i];
		text_addf(t, "pg_ot_gateway_%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], (unsigned long long) cumulative);
	}
	cumulative += counts[nbounds];
	text_addf(t, "pg_ot_gateway_%s_bucket{le=\"+Inf\"} %llu\npg_ot_gateway_%s_sum %g\npg_ot_gateway_%s_count %llu\n",
		name, (unsigned long long) cumulative, name, sum, name, (unsigned long long) cumulative);
}

/* One gauge per partition: value(p). */
static void
partition_gauge(Text *t, const char *name, const char *help, double (*value) (int p))
{
	text_addf(t, "# HELP pg_ot_gateway_%s %s\n# TYPE pg_ot_gateway_%s gauge\n", name, help, name);
	for (int p = 0; p < partitions_count(); p++)
		text_addf(t, "pg_ot_gateway_%s{partition=\"%d\"} %g\n", name, p, value(p));
}

static double
up_of(int p)
{
	return partition_reachable(p);
}

static double
listener_up_of(int p)
{
	return listener_up(p);
}

static double
pool_up_of(int p)
{
	return pool_connected(p);
}

static double
queue_usage_of(int p)
{
	return queue_usage[p];
}

static bool
listeners_up(void)
{
	for (int p = 0; p < partitions_count(); p++)
		if (!listener_up(p))
			return false;
	return true;
}

static int
pool_connected_all(void)
{
	int			n = 0;

	for (int p = 0; p < partitions_count(); p++)
		n += pool_connected(p);
	return n;
}

char *
metrics_render(size_t *len)
{
	Text		t;
	double		batch_bounds_d[METRICS_BATCH_BUCKETS];

	text_init(&t, LWS_PRE);
	for (int i = 0; i < METRICS_BATCH_BUCKETS; i++)
		batch_bounds_d[i] = metrics_batch_bounds[i];
	gauge(&t, "connections", "WebSocket sessions open", sessions_count());
	counter(&t, "connections_total", "WebSocket sessions opened", metrics.connections_total);
	gauge(&t, "connections_pending", "connections accepted that are not WebSocket sessions", admission_pending());
	gauge(&t, "documents", "documents with someone on this gateway", documents_count());
	gauge(&t, "listener_up", "1 when the LISTEN connection is up (every partition's)", listeners_up());
	gauge(&t, "pool_connections_up", "query connections up (of every partition)", pool_connected_all());
	if (partitions_named())
	{
		gauge(&t, "partitions", "partitions the documents are spread over (--partition)", partitions_count());
		partition_gauge(&t, "partition_up", "1 when the partition is reachable (its LISTEN connection and a query connection are up)",
						up_of);
		partition_gauge(&t, "partition_listener_up", "1 when the partition's LISTEN connection is up", listener_up_of);
		partition_gauge(&t, "partition_pool_connections_up", "the partition's query connections up", pool_up_of);
		partition_gauge(&t, "partition_unreachable_seconds", "how long the partition has been unreachable, 0 while reachable",
						partition_outage_seconds);
		partition_gauge(&t, "partition_notification_queue_usage",
						"the partition's pg_notification_queue_usage(), sampled every 15 s", queue_usage_of);
	}
	counter(&t, "listener_reconnects_total", "times the LISTEN connection broke or failed to connect",
			metrics.listener_reconnects);
	counter(&t, "db_timeouts_total", "database round trips that passed their deadline (the connection was dropped)",
			metrics.db_timeouts);
	counter(&t, "db_silent_total", "times the listener's heartbeat found the database silent (every connection dropped)",
			metrics.db_silent);
	counter(&t, "pool_reconnects_total", "times a query connection broke or failed to connect",
			metrics.pool_reconnects);
	counter(&t, "db_read_only_total",
			"connections dropped because the server was read-only (SQLSTATE 25006: a standby); their work ran again",
			metrics.db_read_only);
	counter(&t, "db_version_refused_total",
			"connections dropped because the server's pg_ot was missing or a version this gateway does not support",
			metrics.db_version_refused);
	counter(&t, "db_server_changes_total", "times the LISTEN connection came back on another host or port (a failover)",
			metrics.db_server_changes);
	counter(&t, "db_outages_total", "times the database (a primary) became unreachable", metrics.db_outages);
	gauge(&t, "db_unreachable_seconds", "how long the database (a primary) has been unreachable, 0 while reachable",
		  outage_seconds());
	text_addf(&t, "# HELP pg_ot_gateway_db_unreachable_seconds_total seconds without a reachable primary since the gateway started\n"
		"# TYPE pg_ot_gateway_db_unreachable_seconds_total counter\npg_ot_gateway_db_unreachable_seconds_total %g\n",
		outage_seconds_total());
	counter(&t, "batches_resent_total", "submit batches sent again after their connection broke or passed its deadline",
			metrics.batches_resent);
	counter(&t, "closed_db_unavailable_total", "clients closed with 1013 when the database stayed unreachable past the grace",
			metrics.closed_db_unavailable);
	counter(&t, "connections_refused_db_total", "handshakes refused (503) while the database is unreachable past the grace",
			metrics.refused_db_unavailable);
	counter(&t, "messages_received_total", "client messages", metrics.messages_received);
	counter(&t, "ops_received_total", "op messages from clients", metrics.ops_received);
	counter(&t, "ops_acked_total", "ops acknowledged", metrics.ops_acked);
	counter(&t, "ops_rejected_total", "ops answered with an error", metrics.ops_rejected);
	gauge(&t, "ops_in_flight", "ops received and not answered yet", submit_outstanding());
	counter(&t, "frames_sent_total", "frames queued to clients", metrics.frames_sent);
	counter(&t, "notifications_total", "notifications received", metrics.notifications);
	counter(&t, "notifications_forged_total", "notifications dropped: not signed by pg_ot",
			metrics.notifications_forged);
	counter(&t, "notifications_invalid_total", "notifications dropped: signed, but not readable",
			metrics.notifications_invalid);
	counter(&t, "notifications_replayed_total",
			"presence and revoke notifications dropped: replayed, or signed before the LISTEN",
			metrics.notifications_replayed);
	counter(&t, "gap_fills_total", "op log reads for ops the notifications missed", metrics.gap_fills);
	counter(&t, "op_rows_unusable_total",
			"op rows read that could not be delivered (a version missing from the op log)",
			metrics.op_rows_unusable);
	counter(&t, "subscriptions_failed_total",
			"subscriptions stopped with an error to the client because their next ops could not be read",
			metrics.subscriptions_failed);
	counter(&t, "rate_limited_total", "client messages answered ERR_RATE_LIMITED", metrics.rate_limited);
	counter(&t, "closed_lagging_total", "clients closed with 4008 for not reading", metrics.closed_lagging);
	counter(&t, "presence_merged_total", "presence updates over the presence rate, merged into a later one",
			metrics.presence_merged);
	counter(&t, "subscriptions_refused_total", "subscriptions answered ERR_TOO_MANY_SUBSCRIPTIONS",
			metrics.subscriptions_refused);
	counter(&t, "queries_total", "qf and qs requests", metrics.queries);
	counter(&t, "queries_refused_total", "queries answered ERR_TOO_MANY_QUERIES or ERR_QUERY_TOO_MANY_RESULTS",
			metrics.queries_refused);
	counter(&t, "query_reruns_total", "subscribed queries read again whole", metrics.query_reruns);
	counter(&t, "query_rechecks_total", "filter-only subscribed queries' re-checks of changed documents",
			metrics.query_rechecks);
	counter(&t, "query_diffs_total", "query diffs sent", metrics.query_diffs);
	counter(&t, "connections_refused_per_ip_total", "handshakes refused (429) for connections per address",
			metrics.refused_per_ip);
	counter(&t, "connections_refused_pending_total",
			"connections closed at accept: over --max-pending-per-ip or --max-connections",
			metrics.refused_pending);
	counter(&t, "connections_refused_auth_total", "handshakes refused (403) for a missing or invalid token",
			metrics.refused_auth);
	counter(&t, "connections_refused_origin_total", "handshakes refused (403) from a page of another origin",
			metrics.refused_origin);
	counter(&t, "closed_no_handshake_total", "clients closed with 4002 for no handshake in time",
			metrics.closed_no_handshake);
	counter(&t, "closed_revoked_total", "clients closed with 4003 when a grant they relied on was revoked",
			metrics.closed_revoked);
	counter(&t, "ops_refused_src_total", "ops refused for a src not issued to their client",
			metrics.ops_refused_src);
	counter(&t, "ops_refused_waiting_total", "ops answered ERR_TOO_MANY_OPS_WAITING",
			metrics.ops_refused_waiting);
	counter(&t, "ops_abandoned_total", "ops dropped before they were sent: their client left",
			metrics.ops_abandoned);
	gauge(&t, "document_log_bytes", "bytes of op frames the open documents keep for subscribers behind",
		  (double) metrics.log_bytes);
	gauge(&t, "queued_bytes", "bytes of frames queued to clients", (double) metrics.queued_bytes);
	gauge(&t, "ops_waiting_bytes", "bytes of ops received and not answered yet",
		  (double) metrics.ops_waiting_bytes);
	gauge(&t, "reads_in_flight", "database reads sessions have in flight", (double) metrics.reads_in_flight);
	counter(&t, "reads_waited_total", "client messages that waited for one of their connection's read slots",
			metrics.reads_waited);
	counter(&t, "refusals_cached_total", "presence requests refused from their connection's cache, without the database",
			metrics.refusals_cached);
	counter(&t, "presence_refused_total", "presence updates refused for their size or one presence too many",
			metrics.presence_refused);
	gauge(&t, "presences", "presences (channel and presence id) clients have on this gateway",
		  (double) metrics.presences);
	gauge(&t, "presence_bytes", "bytes of the presence updates kept for them (the last sent, those waiting for the rate)",
		  (double) metrics.presence_bytes);
	histogram(&t, "submit_seconds", "from an op's arrival to its answer", metrics.submit_latency,
			  METRICS_LATENCY_BUCKETS, metrics_latency_bounds, metrics.submit_latency_sum);
	histogram(&t, "batch_ops", "ops per ot.submit_batch transaction", metrics.batch_size,
			  METRICS_BATCH_BUCKETS, batch_bounds_d, (double) metrics.batch_ops);
	gauge(&t, "notification_queue_usage", "pg_notification_queue_usage(), sampled every 15 s (the highest of the partitions')",
		  metrics.notification_queue_usage);
	*len = t.len;
	return t.buf;				/* LWS_PRE bytes, then the text */
}

static void
sampled(DbRead *read, PGresult *res)
{
	double		highest = 0;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		queue_usage[read->partition] = strtod(PQgetvalue(res, 0, 0), NULL);
	for (int p = 0; p < partitions_count(); p++)
		if (queue_usage[p] > highest)
			highest = queue_usage[p];
	metrics.notification_queue_usage = highest;
}

static void
sample(lws_sorted_usec_list_t *sul)
{
	for (int p = 0; p < partitions_count(); p++)
		if (partition_reachable(p))	/* a down partition's queue is not fed */
			pool_read(p, db_read_new(NOTIFICATION_QUEUE_SQL, NULL, sampled, NULL, 0, NULL));
	lws_sul_schedule(sample_context, 0, &sample_timer, sample, SAMPLE_US);
}

void
metrics_start_sampling(struct lws_context *context)
{
	sample_context = context;
	sample(&sample_timer);
}
