/*
 * query_channels.h: every document channel (pg_ot_0 ..), LISTENed while
 * any subscribed query needs them.
 *
 * A subscribed query must hear of every op of its collection, and op
 * notifications go to channels hashed by (collection, id): so while any
 * query is subscribed on this gateway, it LISTENs on all of them (the
 * notifications are matched to collections by their signed header, see
 * actions/query_live.c).  Reference-counted by the queries.  On
 * partitions, every channel of every partition: each partition's names are
 * read from it, each membership is on its partition's LISTEN connection,
 * and a reconnect of any of them runs the restored handler (what that
 * partition's documents did meanwhile is unknown).
 *
 * May include: base, db.
 */
#ifndef PG_OT_GATEWAY_QUERY_CHANNELS_H
#define PG_OT_GATEWAY_QUERY_CHANNELS_H

#include <libwebsockets.h>
#include <stdbool.h>

/* Runs fn(w, ok) once every channel listens (at once if they do), or could not. */
typedef struct QueryChannelsWait
{
	lws_dll2_t	link;
	void		(*fn) (struct QueryChannelsWait *w, bool ok);
} QueryChannelsWait;

/* One more user; w (if not NULL) runs once the channels listen. */
void		query_channels_hold(QueryChannelsWait *w);

/* Cancels a wait that has not run. */
void		query_channels_cancel(QueryChannelsWait *w);

/* One user less; the last one's going UNLISTENs. */
void		query_channels_release(void);

/* fn runs when the channels listen again after the listener reconnected. */
void		query_channels_on_restored(void (*fn) (void));

#endif
