/*
 * subscription.c: one session following one document (Sub, see
 * document.h): its state (reading, held, active), what it is pumped from
 * the log through its gate, its own catch-up reads, and the reads of
 * subscribe and fetch requests delivered through the same gate.
 *
 * Owns: Sub.  May call: docs (gate, document.c's log through
 * doc_internal.h), db (pool, error codes, queries), client, base.
 */
#include "docs/document.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/client_id.h"
#include "base/metrics.h"
#include "db/error_codes.h"
#include "db/pool.h"
#include "db/queries.h"
#include "docs/doc_internal.h"
#include "docs/gate.h"

void
sub_pump(Sub *sub)
{
	Doc		   *doc = sub->doc;
	Session    *s = sub->session;
	Gate	   *g = sub->gate;

	if (s == NULL || sub->state != SUB_ACTIVE)
		return;
	for (;;)
	{
		LogEntry   *e;

		if (gate_ack_next(s, g))
			continue;			/* its own op, answered: the ack in its place */
		if (sub->catching_up || !doc->known)
			return;
		/* Behind the log, or a read stopped short of what it saw: read on. */
		if (g->next_v < doc->base || (g->next_v >= doc->head && g->next_v < sub->read_end))
		{
			if (!gate_held(g))
				sub_catch_up(sub);
			return;
		}
		if (g->next_v >= doc->head)
			return;
		e = log_entry(doc, g->next_v);
		if (gate_offer(s, g, g->next_v, e->src, e->seq, e->frame) != GATE_SENT)
			return;
	}
}

void
sub_fail(Sub *sub, const char *code, const char *message)
{
	Session    *s = sub->session;

	if (s)
	{
		metrics.subscriptions_failed++;
		lwsl_err("%s/%s: the subscription of %s stops at version %lld: %s\n", sub->doc->collection,
				 sub->doc->id, s->id, (long long) sub->gate->next_v, message);
		session_send_error(s, json_pack("{s:s,s:s,s:s}", "a", "f", "c", sub->doc->collection,
										"d", sub->doc->id), code, message);
	}
	sub_drop(sub);
}

typedef struct RowsTo
{
	Session    *session;
	Gate	   *gate;
	bool		held;			/* stopped before an op of its own */
	int64_t		end;			/* past the last row */
	bool		unreadable;		/* stopped at an op of its own it could not give back */
	int64_t		failed_v;		/* that op's version */
} RowsTo;

/*
 * A row for s: as read, but for s's own op, which goes back under the id s
 * holds (the client knows its ops by it).  NULL if that op cannot be parsed
 * (a row stored before the limits of stored JSON): the read fails loudly
 * rather than hand the client its own op as someone else's.
 */
static Frame *
row_frame(Session *s, const char *text, size_t len, const char *src)
{
	json_t	   *m;
	Frame	   *f;

	if (!client_id_owns(&s->client, src))
		return frame_from_bytes(text, len);
	if ((m = json_loadb(text, len, 0, NULL)) == NULL)
		return NULL;
	client_id_give_back(&s->client, m);
	f = frame_from_json(m);
	json_decref(m);
	return f;
}

static bool
deliver_row(const char *text, size_t len, int64_t v, const char *src, int64_t seq, void *arg)
{
	RowsTo	   *to = arg;
	Frame	   *f;

	if (v + 1 > to->end)
		to->end = v + 1;
	if (to->held || v < to->gate->next_v)
		return true;
	if ((f = row_frame(to->session, text, len, src)) == NULL)
	{
		to->unreadable = true;	/* no later version without this one */
		to->failed_v = v;
		return false;
	}
	to->held = gate_offer(to->session, to->gate, v, src, seq, f) == GATE_HOLD;
	frame_unref(f);
	return true;
}

/* A subscriber's read failed: its ShareDB code is known. */
static void
sub_read_failed(const char *code, const char *message, void *arg)
{
	Sub		   *sub = arg;

	sub->catching_up = false;
	sub_fail(sub, code, message);
}

static void
sub_caught_up(DbRead *read, PGresult *res)
{
	Sub		   *sub = read->arg;
	Doc		   *doc = sub->doc;
	int64_t		failed_v;
	char		buf[256];

	if (sub->session && PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		/* Reading again would fail again: the subscriber hears why. */
		lwsl_err("catch-up of %s/%s for %s: %s\n", doc->collection, doc->id, sub->session->id,
				 pg_result_message(res, buf, sizeof(buf)));
		error_code_of(res, read->partition, true, sub_read_failed, sub);		/* still catching up till then */
		return;
	}
	sub->catching_up = false;
	if (sub->session)
	{
		RowsTo		to = {sub->session, sub->gate, false, sub->read_end, false, -1};

		if (!op_rows_each(doc, res, 0, PQntuples(res), read_from(read), deliver_row, &to, &failed_v) ||
			(to.unreadable && (failed_v = to.failed_v, true)))
		{
			unreadable_message(buf, sizeof(buf), failed_v);
			sub_fail(sub, "ERR_UNKNOWN_ERROR", buf);
			return;
		}
		sub->read_end = to.end;
	}
	if (sub->session == NULL)
	{
		sub_drop(sub);			/* it was waiting for this read to go */
		return;
	}
	sub_pump(sub);
}

void
sub_catch_up(Sub *sub)
{
	char		from[24];
	const char *params[3];

	snprintf(from, sizeof(from), "%lld", (long long) sub->gate->next_v);
	params[0] = sub->doc->collection;
	params[1] = sub->doc->id;
	params[2] = from;
	sub->catching_up = true;
	pool_read(sub->doc->partition, db_read_new(OP_ROWS_SQL, sub->session->user, sub_caught_up, sub, 3, params));
}

Sub *
sub_find(Session *s, Doc *doc)
{
	return table_get(&s->subs, doc->key, doc->keylen);
}

Sub *
sub_create(Session *s, Doc *doc)
{
	Sub		   *sub = xcalloc(1, sizeof(Sub));

	doc->refs++;
	sub->doc = doc;
	sub->session = s;
	sub->state = SUB_READING;
	sub->start_v = -1;
	sub->asked = true;
	sub->gate = gate_get(s, doc->key, doc->keylen);
	gate_attach(s, sub->gate, sub);
	lws_dll2_add_tail(&sub->doc_link, &doc->subs);
	table_put(&s->subs, doc->key, doc->keylen, sub);
	return sub;
}

void
sub_activate(Sub *sub)
{
	Doc		   *doc = sub->doc;
	Gate	   *g = sub->gate;

	sub->state = SUB_ACTIVE;
	if (sub->start_v >= 0)
		gate_reset(sub->session, g, sub->start_v);	/* else its read of ops placed it */
	if (!doc->known && channel_listening(doc->channel))
	{
		doc->known = true;
		doc->base = doc->head = g->next_v;
		doc->log_start = 0;
		if (doc->unheard)
		{
			doc->unheard = false;
			doc_catch_up(doc);
		}
	}
	sub_pump(sub);
}

/* A query's subscription waits for its document's LISTEN. */
typedef struct OpenWait
{
	DocWait		wait;
	Sub		   *sub;
} OpenWait;

static void
open_when_listening(DocWait *w)
{
	OpenWait   *o = lws_container_of(w, OpenWait, wait);
	Sub		   *sub = o->sub;

	free(o);
	if (sub->session == NULL)
	{
		sub->state = SUB_ACTIVE;
		sub_drop(sub);			/* a husk: it went while it waited */
	}
	else
		sub_activate(sub);
}

Sub *
sub_open_at(Session *s, Doc *doc, const char *channel, int64_t v, bool maybe_behind)
{
	Sub		   *sub = sub_create(s, doc);
	OpenWait   *o = xcalloc(1, sizeof(OpenWait));

	sub->asked = false;
	sub->query_refs = 1;
	sub->start_v = v;
	if (maybe_behind && !doc->known)
		doc->unheard = true;
	channel_named(doc->channel, channel);
	o->sub = sub;
	o->wait.fn = open_when_listening;
	doc_when_listening(doc, &o->wait);
	return sub;
}

/*
 * Unsubscribes (or forgets a gone session).  A sub whose read is in flight,
 * or that waits for its bulk reply, stays as a husk without a session until
 * whoever holds it opens or abandons it.  Acks its gate still held go to
 * the session at once (deliver: it stays).
 */
static void
sub_leave(Sub *sub, bool deliver)
{
	Doc		   *doc = sub->doc;

	if (sub->session)
	{
		table_remove(&sub->session->subs, doc->key, doc->keylen);
		gate_detach(sub->session, sub->gate, deliver);
		sub->gate = NULL;
		sub->session = NULL;
	}
	if (sub->state != SUB_ACTIVE || sub->catching_up)
		return;
	lws_dll2_remove(&sub->doc_link);
	free(sub);
	if (doc->subs.count == 0)
		log_reset(doc);
	doc_release(doc);
}

void
sub_drop(Sub *sub)
{
	sub_leave(sub, true);
}

void
docs_session_closed(Session *s)
{
	size_t		n;
	void	  **subs = table_values(&s->subs, &n);

	for (size_t i = 0; i < n; i++)
		sub_leave(subs[i], false);
	free(subs);
	gates_free(s);
}

void
doc_expect(Session *s, Doc *doc, int64_t v)
{
	gate_expect(s, gate_get(s, doc->key, doc->keylen), v);
}

void
doc_snapshot_sent(Session *s, Doc *doc, int64_t v)
{
	Sub		   *sub = sub_find(s, doc);

	gate_reset(s, gate_get(s, doc->key, doc->keylen), v);
	if (sub)
		sub_pump(sub);
}

bool
doc_read_ops(Session *s, Doc *doc, int64_t from_v, const PGresult *res, int64_t *failed_v)
{
	RowsTo		to = {s, gate_get(s, doc->key, doc->keylen), false, 0, false, -1};
	Sub		   *sub = sub_find(s, doc);
	bool		ok;

	gate_expect(s, to.gate, from_v);
	ok = op_rows_each(doc, res, 0, PQntuples(res), from_v, deliver_row, &to, failed_v);
	if (ok && to.unreadable)
	{
		*failed_v = to.failed_v;
		ok = false;
	}
	if (sub && to.end > sub->read_end)
		sub->read_end = to.end;
	return ok;
}
