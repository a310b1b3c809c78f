/*
 * query.c: the qf, qs and qu requests (see query.h): a query's start, its
 * reads, its end.
 *
 * Owns: Query, its reads (one per partition, merged by query_merge.c).
 * May call: actions (query_reply, query_live, query_channels, query_merge),
 * db (pool, partitions, error codes, queries), client (client, reads),
 * base.
 */
#include "actions/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/query_internal.h"
#include "base/alloc.h"
#include "base/json_text.h"
#include "base/metrics.h"
#include "client/reads.h"
#include "db/error_codes.h"
#include "db/partitions.h"
#include "db/pg_conn.h"
#include "db/pool.h"
#include "db/queries.h"

QueryLimits query_limits;
struct lws_context *query_context;

/* The reads out (QueryReadArg.link): the pool drops them at exit, query_stop() frees them. */
static lws_dll2_owner_t reads_out;

/* One read of a query: a read on each partition it goes to, merged once all are in. */
typedef struct QueryReadArg
{
	lws_dll2_t	link;			/* reads_out */
	Query	   *q;
	QueryRead	kind;
	bool		extra_only;
	char	  **ids;			/* a re-check's ids */
	size_t		nids;
	int			pending;		/* partitions' reads still out */
	bool		failed;			/* one was refused: the query ended with its error */
	PGresult   *res[PARTITIONS_MAX];	/* each partition's answer, kept (NULL: not asked) */
} QueryReadArg;

void
query_init(struct lws_context *context, const QueryLimits *limits)
{
	query_context = context;
	query_limits = *limits;
	query_live_init();
}

static Query *
query_find(Session *s, json_int_t qid)
{
	lws_start_foreach_dll(struct lws_dll2 *, p, s->queries.head)
	{
		Query	   *q = lws_container_of(p, Query, session_link);

		if (q->qid == qid && q->subscribe)
			return q;
	}
	lws_end_foreach_dll(p);
	return NULL;
}

static void
strings_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void
query_free(Query *q)
{
	strings_free(q->ids, q->nids);
	free(q->collection);
	free(q->text);
	free(q->extra);
	json_decref(q->r);
	query_live_clear(q);
	free(q);
}

void
query_end(Query *q)
{
	if (q->session)
	{
		if (q->active)
			for (size_t i = 0; i < q->nids; i++)
				query_let_go(q, q->ids[i]);
		lws_dll2_remove(&q->session_link);
		ticket_detach(&q->ticket);
	}
	q->session = NULL;
	if (q->subscribe)
		query_live_remove(q);
	if (q->holds_channels)
	{
		query_channels_cancel(&q->channels_wait);
		q->holds_channels = false;
		query_channels_release();
	}
	if (q->reading == QUERY_READ_NONE && !q->code_lookup)
		query_free(q);
}

Frame *
query_message(const char *a, json_int_t qid, const char *key, const char *raw, size_t len)
{
	JsonText	t;
	json_t	   *head = json_pack("{s:s,s:I}", "a", a, "id", (json_int_t) qid);

	json_text_open(&t);
	json_text_members(&t, head);
	if (key)
		json_text_raw_member(&t, key, raw, len);
	json_decref(head);
	return json_text_frame(&t);
}

void
query_send_error(Query *q, const char *code, const char *message)
{
	json_t	   *m;

	if (q->session == NULL)
		return;
	m = json_pack("{s:s,s:I}", "a", q->active ? "q" : (q->subscribe ? "qs" : "qf"), "id",
				  (json_int_t) q->qid);
	session_send_error(q->session, m, code, message);
}

/* The ShareDB code of a query the database refused, with its message. */
static void
refused(const char *code, const char *message, void *arg)
{
	Query	   *q = arg;

	query_send_error(q, code, message);
	query_end(q);
}

/* The code of a refusal error_code_of() had to ask for: the query may have ended meanwhile. */
static void
refused_looked_up(const char *code, const char *message, void *arg)
{
	Query	   *q = arg;

	q->code_lookup = false;
	if (q->session != NULL)
		refused(code, message, q);
	else if (q->reading == QUERY_READ_NONE)
		query_free(q);
}

static void
query_failed(Query *q, const PGresult *res, int partition)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	char		buf[512];

	if (state && strcmp(state, "22023") == 0)
		refused("ERR_QUERY_BADLY_FORMED", pg_result_message(res, buf, sizeof(buf)), q);
	else if (state && strcmp(state, "0A000") == 0)
		refused("ERR_QUERY_NOT_SUPPORTED", pg_result_message(res, buf, sizeof(buf)), q);
	else if (state && strcmp(state, "54000") == 0)
		refused("ERR_QUERY_TOO_MANY_RESULTS", pg_result_message(res, buf, sizeof(buf)), q);
	else
	{
		q->code_lookup = true;
		error_code_of(res, partition, true, refused_looked_up, q);
	}
}

/* A $count read came back with extra (NULL: none). */
static void
extra_read(Query *q, const char *extra)
{
	if (!q->active)
	{
		/* A $count query: no results, its count in extra. */
		PGresult   *empty = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);

		query_first_read(q, empty, extra);
		PQclear(empty);
		return;
	}
	if ((extra == NULL) == (q->extra == NULL) && (extra == NULL || strcmp(extra, q->extra) == 0))
		return;
	free(q->extra);
	q->extra = extra ? xstrdup(extra) : NULL;
	session_send(q->session, query_message("q", q->qid, "extra", extra ? extra : "null",
										   strlen(extra ? extra : "null")));
}

/* The answers of every partition are in (none refused): q has them, merged. */
static void
all_read(Query *q, QueryReadArg *a)
{
	int			n = partitions_count();
	PGresult   *res = NULL;
	int			asked = 0;

	for (int p = 0; p < n; p++)
		if (a->res[p])
		{
			res = a->res[p];
			asked++;
		}
	if (a->extra_only && asked == 1)
	{
		/* One database's extra, as it printed it. */
		extra_read(q, PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : NULL);
		return;
	}
	if (a->extra_only)
	{
		char	   *extra = query_merge_count(a->res, n);

		extra_read(q, extra);
		free(extra);
		return;
	}
	if (asked > 1)
		res = query_merge_rows(a->res, n);
	if (PQntuples(res) > query_limits.max_results)
	{
		char		buf[160];

		metrics.queries_refused++;
		snprintf(buf, sizeof(buf), "a query may have at most %d results (--query-max-results)",
				 query_limits.max_results);
		query_send_error(q, "ERR_QUERY_TOO_MANY_RESULTS", buf);
		query_end(q);
	}
	else if (a->kind == QUERY_READ_DOCS)
		query_checked(q, res, a->ids, a->nids);
	else if (!q->active)
		query_first_read(q, res, NULL);
	else
		query_update(q, res, true);
	if (asked > 1)
		PQclear(res);
}

static void
read_arg_free(QueryReadArg *a)
{
	lws_dll2_remove(&a->link);
	for (int p = 0; p < PARTITIONS_MAX; p++)
		PQclear(a->res[p]);
	strings_free(a->ids, a->nids);
	free(a);
}

/*
 * A partition's read came back: kept until the others are in.  A refusal
 * ends the query at once (the others' answers are then dropped).  Until
 * the last is handled q->reading stays set, so that a query that ends
 * meanwhile (an error, a fetch answered) is freed here.
 */
static void
read_done(DbRead *read, PGresult *res)
{
	QueryReadArg *a = read->arg;
	Query	   *q = a->q;

	if (q->session != NULL && !a->failed && PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		a->failed = true;
		query_failed(q, res, read->partition);
	}
	else if (PQresultStatus(res) == PGRES_TUPLES_OK && PQnfields(res) != (a->extra_only ? 1 : 4))
	{
		/* What the database returns is read by column: a result of another shape is refused. */
		if (q->session != NULL && !a->failed)
		{
			a->failed = true;
			lwsl_err("%s: a query read returned %d columns\n", q->collection, PQnfields(res));
			refused("ERR_UNKNOWN_ERROR", "the database answered the query with an unexpected result", q);
		}
	}
	else if (PQresultStatus(res) == PGRES_TUPLES_OK)
	{
		a->res[read->partition] = PQcopyResult(res, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
		if (a->res[read->partition] == NULL)
			out_of_memory();
	}
	if (--a->pending > 0)
		return;
	if (q->session != NULL && !a->failed)
		all_read(q, a);
	q->reading = QUERY_READ_NONE;
	if (q->session == NULL)
	{
		if (!q->code_lookup)
			query_free(q);
	}
	else if (q->active)
		query_live_after_read(q);
	read_arg_free(a);
}

/* The re-check of ids: the query's filter and {_id: {$in: ids}}. */
static char *
recheck_text(const Query *q, const char *const *ids, size_t nids)
{
	json_t	   *in = json_array();
	json_t	   *check;
	char	   *text;

	for (size_t i = 0; i < nids; i++)
		json_array_append_new(in, json_string(ids[i]));
	check = json_pack("{s:[o],s:{s:o}}", "$and", json_loads(q->text, 0, NULL), "_id", "$in", in);
	text = json_dumps(check, JSON_COMPACT);
	json_decref(check);
	if (text == NULL)
		out_of_memory();
	return text;
}

/* One partition's read of text for a. */
static void
read_on(QueryReadArg *a, int partition, const char *text)
{
	Query	   *q = a->q;
	char		limit[24];
	const char *params[3] = {q->collection, text, limit};

	snprintf(limit, sizeof(limit), "%d", query_limits.max_results + 1);
	a->pending++;
	pool_read(partition, db_read_new(a->extra_only ? QUERY_EXTRA_SQL : QUERY_ROWS_SQL, q->session->user,
									 read_done, a, a->extra_only ? 2 : 3, params));
}

void
query_read_start(Query *q, QueryRead kind, const char *const *ids, size_t nids)
{
	QueryReadArg *a = xcalloc(1, sizeof(QueryReadArg));
	int			n = partitions_count();

	a->q = q;
	a->kind = kind;
	a->extra_only = kind == QUERY_READ_ALL && q->count;
	lws_dll2_add_tail(&a->link, &reads_out);
	if (nids)
	{
		a->ids = xcalloc(nids, sizeof(char *));
		for (size_t i = 0; i < nids; i++)
			a->ids[i] = xstrdup(ids[i]);
		a->nids = nids;
	}
	q->reading = kind;
	q->last_read = lws_now_usecs();
	query_heard_clear(q);
	/* Every read goes out before any can return (callbacks run from the event loop). */
	if (kind == QUERY_READ_ALL)
	{
		for (int p = 0; p < n; p++)
			read_on(a, p, q->text);
		return;
	}
	for (int p = 0; p < n; p++)
	{
		const char **mine = xcalloc(nids + 1, sizeof(char *));
		size_t		k = 0;

		for (size_t i = 0; i < nids; i++)
			if (n == 1 || partition_of(q->collection, ids[i]) == p)
				mine[k++] = ids[i];
		if (k)
		{
			char	   *text = recheck_text(q, mine, k);

			read_on(a, p, text);
			free(text);
		}
		free(mine);
	}
}

static void
channels_ready(QueryChannelsWait *w, bool ok)
{
	Query	   *q = lws_container_of(w, Query, channels_wait);

	if (!ok)
	{
		query_send_error(q, "ERR_UNKNOWN_ERROR", "the notifications of documents could not be set up");
		query_end(q);
		return;
	}
	query_read_start(q, QUERY_READ_ALL, NULL, 0);
}

/* Whether the query's top level has key (its options: $sort, $count, ...). */
static bool
has(const json_t *query, const char *key)
{
	return json_object_get(query, key) != NULL;
}

void
query_request(Session *s, json_t *request, bool subscribe)
{
	json_int_t	qid = json_integer_value(json_object_get(request, "id"));
	json_t	   *query = json_object_get(request, "q");
	json_t	   *r = json_object_get(request, "r");
	Query	   *q;

	if (subscribe && (q = query_find(s, qid)) != NULL)
		query_end(q);			/* subscribing again under the same id, as ShareDB */
	if (s->queries.count >= (uint32_t) query_limits.max_queries)
	{
		char		buf[160];

		metrics.queries_refused++;
		snprintf(buf, sizeof(buf), "a connection may have at most %d queries (--max-queries)",
				 query_limits.max_queries);
		session_send_error(s, request, "ERR_TOO_MANY_QUERIES", buf);
		return;
	}
	if (partitions_count() > 1 && (has(query, "$sort") || has(query, "$skip") || has(query, "$limit")))
	{
		/* Each partition would sort and cut its own documents: as the router, refused. */
		metrics.queries_refused++;
		session_send_error(s, request, "ERR_QUERY_NOT_SUPPORTED",
						   "on partitions, $sort, $skip and $limit are not supported yet");
		return;
	}
	if (subscribe && json_array_size(r) > (size_t) query_limits.max_results)
	{
		/* A resubscribe names the results it had: no more than a query may have. */
		metrics.queries_refused++;
		session_send_error(s, request, "ERR_QUERY_TOO_MANY_RESULTS",
						   "a resubscribe may name no more results than a query may have (--query-max-results)");
		return;
	}
	q = xcalloc(1, sizeof(Query));
	q->session = s;
	q->qid = qid;
	q->subscribe = subscribe;
	q->collection = xstrdup(json_string_value(json_object_get(request, "c")));
	q->text = json_dumps(query, JSON_COMPACT);
	if (q->text == NULL)
		out_of_memory();
	q->count = has(query, "$count");
	q->rerun = q->count || has(query, "$sort") || has(query, "$skip") || has(query, "$limit");
	if (subscribe && json_is_array(r))
		q->r = json_incref(r);
	table_init(&q->dirty);
	table_init(&q->heard);
	lws_dll2_add_tail(&q->session_link, &s->queries);
	ticket_attach_read(&q->ticket, s);
	metrics.queries++;
	json_decref(request);
	if (!subscribe)
	{
		query_read_start(q, QUERY_READ_ALL, NULL, 0);
		return;
	}
	query_live_add(q);
	q->holds_channels = true;
	q->channels_wait.fn = channels_ready;
	query_channels_hold(&q->channels_wait);
}

void
query_unsubscribe(Session *s, json_t *request)
{
	Query	   *q = query_find(s, json_integer_value(json_object_get(request, "id")));

	if (q)
		query_end(q);
	session_send_json(s, json_pack("{s:s,s:O}", "a", "qu", "id", json_object_get(request, "id")));
	json_decref(request);
}

void
query_stop(void)
{
	while (reads_out.head)
	{
		QueryReadArg *a = lws_container_of(reads_out.head, QueryReadArg, link);

		if (a->q->session == NULL)
			query_free(a->q);	/* it ended with its session, waiting for this read */
		read_arg_free(a);
	}
}

void
query_session_closed(Session *s)
{
	while (s->queries.head)
	{
		Query	   *q = lws_container_of(s->queries.head, Query, session_link);

		q->active = false;		/* its subscriptions went with the session */
		query_end(q);
	}
}
