/*
 * bench_core.c
 *	  Throughput of the OT core (extension/ot) on a corpus: text-unicode,
 *	  rich-text or json0.
 *
 *	 bench_core CORPUS.jsonl [MIN_SECONDS]
 *
 * CORPUS is what gen_corpus.js writes: a header naming the type, a pool of
 * documents, then cases {"doc_index", "op", "other"}.  Everything is parsed
 * and converted to the core's ops first; then, timed with CLOCK_MONOTONIC,
 * whole passes over the corpus of transform(op, other, 'left') and of
 * apply(doc, op) run until the calls have taken MIN_SECONDS (default 2),
 * after one untimed warm-up pass.  Results go to a bump arena that is reset after each
 * call, as a PostgreSQL memory context would be.  json0's core modifies its
 * arguments (json0.h), so json0's calls run on copies (j0_clone) of op and
 * other, or of document and op, made before each chunk of 10 cases and not
 * timed: the calls get fresh arguments, still in the cache, as the
 * extension's do (it reads them from jsonb for every call).
 *
 * Prints checksums of the results (compared with bench_core.js by run.sh)
 * and then "transform/s N" and "apply/s N".
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "json0.h"
#include "rich_text.h"
#include "rt_json.h"
#include "text_unicode.h"
#include "tu_json.h"
#include "utf8.h"

/* ---------------------------------------------------------------- arena */

/*
 * A bump allocator over chained chunks.  Growing the latest allocation
 * extends it in place when the chunk has room.
 */
typedef struct Chunk
{
	struct Chunk *next;
	size_t		size;
	size_t		used;
	char		data[];
} Chunk;

typedef struct Arena
{
	Chunk	   *head;
	void	   *last;			/* latest allocation, for in-place growth */
	size_t		chunk_size;
} Arena;

static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n);

	if (p == NULL)
	{
		fprintf(stderr, "bench_core: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

static void *
arena_alloc(void *ctx, size_t size)
{
	Arena	   *ar = ctx;
	Chunk	   *c = ar->head;
	size_t		need = (size + 15) & ~(size_t) 15;

	if (c == NULL || c->size - c->used < need)
	{
		size_t		sz = need > ar->chunk_size ? need : ar->chunk_size;

		c = xmalloc(sizeof(Chunk) + sz);
		c->size = sz;
		c->used = 0;
		c->next = ar->head;
		ar->head = c;
	}
	ar->last = c->data + c->used;
	c->used += need;
	return ar->last;
}

static void *
arena_grow(void *ctx, void *ptr, size_t old_size, size_t new_size)
{
	Arena	   *ar = ctx;
	Chunk	   *c = ar->head;
	void	   *p;

	if (ptr == ar->last && c != NULL)
	{
		size_t		start = (char *) ptr - c->data;
		size_t		need = (new_size + 15) & ~(size_t) 15;

		if (c->size - start >= need)
		{
			c->used = start + need;
			return ptr;
		}
	}
	p = arena_alloc(ctx, new_size);
	memcpy(p, ptr, old_size);
	return p;
}

/* Frees every chunk but the first one made, and empties it. */
static void
arena_reset(Arena *ar)
{
	while (ar->head && ar->head->next)
	{
		Chunk	   *next = ar->head->next;

		free(ar->head);
		ar->head = next;
	}
	if (ar->head)
		ar->head->used = 0;
	ar->last = NULL;
}

/* ------------------------------------------------------- cases, results */

/* A document of the pool, shared by the cases that edit it. */
typedef union Doc
{
	struct
	{
		const char *text;		/* UTF-8 */
		size_t		bytes;
	}			tu;
	RtOp		rt;				/* a delta of inserts */
	J0		   *j0;
} Doc;

typedef union Op
{
	TuOp		tu;
	RtOp		rt;
	J0		   *j0;
} Op;

typedef struct Case
{
	const Doc  *doc;
	Op			op;
	Op			other;
} Case;

/* What a call returns: an op (transform) or a document (apply). */
typedef union Result
{
	Op			op;
	Doc			doc;
} Result;

/* ------------------------------------------------------------- checksums */

/*
 * 32-bit FNV-1a over a byte stream that describes each result; bench_core.js
 * builds the same stream (see the sum functions below and there).  Numbers go
 * in as 4 bytes, little-endian.
 */
#define FNV_OFFSET 2166136261u

static inline uint32_t
hash_bytes(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

static inline uint32_t
hash_u32(uint32_t h, uint32_t v)
{
	unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};

	return hash_bytes(h, b, 4);
}

static inline uint32_t
hash_tag(uint32_t h, char tag)
{
	return hash_bytes(h, &tag, 1);
}

/* Byte length, then the bytes. */
static inline uint32_t
hash_string(uint32_t h, const char *s, size_t bytes)
{
	return hash_bytes(hash_u32(h, bytes), s, bytes);
}

static int
member_cmp(const void *x, const void *y)
{
	const OtJsonMember *a = *(const OtJsonMember *const *) x;
	const OtJsonMember *b = *(const OtJsonMember *const *) y;
	int			c = memcmp(a->key, b->key, a->key_len < b->key_len ? a->key_len : b->key_len);

	return c != 0 ? c : (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

/*
 * A JSON value: n, t, f; # and the number as JavaScript prints it (the
 * same as %.17g for the integers of the corpus); s and a string; [ and the
 * items; { and the members in key order.
 */
static uint32_t
hash_json(uint32_t h, const OtJson *v)
{
	char		num[32];

	switch (v->kind)
	{
		case OJ_NULL:
			return hash_tag(h, 'n');
		case OJ_FALSE:
			return hash_tag(h, 'f');
		case OJ_TRUE:
			return hash_tag(h, 't');
		case OJ_NUMBER:
			snprintf(num, sizeof(num), "%.17g", v->number);
			return hash_string(hash_tag(h, '#'), num, strlen(num));
		case OJ_STRING:
			return hash_string(hash_tag(h, 's'), v->str, v->len);
		case OJ_ARRAY:
			h = hash_u32(hash_tag(h, '['), v->len);
			for (size_t i = 0; i < v->len; i++)
				h = hash_json(h, &v->items[i]);
			return h;
		case OJ_OBJECT:
			{
				const OtJsonMember *sorted[v->len + 1];

				for (size_t i = 0; i < v->len; i++)
					sorted[i] = &v->members[i];
				qsort(sorted, v->len, sizeof(sorted[0]), member_cmp);
				h = hash_u32(hash_tag(h, '{'), v->len);
				for (size_t i = 0; i < v->len; i++)
					h = hash_json(hash_string(h, sorted[i]->key, sorted[i]->key_len),
								  sorted[i]->value);
				return h;
			}
	}
	return h;
}

/*
 * The sum functions add a result to *hash and return its size: components
 * of an op or a delta, code points of a text-unicode document.
 */
typedef int64_t (*SumFn) (const Result *r, uint32_t *hash);

/* Per component: r N, i and the text, d N, or D and the deleted text. */
static int64_t
tu_sum_op(const Result *r, uint32_t *hash)
{
	const TuOp *op = &r->op.tu;
	uint32_t	h = hash_u32(*hash, op->len);

	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];

		if (c->kind == TU_SKIP)
			h = hash_u32(hash_tag(h, 'r'), c->count);
		else if (c->kind == TU_INSERT)
			h = hash_string(hash_tag(h, 'i'), c->text, c->bytes);
		else if (c->text == NULL)
			h = hash_u32(hash_tag(h, 'd'), c->count);
		else
			h = hash_string(hash_tag(h, 'D'), c->text, c->bytes);
	}
	*hash = h;
	return op->len;
}

static int64_t
tu_sum_doc(const Result *r, uint32_t *hash)
{
	*hash = hash_string(*hash, r->doc.tu.text, r->doc.tu.bytes);
	return ot_utf8_count(r->doc.tu.text, r->doc.tu.bytes);
}

/*
 * Per component: i, r or d and the length in UTF-16 units; s and the text,
 * or e and the embed; then, unless it has none or an empty map, a and the
 * attributes.
 */
static int64_t
rt_sum_delta(const RtOp *op, uint32_t *hash)
{
	uint32_t	h = hash_u32(*hash, op->len);

	for (size_t i = 0; i < op->len; i++)
	{
		const RtComponent *c = &op->items[i];

		h = hash_u32(hash_tag(h, "ird"[c->kind]), c->length);
		if (c->text)
			h = hash_string(hash_tag(h, 's'), c->text, c->bytes);
		else if (c->embed)
			h = hash_json(hash_tag(h, 'e'), c->embed);
		if (c->attributes && c->attributes->len > 0)
			h = hash_json(hash_tag(h, 'a'), c->attributes);
	}
	*hash = h;
	return op->len;
}

static int64_t
rt_sum_op(const Result *r, uint32_t *hash)
{
	return rt_sum_delta(&r->op.rt, hash);
}

static int64_t
rt_sum_doc(const Result *r, uint32_t *hash)
{
	return rt_sum_delta(&r->doc.rt, hash);
}

/* ----------------------------------------------------------------- types */

typedef bool (*ReadDocFn) (const json_t *j, const OtAllocator *a, Doc *doc,
						   char *msg, size_t msg_len);
typedef bool (*ReadOpFn) (const json_t *j, const OtAllocator *a, Op *op,
						  char *msg, size_t msg_len);
typedef OtStatus (*CallFn) (const Case *c, const OtAllocator *a, Result *out,
							OtError *err);
typedef void (*PrepFn) (const Case *c, const OtAllocator *a, Case *copy);

/*
 * A benchmarked call: transform or apply.  prep, when the call modifies its
 * arguments, copies a case before the call (untimed).
 */
typedef struct Call
{
	const char *name;
	CallFn		call;
	SumFn		sum;
	PrepFn		prep;
} Call;

typedef struct OtTypeBench
{
	const char *name;			/* as in the corpus header */
	ReadDocFn	read_doc;
	ReadOpFn	read_op;
	Call		calls[2];
} OtTypeBench;

static bool
tu_read_doc(const json_t *j, const OtAllocator *a, Doc *doc, char *msg, size_t msg_len)
{
	char	   *text;

	if (!json_is_string(j))
	{
		snprintf(msg, msg_len, "doc is not a string");
		return false;
	}
	doc->tu.bytes = json_string_length(j);
	doc->tu.text = text = ot_alloc(a, doc->tu.bytes + 1);
	memcpy(text, json_string_value(j), doc->tu.bytes + 1);
	if (!ot_utf8_valid(doc->tu.text, doc->tu.bytes))
	{
		snprintf(msg, msg_len, "doc is not valid UTF-8 without NUL");
		return false;
	}
	return true;
}

static bool
tu_read_op(const json_t *j, const OtAllocator *a, Op *op, char *msg, size_t msg_len)
{
	OtError		err;

	if (!tu_op_from_json(j, a, &op->tu, msg, msg_len))
		return false;
	if (tu_check(&op->tu, &err) != OT_OK)
	{
		snprintf(msg, msg_len, "%s", err.message);
		return false;
	}
	return true;
}

static OtStatus
tu_call_transform(const Case *c, const OtAllocator *a, Result *out, OtError *err)
{
	return tu_transform(&c->op.tu, &c->other.tu, true, a, &out->op.tu, err);
}

static OtStatus
tu_call_apply(const Case *c, const OtAllocator *a, Result *out, OtError *err)
{
	char	   *text;
	OtStatus	status = tu_apply(c->doc->tu.text, c->doc->tu.bytes, &c->op.tu, a,
								  &text, &out->doc.tu.bytes, err);

	out->doc.tu.text = text;
	return status;
}

/* A checked delta. */
static bool
rt_read_delta(const json_t *j, const OtAllocator *a, RtOp *op, char *msg, size_t msg_len)
{
	OtError		err;

	if (!rt_op_from_json(j, a, op, msg, msg_len))
		return false;
	if (rt_check(op, &err) != OT_OK)
	{
		snprintf(msg, msg_len, "%s", err.message);
		return false;
	}
	return true;
}

static bool
rt_read_op(const json_t *j, const OtAllocator *a, Op *op, char *msg, size_t msg_len)
{
	return rt_read_delta(j, a, &op->rt, msg, msg_len);
}

static bool
rt_read_doc(const json_t *j, const OtAllocator *a, Doc *doc, char *msg, size_t msg_len)
{
	if (!rt_read_delta(j, a, &doc->rt, msg, msg_len))
		return false;
	if (!rt_is_document(&doc->rt))
	{
		snprintf(msg, msg_len, "doc is not a delta of inserts only");
		return false;
	}
	return true;
}

static OtStatus
rt_call_transform(const Case *c, const OtAllocator *a, Result *out, OtError *err)
{
	return rt_transform(&c->op.rt, &c->other.rt, true, a, &out->op.rt, err);
}

static OtStatus
rt_call_apply(const Case *c, const OtAllocator *a, Result *out, OtError *err)
{
	return rt_apply(&c->doc->rt, &c->op.rt, a, &out->doc.rt, err);
}

/* A json0 value of the corpus, read by the core's own JSON reader. */
static bool
j0_read(const json_t *j, const OtAllocator *a, J0 **out, char *msg, size_t msg_len)
{
	char	   *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	J0Ctx		cx;

	if (text == NULL)
	{
		snprintf(msg, msg_len, "json0 value does not print");
		return false;
	}
	cx.a = a;
	if (setjmp(cx.fail) != 0)
	{
		snprintf(msg, msg_len, "json0 value: %s", cx.message);
		free(text);
		return false;
	}
	*out = j0_parse(&cx, text, strlen(text));
	free(text);
	return true;
}

static bool
j0_read_doc(const json_t *j, const OtAllocator *a, Doc *doc, char *msg, size_t msg_len)
{
	return j0_read(j, a, &doc->j0, msg, msg_len);
}

static bool
j0_read_op(const json_t *j, const OtAllocator *a, Op *op, char *msg, size_t msg_len)
{
	return j0_read(j, a, &op->j0, msg, msg_len);
}

/* A core error as an OtError. */
static OtStatus
j0_error(const J0Ctx *cx, OtError *err)
{
	err->status = cx->code == J0_ERR_BAD_OP ? OT_ERR_BAD_OP : OT_ERR_BAD_ARGUMENT;
	snprintf(err->message, sizeof(err->message), "%.*s", (int) sizeof(err->message) - 1,
			 cx->message);
	return err->status;
}

/* Copies of what transform modifies: op and other. */
static void
j0_prep_transform(const Case *c, const OtAllocator *a, Case *copy)
{
	J0Ctx		cx;

	cx.a = a;
	copy->doc = c->doc;
	copy->op.j0 = j0_clone(&cx, c->op.j0);
	copy->other.j0 = j0_clone(&cx, c->other.j0);
}

/* Copies of what apply modifies: the document and op. */
static void
j0_prep_apply(const Case *c, const OtAllocator *a, Case *copy)
{
	J0Ctx		cx;
	Doc		   *doc = ot_alloc(a, sizeof(Doc));

	cx.a = a;
	doc->j0 = j0_clone(&cx, c->doc->j0);
	copy->doc = doc;
	copy->op.j0 = j0_clone(&cx, c->op.j0);
	copy->other.j0 = c->other.j0;
}

static OtStatus
j0_call_transform(const Case *c, const OtAllocator *a, Result *out, OtError *err)
{
	J0Ctx		cx;

	cx.a = a;
	if (setjmp(cx.fail) != 0)
		return j0_error(&cx, err);
	out->op.j0 = json0_transform(&cx, c->op.j0, c->other.j0, true);
	return OT_OK;
}

static OtStatus
j0_call_apply(const Case *c, const OtAllocator *a, Result *out, OtError *err)
{
	J0Ctx		cx;

	cx.a = a;
	if (setjmp(cx.fail) != 0)
		return j0_error(&cx, err);
	out->doc.j0 = json0_apply(&cx, c->doc->j0, c->op.j0);
	return OT_OK;
}

static int
j0_unit_cmp(const uint16_t *a, size_t an, const uint16_t *b, size_t bn)
{
	for (size_t i = 0; i < an && i < bn; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return (an > bn) - (an < bn);
}

/* A member of an object being sorted: its key and value. */
typedef struct J0Member
{
	J0		   *key;
	J0		   *value;
} J0Member;

static int
j0_member_cmp(const void *x, const void *y)
{
	const J0   *a = ((const J0Member *) x)->key;
	const J0   *b = ((const J0Member *) y)->key;

	return j0_unit_cmp(a->s, a->n, b->s, b->n);
}

/*
 * Sorts the members of every object in v by key, in UTF-16 code units as
 * JavaScript's sort() compares strings (v is a result, ours to change).
 */
static void
j0_sort_keys(J0 *v)
{
	if (v->kind == J0_ARRAY)
		for (size_t i = 0; i < v->n; i++)
			j0_sort_keys(v->items[i]);
	else if (v->kind == J0_OBJECT && v->n > 0)
	{
		J0Member	m[v->n];

		for (size_t i = 0; i < v->n; i++)
		{
			m[i].key = v->keys[i];
			m[i].value = v->items[i];
			j0_sort_keys(v->items[i]);
		}
		qsort(m, v->n, sizeof(m[0]), j0_member_cmp);
		for (size_t i = 0; i < v->n; i++)
		{
			v->keys[i] = m[i].key;
			v->items[i] = m[i].value;
		}
	}
}

/*
 * The canonical JSON of a result (keys sorted, printed as JSON.stringify
 * prints, lone surrogates as \uXXXX): its bytes, and their number as the
 * size.
 */
static int64_t
j0_sum(J0 *v, uint32_t *hash)
{
	Arena		ar = {NULL, NULL, 1 << 16};
	OtAllocator a = {arena_alloc, arena_grow, &ar};
	J0Ctx		cx;
	char	   *text;
	size_t		len;

	cx.a = &a;
	if (setjmp(cx.fail) != 0)
	{
		fprintf(stderr, "bench_core: json0 result does not print: %s\n", cx.message);
		exit(1);
	}
	j0_sort_keys(v);
	text = j0_print(&cx, v, false, &len);
	*hash = hash_bytes(*hash, text, len);
	arena_reset(&ar);
	free(ar.head);
	return len;
}

static int64_t
j0_sum_op(const Result *r, uint32_t *hash)
{
	return j0_sum(r->op.j0, hash);
}

static int64_t
j0_sum_doc(const Result *r, uint32_t *hash)
{
	return j0_sum(r->doc.j0, hash);
}

static const OtTypeBench TYPES[] = {
	{"text-unicode", tu_read_doc, tu_read_op,
	{{"transform", tu_call_transform, tu_sum_op, NULL}, {"apply", tu_call_apply, tu_sum_doc, NULL}}},
	{"rich-text", rt_read_doc, rt_read_op,
	{{"transform", rt_call_transform, rt_sum_op, NULL}, {"apply", rt_call_apply, rt_sum_doc, NULL}}},
	{"json0", j0_read_doc, j0_read_op,
	{{"transform", j0_call_transform, j0_sum_op, j0_prep_transform},
	{"apply", j0_call_apply, j0_sum_doc, j0_prep_apply}}},
};

/* ---------------------------------------------------------------- corpus */

typedef struct Corpus
{
	const OtTypeBench *type;
	size_t		n_docs;
	Doc		   *docs;
	size_t		n_cases;
	Case	   *cases;
} Corpus;

typedef struct LineReader
{
	const char *path;
	FILE	   *f;
	char	   *line;
	size_t		cap;
	size_t		lineno;
} LineReader;

static void
die_at(const LineReader *r, const char *msg)
{
	fprintf(stderr, "%s:%zu: %s\n", r->path, r->lineno, msg);
	exit(1);
}

/* The next line as JSON; the caller json_decref's it. */
static json_t *
read_json_line(LineReader *r)
{
	ssize_t		len = getline(&r->line, &r->cap, r->f);
	json_error_t jerr;
	json_t	   *j;

	r->lineno++;
	if (len <= 0)
		die_at(r, "unexpected end of file");
	j = json_loadb(r->line, len, 0, &jerr);
	if (j == NULL)
		die_at(r, jerr.text);
	return j;
}

/* A member of a line's object, or an error naming it. */
static const json_t *
member(const LineReader *r, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	char		msg[100];

	if (v == NULL)
	{
		snprintf(msg, sizeof(msg), "no \"%s\"", key);
		die_at(r, msg);
	}
	return v;
}

/* Reads the whole corpus, keeping it with keep. */
static void
load_corpus(const char *path, const OtAllocator *keep, Corpus *corpus)
{
	LineReader	r = {path, fopen(path, "r"), NULL, 0, 0};
	json_t	   *j;
	const char *type;
	char		msg[256];

	if (r.f == NULL)
	{
		perror(path);
		exit(1);
	}
	j = read_json_line(&r);
	type = json_string_value(member(&r, j, "type"));
	corpus->type = NULL;
	for (size_t t = 0; t < sizeof(TYPES) / sizeof(TYPES[0]); t++)
		if (type && strcmp(type, TYPES[t].name) == 0)
			corpus->type = &TYPES[t];
	if (corpus->type == NULL)
		die_at(&r, "type is not text-unicode, rich-text or json0");
	corpus->n_docs = json_integer_value(member(&r, j, "docs"));
	corpus->n_cases = json_integer_value(member(&r, j, "cases"));
	json_decref(j);
	if (corpus->n_docs == 0 || corpus->n_cases == 0)
		die_at(&r, "no documents or no cases");
	corpus->docs = ot_alloc(keep, corpus->n_docs * sizeof(Doc));
	corpus->cases = ot_alloc(keep, corpus->n_cases * sizeof(Case));

	for (size_t i = 0; i < corpus->n_docs; i++)
	{
		j = read_json_line(&r);
		if (!corpus->type->read_doc(member(&r, j, "doc"), keep, &corpus->docs[i],
									msg, sizeof(msg)))
			die_at(&r, msg);
		json_decref(j);
	}
	for (size_t i = 0; i < corpus->n_cases; i++)
	{
		Case	   *c = &corpus->cases[i];
		json_int_t	k;

		j = read_json_line(&r);
		k = json_integer_value(member(&r, j, "doc_index"));
		if (k < 0 || (size_t) k >= corpus->n_docs)
			die_at(&r, "doc_index out of range");
		c->doc = &corpus->docs[k];
		if (!corpus->type->read_op(member(&r, j, "op"), keep, &c->op, msg, sizeof(msg)) ||
			!corpus->type->read_op(member(&r, j, "other"), keep, &c->other, msg, sizeof(msg)))
			die_at(&r, msg);
		json_decref(j);
	}
	if (getline(&r.line, &r.cap, r.f) > 0)
		die_at(&r, "more lines than the header announces");
	free(r.line);
	fclose(r.f);
}

/* ---------------------------------------------------------------- timing */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die_call(const Call *call, size_t i, const OtError *err)
{
	fprintf(stderr, "bench_core: %s of case %zu failed: %s\n", call->name, i + 1, err->message);
	exit(1);
}

/* Where calls allocate, and where prep puts the copies of a chunk. */
typedef struct Bench
{
	Arena	   *work_arena;
	const OtAllocator *work;
	Arena	   *prep_arena;
	const OtAllocator *prep;
	Case	   *copies;			/* CHUNK of them */
} Bench;

/*
 * Cases per chunk of copies: 10 keep a chunk's copies in the cache (with
 * 1,000, C's json0 apply ran at a third of the rate, on copies evicted by
 * the others) and the clock's cost under 1% of the calls'.
 */
#define CHUNK 10

/*
 * The cases start .. start + n of the corpus as call gets them: the corpus'
 * own, or copies made by prep.
 */
static const Case *
chunk(const Call *call, const Corpus *corpus, size_t start, size_t n, Bench *b)
{
	if (call->prep == NULL)
		return corpus->cases + start;
	arena_reset(b->prep_arena);
	for (size_t i = 0; i < n; i++)
		call->prep(&corpus->cases[start + i], b->prep, &b->copies[i]);
	return b->copies;
}

/*
 * One pass of call over the corpus, in chunks of CHUNK cases when it needs
 * copies (a whole pass otherwise); returns the seconds the calls took.
 */
static double
pass(const Call *call, const Corpus *corpus, Bench *b)
{
	size_t		step = call->prep ? CHUNK : corpus->n_cases;
	double		seconds = 0;

	for (size_t start = 0; start < corpus->n_cases; start += step)
	{
		size_t		n = corpus->n_cases - start < step ? corpus->n_cases - start : step;
		const Case *cases = chunk(call, corpus, start, n, b);
		double		t0 = now();

		for (size_t i = 0; i < n; i++)
		{
			Result		out;
			OtError		err;

			if (call->call(&cases[i], b->work, &out, &err) != OT_OK)
				die_call(call, start + i, &err);
			arena_reset(b->work_arena);
		}
		seconds += now() - t0;
	}
	return seconds;
}

/* Calls per second over whole passes whose calls took at least min_seconds. */
static double
measure(const Call *call, const Corpus *corpus, double min_seconds, Bench *b)
{
	double		elapsed = 0;
	size_t		passes = 0;

	pass(call, corpus, b);		/* warm-up */
	do
	{
		elapsed += pass(call, corpus, b);
		passes++;
	} while (elapsed < min_seconds);
	return (double) passes * corpus->n_cases / elapsed;
}

/* Checksums of call's results, outside the timing. */
static void
print_checksum(const Call *call, const Corpus *corpus, Bench *b)
{
	uint32_t	hash = FNV_OFFSET;
	int64_t		size = 0;

	for (size_t i = 0; i < corpus->n_cases; i++)
	{
		const Case *c = chunk(call, corpus, i, 1, b);
		Result		out;
		OtError		err;

		if (call->call(c, b->work, &out, &err) != OT_OK)
			die_call(call, i, &err);
		size += call->sum(&out, &hash);
		arena_reset(b->work_arena);
	}
	printf("check %s size %" PRId64 " hash %" PRIu32 "\n", call->name, size, hash);
}

int
main(int argc, char **argv)
{
	Arena		keep_arena = {NULL, NULL, 8 << 20};
	Arena		work_arena = {NULL, NULL, 1 << 20};
	OtAllocator keep = {arena_alloc, arena_grow, &keep_arena};
	OtAllocator work = {arena_alloc, arena_grow, &work_arena};
	Arena		prep_arena = {NULL, NULL, 8 << 20};
	OtAllocator prep = {arena_alloc, arena_grow, &prep_arena};
	Bench		bench = {&work_arena, &work, &prep_arena, &prep, xmalloc(CHUNK * sizeof(Case))};
	double		min_seconds = 2.0;
	double		rate[2];
	Corpus		corpus;
	double		t0;

	if (argc < 2 || argc > 3)
	{
		fprintf(stderr, "usage: %s CORPUS.jsonl [MIN_SECONDS]\n", argv[0]);
		return 2;
	}
	if (argc == 3)
		min_seconds = atof(argv[2]);

	t0 = now();
	load_corpus(argv[1], &keep, &corpus);
	fprintf(stderr, "bench_core: %zu %s cases over %zu documents parsed in %.1f s (not timed)\n",
			corpus.n_cases, corpus.type->name, corpus.n_docs, now() - t0);

	printf("type %s\n", corpus.type->name);
	printf("cases %zu\n", corpus.n_cases);
	printf("docs %zu\n", corpus.n_docs);
	for (int k = 0; k < 2; k++)
		print_checksum(&corpus.type->calls[k], &corpus, &bench);
	for (int k = 0; k < 2; k++)
		rate[k] = measure(&corpus.type->calls[k], &corpus, min_seconds, &bench);
	for (int k = 0; k < 2; k++)
		printf("%s/s %.0f\n", corpus.type->calls[k].name, rate[k]);
	return 0;
}
