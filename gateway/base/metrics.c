/*
 * metrics.c: the counters (see metrics.h).
 *
 * Owns: the Metrics struct and its histograms' buckets.  May call: nothing
 * of the gateway (edge/metrics_text.c renders them).
 */
#include "base/metrics.h"

Metrics		metrics;

const double metrics_latency_bounds[METRICS_LATENCY_BUCKETS] =
{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
const int	metrics_batch_bounds[METRICS_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64};

void
metrics_submit_latency(double seconds)
{
	int			i = 0;

	while (i < METRICS_LATENCY_BUCKETS && seconds > metrics_latency_bounds[i])
		i++;
	metrics.submit_latency[i]++;
	metrics.submit_latency_sum += seconds;
}

void
metrics_batch(int ops)
{
	int			i = 0;

	while (i < METRICS_BATCH_BUCKETS && ops > metrics_batch_bounds[i])
		i++;
	metrics.batch_size[i]++;
	metrics.batch_ops += (uint64_t) ops;
}
