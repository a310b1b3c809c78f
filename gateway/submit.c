/*
 * submit.c: batching ops into ot.submit_batch() (see submit.h).
 */
#include "submit.h"

#include <string.h>

#include "alloc.h"
#include "document.h"
#include "error_codes.h"
#include "metrics.h"
#include "pool.h"

#define BATCH_LIMIT 64			/* ot.submit_batch's own limit */
#define RETRIES_ON_CONFLICT 5

struct Submit
{
	Ticket		ticket;
	lws_dll2_t	doc_link;
	Doc		   *doc;
	json_t	   *request;		/* as the client sent it, for an error reply */
	char	   *item;			/* {"user": ..., "message": ...} for the batch */
	char	   *src;
	int64_t		seq;
	lws_usec_t	arrived;
};
typedef struct Submit Submit;

typedef struct Batch
{
	Submit	   *items[BATCH_LIMIT];
	int			n;
	int			attempts;
} Batch;

static struct
{
	lws_dll2_owner_t ready;		/* documents with an op waiting and none in a batch */
	int			batch_max;
	int			outstanding;
} submits;

int
submit_outstanding(void)
{
	return submits.outstanding;
}

void
submit_init(int batch_max)
{
	submits.batch_max = batch_max < BATCH_LIMIT ? batch_max : BATCH_LIMIT;
}

static void
doc_ready(Doc *doc, bool first)
{
	if (doc->submitting || doc->submits.count == 0 || lws_dll2_is_detached(&doc->ready_link) == 0)
		return;
	if (first)
		lws_dll2_add_head(&doc->ready_link, &submits.ready);
	else
		lws_dll2_add_tail(&doc->ready_link, &submits.ready);
}

void
submit_op(Session *s, json_t *request)
{
	const char *c = json_string_value(json_object_get(request, "c"));
	const char *d = json_string_value(json_object_get(request, "d"));
	json_t	   *message = json_deep_copy(request);
	Submit	   *op = xcalloc(1, sizeof(Submit));
	json_t	   *item;

	json_object_del(message, "x");	/* extra data, never stored nor forwarded */
	if (!json_is_string(json_object_get(message, "src")))
		json_object_set_new(message, "src", json_string(s->src));
	op->src = xstrdup(json_string_value(json_object_get(message, "src")));
	op->seq = json_integer_value(json_object_get(message, "seq"));
	op->request = request;
	op->arrived = lws_now_usecs();
	op->doc = doc_acquire(c, d);
	metrics.ops_received++;
	item = json_pack("{s:s,s:O}", "user", s->user, "message", message);
	op->item = json_dumps(item, JSON_COMPACT);
	if (op->item == NULL)
		out_of_memory();
	json_decref(item);
	ticket_attach(&op->ticket, s);
	/* Its gate holds the op back wherever it shows, until the ack. */
	doc_submitted(op->doc, s, op->src, op->seq);
	json_decref(message);
	lws_dll2_add_tail(&op->doc_link, &op->doc->submits);
	submits.outstanding++;
	doc_ready(op->doc, false);
	pool_kick();
}

static void
submit_free(Submit *op)
{
	Doc		   *doc = op->doc;

	metrics_submit_latency((double) (lws_now_usecs() - op->arrived) / LWS_USEC_PER_SEC);
	ticket_detach(&op->ticket);
	json_decref(op->request);
	free(op->src);
	free(op->item);
	free(op);
	submits.outstanding--;
	doc->submitting = false;
	doc->in_batch = NULL;
	doc_ready(doc, false);
	doc_release(doc);
}

/* The op's result is an error: the client hears why; nothing changed. */
static void
submit_rejected(Submit *op, const char *code, const char *message)
{
	Session    *s = op->ticket.session;

	metrics.ops_rejected++;
	if (s)
	{
		session_send_error(s, json_incref(op->request), code, message);
		doc_submit_refused(op->doc, s, op->src, op->seq);
	}
	submit_free(op);
}

static void
submit_answered(Submit *op, const char *row)
{
	json_t	   *result = json_loads(row, 0, NULL);
	json_t	   *error = json_object_get(result, "error");
	json_t	   *ack = json_object_get(result, "ack");

	if (error)
		submit_rejected(op, json_string_value(json_object_get(error, "code")),
						json_string_value(json_object_get(error, "message")));
	else if (ack == NULL)
		submit_rejected(op, "ERR_UNKNOWN_ERROR", "the database returned no result for the op");
	else
	{
		doc_submit_result(op->doc, op->ticket.session, op->src, op->seq, json_object_get(result, "ops"), ack);
		metrics.ops_acked++;
		submit_free(op);
	}
	json_decref(result);
}

/* Puts a batch's ops back at the front of their documents' queues. */
static void
batch_requeue(Batch *batch)
{
	for (int i = batch->n - 1; i >= 0; i--)
	{
		Submit	   *op = batch->items[i];

		lws_dll2_add_head(&op->doc_link, &op->doc->submits);
		op->doc->submitting = false;
		op->doc->in_batch = NULL;
		doc_ready(op->doc, true);
	}
}

static void
batch_failed(const char *code, const char *message, void *arg)
{
	Batch	   *batch = arg;

	for (int i = 0; i < batch->n; i++)
		submit_rejected(batch->items[i], code, message);
	free(batch);
	pool_kick();
}

static void
batch_done(PgConn *conn, PGresult *res, void *arg)
{
	Batch	   *batch = arg;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (res == NULL || (state && strncmp(state, "40", 2) == 0 && ++batch->attempts < RETRIES_ON_CONFLICT))
	{
		/* Lost with the connection, or a conflict: resends are harmless. */
		batch_requeue(batch);
		free(batch);
		pool_kick();
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != batch->n)
	{
		error_code_of(res, false, batch_failed, batch);
		return;
	}
	for (int i = 0; i < batch->n; i++)
		submit_answered(batch->items[i], PQgetvalue(res, i, 0));
	free(batch);
	pool_kick();
}

static void
append(char **buf, size_t *len, size_t *cap, const char *text, size_t n)
{
	while (*len + n + 1 > *cap)
		*buf = xrealloc(*buf, *cap *= 2);
	memcpy(*buf + *len, text, n);
	*len += n;
	(*buf)[*len] = '\0';
}

bool
submit_take_batch(PgConn *conn)
{
	Batch	   *batch;
	size_t		len = 0,
				cap = 1024;
	char	   *json;
	const char *param[1];

	if (submits.ready.head == NULL)
		return false;
	batch = xcalloc(1, sizeof(Batch));
	json = xmalloc(cap);
	append(&json, &len, &cap, "[", 1);
	while (submits.ready.head && batch->n < submits.batch_max)
	{
		Doc		   *doc = lws_container_of(submits.ready.head, Doc, ready_link);
		Submit	   *op = lws_container_of(doc->submits.head, Submit, doc_link);

		lws_dll2_remove(&doc->ready_link);
		lws_dll2_remove(&op->doc_link);
		doc->submitting = true;
		doc->in_batch = op;
		if (batch->n > 0)
			append(&json, &len, &cap, ",", 1);
		append(&json, &len, &cap, op->item, strlen(op->item));
		batch->items[batch->n++] = op;
	}
	append(&json, &len, &cap, "]", 1);
	metrics_batch(batch->n);
	param[0] = json;
	if (!pg_conn_query(conn, "SELECT r::text FROM ot.submit_batch($1::jsonb) r", 1, param,
					   batch_done, batch))
	{
		batch_requeue(batch);
		free(batch);
		free(json);
		return false;
	}
	free(json);
	return true;
}
