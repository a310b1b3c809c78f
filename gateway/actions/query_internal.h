/*
 * query_internal.h: what query.c and query_live.c share, and nobody else
 * includes.
 *
 * May include: actions/query.h and what it may, actions/query_channels.h,
 * base/table.h, db/pool.h, db/partitions.h.
 */
#ifndef PG_OT_GATEWAY_QUERY_INTERNAL_H
#define PG_OT_GATEWAY_QUERY_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "actions/query.h"
#include "actions/query_channels.h"
#include "base/table.h"
#include "db/partitions.h"
#include "db/pool.h"

typedef enum QueryRead
{
	QUERY_READ_NONE,
	QUERY_READ_ALL,				/* the whole query (or its extra, with $count) */
	QUERY_READ_DOCS				/* the filter on the documents that changed */
} QueryRead;

typedef struct Query
{
	lws_dll2_t	session_link;	/* Session.queries */
	lws_dll2_t	live_link;		/* its collection's subscribed queries (query_live.c) */
	Session    *session;		/* NULL once it ended while a read was out */
	Ticket		ticket;			/* the first read: one of the session's read slots */
	json_int_t	qid;
	bool		subscribe;
	bool		active;			/* its first reply went out: updates follow */
	bool		holds_channels; /* counted in query_channels_hold */
	QueryChannelsWait channels_wait;
	char	   *collection;
	char	   *text;			/* the query, compact JSON */
	bool		rerun;			/* $sort, $skip, $limit or $count: every change re-runs it */
	bool		count;			/* $count: only an extra */
	json_t	   *r;				/* a resubscribe's [id, version] pairs, until the reply */
	char	  **ids;			/* its results, in order (each held, once active) */
	size_t		nids;
	char	   *extra;			/* the text of its extra; NULL: none */
	/* Staying current (query_live.c). */
	QueryRead	reading;		/* the read out */
	bool		code_lookup;	/* a refusal's ShareDB code asked of the database: kept until it answers */
	bool		run_all;		/* a re-run is due */
	Table		dirty;			/* ids to re-check (value: its place in dirty_order + 1) */
	char	  **dirty_order;
	size_t		ndirty;
	char	  **checking;		/* the ids of the re-check out */
	size_t		nchecking;
	Table		heard;			/* ids whose ops were heard while a read was out */
	bool		heard_all;		/* more than max_results of them */
	lws_sorted_usec_list_t timer;
	lws_usec_t	last_read;		/* when the last read went out */
} Query;

extern QueryLimits query_limits;
extern struct lws_context *query_context;

/*
 * query.c: starts a read of kind for q: QUERY_READ_ALL its whole query on
 * every partition, QUERY_READ_DOCS its filter on ids (each partition that
 * holds some of them reads those).  The answers are merged once all are in.
 */
void		query_read_start(Query *q, QueryRead kind, const char *const *ids, size_t nids);

/* query.c: the query ends: its documents are let go, it is freed (or once its read returns). */
void		query_end(Query *q);

/* query.c: {"a": a, "id": qid} and, if key is not NULL, "key": raw (JSON text), as a frame. */
Frame	   *query_message(const char *a, json_int_t qid, const char *key, const char *raw, size_t len);

/* query_reply.c: a query's first read came back (its rows, or extra alone): its reply. */
void		query_first_read(Query *q, const PGresult *res, const char *extra);

/* query.c: sends q's session a {"a": "q", "id"} message with error. */
void		query_send_error(Query *q, const char *code, const char *message);

/* query_live.c */
void		query_live_init(void);
void		query_live_add(Query *q);
void		query_live_remove(Query *q);
void		query_live_after_read(Query *q);	/* a read came back: what waits goes next */
bool		query_heard(Query *q, const char *id);	/* while its read was out */
void		query_live_clear(Query *q);

/*
 * The rows of a read (QUERY_ROWS_SQL): the diff between q's results and
 * them, sent; what enters is held, what leaves let go (if held: release).
 */
void		query_update(Query *q, const PGresult *res, bool release);

/* The rows of a re-check of ids (the ones that still match). */
void		query_checked(Query *q, const PGresult *res, char **ids, size_t nids);

/* Holds (or lets go of) a document of q's results for its session. */
void		query_hold(Query *q, const char *id, int64_t v, const char *channel, bool behind);
void		query_let_go(Query *q, const char *id);

/*
 * query_merge.c: res[0..n-1] the answers of the partitions a read went to
 * (NULL: not asked).  The rows of all, in id order (as the database orders
 * a query without $sort), as one result; a $count's extra, the sum of theirs
 * (NULL: none).
 */
PGresult   *query_merge_rows(PGresult *const *res, int n);
char	   *query_merge_count(PGresult *const *res, int n);

/* JavaScript's (UTF-16) order of two ids, as the database's query_utf16_cmp. */
int			query_id_cmp(const char *a, const char *b);

/* query_live.c: a read starts: what is heard from now on, until it returns, is remembered. */
void		query_heard_clear(Query *q);
#endif
