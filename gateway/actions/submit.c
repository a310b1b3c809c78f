/*
 * submit.c: batching ops into ot.submit_batch() (see submit.h).
 *
 * Owns: each document's queue of ops (DocSubmits: waiting, and the one in a
 * batch), the ready list, the batches and their answers.  May call: docs
 * (the gate learns of an op and its result), db (pool, pg_conn, error
 * codes, queries), client, base.
 */
#include "actions/submit.h"

#include <string.h>

#include "base/alloc.h"
#include "base/client_id.h"
#include "base/table.h"
#include "base/text.h"
#include "docs/document.h"
#include "db/error_codes.h"
#include "base/metrics.h"
#include "db/partitions.h"
#include "db/pool.h"
#include "db/queries.h"

#define BATCH_LIMIT 64			/* ot.submit_batch's own limit */
/* A batch is one jsonb value (at most 255 MiB): ops past this go in the next one. */
#define BATCH_BYTES (64 * 1024 * 1024)
#define RETRIES_ON_CONFLICT 5

/* One row per op each item was transformed against, then its result (queries.h). */
static const char batch_sql[] = SUBMIT_BATCH_SQL;

/* A document's ops on this gateway: at most one of them in a batch at a time. */
typedef struct DocSubmits
{
	Doc		   *doc;
	int			refs;			/* its ops here, waiting or in a batch */
	lws_dll2_owner_t submits;	/* Submit.doc_link, in arrival order */
	bool		submitting;		/* one of them is in a batch */
	struct Submit *in_batch;	/* that one */
	lws_dll2_t	ready_link;		/* in submits.ready */
} DocSubmits;

struct Submit
{
	Ticket		ticket;
	lws_dll2_t	doc_link;
	Doc		   *doc;
	DocSubmits *q;				/* its document's queue */
	json_t	   *request;		/* the request's reply_stub, for an error reply */
	char	   *item;			/* {"user": ..., "message": ...} for the batch */
	char		ack_src[CLIENT_ID_LEN + 1];	/* the whole id: the client knows its ack by it */
	char		src[CLIENT_ID_PUBLIC_LEN + 1];	/* its public part: what the gate and the log know */
	int64_t		seq;
	size_t		cost;			/* counted against --ops-waiting-max-bytes */
	lws_usec_t	arrived;
};
typedef struct Submit Submit;

typedef struct Batch
{
	Submit	   *items[BATCH_LIMIT];
	int			n;
	int			attempts;
	int			partition;		/* of every document in it */
} Batch;

static struct
{
	lws_dll2_owner_t ready[PARTITIONS_MAX];	/* per partition: documents with an op waiting and none in a batch */
	int			batch_max;
	int			outstanding;
	Table		queues;			/* document key -> DocSubmits */
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
	table_init(&submits.queues);
}

/* The queue of doc's ops, made by its first one; each op holds it. */
static DocSubmits *
queue_acquire(Doc *doc)
{
	DocSubmits *q = table_get(&submits.queues, doc->key, doc->keylen);

	if (q == NULL)
	{
		q = xcalloc(1, sizeof(DocSubmits));
		q->doc = doc;
		table_put(&submits.queues, doc->key, doc->keylen, q);
	}
	q->refs++;
	return q;
}

/* Its last op went: so does the queue (empty, in no batch and not ready). */
static void
queue_release(DocSubmits *q)
{
	if (--q->refs > 0)
		return;
	table_remove(&submits.queues, q->doc->key, q->doc->keylen);
	free(q);
}

static void
doc_ready(DocSubmits *q, bool first)
{
	if (q->submitting || q->submits.count == 0 || lws_dll2_is_detached(&q->ready_link) == 0)
		return;
	if (first)
		lws_dll2_add_head(&q->ready_link, &submits.ready[q->doc->partition]);
	else
		lws_dll2_add_tail(&q->ready_link, &submits.ready[q->doc->partition]);
}

/*
 * What a waiting op holds: itself, its batch item (about the size of the
 * message) and the reply stub (its collection and id, and at most 512
 * bytes more: a src that is not an id is refused before).
 */
static size_t
waiting_cost(const char *item, const char *c, const char *d)
{
	return sizeof(Submit) + strlen(item) + 1 + strlen(c) + strlen(d) + 512;
}

/* The fields a reply to the op needs (ShareDB's client routes it by them). */
static json_t *
reply_stub(const json_t *request)
{
	static const char *const keys[] = {"a", "c", "d", "v", "src", "seq"};
	json_t	   *stub = json_object();

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(request, keys[i]))
			json_object_set(stub, keys[i], json_object_get(request, keys[i]));
	return stub;
}

static void submit_gone(Ticket *t);

/*
 * An op's src is the id of the client that made it: this session's, or,
 * for an op resent after a reconnect, the id the client had then, which
 * it must prove (client_id.h).  The database stores, and everyone sees,
 * only its public part.
 *
 * A connection's ops not answered yet hold at most --ops-waiting-max-bytes
 * (one op alone always fits).  One past it is refused, not queued, and the
 * connection stays: closing would free nothing (the stock client resends
 * what it has in flight when it comes back), and the refusal tells the
 * client which op.  A stock client has one op in flight per document, so
 * it meets the bound only with large ops on many documents at once.
 */
void
submit_op(Session *s, json_t *request)
{
	const char *c = json_string_value(json_object_get(request, "c"));
	const char *d = json_string_value(json_object_get(request, "d"));
	const char *claimed = json_string_value(json_object_get(request, "src"));
	ClientId	client = s->client;
	json_t	   *stub;
	Submit	   *op;
	json_t	   *item;
	char	   *text;
	size_t		cost;

	metrics.ops_received++;
	if (claimed && !client_id_prove(claimed, s->principal, &client))
	{
		metrics.ops_refused_src++;
		session_send_error(s, request, "ERR_OP_SUBMIT_REJECTED",
						   "the op's src is not a client id a gateway issued to this user: "
						   "an op names the id of its own client, or none");
		return;
	}
	/* The reply's fields as the client sent them (its src), then the message as stored, in place. */
	stub = reply_stub(request);
	claimed = NULL;
	json_object_del(request, "x");	/* extra data, never stored nor forwarded */
	json_object_set_new(request, "src", json_string(client.public));
	item = json_pack("{s:s,s:O}", "user", s->user, "message", request);
	text = json_dumps(item, JSON_COMPACT);
	if (text == NULL)
		out_of_memory();
	json_decref(item);
	cost = waiting_cost(text, c, d);
	if (s->ops_waiting_bytes > 0 &&
		s->ops_waiting_bytes + cost > (size_t) client_limits.ops_waiting_max_bytes)
	{
		free(text);
		metrics.ops_refused_waiting++;
		session_send_error(s, stub, "ERR_TOO_MANY_OPS_WAITING",
						   "this connection's ops not answered yet are over --ops-waiting-max-bytes: "
						   "wait for their answers and send it again");
		json_decref(request);
		return;
	}
	op = xcalloc(1, sizeof(Submit));
	op->item = text;
	op->cost = cost;
	s->ops_waiting_bytes += cost;
	metrics.ops_waiting_bytes += cost;
	memcpy(op->ack_src, client.full, sizeof(op->ack_src));
	memcpy(op->src, client.public, sizeof(op->src));
	op->seq = json_integer_value(json_object_get(request, "seq"));
	op->request = stub;
	json_decref(request);
	op->arrived = lws_now_usecs();
	op->doc = doc_acquire(c, d);
	op->q = queue_acquire(op->doc);
	ticket_attach(&op->ticket, s);
	op->ticket.gone = submit_gone;
	/* Its gate holds the op back wherever it shows, until the ack. */
	doc_submitted(op->doc, s, op->src, op->seq);
	lws_dll2_add_tail(&op->doc_link, &op->q->submits);
	submits.outstanding++;
	doc_ready(op->q, false);
	pool_kick();
}

/* The op is answered or dropped: off the account of its session (if still there). */
static void
submit_settle(Submit *op)
{
	metrics.ops_waiting_bytes -= op->cost;
	if (op->ticket.session)
		op->ticket.session->ops_waiting_bytes -= op->cost;
	ticket_detach(&op->ticket);
	json_decref(op->request);
	free(op->item);
	submits.outstanding--;
}

static void
submit_free(Submit *op)
{
	Doc		   *doc = op->doc;
	DocSubmits *q = op->q;

	metrics_submit_latency((double) (lws_now_usecs() - op->arrived) / LWS_USEC_PER_SEC);
	submit_settle(op);
	free(op);
	q->submitting = false;
	q->in_batch = NULL;
	doc_ready(q, false);
	queue_release(q);
	doc_release(doc);
}

/*
 * Its client left before the op went to the database: it is dropped, as if
 * lost on the way (the client never had its ack and resends it when it is
 * back), so that a client cannot leave work behind for the gateway by
 * coming and going.  One in a batch is answered to nobody.
 */
static void
submit_gone(Ticket *t)
{
	Submit	   *op = lws_container_of(t, Submit, ticket);
	Doc		   *doc = op->doc;
	DocSubmits *q = op->q;

	if (q->in_batch == op)
		return;
	lws_dll2_remove(&op->doc_link);
	if (q->submits.count == 0 && !lws_dll2_is_detached(&q->ready_link))
		lws_dll2_remove(&q->ready_link);
	metrics.ops_abandoned++;
	submit_settle(op);
	free(op);
	queue_release(q);
	doc_release(doc);
}

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

/* The op's result is row last of res; rows [first, last) the ops before it. */
static void
submit_answered(Submit *op, const PGresult *res, int first, int last)
{
	json_t	   *result = json_loads(PQgetvalue(res, last, 0), 0, NULL);
	json_t	   *error = json_object_get(result, "error");
	json_t	   *ack = json_object_get(result, "ack");

	if (error)
		submit_rejected(op, json_string_value(json_object_get(error, "code")),
						json_string_value(json_object_get(error, "message")));
	else if (ack == NULL)
	{
		lwsl_err("%s/%s: ot.submit_batch answered an op with %.200s\n", op->doc->collection,
				 op->doc->id, PQgetvalue(res, last, 0));
		submit_rejected(op, "ERR_UNKNOWN_ERROR", "the database returned no result for the op");
	}
	else
	{
		/* The database acks the public src; the client matches its whole id. */
		if (json_is_string(json_object_get(ack, "src")))
			json_object_set_new(ack, "src", json_string(op->ack_src));
		doc_submit_result(op->doc, op->ticket.session, op->src, op->seq, res, first, last - first, ack);
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

		lws_dll2_add_head(&op->doc_link, &op->q->submits);
		op->q->submitting = false;
		op->q->in_batch = NULL;
		doc_ready(op->q, true);
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
		/* Lost with the connection (or its deadline), or a conflict: resends are harmless. */
		if (res == NULL)
			metrics.batches_resent++;
		batch_requeue(batch);
		free(batch);
		pool_kick();
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		error_code_of(res, batch->partition, false, batch_failed, batch);
		return;
	}
	/* Each item's ops (k, column 4, counts them), then its result (k NULL). */
	for (int row = 0, first = 0, i = 0; i < batch->n; row++)
	{
		if (row == PQntuples(res))
		{
			lwsl_err("ot.submit_batch answered %d of %d ops\n", i, batch->n);
			for (; i < batch->n; i++)
				submit_rejected(batch->items[i], "ERR_UNKNOWN_ERROR",
								"the database returned no result for the op");
			break;
		}
		if (!PQgetisnull(res, row, 4))
			continue;
		submit_answered(batch->items[i++], res, first, row);
		first = row + 1;
	}
	free(batch);
	pool_kick();
}

bool
submit_take_batch(PgConn *conn, int partition)
{
	lws_dll2_owner_t *ready = &submits.ready[partition];
	Batch	   *batch;
	Text		json = {0};
	const char *param[1];

	if (ready->head == NULL)
		return false;
	batch = xcalloc(1, sizeof(Batch));
	batch->partition = partition;
	text_add(&json, "[", 1);
	while (ready->head && batch->n < submits.batch_max)
	{
		DocSubmits *q = lws_container_of(ready->head, DocSubmits, ready_link);
		Submit	   *op = lws_container_of(q->submits.head, Submit, doc_link);

		if (batch->n > 0 && json.len + strlen(op->item) > BATCH_BYTES)
			break;
		lws_dll2_remove(&q->ready_link);
		lws_dll2_remove(&op->doc_link);
		q->submitting = true;
		q->in_batch = op;
		if (batch->n > 0)
			text_add(&json, ",", 1);
		text_add(&json, op->item, strlen(op->item));
		batch->items[batch->n++] = op;
	}
	text_add(&json, "]", 1);
	metrics_batch(batch->n);
	param[0] = json.buf;
	/* Prepared once per session: parsing and planning it took 5% of the database's CPU. */
	if (!pg_conn_query_prepared(conn, "pg_ot_submit_batch", batch_sql, 1, param, batch_done, batch))
	{
		batch_requeue(batch);
		free(batch);
		text_free(&json);
		return false;
	}
	text_free(&json);
	return true;
}
