/*
 * fetch.c: snapshot and op reads for f, s, bf, bs (see fetch.h): one
 * document's read (DocRead), the bulk requests over many, and the
 * subscriptions they open.
 *
 * Owns: DocRead and Bulk.  May call: docs (document, subscription),
 * db (pool, error codes, queries), client (reads, client), base.
 */
#include "actions/fetch.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "docs/document.h"
#include "db/error_codes.h"
#include "base/json_text.h"
#include "base/metrics.h"
#include "db/pool.h"
#include "client/reads.h"
#include "db/queries.h"
#include "actions/fetch_internal.h"

static const char snapshot_sql[] = SNAPSHOT_SQL;
static const char ops_sql[] = OP_ROWS_SQL;

/*
 * The fields of a request its reply and errors need: what is held while
 * its read is in flight is that, not whatever else the client sent with it.
 */
json_t *
fetch_reply_fields(const json_t *request)
{
	static const char *const keys[] = {"a", "c", "d", "v", "ts", "id", NULL};
	json_t	   *fields = json_object();

	for (int i = 0; keys[i]; i++)
		if (json_object_get(request, keys[i]))
			json_object_set(fields, keys[i], json_object_get(request, keys[i]));
	return fields;
}

/* Closes a subscription whose read ended without opening it. */
static void
sub_abandon(Sub *sub)
{
	sub->state = SUB_ACTIVE;
	sub_drop(sub);
}

static void
sub_open(Sub *sub)
{
	if (sub->session == NULL)
		sub_abandon(sub);
	else
		sub_activate(sub);
}

static void
bulk_finish(Bulk *bulk)
{
	Session    *s = bulk->ticket.session;
	json_t	   *request = bulk->request;
	bool		failed = bulk->error != NULL;

	ticket_detach(&bulk->ticket);
	if (s && failed)
		session_send_error(s, json_incref(request),
						   json_string_value(json_object_get(bulk->error, "code")),
						   json_string_value(json_object_get(bulk->error, "message")));
	else if (s)
	{
		json_t	   *reply = json_pack("{s:O,s:O}", "a", json_object_get(request, "a"),
									  "c", json_object_get(request, "c"));
		JsonText	t;

		if (!bulk->has_data)
			json_object_set(reply, "b", json_object_get(request, "b"));
		json_text_open(&t);
		json_text_members(&t, reply);
		if (bulk->has_data)
		{
			size_t		len;
			char	   *data = json_text_close(&bulk->data, &len);

			json_text_raw_member(&t, "data", data, len);
			free(data);
		}
		session_send(s, json_text_frame(&t));
		json_decref(reply);
	}
	if (bulk->has_data)
		json_text_free(&bulk->data);
	for (int i = 0; i < bulk->nheld; i++)
	{
		if (failed)
			sub_abandon(bulk->held[i]);
		else
			sub_open(bulk->held[i]);
	}
	json_decref(bulk->request);
	json_decref(bulk->error);
	free(bulk->held);
	free(bulk);
}

/*
 * One document of a read is done: snapshot (its JSON text, at snapshot_v),
 * or NULL after ops, or error.
 */
static void
read_finished(DocRead *r, const char *snapshot, int64_t snapshot_v, json_t *error)
{
	Session    *s = r->ticket.session;
	Sub		   *sub = r->sub;

	ticket_detach(&r->ticket);
	if (r->bulk)
	{
		Bulk	   *bulk = r->bulk;

		if (bulk->has_data && snapshot)
			json_text_raw_member(&bulk->data, r->doc->id, snapshot, strlen(snapshot));
		else if (bulk->has_data && error)
		{
			json_t	   *e = json_pack("{s:O}", "error", error);
			char	   *text = json_dumps(e, JSON_COMPACT);

			if (text == NULL)
				out_of_memory();
			json_text_raw_member(&bulk->data, r->doc->id, text, strlen(text));
			free(text);
			json_decref(e);
		}
		else if (error && bulk->error == NULL)
			bulk->error = json_incref(error);
		if (sub && error)
			sub_abandon(sub);
		else if (sub)
		{
			sub->state = SUB_HELD;
			if (snapshot)
				sub->start_v = snapshot_v;
			bulk->held[bulk->nheld++] = sub;
		}
		if (--bulk->outstanding == 0)
			bulk_finish(bulk);
	}
	else
	{
		if (s && error)
			session_send_error(s, json_incref(r->request),
							   json_string_value(json_object_get(error, "code")),
							   json_string_value(json_object_get(error, "message")));
		else if (s)
		{
			json_t	   *reply = json_pack("{s:O,s:O,s:O}", "a", json_object_get(r->request, "a"),
										  "c", json_object_get(r->request, "c"),
										  "d", json_object_get(r->request, "d"));
			JsonText	t;

			json_text_open(&t);
			json_text_members(&t, reply);
			if (snapshot)
				json_text_raw_member(&t, "data", snapshot, strlen(snapshot));
			session_send(s, json_text_frame(&t));
			json_decref(reply);
			if (snapshot && sub == NULL)
				doc_snapshot_sent(s, r->doc, snapshot_v);
		}
		if (sub && (error || !s))
			sub_abandon(sub);
		else if (sub)
		{
			if (snapshot)
				sub->start_v = snapshot_v;
			sub_open(sub);
		}
	}
	json_decref(error);
	json_decref(r->request);
	doc_release(r->doc);
	free(r);
}

static void
read_failed(const char *code, const char *message, void *arg)
{
	read_finished(arg, NULL, 0, json_pack("{s:s,s:s}", "code", code, "message", message));
}

static void
read_done(DbRead *read, PGresult *res)
{
	DocRead    *r = read->arg;
	int64_t		failed_v;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		error_code_of(res, read->partition, true, read_failed, r);
		return;
	}
	if (r->from_v < 0)
	{
		if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		{
			lwsl_err("%s/%s: ot.fetch returned %d rows\n", r->doc->collection, r->doc->id, PQntuples(res));
			read_finished(r, NULL, 0, json_pack("{s:s,s:s}", "code", "ERR_UNKNOWN_ERROR",
												"message", "the snapshot could not be read"));
			return;
		}
		read_finished(r, PQgetvalue(res, 0, 0), strtoll(PQgetvalue(res, 0, 1), NULL, 10), NULL);
		return;
	}
	if (r->ticket.session && !doc_read_ops(r->ticket.session, r->doc, r->from_v, res, &failed_v))
	{
		char		buf[160];

		snprintf(buf, sizeof(buf), "version %lld of the document cannot be read from the op log",
				 (long long) failed_v);
		read_finished(r, NULL, 0, json_pack("{s:s,s:s}", "code", "ERR_UNKNOWN_ERROR", "message", buf));
		return;
	}
	read_finished(r, NULL, -1, NULL);
}

static void
read_run(DocWait *w)
{
	DocRead    *r = lws_container_of(w, DocRead, wait);
	Session    *s = r->ticket.session;
	char		from[24];
	const char *params[3] = {r->doc->collection, r->doc->id, from};

	if (s == NULL)
	{
		read_finished(r, NULL, 0, NULL);	/* the client went while it waited */
		return;
	}
	if (r->sub && !channel_listening(r->doc->channel))
	{
		read_finished(r, NULL, 0, json_pack("{s:s,s:s}", "code", "ERR_UNKNOWN_ERROR", "message",
											"the document's notifications could not be set up"));
		return;
	}
	snprintf(from, sizeof(from), "%lld", (long long) r->from_v);
	pool_read(r->doc->partition, db_read_new(r->from_v < 0 ? snapshot_sql : ops_sql, s->user, read_done, r,
						  r->from_v < 0 ? 2 : 3, params));
}

static void
read_start(Session *s, json_t *request, Bulk *bulk, const char *id, bool subscribe, int64_t version)
{
	const char *c = json_string_value(json_object_get(request, "c"));
	DocRead    *r = xcalloc(1, sizeof(DocRead));

	r->doc = doc_acquire(c, id);
	r->bulk = bulk;
	r->request = bulk ? NULL : fetch_reply_fields(request);
	r->from_v = version;
	r->wait.fn = read_run;
	ticket_attach_read(&r->ticket, s);
	if (subscribe)
	{
		Sub		   *old = sub_find(s, r->doc);
		int			query_refs = old ? old->query_refs : 0;

		if (old)
			sub_drop(old);		/* subscribing again: a new read, the same gate */
		r->sub = sub_create(s, r->doc);
		r->sub->query_refs = query_refs;	/* its queries still hold it */
		if (version >= 0)
			doc_expect(s, r->doc, version);
		doc_when_listening(r->doc, &r->wait);
	}
	else
		read_run(&r->wait);
}

/* Whether s is not subscribed to c/id yet. */
static bool
is_new_subscription(Session *s, const char *c, const char *id)
{
	return !sub_exists(s, c, id);
}

/* Answers request ERR_TOO_MANY_SUBSCRIPTIONS if adding would pass the limit. */
static bool
refuse_over_limit(Session *s, json_t *request, size_t adding)
{
	if (s->subs.count + adding <= (size_t) client_limits.max_subscriptions)
		return false;
	metrics.subscriptions_refused++;
	session_send_error(s, request, "ERR_TOO_MANY_SUBSCRIPTIONS",
					   "this connection has as many subscriptions as the gateway allows");
	return true;
}

void
fetch_doc(Session *s, json_t *request, bool subscribe, int64_t version)
{
	if (subscribe &&
		refuse_over_limit(s, request, is_new_subscription(s, json_string_value(json_object_get(request, "c")),
														  json_string_value(json_object_get(request, "d")))))
		return;
	read_start(s, request, NULL, json_string_value(json_object_get(request, "d")), subscribe, version);
	json_decref(request);
}

static size_t
new_in_bulk(Session *s, json_t *request)
{
	const char *c = json_string_value(json_object_get(request, "c"));
	json_t	   *b = json_object_get(request, "b");
	size_t		adding = 0;
	size_t		i;
	const char *id;
	json_t	   *item;

	json_array_foreach(b, i, item)
		adding += is_new_subscription(s, c, json_string_value(item));
	json_object_foreach(b, id, item)
		adding += is_new_subscription(s, c, id);
	return adding;
}

/*
 * Starts the reads of a bulk request while its session has read slots
 * free (reads.h), then waits for one; once every read has started (or the
 * session is gone, and the rest never will), the "+ 1" of outstanding goes.
 */
static void
bulk_continue(ReadWait *w)
{
	Bulk	   *bulk = lws_container_of(w, Bulk, wait);
	Session    *s = bulk->ticket.session;
	json_t	   *request = bulk->request;
	json_t	   *b = json_object_get(request, "b");

	for (;;)
	{
		bool		more = json_is_array(b) ? bulk->next < json_array_size(b) : bulk->iter != NULL;

		if (s == NULL || !more)
			break;
		if (!reads_slot_free(s))
		{
			reads_when_free(s, &bulk->wait);
			return;
		}
		bulk->outstanding++;
		if (json_is_array(b))
			read_start(s, request, bulk, json_string_value(json_array_get(b, bulk->next++)), bulk->subscribe, -1);
		else
		{
			const char *id = json_object_iter_key(bulk->iter);
			json_t	   *v = json_object_iter_value(bulk->iter);

			bulk->iter = json_object_iter_next(b, bulk->iter);
			read_start(s, request, bulk, id, bulk->subscribe, json_is_integer(v) ? json_integer_value(v) : -1);
		}
	}
	if (--bulk->outstanding == 0)
		bulk_finish(bulk);
}

void
fetch_bulk(Session *s, json_t *request, bool subscribe)
{
	json_t	   *b = json_object_get(request, "b");
	Bulk	   *bulk;
	size_t		n = json_is_array(b) ? json_array_size(b) : json_object_size(b);

	if (subscribe && refuse_over_limit(s, request, new_in_bulk(s, request)))
		return;
	if (!subscribe && n > (size_t) client_limits.max_subscriptions)
	{
		/* A bulk fetch names no more documents than a connection may subscribe to. */
		metrics.subscriptions_refused++;
		session_send_error(s, request, "ERR_TOO_MANY_SUBSCRIPTIONS",
						   "a bulk fetch may name no more documents than a connection may subscribe to");
		return;
	}
	bulk = xcalloc(1, sizeof(Bulk));
	bulk->request = request;
	bulk->has_data = json_is_array(b);
	if (bulk->has_data)
		json_text_open(&bulk->data);
	bulk->outstanding = 1;		/* the reads started, + 1 until every read has started */
	bulk->held = xcalloc(n + 1, sizeof(Sub *));
	bulk->subscribe = subscribe;
	bulk->iter = json_is_object(b) ? json_object_iter(b) : NULL;
	bulk->wait.fn = bulk_continue;
	ticket_attach(&bulk->ticket, s);
	bulk_continue(&bulk->wait);
}
