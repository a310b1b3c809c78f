/*
 * query.h: ShareDB queries: qf (fetch), qs (subscribe, and resubscribe
 * with r), qu; live diffs {a: "q", id, diff} and extra updates.
 *
 * A query runs in the database (ot.query, ot.query_extra) as the session's
 * principal, so only documents it may read appear.  A subscribed query
 * LISTENs on every document channel (query_channels.h) before it reads,
 * hears every op of its collection, and stays current: a query with only a
 * filter re-checks the documents that changed (ot.query of the query and
 * their ids), one with $sort, $skip, $limit or $count re-runs; both at most
 * --query-reruns times a second per query, what arrives meanwhile merged.
 * The documents of its results receive ops as if subscribed (as ShareDB's
 * agent sends a query's documents their ops): each holds a subscription of
 * the session's (docs/document.h's Sub, query_refs).
 *
 * On partitions (db/partitions.h) each read is one per partition, merged
 * (query_merge.c: the union in id order, $count summed; a re-check asks
 * only the partitions of the documents that changed); $sort, $skip and
 * $limit are refused there (ERR_QUERY_NOT_SUPPORTED).
 *
 * Bounds (QueryLimits): results per query, queries per session; past
 * them ERR_QUERY_TOO_MANY_RESULTS, ERR_TOO_MANY_QUERIES.
 *
 * May include: client/client.
 */
#ifndef PG_OT_GATEWAY_QUERY_H
#define PG_OT_GATEWAY_QUERY_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stdbool.h>

#include "client/client.h"

typedef struct QueryLimits
{
	int			max_results;	/* documents in one query's results */
	int			max_queries;	/* queries one session has (subscribed, or fetches in flight) */
	int			reruns;			/* re-runs (or re-checks) of one subscribed query per second */
} QueryLimits;

void		query_init(struct lws_context *context, const QueryLimits *limits);
/* At exit, after the sessions and the pool (which drops the reads out): what waited for them is freed. */
void		query_stop(void);

/* qf, qs (subscribe: true) and qu; each steals request. */
void		query_request(Session *s, json_t *request, bool subscribe);
void		query_unsubscribe(Session *s, json_t *request);

/* The session closes: its queries go (close hook). */
void		query_session_closed(Session *s);

#endif
