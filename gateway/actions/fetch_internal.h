/*
 * fetch_internal.h: what fetch.c and fetch_at.c share, and nobody else
 * includes.
 *
 * May include: actions/fetch.h and what it may.
 */
#ifndef PG_OT_GATEWAY_FETCH_INTERNAL_H
#define PG_OT_GATEWAY_FETCH_INTERNAL_H

#include <jansson.h>

#include "actions/fetch.h"
#include "client/reads.h"
#include "docs/document.h"

typedef struct Bulk
{
	Ticket		ticket;
	json_t	   *request;
	bool		has_data;		/* array form: a data object, id -> snapshot or {error} */
	JsonText	data;
	json_t	   *error;			/* object form: the first error */
	int			outstanding;
	Sub		  **held;			/* subscriptions opened once the reply is out */
	int			nheld;
	bool		subscribe;
	size_t		next;			/* array form: the next id to read */
	void	   *iter;			/* object form: the next id to read */
	ReadWait	wait;			/* for a read slot (reads.h) */
} Bulk;

typedef struct DocRead
{
	Ticket		ticket;
	DocWait		wait;
	Doc		   *doc;
	Sub		   *sub;			/* subscribing; NULL for a fetch */
	Bulk	   *bulk;			/* NULL: a single request */
	json_t	   *request;		/* a single request, for its reply */
	int64_t		from_v;			/* < 0: the snapshot */
} DocRead;

typedef struct SnapshotRead
{
	Ticket		ticket;
	json_t	   *request;
} SnapshotRead;


/*
 * The fields of a request its reply and errors need: what is held while
 * its read is in flight is that, not whatever else the client sent with it.
 */
json_t * fetch_reply_fields(const json_t *request);

#endif
