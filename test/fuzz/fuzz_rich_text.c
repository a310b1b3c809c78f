/*
 * fuzz_rich_text.c
 *	  libFuzzer target for the rich-text OT core (extension/ot).
 *
 * The input is decoded into a document (texts of 1- to 4-byte characters,
 * astral ones counting 2 UTF-16 units, and embeds, with attribute maps over
 * four keys) and ops pushed raw, as the binding reads them: a and b edit the
 * document concurrently, c edits apply(doc, a).  Most ops fit their
 * document; one in eight mixes in bad lengths, empty texts, lengths past the
 * end and splits of surrogate pairs.  Documents are compared flattened, a
 * character or embed at a time with its attributes (an empty map counts as
 * none), since component boundaries may legitimately differ.  Checked:
 * statuses against a model; apply results (valid UTF-8, length); compose;
 * TP1 in both ShareDB pairings and, against a model, which side goes first
 * (TP1 cannot tell); invert; transformPosition.  See README.md.
 *
 * One malloc block per allocation, freed after each input; a grown block is
 * poisoned, so AddressSanitizer catches overreads and stale pointers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "rich_text.h"
#include "utf8.h"

#define NKEYS 4

/* ---------------------------------------------------------------- arena */

typedef union Block
{
	struct
	{
		union Block *next;
		size_t		size;
	}			h;
	long double align;			/* aligned as malloc aligns */
} Block;

static void *
arena_alloc(void *ctx, size_t size)
{
	Block	  **head = ctx;
	Block	   *b = malloc(sizeof(Block) + size);

	if (b == NULL)
		abort();
	b->h.size = size;
	b->h.next = *head;
	*head = b;
	return b + 1;
}

static void *
arena_grow(void *ctx, void *ptr, size_t old_size, size_t new_size)
{
	Block	   *old = (Block *) ptr - 1;
	void	   *p;

	if (old_size > old->h.size || new_size < old_size)
	{
		fprintf(stderr, "PROPERTY FAILED: grow(old_size=%zu, new_size=%zu) of a block of %zu bytes\n",
				old_size, new_size, old->h.size);
		abort();
	}
	p = memcpy(arena_alloc(ctx, new_size), ptr, old_size);
	ASAN_POISON_MEMORY_REGION(ptr, old->h.size);	/* dead, as after repalloc */
	return p;
}

static void *
zalloc(const OtAllocator *a, size_t size)
{
	return memset(ot_alloc(a, size), 0, size);
}

/* ------------------------------------------------------ input and values */

typedef struct In
{
	const uint8_t *p;
	size_t		n,
				i;
} In;

static uint8_t
u8(In *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static const char *const KEYS[NKEYS] = {"bold", "italic", "color", "link"};
static const char *const ALPHABET[8] = {
	"a", "b", " ", "\n", "\xc3\xa9" /* é */ , "\xe4\xb8\xad" /* 中 */ ,
	"\xf0\x9f\x98\x80" /* 😀 */ , "\xf0\x9d\x84\x9e" /* 𝄞 */
};

/*
 * Attribute values and embeds.  Containers come twice, equal but at other
 * addresses, so that equality has to be deep.  Numbers have no origin.
 */
#define STR(s) {.kind = OJ_STRING, .str = s, .len = sizeof(s) - 1}
#define NUM(d) {.kind = OJ_NUMBER, .number = d}
#define OBJ(k, v) {.kind = OJ_OBJECT, .len = 1, \
	.members = (const OtJsonMember[]) {{k, sizeof(k) - 1, v}}}
#define ARR(i, n) {.kind = OJ_ARRAY, .items = i, .len = n}
static const OtJson J_X = STR("x"), J_Y = STR("y"), J_ONE = NUM(1), J_TWO = NUM(2);
static const OtJson J_T[2] = {OBJ("t", &J_ONE), OBJ("t", &J_ONE)};
static const OtJson J_AN[3][2] = {{STR("a"), OBJ("n", &J_ONE)}, {STR("a"), OBJ("n", &J_ONE)},
{STR("a"), OBJ("n", &J_TWO)}};
static const OtJson VALUES[16] = {
	{.kind = OJ_TRUE}, {.kind = OJ_FALSE}, {.kind = OJ_NULL}, {.kind = OJ_NULL},
	STR("red"), STR("blue"), NUM(1), NUM(2.5), OBJ("href", &J_T[0]), OBJ("href", &J_T[1]),
	OBJ("href", &J_X), {.kind = OJ_OBJECT}, ARR(J_AN[0], 2), ARR(J_AN[1], 2),
	ARR(J_AN[2], 2), ARR(J_AN[0], 1)
};
static const OtJson EMBEDS[4] = {OBJ("image", &J_X), OBJ("image", &J_X), OBJ("image", &J_Y), NUM(1)};

/* No map half of the time, else a map of some keys in a rotated order. */
static const OtJson *
make_attrs(In *in, const OtAllocator *a)
{
	uint8_t		m = u8(in);
	OtJson	   *j;
	OtJsonMember *mem;

	if (m < 0x80)
		return NULL;
	j = zalloc(a, sizeof(OtJson));
	j->kind = OJ_OBJECT;
	j->members = mem = ot_alloc(a, NKEYS * sizeof(OtJsonMember));
	for (int i = 0; i < NKEYS; i++)
	{
		int			k = (i + (m >> 4)) % NKEYS;

		if (m & (1 << k))
			mem[j->len++] = (OtJsonMember) {KEYS[k], strlen(KEYS[k]), &VALUES[u8(in) % 16]};
	}
	return j;
}

/* A text insert of 1..8 characters, or (kind % 4 == 0) an embed. */
static RtComponent
make_insert(In *in, uint8_t kind, const OtAllocator *a)
{
	char		buf[8 * 4];
	size_t		len = 0;

	if (kind % 4 == 0)
		return rt_embed(&EMBEDS[u8(in) % 4], make_attrs(in, a));
	for (int i = 0; i < 1 + (kind >> 2) % 8; i++)
	{
		const char *ch = ALPHABET[u8(in) % 8];

		memcpy(buf + len, ch, strlen(ch));
		len += strlen(ch);
	}
	/* exactly sized, no terminator */
	return rt_text(memcpy(ot_alloc(a, len), buf, len), len, make_attrs(in, a));
}

/* ------------------------------------------------- flattened documents */

/* One character or embed of a document, with its value of each key. */
typedef struct Unit
{
	const char *s;				/* UTF-8 of the character, NULL for an embed */
	int			bytes;
	const OtJson *embed;
	const OtJson *attr[NKEYS];	/* NULL: the key is absent */
} Unit;

typedef struct Units
{
	Unit	   *u;
	int64_t		n,
				cap,
				len;			/* in UTF-16 units */
} Units;

#define width(u) ((u)->bytes == 4 ? 2 : 1)

static void
units_push(Units *us, const Unit *u, const OtAllocator *a)
{
	if (us->n == us->cap)
	{
		us->cap = us->cap ? us->cap * 2 : 16;
		us->u = us->u ? ot_grow(a, us->u, us->n * sizeof(Unit), us->cap * sizeof(Unit))
			: ot_alloc(a, us->cap * sizeof(Unit));
	}
	us->u[us->n++] = *u;
	us->len += width(u);
}

static const OtJson *
member(const OtJson *map, const char *key, size_t len)
{
	for (size_t i = 0; map && i < map->len; i++)
		if (map->members[i].key_len == len && memcmp(map->members[i].key, key, len) == 0)
			return map->members[i].value;
	return NULL;
}

static const OtJson *
get(const OtJson *map, int k)
{
	return member(map, KEYS[k], strlen(KEYS[k]));
}

/* Deep equality, written anew rather than taken from the core. */
static bool
json_eq(const OtJson *x, const OtJson *y)
{
	if (x == NULL || y == NULL || x->kind != y->kind)
		return x == y;
	if (x->kind == OJ_NUMBER)
		return x->number == y->number;
	if (x->kind == OJ_STRING)
		return x->len == y->len && memcmp(x->str, y->str, x->len) == 0;
	if (x->kind != OJ_ARRAY && x->kind != OJ_OBJECT)
		return true;
	if (x->len != y->len)
		return false;
	for (size_t i = 0; i < x->len; i++)
		if (x->kind == OJ_ARRAY ? !json_eq(&x->items[i], &y->items[i])
			: !json_eq(x->members[i].value,
					   member(y, x->members[i].key, x->members[i].key_len)))
			return false;
	return true;
}

/* Appends the units of an insert; false when its text or length is wrong. */
static bool
insert_units(const RtComponent *c, Units *out, const OtAllocator *a)
{
	Unit		u = {NULL, 0, c->embed, {NULL}};
	int64_t		before = out->len;

	for (int k = 0; k < NKEYS; k++)
		u.attr[k] = get(c->attributes, k);
	if (c->text == NULL)
	{
		units_push(out, &u, a);
		return c->embed != NULL && c->length == 1;
	}
	if (c->bytes == 0 || !ot_utf8_valid(c->text, c->bytes))
		return false;
	for (size_t i = 0; i < c->bytes; i += u.bytes)
	{
		uint8_t		b = c->text[i];

		u.s = c->text + i;
		u.bytes = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
		units_push(out, &u, a);
	}
	return out->len - before == c->length;
}

/* ------------------------------------------------------------ reporting */

static const RtOp *g_doc, *g_a, *g_b, *g_c;	/* the inputs, for fail() */

static void
dump_str(const char *s, size_t n)
{
	fputc('"', stderr);
	for (size_t i = 0; i < n; i++)
		if (s[i] == '"' || s[i] == '\\' || s[i] == '\n')
			fprintf(stderr, "\\%c", s[i] == '\n' ? 'n' : s[i]);
		else
			fputc(s[i], stderr);
	fputc('"', stderr);
}

static void
dump_json(const OtJson *v)
{
	if (v->kind <= OJ_TRUE)
		fputs(v->kind == OJ_NULL ? "null" : v->kind == OJ_TRUE ? "true" : "false", stderr);
	else if (v->kind == OJ_NUMBER)
		fprintf(stderr, "%g", v->number);
	else if (v->kind == OJ_STRING)
		dump_str(v->str, v->len);
	else
	{
		fputc(v->kind == OJ_ARRAY ? '[' : '{', stderr);
		for (size_t i = 0; i < v->len; i++)
		{
			fputs(i ? "," : "", stderr);
			if (v->kind == OJ_OBJECT)
			{
				dump_str(v->members[i].key, v->members[i].key_len);
				fputc(':', stderr);
			}
			dump_json(v->kind == OJ_ARRAY ? &v->items[i] : v->members[i].value);
		}
		fputc(v->kind == OJ_ARRAY ? ']' : '}', stderr);
	}
}

static void
dump_op(const char *name, const RtOp *op)
{
	fprintf(stderr, "  %s = [", name);
	for (size_t i = 0; op && i < op->len; i++)
	{
		const RtComponent *c = &op->items[i];

		fputs(i ? ",{" : "{", stderr);
		if (c->kind != RT_INSERT)
			fprintf(stderr, "\"%s\":%lld", c->kind == RT_RETAIN ? "retain" : "delete",
					(long long) c->length);
		else
		{
			fputs("\"insert\":", stderr);
			c->text ? dump_str(c->text, c->bytes) : dump_json(c->embed);
		}
		if (c->attributes)
		{
			fputs(",\"attributes\":", stderr);
			dump_json(c->attributes);
		}
		fputc('}', stderr);
	}
	fputs("]\n", stderr);
}

/* A flattened document: each character or embed, then +key:value. */
static void
dump_units(const char *name, const Units *us)
{
	fprintf(stderr, "  %s =", name);
	for (int64_t i = 0; i < us->n; i++)
	{
		fputc(' ', stderr);
		us->u[i].s ? dump_str(us->u[i].s, us->u[i].bytes) : dump_json(us->u[i].embed);
		for (int k = 0; k < NKEYS; k++)
			if (us->u[i].attr[k])
			{
				fprintf(stderr, "+%s:", KEYS[k]);
				dump_json(us->u[i].attr[k]);
			}
	}
	fputc('\n', stderr);
}

static void
fail(const char *what, const RtOp *x, const RtOp *y)
{
	fprintf(stderr, "PROPERTY FAILED: %s\n", what);
	dump_op("doc", g_doc);
	dump_op("a", g_a);
	dump_op("b", g_b);
	dump_op("c", g_c);
	if (x)
		dump_op("x", x);
	if (y)
		dump_op("y", y);
	abort();
}

#define REQUIRE(cond, what, x, y) \
	do { if (!(cond)) fail(what, x, y); } while (0)

static void
require_same(const Units *x, const Units *y, const char *what, const RtOp *ox, const RtOp *oy)
{
	bool		same = x->n == y->n;

	for (int64_t i = 0; same && i < x->n; i++)
	{
		const Unit *p = &x->u[i],
				   *q = &y->u[i];

		same = p->bytes == q->bytes && (p->s ? q->s && memcmp(p->s, q->s, p->bytes) == 0
										: !q->s && json_eq(p->embed, q->embed));
		for (int k = 0; k < NKEYS && same; k++)
			same = json_eq(p->attr[k], q->attr[k]);
	}
	if (!same)
	{
		fprintf(stderr, "documents differ:\n");
		dump_units("x", x);
		dump_units("y", y);
		fail(what, ox, oy);
	}
}

/* The status is one of the enum, and err is filled in with it. */
static OtStatus
status(OtStatus st, const OtError *err)
{
	if (st != OT_OK && st != OT_ERR_BAD_OP && st != OT_ERR_NOT_APPLIED &&
		st != OT_ERR_BAD_ARGUMENT)
		fail("a status that is not an OtStatus", NULL, NULL);
	if (st != OT_OK && (err->status != st || err->message[0] == '\0'))
		fail("an error status without err filled in", NULL, NULL);
	return st;
}

/* A document flattened, checking that it is one. */
static Units
flatten(const RtOp *doc, const OtAllocator *a)
{
	Units		us = {NULL, 0, 0, 0};
	OtError		err;

	REQUIRE(rt_is_document(doc), "a result that should be a document is not", doc, NULL);
	REQUIRE(rt_check(doc, &err) == OT_OK, "a document fails rt_check", doc, NULL);
	for (size_t i = 0; i < doc->len; i++)
	{
		const OtJson *attrs = doc->items[i].attributes;
		size_t		known = 0;

		REQUIRE(insert_units(&doc->items[i], &us, a),
				"an insert's text is not valid UTF-8 or does not match its length", doc, NULL);
		for (int k = 0; k < NKEYS; k++)
			known += get(attrs, k) != NULL;
		REQUIRE(!attrs || (attrs->kind == OJ_OBJECT && known == attrs->len),
				"attributes that are not an object of the known keys", doc, NULL);
	}
	return us;
}

/* ------------------------------------------------------------------ ops */

/* How many units of d from unit u on fit in want UTF-16 units. */
static int64_t
units_within(const Units *d, int64_t u, int64_t want)
{
	int64_t		k = 0;

	for (int64_t w = 0; u + k < d->n && w + width(&d->u[u + k]) <= want; k++)
		w += width(&d->u[u + k]);
	return k;
}

static int64_t
span(const Units *d, int64_t u, int64_t k)
{
	int64_t		w = 0;

	while (k-- > 0)
		w += width(&d->u[u++]);
	return w;
}

/*
 * Up to 31 components built against d (so that the harness's sums of
 * lengths never overflow); one op in eight has wrong components mixed in.
 */
static RtOp
make_op(In *in, const Units *d, const OtAllocator *a)
{
	static const int64_t odd[] = {0, -1, -300, INT64_MIN, INT64_MAX, RT_MAX_LENGTH, RT_MAX_LENGTH + 1};
	RtOp		op = RT_OP_EMPTY;
	uint8_t		h = u8(in);
	int64_t		u = 0;

	for (int i = 0; i < (h & 0x1F) && in->i < in->n; i++)
	{
		uint8_t		b = u8(in),
					v;
		int64_t		k = u < d->n ? 1 + (b >> 3) % (b & 0x80 ? d->n - u : 4) : 0,
					len,
					pair = u;

		k = k < d->n - u ? k : d->n - u;
		if ((h & 0xE0) == 0xE0 && b % 8 == 7)
		{
			/* a wrong length, past the end, into a surrogate pair, or "" */
			v = u8(in) % 10;
			len = v < 7 ? odd[v] : d->len - span(d, 0, u) + 1;
			while (pair < d->n && d->u[pair].bytes != 4)
				pair++;
			if (v == 9 && pair < d->n)
				len = span(d, u, pair - u) + 1, u = pair + 1;
			rt_push_raw(&op, v == 8 ? rt_text("", 0, make_attrs(in, a))
						: b & 0x40 ? rt_delete(len) : rt_retain(len, make_attrs(in, a)), a);
		}
		else if (b % 8 < 5)
		{
			/* 0: retain, 1-2: retain with attributes, 3-4: delete */
			if (k)
				rt_push_raw(&op, b % 8 >= 3 ? rt_delete(span(d, u, k))
							: rt_retain(span(d, u, k), b % 8 ? make_attrs(in, a) : NULL), a);
			u += k;
		}
		else
			rt_push_raw(&op, make_insert(in, u8(in), a), a);
	}
	return op;
}

/*
 * The status rt_apply must give: BAD_OP unless the lengths are positive and
 * add up to at most RT_MAX_LENGTH; NOT_APPLIED past the end of d or mid-pair.
 */
static OtStatus
expected_status(const Units *d, const RtOp *op)
{
	int64_t		pos = 0;

	for (size_t i = 0; i < op->len; i++)
		if (op->items[i].length <= 0 || op->items[i].length > RT_MAX_LENGTH ||
			(pos += op->items[i].length) > RT_MAX_LENGTH)
			return OT_ERR_BAD_OP;
	pos = 0;
	for (size_t i = 0; i < op->len; i++)
		if (op->items[i].kind != RT_INSERT &&
			((pos += op->items[i].length) > d->len || span(d, 0, units_within(d, 0, pos)) != pos))
			return OT_ERR_NOT_APPLIED;
	return OT_OK;
}

/* What an op that fits d does at each unit: inserts before it, deletes it, formats it. */
typedef struct Edit
{
	Units	   *ins;
	bool	   *del;
	const OtJson **fmt;
} Edit;

static Edit
edit_of(const Units *d, const RtOp *op, const OtAllocator *a)
{
	Edit		e = {zalloc(a, (d->n + 1) * sizeof(Units)), zalloc(a, d->n + 1),
	zalloc(a, (d->n + 1) * sizeof(OtJson *))};
	int64_t		u = 0;

	for (size_t i = 0; i < op->len; i++)
	{
		const RtComponent *c = &op->items[i];

		if (c->kind == RT_INSERT)
			insert_units(c, &e.ins[u], a);
		for (int64_t k = c->kind == RT_INSERT ? 0 : units_within(d, u, c->length); k > 0; k--, u++)
		{
			e.del[u] = c->kind == RT_DELETE;
			e.fmt[u] = c->kind == RT_RETAIN ? c->attributes : NULL;
		}
	}
	return e;
}

/*
 * ShareDB's result for a committed and an incoming op on d: at each position
 * the committed op's inserts, the incoming op's, then the unit unless either
 * deletes it, with the committed op's attributes over the incoming op's over
 * d's (a null value removes the key).
 */
static Units
model_merge(const Units *d, const Edit *committed, const Edit *incoming, const OtAllocator *a)
{
	Units		out = {NULL, 0, 0, 0};

	for (int64_t g = 0; g <= d->n; g++)
	{
		Unit		x;

		for (int64_t i = 0; i < committed->ins[g].n; i++)
			units_push(&out, &committed->ins[g].u[i], a);
		for (int64_t i = 0; i < incoming->ins[g].n; i++)
			units_push(&out, &incoming->ins[g].u[i], a);
		if (g == d->n || committed->del[g] || incoming->del[g])
			continue;
		x = d->u[g];
		for (int k = 0; k < NKEYS; k++)
		{
			const OtJson *v = get(committed->fmt[g], k);

			if ((v = v ? v : get(incoming->fmt[g], k)) != NULL)
				x.attr[k] = v->kind == OJ_NULL ? NULL : v;
		}
		units_push(&out, &x, a);
	}
	return out;
}

/*
 * Whether invert(op, d) must undo op.  invert restores a retained attribute
 * to d's value, but when that value is null, composing the restoring retain
 * onto the text removes the key instead; quill-delta does the same.  With
 * d = [{"insert":"x","attributes":{"bold":null}}] and
 * op = [{"retain":1,"attributes":{"bold":true}}], "x" comes back without bold.
 */
static bool
invert_round_trips(const Units *d, const RtOp *op)
{
	int64_t		u = 0;

	for (size_t i = 0; i < op->len; i++)
	{
		const RtComponent *c = &op->items[i];

		for (int64_t k = c->kind == RT_INSERT ? 0 : units_within(d, u, c->length); k > 0; k--, u++)
			for (int x = 0; x < NKEYS; x++)
				if (c->kind == RT_RETAIN && get(c->attributes, x) &&
					d->u[u].attr[x] && d->u[u].attr[x]->kind == OJ_NULL)
					return false;
	}
	return true;
}

/* ---------------------------------------------------------------- checks */

typedef struct Applied
{
	OtStatus	st;
	RtOp		out;
	Units		doc;			/* out flattened */
} Applied;

static Units
apply_ok(const RtOp *doc, const RtOp *op, const OtAllocator *a, const char *what, RtOp *out)
{
	OtError		err;

	REQUIRE(status(rt_apply(doc, op, a, out, &err), &err) == OT_OK, what, op, NULL);
	return flatten(out, a);
}

/*
 * rt_fit, which sees the document's length and where its characters past
 * U+FFFF are, never its text, agrees with rt_apply and gives the length and
 * positions of apply's result; with the positions untracked it agrees unless
 * it asks for the text.
 */
static void
check_fit(const RtOp *doc, const Units *d, const RtOp *op, const RtOp *applied_doc,
		  OtStatus applied, const OtAllocator *a)
{
	OtError		err;
	RtAstral	astral,
				after,
				want;
	int64_t		length = 0;
	bool		needs_text;

	rt_astral_of(doc, a, &astral);
	for (int untracked = 0; untracked < 2; untracked++)
	{
		OtStatus	st;

		astral.untracked |= untracked;
		st = status(rt_fit(op, d->len, &astral, a, &length, &after, &needs_text, &err), &err);
		REQUIRE(st == applied || (st == OT_OK && needs_text && astral.untracked),
				"rt_fit differs from rt_apply", op, NULL);
		if (st != OT_OK || applied != OT_OK)
			continue;
		REQUIRE(length == rt_document_length(applied_doc),
				"rt_fit gives another length than apply", op, NULL);
		rt_astral_of(applied_doc, a, &want);
		REQUIRE(after.untracked == (astral.untracked || want.untracked),
				"rt_fit tracks the positions when it should not, or loses them", op, NULL);
		REQUIRE(after.untracked || (after.len == want.len &&
									(want.len == 0 ||
									 memcmp(after.at, want.at, want.len * sizeof(int64_t)) == 0)),
				"rt_fit gives other positions past U+FFFF than apply's result has", op, NULL);
	}
}

/* Everything about one op on doc (d flattened). */
static Applied
check_one(const RtOp *doc, const Units *d, const RtOp *op, In *in, const OtAllocator *a)
{
	OtStatus	want = expected_status(d, op);
	OtError		err;
	Applied		r = {0};
	RtOp		inv,
				back,
				empty = RT_OP_EMPTY;
	int64_t		change = 0;
	bool		inserts_only = true;

	for (size_t i = 0; i < op->len; i++)
		inserts_only &= op->items[i].kind == RT_INSERT;
	REQUIRE(rt_is_document(op) == inserts_only, "rt_is_document", op, NULL);
	REQUIRE((status(rt_check(op, &err), &err) == OT_OK) == (want != OT_ERR_BAD_OP),
			"rt_check does not reject exactly the bad lengths", op, NULL);
	r.st = status(rt_apply(doc, op, a, &r.out, &err), &err);
	if (r.st != want)
		fprintf(stderr, "rt_apply gives %d, the model %d (%s)\n", r.st, want, err.message);
	REQUIRE(r.st == want, "rt_apply status differs from the model", op, NULL);
	REQUIRE(status(rt_invert(op, doc, a, &inv, &err), &err) == want,
			"rt_invert status differs from rt_apply's", op, NULL);
	check_fit(doc, d, op, &r.out, r.st, a);
	if (want == OT_ERR_BAD_OP)
		return r;
	REQUIRE(inserts_only || status(rt_apply(op, &empty, a, &back, &err), &err) == OT_ERR_BAD_ARGUMENT,
			"rt_apply onto a non-document is not BAD_ARGUMENT", op, NULL);
	REQUIRE(inserts_only || status(rt_invert(&empty, op, a, &back, &err), &err) == OT_ERR_BAD_ARGUMENT,
			"rt_invert on a non-document is not BAD_ARGUMENT", op, NULL);
	for (int i = 0; i < 3; i++)		/* must not crash, whatever the op */
		(void) rt_transform_position(i == 2 ? RT_MAX_LENGTH : u8(in), op, i == 1);
	if (r.st != OT_OK)
		return r;

	for (size_t i = 0; i < op->len; i++)	/* lengths are 1..RT_MAX_LENGTH now */
		if (op->items[i].kind != RT_RETAIN)
			change += op->items[i].kind == RT_INSERT ? op->items[i].length : -op->items[i].length;
	r.doc = flatten(&r.out, a);
	REQUIRE(r.doc.len == d->len + change, "apply result length is not len(doc) + inserted - deleted", &r.out, NULL);

	REQUIRE(rt_check(&inv, &err) == OT_OK, "invert output fails rt_check", &inv, NULL);
	{
		Units		undone = apply_ok(&r.out, &inv, a, "invert(a, doc) does not apply to apply(doc, a)", &back);

		if (invert_round_trips(d, op))
			require_same(&undone, d, "apply(apply(doc, a), invert(a, doc)) != doc", &inv, &back);
	}

	for (int prio = 0; prio < 2; prio++)
		for (int64_t p = 0, last = 0, q; p <= d->len; p += 1 + d->len / 48, last = q)
		{
			q = rt_transform_position(p, op, prio);
			if (q < last || q > r.doc.len)
				fprintf(stderr, "transformPosition(%lld, %d) = %lld, previous %lld, new length %lld\n",
						(long long) p, prio, (long long) q, (long long) last, (long long) r.doc.len);
			REQUIRE(q >= last && q <= r.doc.len,
					"transformPosition is not monotonic inside the new document", op, NULL);
		}
	return r;
}

/* Statuses of the four transforms; TP1 and the model when both ops apply. */
static void
check_transform(const Units *d, const RtOp *a_op, const RtOp *b_op,
				const Applied *ra, const Applied *rb, const OtAllocator *a)
{
	OtError		err;
	RtOp		t[4],			/* T(a,b,left) T(a,b,right) T(b,a,left) T(b,a,right) */
				x,
				y;
	bool		ok = rt_check(a_op, &err) == OT_OK && rt_check(b_op, &err) == OT_OK;
	int64_t		sum = 0;

	/*
	 * An output may add up to both inputs' lengths, past what rt_check
	 * allows ([delete 2^53 - 1] past [insert "b"]); ops that fit a document
	 * stay far below that.
	 */
	for (size_t i = 0; ok && i < a_op->len + b_op->len; i++)
		sum += (i < a_op->len ? a_op->items[i] : b_op->items[i - a_op->len]).length;
	for (int i = 0; i < 4; i++)
	{
		REQUIRE(status(rt_transform(i < 2 ? a_op : b_op, i < 2 ? b_op : a_op, i % 2 == 0,
									a, &t[i], &err), &err) == (ok ? OT_OK : OT_ERR_BAD_OP),
				"rt_transform status does not follow rt_check", a_op, b_op);
		REQUIRE(!ok || sum > RT_MAX_LENGTH || rt_check(&t[i], &err) == OT_OK,
				"transform output fails rt_check", &t[i], NULL);
	}
	if (ra->st != OT_OK || rb->st != OT_OK)
		return;
	for (int b_first = 0; b_first < 2; b_first++)
	{
		/* server: T(incoming, committed, left); client: T(committed, incoming, right) */
		const RtOp *ti = &t[b_first ? 0 : 2],
				   *tc = &t[b_first ? 3 : 1];
		Units		server = apply_ok(b_first ? &rb->out : &ra->out, ti, a,
									  "T(incoming, committed, left) does not apply", &x);
		Units		client = apply_ok(b_first ? &ra->out : &rb->out, tc, a,
									  "T(committed, incoming, right) does not apply", &y);
		Edit		ea = edit_of(d, a_op, a),
					eb = edit_of(d, b_op, a);
		Units		want = model_merge(d, b_first ? &eb : &ea, b_first ? &ea : &eb, a);

		require_same(&server, &client, b_first
					 ? "TP1: apply(apply(doc,b), T(a,b,left)) != apply(apply(doc,a), T(b,a,right))"
					 : "TP1: apply(apply(doc,a), T(b,a,left)) != apply(apply(doc,b), T(a,b,right))",
					 ti, tc);
		require_same(&server, &want, b_first
					 ? "model: with b committed first, b's inserts go first and b's attributes win"
					 : "model: with a committed first, a's inserts go first and a's attributes win",
					 ti, tc);
	}
}

/* compose(x, y) of checked ops; when y (ry) edits apply(doc, x), as x then y. */
static void
check_compose(const RtOp *doc, const RtOp *x, const RtOp *y, const Applied *rx,
			  const Applied *ry, const OtAllocator *a)
{
	OtError		err;
	RtOp		out,
				z;
	OtStatus	st;
	Units		once;

	if (rt_check(x, &err) != OT_OK || rt_check(y, &err) != OT_OK)
		return;					/* the binding checks first; compose does not */
	st = status(rt_compose(x, y, a, &out, &err), &err);
	REQUIRE(st == OT_OK || st == OT_ERR_NOT_APPLIED, "rt_compose status", x, y);
	if (ry == NULL || rx->st != OT_OK || ry->st != OT_OK)
		return;
	REQUIRE(st == OT_OK, "compose(a, c) fails though c applies after a", x, y);
	REQUIRE(rt_check(&out, &err) == OT_OK, "compose output fails rt_check", &out, NULL);
	once = apply_ok(doc, &out, a, "compose(a, c) does not apply to doc", &z);
	require_same(&once, &ry->doc, "apply(doc, compose(a, c)) != apply(apply(doc, a), c)", &out, &z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Block	   *arena = NULL;
	OtAllocator A = {arena_alloc, arena_grow, &arena};
	In			in = {data, size, 0};
	RtOp		doc = RT_OP_EMPTY,
				a_op,
				b_op,
				c_op,
				tb;
	Units		d;
	Applied		ra,
				rb,
				rc,
				none = {.st = OT_ERR_NOT_APPLIED};	/* an op that did not apply */
	OtError		err;

	for (int i = 0, n = u8(&in) % 17; i < n; i++)
		rt_push_raw(&doc, make_insert(&in, u8(&in), &A), &A);
	g_doc = &doc;
	d = flatten(&doc, &A);
	a_op = make_op(&in, &d, &A);
	g_a = &a_op;
	b_op = make_op(&in, &d, &A);
	g_b = &b_op;
	ra = check_one(&doc, &d, &a_op, &in, &A);
	rb = check_one(&doc, &d, &b_op, &in, &A);
	check_transform(&d, &a_op, &b_op, &ra, &rb, &A);
	check_compose(&doc, &a_op, &b_op, &ra, NULL, &A);

	/* c edits apply(doc, a) */
	c_op = make_op(&in, ra.st == OT_OK ? &ra.doc : &d, &A);
	g_c = &c_op;
	if (ra.st != OT_OK)
		check_transform(&d, &c_op, &b_op, &none, &none, &A);
	else
	{
		rc = check_one(&ra.out, &ra.doc, &c_op, &in, &A);
		check_compose(&doc, &a_op, &c_op, &ra, &rc, &A);
		/* c and the server's T(b, a, left) are concurrent edits of apply(doc, a) */
		if (rb.st == OT_OK && rt_transform(&b_op, &a_op, true, &A, &tb, &err) == OT_OK)
		{
			Applied		rtb = check_one(&ra.out, &ra.doc, &tb, &in, &A);

			check_transform(&ra.doc, &c_op, &tb, &rc, &rtb, &A);
		}
	}

	g_doc = g_a = g_b = g_c = NULL;
	while (arena)
	{
		Block	   *next = arena->h.next;

		ASAN_UNPOISON_MEMORY_REGION(arena + 1, arena->h.size);
		free(arena);
		arena = next;
	}
	return 0;
}
