/*
 * document.c: documents, their op log, and the per-subscription delivery
 * gate (see document.h).
 */
#include "docs/document.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/client_id.h"
#include "db/error_codes.h"
#include "docs/gate.h"
#include "db/listener.h"
#include "base/metrics.h"
#include "db/pool.h"
#include "base/table.h"
#include "db/queries.h"

/* Versions kept behind head for subscribers that arrive late. */
#define LOG_KEEP 128
/* Beyond this a lagging subscriber reads from the database instead. */
#define LOG_MAX 4096

static const char messages_sql[] = OP_ROWS_SQL;

static Table docs;
static size_t log_max_bytes;

static void doc_catch_up(Doc *doc);
static void sub_catch_up(Sub *sub);

static void docs_notification(const Note *note);
static void docs_listener_restored(void);

/* An op the extension signed (the listener's NOTE_OP handler). */
static void
op_notified(const Note *note, json_t *m)
{
	docs_notification(note);
}

void
documents_init(size_t log_bytes)
{
	log_max_bytes = log_bytes;
	table_init(&docs);
	listener_on(NOTE_OP, op_notified);
	listener_on_restored(docs_listener_restored);
}

int
documents_count(void)
{
	return (int) docs.count;
}

static char *
doc_key(const char *collection, const char *id, size_t *len)
{
	size_t		clen = strlen(collection),
				ilen = strlen(id);
	char	   *key = xmalloc(clen + ilen + 2);

	memcpy(key, collection, clen + 1);
	memcpy(key + clen + 1, id, ilen + 1);
	*len = clen + 1 + ilen;
	return key;
}

Doc *
doc_find(const char *collection, const char *id)
{
	size_t		len;
	char	   *key = doc_key(collection, id, &len);
	Doc		   *doc = table_get(&docs, key, len);

	free(key);
	return doc;
}

Doc *
doc_acquire(const char *collection, const char *id)
{
	Doc		   *doc = doc_find(collection, id);

	if (doc == NULL)
	{
		doc = xcalloc(1, sizeof(Doc));
		doc->key = doc_key(collection, id, &doc->keylen);
		doc->collection = doc->key;
		doc->id = doc->key + strlen(collection) + 1;
		doc->channel = channel_open(collection, id);
		table_put(&docs, doc->key, doc->keylen, doc);
	}
	doc->refs++;
	return doc;
}

static LogEntry *
log_entry(Doc *doc, int64_t v)
{
	return &doc->log[doc->log_start + (size_t) (v - doc->base)];
}

static void
log_drop_before(Doc *doc, int64_t v)
{
	while (doc->base < v && doc->base < doc->head)
	{
		LogEntry   *e = log_entry(doc, doc->base);

		doc->log_bytes -= e->frame->len;
		metrics.log_bytes -= e->frame->len;
		frame_unref(e->frame);
		free(e->src);
		doc->log_start++;
		doc->base++;
	}
}

static void
log_reset(Doc *doc)
{
	log_drop_before(doc, doc->head);
	doc->known = false;
	doc->log_start = 0;
}

void
doc_release(Doc *doc)
{
	if (--doc->refs > 0)
		return;
	channel_unref(doc->channel);
	log_reset(doc);
	free(doc->log);
	table_remove(&docs, doc->key, doc->keylen);
	free(doc->key);
	free(doc);
}

/*
 * Appends the op at version v if it is the next one; takes over the frame
 * reference either way.  Only while the channel flows: a log that
 * notifications do not extend would hold back every later subscriber.
 */
static void
doc_learn(Doc *doc, int64_t v, Frame *frame, const char *src, int64_t seq)
{
	LogEntry   *e;
	size_t		used;

	if (!channel_listening(doc->channel))
	{
		frame_unref(frame);
		return;
	}
	if (!doc->known)
	{
		doc->known = true;
		doc->base = doc->head = v;
		doc->log_start = 0;
		doc->unheard = false;	/* subscribers behind v read what they lack */
	}
	if (v + 1 > doc->seen)
		doc->seen = v + 1;
	if (v != doc->head)
	{
		frame_unref(frame);
		if (v > doc->head)
			doc_catch_up(doc);
		return;
	}
	used = doc->log_start + (size_t) (doc->head - doc->base);
	if (used == doc->log_cap)
	{
		if (doc->log_start > 0)
		{
			memmove(doc->log, doc->log + doc->log_start,
					(size_t) (doc->head - doc->base) * sizeof(LogEntry));
			doc->log_start = 0;
		}
		else
			doc->log = xrealloc(doc->log, (doc->log_cap = doc->log_cap ? doc->log_cap * 2 : 16) * sizeof(LogEntry));
		used = (size_t) (doc->head - doc->base);
	}
	e = &doc->log[used];
	e->frame = frame;
	doc->log_bytes += frame->len;
	metrics.log_bytes += frame->len;
	e->src = src ? xstrdup(src) : NULL;
	e->seq = seq;
	doc->head++;
}

/*
 * Drops what every subscriber has passed, keeping a little for newcomers,
 * and beyond --doc-log-bytes the oldest whoever lacks them: a subscriber
 * that far behind reads them from the op log.  (Every subscriber that keeps
 * up has its frames queued before this runs.)
 */
static void
log_prune(Doc *doc)
{
	int64_t		keep = doc->head - LOG_KEEP;

	lws_start_foreach_dll(struct lws_dll2 *, p, doc->subs.head)
	{
		Sub		   *sub = lws_container_of(p, Sub, doc_link);

		if (sub->session && sub->state == SUB_ACTIVE && sub->gate->next_v < keep)
			keep = sub->gate->next_v;
	}
	lws_end_foreach_dll(p);
	if (keep < doc->head - LOG_MAX)
		keep = doc->head - LOG_MAX;
	log_drop_before(doc, keep);
	while (doc->log_bytes > log_max_bytes && doc->base < doc->head)
		log_drop_before(doc, doc->base + 1);
}

static void
pump_all(Doc *doc)
{
	lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, doc->subs.head)
	{
		sub_pump(lws_container_of(p, Sub, doc_link));
	}
	lws_end_foreach_dll_safe(p, p1);
	if (doc->known)
		log_prune(doc);
}

bool
op_message_meta(const json_t *m, int64_t *v, const char **src, int64_t *seq)
{
	json_t	   *jv = json_object_get(m, "v");

	if (!json_is_integer(jv))
		return false;
	*v = json_integer_value(jv);
	*src = json_string_value(json_object_get(m, "src"));
	*seq = json_is_integer(json_object_get(m, "seq")) ?
		json_integer_value(json_object_get(m, "seq")) : -1;
	return true;
}

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

/* An integer column of a row; false when NULL or not an integer. */
static bool
row_integer(const PGresult *res, int row, int col, int64_t *out)
{
	const char *text = PQgetvalue(res, row, col);
	char	   *end;

	if (PQgetisnull(res, row, col))
		return false;
	errno = 0;
	*out = strtoll(text, &end, 10);
	return errno == 0 && end != text && *end == '\0';
}

bool
op_rows_each(const Doc *doc, const PGresult *res, int first, int n, int64_t from, OpRowFn fn,
			 void *arg, int64_t *failed_v)
{
	for (int i = first; i < first + n; i++)
	{
		int64_t		v,
					seq = -1;
		const char *src = PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2);
		int64_t		expected = from + (i - first);

		if (!row_integer(res, i, 1, &v) || v != expected ||
			(!PQgetisnull(res, i, 3) && !row_integer(res, i, 3, &seq)))
		{
			metrics.op_rows_unusable++;
			if (row_integer(res, i, 1, &v) && v > expected)
				lwsl_err("%s/%s: version %lld is missing from the op log (the read from %lld went on "
						 "at %lld): it and what follows are not delivered\n", doc->collection, doc->id,
						 (long long) expected, (long long) from, (long long) v);
			else
				lwsl_err("%s/%s: the op row read for version %lld has no usable version or seq: "
						 "it and what follows are not delivered\n", doc->collection, doc->id,
						 (long long) expected);
			*failed_v = expected;
			return false;
		}
		if (!fn(PQgetvalue(res, i, 0), (size_t) PQgetlength(res, i, 0), v, src, seq, arg))
			break;
	}
	return true;
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

/* The message of a version that cannot be delivered. */
static void
unreadable_message(char *buf, size_t size, int64_t v)
{
	snprintf(buf, size, "version %lld of the document cannot be read from the op log; "
			 "this subscription receives nothing more", (long long) v);
}

/* ---------- catch-up reads ---------- */

static bool
learn_row(const char *text, size_t len, int64_t v, const char *src, int64_t seq, void *arg)
{
	Doc		   *doc = arg;

	if (v == doc->head)
		doc_learn(doc, v, frame_from_bytes(text, len), src, seq);
	return true;
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

/* The version a read of op messages started from (its third parameter). */
static int64_t
read_from(const DbRead *read)
{
	return strtoll(read->params[2], NULL, 10);
}

static const char *
reader_of(Doc *doc)
{
	lws_start_foreach_dll(struct lws_dll2 *, p, doc->subs.head)
	{
		Sub		   *sub = lws_container_of(p, Sub, doc_link);

		if (sub->session)
			return sub->session->user;
	}
	lws_end_foreach_dll(p);
	return NULL;
}

/*
 * The document's own read failed, or stopped at a version it cannot deliver:
 * the log starts afresh, and each subscriber reads what it lacks itself, as
 * its own user, and hears of it (sub_fail) if that read fails too.
 */
static void
doc_read_failed(Doc *doc)
{
	log_reset(doc);
	lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, doc->subs.head)
	{
		Sub		   *sub = lws_container_of(p, Sub, doc_link);

		if (sub->session && sub->state == SUB_ACTIVE && !sub->catching_up)
			sub_catch_up(sub);
	}
	lws_end_foreach_dll_safe(p, p1);
}

static void
doc_caught_up(DbRead *read, PGresult *res)
{
	Doc		   *doc = read->arg;
	int64_t		head_before = doc->head;
	int64_t		failed_v;
	char		buf[256];

	doc->catching_up = false;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		lwsl_err("catch-up of %s/%s: %s\n", doc->collection, doc->id,
				 pg_result_message(res, buf, sizeof(buf)));
		doc_read_failed(doc);
	}
	else if (!op_rows_each(doc, res, 0, PQntuples(res), read_from(read), learn_row, doc, &failed_v))
		doc_read_failed(doc);
	/* Notified meanwhile beyond what the read saw: read again. */
	else if (doc->seen > doc->head && doc->head > head_before)
		doc_catch_up(doc);
	pump_all(doc);
	doc_release(doc);
}

static void
doc_catch_up(Doc *doc)
{
	char		from[24];
	const char *params[3];
	const char *user = reader_of(doc);

	if (doc->catching_up || !doc->known)
		return;
	if (user == NULL)
	{
		log_reset(doc);			/* nobody to deliver to: start afresh later */
		return;
	}
	snprintf(from, sizeof(from), "%lld", (long long) doc->head);
	params[0] = doc->collection;
	params[1] = doc->id;
	params[2] = from;
	doc->catching_up = true;
	doc->refs++;
	metrics.gap_fills++;
	pool_read(db_read_new(messages_sql, user, doc_caught_up, doc, 3, params));
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
		error_code_of(res, true, sub_read_failed, sub);		/* still catching up till then */
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

static void
sub_catch_up(Sub *sub)
{
	char		from[24];
	const char *params[3];

	snprintf(from, sizeof(from), "%lld", (long long) sub->gate->next_v);
	params[0] = sub->doc->collection;
	params[1] = sub->doc->id;
	params[2] = from;
	sub->catching_up = true;
	pool_read(db_read_new(messages_sql, sub->session->user, sub_caught_up, sub, 3, params));
}

/* ---------- subscriptions ---------- */

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

void
doc_when_listening(Doc *doc, DocWait *w)
{
	channel_when_listening(doc->channel, w);
}

/* ---------- sources of ops ---------- */

/*
 * An op notification: signed, so its c, d, v, src and seq are the
 * extension's and v is in [0, 2^53) (notification.c), but it may be a
 * replay (any role can LISTEN and NOTIFY a copy).  So it only ever costs a
 * bounded amount: an op this gateway has is dropped; one it has not is the
 * op of that version, so it is learned, or it is beyond head and one
 * catch-up read follows (reads are one at a time per document, and the
 * version is real, so no read is made for nothing).  A document whose log
 * has not begun takes nothing from a notification but the hint that its
 * first reader must read what followed its snapshot (unheard): its version
 * is not known here yet, and a log begun at a replayed version would make
 * the next op read the whole history since.
 */
static void
docs_notification(const Note *note)
{
	Doc		   *doc = doc_find(note->c, note->d);

	if (doc == NULL || !channel_listening(doc->channel))
		return;					/* nobody here; or a read will follow the LISTEN */
	if (!doc->known)
	{
		doc->unheard = true;
		return;
	}
	if (note->v < doc->head)
		return;
	if (note->ref)
	{
		/* Too large to carry the op: read it from the op log. */
		if (note->v + 1 > doc->seen)
			doc->seen = note->v + 1;
		doc_catch_up(doc);
	}
	else
		doc_learn(doc, note->v, frame_from_bytes(note->body, note->body_len), note->src, note->seq);
	pump_all(doc);
}

static void
docs_listener_restored(void)
{
	size_t		n;
	Doc		  **list = (Doc **) table_values(&docs, &n);

	lwsl_user("listener: listening again; filling the gaps of %zu documents\n", n);
	for (size_t i = 0; i < n; i++)
		list[i]->refs++;		/* kept while the list is walked */
	for (size_t i = 0; i < n; i++)
	{
		/*
		 * A document without a log may have a subscriber whose read ran
		 * while nobody listened: its log reads the op log once it begins.
		 */
		list[i]->unheard = !list[i]->known;
		if (list[i]->known)
			doc_catch_up(list[i]);
		doc_release(list[i]);
	}
	free(list);
}

typedef struct SubmitRows
{
	Doc		   *doc;
	Session    *s;
	Gate	   *gate;
	bool		offer;			/* to the session's gate (else the log brings them) */
} SubmitRows;

/* One op a submit was transformed against: into the log, and to its session's gate. */
static bool
submit_row(const char *text, size_t len, int64_t v, const char *src, int64_t mseq, void *arg)
{
	SubmitRows *r = arg;
	Frame	   *f = frame_from_bytes(text, len);

	if (r->doc->known)
		doc_learn(r->doc, v, frame_ref(f), src, mseq);
	if (r->offer)
		gate_offer(r->s, r->gate, v, src, mseq, f);
	frame_unref(f);
	return true;
}

void
doc_submitted(Doc *doc, Session *s, const char *src, int64_t seq)
{
	gate_submitted(s, gate_get(s, doc->key, doc->keylen), src, seq);
}

void
doc_submit_refused(Doc *doc, Session *s, const char *src, int64_t seq)
{
	Gate	   *g = gate_find(s, doc->key, doc->keylen);
	Sub		   *sub = sub_find(s, doc);

	if (g)
		gate_refused(s, g, src, seq);
	if (sub)
		sub_pump(sub);
}

void
doc_submit_result(Doc *doc, Session *s, const char *src, int64_t seq, const PGresult *ops, int first, int n,
				  json_t *ack)
{
	Sub		   *sub = s ? sub_find(s, doc) : NULL;
	Gate	   *g = s ? gate_get(s, doc->key, doc->keylen) : NULL;
	json_t	   *ackv = json_object_get(ack, "v");
	SubmitRows	rows = {doc, s, g, false};
	int64_t		failed_v;
	char		buf[256];

	/*
	 * Subscribed, the ops go through the gate after what the log has before
	 * them; while its read is out, the read and the log bring them.
	 * Unsubscribed, the reply carries them.  They are the versions just
	 * before the ack's (the submit holds doc).
	 */
	rows.offer = g && (sub == NULL || sub->state == SUB_ACTIVE);
	if (sub && rows.offer)
		sub_pump(sub);
	if (!json_is_integer(ackv) ||
		!op_rows_each(doc, ops, first, n, json_integer_value(ackv) - n, submit_row, &rows, &failed_v))
	{
		if (sub)
		{
			unreadable_message(buf, sizeof(buf), json_is_integer(ackv) ? failed_v : -1);
			sub_fail(sub, "ERR_UNKNOWN_ERROR", buf);
		}
	}
	if (g && json_is_integer(ackv))
		gate_answered(s, g, src, seq, json_integer_value(ackv), frame_from_json(ack));
	else if (s)
		session_send_json(s, json_incref(ack));
	pump_all(doc);
}
