/*
 * document.c: documents, their op log, and the per-subscription delivery
 * gate (see document.h).
 */
#include "document.h"

#include <string.h>

#include "alloc.h"
#include "listener.h"
#include "metrics.h"
#include "pool.h"
#include "submit.h"
#include "table.h"

/* Versions kept behind head for subscribers that arrive late. */
#define LOG_KEEP 128
/* Beyond this a lagging subscriber reads from the database instead. */
#define LOG_MAX 4096

static const char messages_sql[] =
"SELECT m::text FROM ot.messages($1, $2, $3) m";

static Table docs;

static void doc_catch_up(Doc *doc);
static void sub_catch_up(Sub *sub);

void
documents_init(void)
{
	table_init(&docs);
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
	listener_leave(doc);
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

	if (doc->channel_state != DOC_CHANNEL_READY)
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
	e->src = src ? xstrdup(src) : NULL;
	e->seq = seq;
	doc->head++;
}

/* Drops what every subscriber has passed, keeping a little for newcomers. */
static void
log_prune(Doc *doc)
{
	int64_t		keep = doc->head - LOG_KEEP;

	lws_start_foreach_dll(struct lws_dll2 *, p, doc->subs.head)
	{
		Sub		   *sub = lws_container_of(p, Sub, doc_link);

		if (sub->state == SUB_ACTIVE && sub->next_v < keep)
			keep = sub->next_v;
	}
	lws_end_foreach_dll(p);
	if (keep < doc->head - LOG_MAX)
		keep = doc->head - LOG_MAX;
	log_drop_before(doc, keep);
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

bool
sub_awaits_ack(const Sub *sub, const char *src, int64_t seq)
{
	return sub->inflight && src && seq == sub->inflight_seq && strcmp(src, sub->session->src) == 0;
}

void
sub_pump(Sub *sub)
{
	Doc		   *doc = sub->doc;

	if (sub->session == NULL || sub->state != SUB_ACTIVE || sub->catching_up || !doc->known)
		return;
	while (sub->next_v < doc->head)
	{
		LogEntry   *e;

		if (sub->next_v < doc->base)
		{
			sub_catch_up(sub);
			return;
		}
		e = log_entry(doc, sub->next_v);
		if (sub_awaits_ack(sub, e->src, e->seq))
			return;
		session_send(sub->session, frame_ref(e->frame));
		sub->next_v++;
	}
}

void
op_rows_each(const PGresult *res, OpRowFn fn, void *arg)
{
	bool		go_on = true;

	for (int i = 0; go_on && i < PQntuples(res); i++)
	{
		const char *text = PQgetvalue(res, i, 0);
		json_t	   *m = json_loads(text, 0, NULL);
		int64_t		v,
					seq;
		const char *src;

		if (m && op_message_meta(m, &v, &src, &seq))
			go_on = fn(text, v, src, seq, arg);
		json_decref(m);
	}
}

/* ---------- catch-up reads ---------- */

static bool
learn_row(const char *text, int64_t v, const char *src, int64_t seq, void *arg)
{
	Doc		   *doc = arg;

	if (v == doc->head)
		doc_learn(doc, v, frame_from_bytes(text, strlen(text)), src, seq);
	return true;
}

static bool
deliver_row(const char *text, int64_t v, const char *src, int64_t seq, void *arg)
{
	Sub		   *sub = arg;

	if (v != sub->next_v)
		return true;
	if (sub_awaits_ack(sub, src, seq))
		return false;
	session_send(sub->session, frame_from_bytes(text, strlen(text)));
	sub->next_v++;
	return true;
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

static void
doc_caught_up(DbRead *read, PGresult *res)
{
	Doc		   *doc = read->arg;
	int64_t		head_before = doc->head;
	char		buf[256];

	doc->catching_up = false;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		lwsl_err("catch-up of %s/%s: %s\n", doc->collection, doc->id,
				 pg_result_message(res, buf, sizeof(buf)));
	else
	{
		op_rows_each(res, learn_row, doc);
		/* Notified meanwhile beyond what the read saw: read again. */
		if (doc->seen > doc->head && doc->head > head_before)
			doc_catch_up(doc);
	}
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

static void
sub_caught_up(DbRead *read, PGresult *res)
{
	Sub		   *sub = read->arg;
	Doc		   *doc = sub->doc;
	char		buf[256];

	sub->catching_up = false;
	if (sub->session && PQresultStatus(res) != PGRES_TUPLES_OK)
		lwsl_err("catch-up of %s/%s for %s: %s\n", doc->collection, doc->id, sub->session->id,
				 pg_result_message(res, buf, sizeof(buf)));
	else if (sub->session)
		op_rows_each(res, deliver_row, sub);
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

	snprintf(from, sizeof(from), "%lld", (long long) sub->next_v);
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
	lws_dll2_add_tail(&sub->doc_link, &doc->subs);
	table_put(&s->subs, doc->key, doc->keylen, sub);
	/* ShareDB's client resends its op before it subscribes again. */
	sub->inflight = submit_awaiting(s, doc, &sub->inflight_seq);
	return sub;
}

void
sub_activate(Sub *sub, int64_t next_v)
{
	Doc		   *doc = sub->doc;

	sub->state = SUB_ACTIVE;
	sub->next_v = next_v;
	if (!doc->known && doc->channel_state == DOC_CHANNEL_READY)
	{
		doc->known = true;
		doc->base = doc->head = next_v;
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
 * whoever holds it opens or abandons it.
 */
void
sub_drop(Sub *sub)
{
	Doc		   *doc = sub->doc;

	if (sub->session)
	{
		table_remove(&sub->session->subs, doc->key, doc->keylen);
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

/* ---------- channel ---------- */

static void
channel_looked_up(DbRead *read, PGresult *res)
{
	Doc		   *doc = read->arg;
	char		buf[256];

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
	{
		doc->channel_state = DOC_CHANNEL_WAITING;
		listener_join(doc, PQgetvalue(res, 0, 0));
	}
	else
	{
		lwsl_err("ot.channel(%s, %s): %s\n", doc->collection, doc->id,
				 pg_result_message(res, buf, sizeof(buf)));
		doc->channel_state = DOC_CHANNEL_NONE;
		doc_channel_ready(doc); /* the reads go ahead and report the error */
	}
	doc_release(doc);
}

void
doc_when_listening(Doc *doc, DocWait *w)
{
	const char *params[2];

	if (doc->channel_state == DOC_CHANNEL_READY)
	{
		w->fn(w);
		return;
	}
	lws_dll2_add_tail(&w->link, &doc->waiting_channel);
	if (doc->channel_state != DOC_CHANNEL_NONE)
		return;
	doc->channel_state = DOC_CHANNEL_LOOKUP;
	params[0] = doc->collection;
	params[1] = doc->id;
	doc->refs++;
	pool_read(db_read_new("SELECT ot.channel($1, $2)", NULL, channel_looked_up, doc, 2, params));
}

void
doc_channel_ready(Doc *doc)
{
	if (doc->channel_state == DOC_CHANNEL_WAITING)
		doc->channel_state = DOC_CHANNEL_READY;
	while (doc->waiting_channel.head)
	{
		DocWait    *w = lws_container_of(doc->waiting_channel.head, DocWait, link);

		lws_dll2_remove(&w->link);
		w->fn(w);
	}
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
void
docs_notification(const Note *note)
{
	Doc		   *doc = doc_find(note->c, note->d);

	if (doc == NULL || doc->channel_state != DOC_CHANNEL_READY)
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

void
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

void
doc_submit_result(Doc *doc, Session *s, json_t *ops, json_t *ack)
{
	Sub		   *sub = s ? sub_find(s, doc) : NULL;
	bool		gated = sub && sub->state == SUB_ACTIVE;
	json_t	   *ackv = json_object_get(ack, "v");
	size_t		i;
	json_t	   *m;

	if (gated)
		sub_pump(sub);			/* what the log has before the op goes first */
	json_array_foreach(ops, i, m)
	{
		int64_t		v,
					mseq;
		const char *src;
		Frame	   *f;

		if (!op_message_meta(m, &v, &src, &mseq))
			continue;
		f = frame_from_json(m);
		if (doc->known)
			doc_learn(doc, v, frame_ref(f), src, mseq);
		if (s && (!gated || v >= sub->next_v))
		{
			session_send(s, frame_ref(f));
			if (gated)
				sub->next_v = v + 1;
		}
		frame_unref(f);
	}
	if (s)
		session_send_json(s, json_incref(ack));
	if (sub)
	{
		sub->inflight = false;
		if (gated && json_is_integer(ackv) && json_integer_value(ackv) + 1 > sub->next_v)
			sub->next_v = json_integer_value(ackv) + 1;
	}
	pump_all(doc);
}
