/*
 * document.c: the documents that have someone here and their op log (see
 * document.h): the registry, the log [base, head) and what feeds it
 * (notifications, the document's own catch-up reads).
 *
 * Owns: Doc and its log.  May call: docs (channel, gate, subscription.c
 * through doc_internal.h), db (pool, listener, queries), client, base.
 */
#include "docs/document.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/client_id.h"
#include "base/doc_hash.h"
#include "db/error_codes.h"
#include "docs/doc_internal.h"
#include "docs/gate.h"
#include "db/listener.h"
#include "base/metrics.h"
#include "db/partitions.h"
#include "db/pool.h"
#include "base/table.h"
#include "db/queries.h"

/* Versions kept behind head for subscribers that arrive late. */
#define LOG_KEEP 128
/* Beyond this a lagging subscriber reads from the database instead. */
#define LOG_MAX 4096

static Table docs;
static size_t log_max_bytes;

static void docs_notification(const Note *note);
static void docs_listener_restored(int partition);

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

bool
sub_exists(Session *s, const char *collection, const char *id)
{
	size_t		len;
	char	   *key = doc_key(collection, id, &len);
	bool		found = table_get(&s->subs, key, len) != NULL;

	free(key);
	return found;
}

/* What subs_cover looks for in a session's subscriptions. */
typedef struct Covered
{
	const char *collection;
	const char *id;				/* NULL: any in the collection */
	bool		found;
} Covered;

static void
covers(const char *key, size_t keylen, void *value, void *arg)
{
	Covered    *c = arg;
	size_t		clen = strlen(c->collection);

	if (keylen > clen && memcmp(key, c->collection, clen) == 0 && key[clen] == '\0' &&
		(c->id == NULL || (keylen - clen - 1 == strlen(c->id) &&
						   memcmp(key + clen + 1, c->id, keylen - clen - 1) == 0)))
		c->found = true;
}

bool
subs_cover(Session *s, const char *collection, const char *id)
{
	Covered		c = {collection, id, false};

	table_each(&s->subs, covers, &c);
	return c.found;
}

typedef struct OnPartition
{
	int			partition;
	bool		found;
} OnPartition;

static void
on_partition(const char *key, size_t keylen, void *value, void *arg)
{
	OnPartition *o = arg;
	size_t		clen = strnlen(key, keylen);

	if (clen < keylen &&
		(int) (doc_hash(key, clen, key + clen + 1, keylen - clen - 1) % (uint64_t) partitions_count()) ==
		o->partition)
		o->found = true;
}

bool
subs_on_partition(Session *s, int partition)
{
	OnPartition o = {partition, false};

	table_each(&s->subs, on_partition, &o);
	return o.found;
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
		doc->partition = partition_of(collection, id);
		doc->channel = channel_open(collection, id);
		table_put(&docs, doc->key, doc->keylen, doc);
	}
	doc->refs++;
	return doc;
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

void
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
void
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

void
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

static bool
learn_row(const char *text, size_t len, int64_t v, const char *src, int64_t seq, void *arg)
{
	Doc		   *doc = arg;

	if (v == doc->head)
		doc_learn(doc, v, frame_from_bytes(text, len), src, seq);
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

void
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
	pool_read(doc->partition, db_read_new(OP_ROWS_SQL, user, doc_caught_up, doc, 3, params));
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

/* Partition's LISTEN connection is back: its documents read what they missed. */
static void
docs_listener_restored(int partition)
{
	size_t		n,
				mine = 0;
	Doc		  **list = (Doc **) table_values(&docs, &n);

	for (size_t i = 0; i < n; i++)
	{
		list[i]->refs++;		/* kept while the list is walked */
		mine += list[i]->partition == partition;
	}
	if (partitions_count() > 1)
		lwsl_user("listener p%d: listening again; filling the gaps of %zu documents\n", partition, mine);
	else
		lwsl_user("listener: listening again; filling the gaps of %zu documents\n", n);
	for (size_t i = 0; i < n; i++)
	{
		if (list[i]->partition != partition)
		{
			doc_release(list[i]);
			continue;
		}
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
