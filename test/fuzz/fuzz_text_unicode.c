/*
 * fuzz_text_unicode.c
 *	  libFuzzer target for the text-unicode OT core (extension/ot).
 *
 * The input bytes are decoded into a document of valid UTF-8 (code points
 * from a small alphabet of 1- to 4-byte characters) and three ops built with
 * tu_push: a and b are concurrent edits of the document, c an edit of the
 * document after a.  Each op is either generated against its document (so
 * it applies) or made of arbitrary components (zero, negative and huge
 * counts, empty texts, adjacent skips, deletes past the end, delete texts
 * that do not match).  Every core function is called on them and the
 * properties below are checked; a failing property prints the inputs and
 * aborts.
 *
 *	 - every function returns an OtStatus of the enum and fills err with it;
 *	   a malformed op (tu_check fails) gives OT_ERR_BAD_OP everywhere, an op
 *	   that does not fit the document OT_ERR_NOT_APPLIED;
 *	 - apply results are valid UTF-8 of the expected length in code points;
 *	 - normalize(a) passes tu_check, is idempotent and applies like a;
 *	 - compose(a, c) applies like a then c; compose with [] is normalize;
 *	 - TP1 for concurrent a and b, on both sides:
 *	   apply(apply(doc, a), T(b, a, left)) == apply(apply(doc, b), T(a, b, right));
 *	 - transform by [] is normalize; outputs of invertible ops stay invertible;
 *	 - invertWithDoc(a, doc) applied after a gives back doc, and inverting it
 *	   again gives an op that applies like a;
 *	 - transformPosition is 0 at 0, monotonic and within the new document;
 *	 - transform and compose outputs pass tu_check.
 *
 * The allocator hands out one malloc block per allocation (data at the end
 * of the block, so AddressSanitizer catches overreads) and grow frees the old
 * block like repalloc does, so stale pointers after a grow are caught too.
 * Everything is freed at the end of the iteration.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_unicode.h"
#include "utf8.h"

/* Most components one op may have (a repeat component multiplies them). */
#ifndef FUZZ_MAX_COMPONENTS
#define FUZZ_MAX_COMPONENTS 2048
#endif
#define MAX_DOC_CHARS 1024

/* ---------------------------------------------------------------- arena */

typedef union Block
{
	struct
	{
		union Block *prev;
		union Block *next;
		size_t		size;
	}			h;
	long double align;			/* aligned as malloc aligns */
} Block;

typedef struct Arena
{
	Block	   *head;
} Arena;

static void *
arena_alloc(void *ctx, size_t size)
{
	Arena	   *ar = ctx;
	Block	   *b = malloc(sizeof(Block) + size);

	if (b == NULL)
	{
		fprintf(stderr, "fuzz: out of memory (%zu bytes)\n", size);
		abort();
	}
	b->h.size = size;
	b->h.prev = NULL;
	b->h.next = ar->head;
	if (ar->head)
		ar->head->h.prev = b;
	ar->head = b;
	return b + 1;
}

static void
arena_unlink(Arena *ar, Block *b)
{
	if (b->h.prev)
		b->h.prev->h.next = b->h.next;
	else
		ar->head = b->h.next;
	if (b->h.next)
		b->h.next->h.prev = b->h.prev;
}

static void *
arena_grow(void *ctx, void *ptr, size_t old_size, size_t new_size)
{
	Arena	   *ar = ctx;
	Block	   *old = (Block *) ptr - 1;
	void	   *p;

	if (old_size > old->h.size || new_size < old_size)
	{
		fprintf(stderr, "PROPERTY FAILED: grow(old_size=%zu, new_size=%zu) of a block of %zu bytes\n",
				old_size, new_size, old->h.size);
		abort();
	}
	p = arena_alloc(ctx, new_size);
	memcpy(p, ptr, old_size);
	arena_unlink(ar, old);
	free(old);					/* like repalloc: the old pointer is dead */
	return p;
}

static void
arena_free(Arena *ar)
{
	while (ar->head)
	{
		Block	   *next = ar->head->h.next;

		free(ar->head);
		ar->head = next;
	}
}

/* --------------------------------------------------------- input reader */

typedef struct In
{
	const uint8_t *p;
	size_t		n;
	size_t		i;
} In;

static uint8_t
u8(In *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static bool
more(const In *in)
{
	return in->i < in->n;
}

/* ------------------------------------------------------------ documents */

static const char *const ALPHABET[] = {
	"a", "b", "c", " ", "\n", ".", "Z", "\xc3\xa9" /* é */ ,
	"\xc3\xb1" /* ñ */ , "\xcc\x81" /* combining acute */ , "\xe4\xb8\xad" /* 中 */ ,
	"\xe8\xaa\x9e" /* 語 */ , "\xe2\x82\xac" /* € */ , "\xf0\x9f\xa4\x96" /* 🤖 */ ,
	"\xf0\x9f\x91\xbb" /* 👻 */ , "\xf0\x9f\x98\xad" /* 😭 */
};
#define ALPHABET_N (sizeof(ALPHABET) / sizeof(ALPHABET[0]))

/* A UTF-8 text and the byte offset of each of its n code points (and n), or NULL. */
typedef struct Doc
{
	const char *s;
	size_t		bytes;
	int64_t		n;
	size_t	   *at;
} Doc;

static void
doc_index(Doc *d, const OtAllocator *a)
{
	int64_t		k = 0;

	d->n = ot_utf8_count(d->s, d->bytes);
	d->at = ot_alloc(a, sizeof(size_t) * (d->n + 1));
	for (size_t i = 0; i < d->bytes; i++)
		if (((unsigned char) d->s[i] & 0xC0) != 0x80)
			d->at[k++] = i;
	d->at[k] = d->bytes;
}

/* Copies bytes into a block of exactly that size (no terminator). */
static const char *
exact_copy(const char *s, size_t bytes, const OtAllocator *a)
{
	char	   *p = ot_alloc(a, bytes);

	if (bytes)
		memcpy(p, s, bytes);
	return p;
}

static uint32_t
xorshift(uint32_t *s)
{
	uint32_t	x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/*
 * A short text of chars code points from the alphabet, read from the input,
 * in its own exactly sized block.
 */
static const char *
random_text(In *in, int chars, const OtAllocator *a, size_t *bytes)
{
	char		buf[8 * 4];
	size_t		len = 0;

	for (int i = 0; i < chars && i < 8; i++)
	{
		const char *ch = ALPHABET[u8(in) % ALPHABET_N];
		size_t		l = strlen(ch);

		memcpy(buf + len, ch, l);
		len += l;
	}
	*bytes = len;
	return exact_copy(buf, len, a);
}

static void
make_doc(In *in, const OtAllocator *a, Doc *d)
{
	uint8_t		mode = u8(in);
	int64_t		n;
	char	   *buf;
	size_t		len = 0;

	if (mode & 0x80)
	{
		/* Long: up to MAX_DOC_CHARS code points from a seeded generator. */
		uint32_t	seed = (uint32_t) u8(in) << 8 | u8(in) | 1u;

		n = ((int64_t) u8(in) << 8 | u8(in)) % (MAX_DOC_CHARS + 1);
		buf = ot_alloc(a, n * 4 + 1);
		for (int64_t i = 0; i < n; i++)
		{
			const char *ch = ALPHABET[xorshift(&seed) % ALPHABET_N];
			size_t		l = strlen(ch);

			memcpy(buf + len, ch, l);
			len += l;
		}
	}
	else
	{
		/* Short: one input byte per code point. */
		n = mode % 48;
		buf = ot_alloc(a, n * 4 + 1);
		for (int64_t i = 0; i < n; i++)
		{
			const char *ch = ALPHABET[u8(in) % ALPHABET_N];
			size_t		l = strlen(ch);

			memcpy(buf + len, ch, l);
			len += l;
		}
	}
	d->s = exact_copy(buf, len, a);
	d->bytes = len;
	doc_index(d, a);
}

/* ------------------------------------------------------------ op builders */

/* A length in 1..remaining, usually small (0 when nothing remains). */
static int64_t
pick_len(In *in, int64_t remaining)
{
	uint8_t		v = u8(in);
	int64_t		k;

	if (remaining <= 0)
		return 0;
	if (v < 160)
		k = 1 + v % 10;
	else
		k = 1 + (((int64_t) v << 8) | u8(in)) % remaining;
	return k < remaining ? k : remaining;
}

/* An op that applies to d, built component by component. */
static void
gen_valid(In *in, const Doc *d, int ncomp, const OtAllocator *a, TuOp *op)
{
	int64_t		pos = 0;
	int64_t		pending = 0;	/* skip not pushed yet */

	for (int i = 0; i < ncomp && more(in); i++)
	{
		uint8_t		b = u8(in);
		int64_t		k;
		size_t		bytes;
		const char *text;

		switch (b & 3)
		{
			case 0:
				k = pick_len(in, d->n - pos);
				pending += k;
				pos += k;
				break;
			case 1:
				if (pending)
					tu_push(op, tu_skip(pending), a);
				pending = 0;
				text = random_text(in, 1 + (b >> 2) % 8, a, &bytes);
				tu_push(op, tu_insert(text, bytes), a);
				break;
			case 2:
			case 3:
				k = pick_len(in, d->n - pos);
				if (k == 0)
					break;
				if (pending)
					tu_push(op, tu_skip(pending), a);
				pending = 0;
				if ((b & 3) == 2)
					tu_push(op, tu_delete_count(k), a);
				else
				{
					bytes = d->at[pos + k] - d->at[pos];
					text = exact_copy(d->s + d->at[pos], bytes, a);
					tu_push(op, tu_delete_text(text, bytes), a);
				}
				pos += k;
				break;
		}
	}
	/* A pending skip is dropped: the rest of the document is kept anyway. */
}

static int64_t
odd_count(In *in, const Doc *d)
{
	uint8_t		v = u8(in);

	switch (v % 16)
	{
		case 0:
			return 0;
		case 1:
			return -1;
		case 2:
			return -(int64_t) (u8(in) + 2);
		case 3:
			return d->n;
		case 4:
			return d->n + 1;
		case 5:
			return TU_MAX_COUNT;
		case 6:
			return TU_MAX_COUNT + 1;
		case 7:
			return INT64_MAX;
		case 8:
			return INT64_MIN;
		case 9:
			return TU_MAX_COUNT - (int64_t) u8(in);
		default:
			return 1 + v % 4 + (v >> 4) * (int64_t) u8(in) / 4;
	}
}

/* An op of arbitrary components, valid or not. */
static void
gen_arbitrary(In *in, const Doc *d, int ncomp, const OtAllocator *a, TuOp *op)
{
	for (int i = 0; i < ncomp && more(in) && op->len < FUZZ_MAX_COMPONENTS; i++)
	{
		uint8_t		b = u8(in);
		size_t		bytes;
		const char *text;
		int64_t		p,
					k;

		switch (b % 8)
		{
			case 0:
				tu_push(op, tu_skip(odd_count(in, d)), a);
				break;
			case 1:
				/* b >> 3 == 0 gives an empty insert */
				text = random_text(in, (b >> 3) % 9, a, &bytes);
				tu_push(op, tu_insert(text, bytes), a);
				break;
			case 2:
				tu_push(op, tu_delete_count(odd_count(in, d)), a);
				break;
			case 3:
				/* most likely not what the document holds there */
				text = random_text(in, (b >> 3) % 9, a, &bytes);
				tu_push(op, tu_delete_text(text, bytes), a);
				break;
			case 4:
				/* text of the document at some position, maybe cut short */
				p = d->n ? u8(in) % (d->n + 1) : 0;
				k = 1 + (b >> 3) % 8;
				if (p + k > d->n)
					k = d->n - p;
				bytes = d->at[p + k] - d->at[p];
				text = exact_copy(d->s + d->at[p], bytes, a);
				tu_push(op, tu_delete_text(text, bytes), a);
				break;
			case 5:
				tu_push(op, tu_skip(1 + u8(in) % 12), a);
				break;
			case 6:
				/* repeat the last component */
				if (op->len > 0)
				{
					TuComponent c = op->items[op->len - 1];
					int			r = 1 + u8(in) * 8;

					for (int j = 0; j < r && op->len < FUZZ_MAX_COMPONENTS; j++)
						tu_push(op, c, a);
				}
				break;
			case 7:
				text = random_text(in, 1 + (b >> 3) % 8, a, &bytes);
				tu_push(op, tu_insert(text, bytes), a);
				break;
		}
	}
}

static void
gen_op(In *in, const Doc *d, const OtAllocator *a, TuOp *op)
{
	uint8_t		h = u8(in);
	int			ncomp = h & 0x1F;

	*op = (TuOp) TU_OP_EMPTY;
	if (h & 0x20)
		ncomp *= 8;
	if (h & 0x80)
		gen_arbitrary(in, d, ncomp, a, op);
	else
		gen_valid(in, d, ncomp, a, op);
}

/* ------------------------------------------------------- reporting */

static const Doc *g_doc;
static const TuOp *g_a,
		   *g_b,
		   *g_c;

static void
dump_text(const char *s, size_t bytes)
{
	fputc('"', stderr);
	for (size_t i = 0; i < bytes; i++)
	{
		unsigned char ch = s[i];

		if (ch == '"' || ch == '\\')
			fprintf(stderr, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", stderr);
		else if (ch < 0x20)
			fprintf(stderr, "\\u%04x", ch);
		else
			fputc(ch, stderr);
	}
	fputc('"', stderr);
}

static void
dump_op(const char *name, const TuOp *op)
{
	fprintf(stderr, "  %s = [", name);
	for (size_t i = 0; op && i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];

		if (i)
			fputc(',', stderr);
		if (i >= 64)
		{
			fprintf(stderr, " ... %zu components", op->len);
			break;
		}
		if (c->kind == TU_SKIP)
			fprintf(stderr, "%lld", (long long) c->count);
		else if (c->kind == TU_INSERT)
			dump_text(c->text, c->bytes);
		else if (c->text)
		{
			fputs("{\"d\":", stderr);
			dump_text(c->text, c->bytes);
			fputc('}', stderr);
		}
		else
			fprintf(stderr, "{\"d\":%lld}", (long long) c->count);
	}
	fputs("]\n", stderr);
}

static void
fail(const char *what, const TuOp *x, const TuOp *y)
{
	fprintf(stderr, "PROPERTY FAILED: %s\n", what);
	if (g_doc)
	{
		fputs("  doc = ", stderr);
		dump_text(g_doc->s, g_doc->bytes);
		fputc('\n', stderr);
	}
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

/* ------------------------------------------------------- checks */

static bool
op_equal(const TuOp *x, const TuOp *y)
{
	if (x->len != y->len)
		return false;
	for (size_t i = 0; i < x->len; i++)
	{
		const TuComponent *p = &x->items[i],
				   *q = &y->items[i];

		if (p->kind != q->kind || p->count != q->count ||
			(p->text == NULL) != (q->text == NULL) || p->bytes != q->bytes ||
			(p->text && memcmp(p->text, q->text, p->bytes) != 0))
			return false;
	}
	return true;
}

static bool
same_text(const char *s, size_t n, const char *t, size_t m)
{
	return n == m && (n == 0 || memcmp(s, t, n) == 0);
}

/* The status is one of the enum and err carries it. */
static void
check_status(OtStatus st, const OtError *err, const char *fn)
{
	if (st != OT_OK && st != OT_ERR_BAD_OP && st != OT_ERR_NOT_APPLIED &&
		st != OT_ERR_BAD_ARGUMENT)
		fail(fn, NULL, NULL);
	if (st != OT_OK && (err->status != st || err->message[0] == '\0'))
	{
		fprintf(stderr, "%s: status %d but err.status %d, message \"%s\"\n",
				fn, st, err->status, err->message);
		fail("error not filled in", NULL, NULL);
	}
}

/* The counts of op lie in [0, TU_MAX_COUNT]. */
static bool
counts_in_range(const TuOp *op)
{
	for (size_t i = 0; i < op->len; i++)
		if (op->items[i].count < 0 || op->items[i].count > TU_MAX_COUNT)
			return false;
	return true;
}

/* Sum of the counts of an op, INT64_MAX when it does not fit. */
static int64_t
count_sum(const TuOp *op)
{
	int64_t		s = 0;

	for (size_t i = 0; i < op->len; i++)
	{
		if (s > INT64_MAX - op->items[i].count)
			return INT64_MAX;
		s += op->items[i].count;
	}
	return s;
}

/* Code points the op adds to a document's length. */
static int64_t
length_change(const TuOp *op)
{
	int64_t		d = 0;

	for (size_t i = 0; i < op->len; i++)
		if (op->items[i].kind == TU_INSERT)
			d += op->items[i].count;
		else if (op->items[i].kind == TU_DELETE)
			d -= op->items[i].count;
	return d;
}

/*
 * tu_fit, which sees only the document's length, agrees with tu_apply unless
 * it asks for the text, and gives the length apply's result has.
 */
static void
check_fit(const Doc *d, const TuOp *op, OtStatus applied)
{
	OtError		err;
	int64_t		length = 0;
	bool		needs_text;
	OtStatus	st = tu_fit(op, d->n, &length, &needs_text, &err);

	REQUIRE(st == applied || (st == OT_OK && needs_text),
			"tu_fit differs from tu_apply without asking for the text", op, NULL);
	REQUIRE(st != OT_OK || length == d->n + length_change(op),
			"tu_fit gives another length than apply", op, NULL);
}

typedef struct Applied
{
	OtStatus	st;
	Doc			out;
} Applied;

static Applied
do_apply(const Doc *d, const TuOp *op, const OtAllocator *a, const char *what)
{
	Applied		r;
	OtError		err;
	char	   *out = NULL;
	size_t		out_bytes = 0;
	OtError		cerr;
	OtStatus	cst = tu_check(op, &cerr);

	memset(&r, 0, sizeof(r));
	r.st = tu_apply(d->s, d->bytes, op, a, &out, &out_bytes, &err);
	check_status(r.st, &err, what);
	if (cst != OT_OK)
		REQUIRE(r.st == OT_ERR_BAD_OP, "apply of a malformed op is not BAD_OP", op, NULL);
	else
		REQUIRE(r.st == OT_OK || r.st == OT_ERR_NOT_APPLIED,
				"apply of a well-formed op fails with another status than NOT_APPLIED", op, NULL);
	check_fit(d, op, r.st);
	if (r.st == OT_OK)
	{
		REQUIRE(ot_utf8_valid(out, out_bytes), "apply result is not valid UTF-8", op, NULL);
		REQUIRE(out[out_bytes] == '\0', "apply result is not terminated", op, NULL);
		r.out.s = exact_copy(out, out_bytes, a);
		r.out.bytes = out_bytes;
		r.out.n = ot_utf8_count(out, out_bytes);
		r.out.at = NULL;		/* doc_index() when needed */
		REQUIRE(r.out.n == d->n + length_change(op),
				"apply result length is not doc length + inserts - deletes", op, NULL);
	}
	return r;
}

/*
 * transformPosition against a model: a cursor at gap c of d lands after the
 * code points before c that op keeps and the text op inserts at gaps before
 * c (an insert at the cursor itself does not move it).  Past the end the
 * cursor moves by the op's length change.
 */
static void
check_position(const Doc *d, const TuOp *op, const Doc *after, In *in,
			   const OtAllocator *a)
{
	int64_t    *want = ot_alloc(a, sizeof(int64_t) * (d->n + 1));
	int64_t    *ins = ot_alloc(a, sizeof(int64_t) * (d->n + 1));
	bool	   *deleted = ot_alloc(a, d->n + 1);
	int64_t		pos = 0;

	memset(ins, 0, sizeof(int64_t) * (d->n + 1));
	memset(deleted, 0, d->n + 1);
	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];

		if (c->kind == TU_INSERT)
			ins[pos] += c->count;
		else
		{
			for (int64_t k = 0; k < c->count; k++)
				deleted[pos + k] = c->kind == TU_DELETE;
			pos += c->count;
		}
	}
	want[0] = 0;
	for (int64_t g = 1; g <= d->n; g++)
		want[g] = want[g - 1] + ins[g - 1] + !deleted[g - 1];

	for (int64_t k = 0; k <= d->n && k < 48; k++)
	{
		int64_t		c = d->n <= 48 ? k : u8(in) % (d->n + 1);
		int64_t		p = tu_transform_position(c, op);

		if (p != want[c])
		{
			fprintf(stderr, "transformPosition(%lld) = %lld, model says %lld\n",
					(long long) c, (long long) p, (long long) want[c]);
			fail("transformPosition differs from the model", op, NULL);
		}
		REQUIRE(p >= 0 && p <= after->n, "transformPosition out of the new document", op, NULL);
	}
	{
		int64_t		c = d->n + 1 + u8(in);
		int64_t		p = tu_transform_position(c, op);

		if (p != c + length_change(op))
		{
			fprintf(stderr, "transformPosition(%lld) past the end = %lld, want %lld\n",
					(long long) c, (long long) p, (long long) (c + length_change(op)));
			fail("transformPosition past the end does not move by the length change", op, NULL);
		}
	}
}

/* Properties of one op against one document. */
static Applied
check_one(const Doc *d, const TuOp *op, const OtAllocator *a, In *in)
{
	OtError		err;
	OtStatus	cst = tu_check(op, &err);
	OtStatus	lst;
	Applied		r;
	OtStatus	st;
	TuOp		norm,
				norm2,
				inv,
				mi,
				back,
				t,
				comp;
	bool		small;

	check_status(cst, &err, "tu_check");
	r = do_apply(d, op, a, "tu_apply");
	small = cst == OT_OK && count_sum(op) <= TU_MAX_COUNT;

	/* tu_check_lengths is part of tu_check */
	lst = tu_check_lengths(op, &err);
	check_status(lst, &err, "tu_check_lengths");
	REQUIRE(lst == OT_OK || lst == OT_ERR_BAD_OP, "tu_check_lengths fails with another status than BAD_OP", op, NULL);
	if (lst != OT_OK)
		REQUIRE(cst == OT_ERR_BAD_OP, "tu_check passes an op tu_check_lengths rejects", op, NULL);
	if (lst == OT_OK)
		REQUIRE(counts_in_range(op) && count_sum(op) <= TU_MAX_COUNT,
				"tu_check_lengths passes counts out of range", op, NULL);

	/* normalize: the op must pass tu_check_lengths (the binding's lenient reader) */
	if (lst == OT_OK)
	{
		tu_normalize(op, a, &norm);
		tu_normalize(&norm, a, &norm2);
		REQUIRE(op_equal(&norm, &norm2), "normalize is not idempotent", &norm, &norm2);
		if (r.st == OT_OK)
		{
			Applied		rn;

			REQUIRE(tu_check(&norm, &err) == OT_OK, "normalize output fails tu_check", &norm, NULL);
			rn = do_apply(d, &norm, a, "tu_apply(normalize)");
			REQUIRE(rn.st == OT_OK, "normalize(a) does not apply though a does", &norm, NULL);
			REQUIRE(same_text(rn.out.s, rn.out.bytes, r.out.s, r.out.bytes),
					"apply(normalize(a)) != apply(a)", &norm, NULL);
			REQUIRE(tu_is_noop(&norm) == (norm.len == 0), "isNoop", &norm, NULL);
		}

		/* transform by [] and compose with [] normalize a well-formed op */
		if (small)
		{
			TuOp		empty = TU_OP_EMPTY;

			st = tu_transform(op, &empty, true, a, &t, &err);
			check_status(st, &err, "tu_transform");
			REQUIRE(st == OT_OK && op_equal(&t, &norm), "transform(a, []) != normalize(a)", &t, &norm);
			st = tu_transform(&empty, op, false, a, &t, &err);
			check_status(st, &err, "tu_transform");
			REQUIRE(st == OT_OK && t.len == 0, "transform([], a) != []", &t, NULL);
			st = tu_compose(op, &empty, a, &comp, &err);
			check_status(st, &err, "tu_compose");
			REQUIRE(st == OT_OK && op_equal(&comp, &norm), "compose(a, []) != normalize(a)", &comp, &norm);
			st = tu_compose(&empty, op, a, &comp, &err);
			check_status(st, &err, "tu_compose");
			REQUIRE(st == OT_OK && op_equal(&comp, &norm), "compose([], a) != normalize(a)", &comp, &norm);
		}
	}

	/* invert family */
	st = tu_invert(op, a, &inv, &err);
	check_status(st, &err, "tu_invert");
	if (cst != OT_OK)
		REQUIRE(st == OT_ERR_BAD_OP, "invert of a malformed op is not BAD_OP", op, NULL);
	else if (!tu_is_invertible(op))
		REQUIRE(st == OT_ERR_BAD_OP, "invert of an op with counted deletes is not BAD_OP", op, NULL);
	else
	{
		REQUIRE(st == OT_OK, "invert of an invertible op fails", op, NULL);
		REQUIRE(tu_check(&inv, &err) == OT_OK, "invert output fails tu_check", &inv, NULL);
		REQUIRE(length_change(&inv) == -length_change(op), "invert does not undo the length change", &inv, NULL);
	}

	st = tu_make_invertible(op, d->s, d->bytes, a, &mi, &err);
	check_status(st, &err, "tu_make_invertible");
	REQUIRE(st == r.st, "makeInvertible status differs from apply status", op, NULL);
	st = tu_invert_with_doc(op, d->s, d->bytes, a, &inv, &err);
	check_status(st, &err, "tu_invert_with_doc");
	REQUIRE(st == r.st, "invertWithDoc status differs from apply status", op, NULL);
	if (r.st == OT_OK)
	{
		Applied		rb,
					rm;

		REQUIRE(tu_is_invertible(&mi), "makeInvertible output has counted deletes", &mi, NULL);
		REQUIRE(tu_check(&mi, &err) == OT_OK, "makeInvertible output fails tu_check", &mi, NULL);
		rm = do_apply(d, &mi, a, "tu_apply(makeInvertible)");
		REQUIRE(rm.st == OT_OK && same_text(rm.out.s, rm.out.bytes, r.out.s, r.out.bytes),
				"apply(makeInvertible(a)) != apply(a)", &mi, NULL);
		REQUIRE(tu_check(&inv, &err) == OT_OK, "invertWithDoc output fails tu_check", &inv, NULL);
		rb = do_apply(&r.out, &inv, a, "tu_apply(invertWithDoc)");
		REQUIRE(rb.st == OT_OK, "invertWithDoc(a, doc) does not apply to apply(doc, a)", &inv, NULL);
		REQUIRE(same_text(rb.out.s, rb.out.bytes, d->s, d->bytes),
				"apply(apply(doc, a), invertWithDoc(a, doc)) != doc", &inv, NULL);
		/* inverting again gives an op that redoes a */
		st = tu_invert(&inv, a, &back, &err);
		check_status(st, &err, "tu_invert");
		REQUIRE(st == OT_OK, "invert(invertWithDoc(a)) fails", &inv, NULL);
		rb = do_apply(d, &back, a, "tu_apply(invert(invert))");
		REQUIRE(rb.st == OT_OK && same_text(rb.out.s, rb.out.bytes, r.out.s, r.out.bytes),
				"apply(doc, invert(invertWithDoc(a, doc))) != apply(doc, a)", &back, NULL);

		if (d->at)
			check_position(d, op, &r.out, in, a);
	}
	else if (cst == OT_OK && count_sum(op) < INT64_MAX / 2)
	{
		/* never reached by the binding with a bad op; must not crash */
		(void) tu_transform_position(d->n ? u8(in) % (d->n + 1) : 0, op);
	}
	return r;
}

static bool
has_adjacent_inserts(const TuOp *op)
{
	for (size_t i = 1; i < op->len; i++)
		if (op->items[i].kind == TU_INSERT && op->items[i - 1].kind == TU_INSERT)
			return true;
	return false;
}

/* TP1 for a and b, concurrent edits giving da and db. */
static void
check_tp1(const TuOp *a_op, const TuOp *b_op, const Doc *da, const Doc *db,
		  const OtAllocator *a)
{
	OtError		err;

	for (int side = 0; side < 2; side++)
	{
		TuOp		ta,
					tb;
		Applied		x,
					y;

		if (tu_transform(a_op, b_op, side == 0, a, &ta, &err) != OT_OK ||
			tu_transform(b_op, a_op, side != 0, a, &tb, &err) != OT_OK)
			fail("transform of ops that apply fails", NULL, NULL);
		x = do_apply(db, &ta, a, "tu_apply(T(a,b))");
		y = do_apply(da, &tb, a, "tu_apply(T(b,a))");
		REQUIRE(x.st == OT_OK, side == 0
				? "T(a, b, left) does not apply to apply(doc, b)"
				: "T(a, b, right) does not apply to apply(doc, b)", &ta, NULL);
		REQUIRE(y.st == OT_OK, side == 0
				? "T(b, a, right) does not apply to apply(doc, a)"
				: "T(b, a, left) does not apply to apply(doc, a)", &tb, NULL);
		REQUIRE(same_text(x.out.s, x.out.bytes, y.out.s, y.out.bytes),
				side == 0
				? "TP1 convergence: apply(apply(doc,b), T(a,b,left)) != apply(apply(doc,a), T(b,a,right))"
				: "TP1 convergence: apply(apply(doc,b), T(a,b,right)) != apply(apply(doc,a), T(b,a,left))",
				&ta, &tb);
	}
}

/*
 * The merge a model predicts for normalized a and b, both valid against d:
 * at each gap g of d (before code point g), the insert of the op on the left
 * then the insert of the other, then code point g unless a or b deletes it.
 * (A normalized op inserts at most once per gap.)  This pins down what
 * "left" means, which TP1 alone cannot: flipping the side in both transforms
 * still converges.
 */
typedef struct Gaps
{
	const char **text;
	size_t	   *bytes;
	bool	   *deleted;
} Gaps;

static void
gaps_of(const Doc *d, const TuOp *op, const OtAllocator *a, Gaps *g)
{
	int64_t		pos = 0;

	g->text = ot_alloc(a, sizeof(char *) * (d->n + 1));
	g->bytes = ot_alloc(a, sizeof(size_t) * (d->n + 1));
	g->deleted = ot_alloc(a, d->n + 1);
	memset(g->text, 0, sizeof(char *) * (d->n + 1));
	memset(g->bytes, 0, sizeof(size_t) * (d->n + 1));
	memset(g->deleted, 0, d->n + 1);
	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];

		if (c->kind == TU_INSERT)
		{
			REQUIRE(g->text[pos] == NULL, "model: two inserts at one gap of a normalized op", op, NULL);
			g->text[pos] = c->text;
			g->bytes[pos] = c->bytes;
			continue;
		}
		for (int64_t k = 0; k < c->count; k++)
			g->deleted[pos + k] |= c->kind == TU_DELETE;
		pos += c->count;
	}
}

static void
check_model(const Doc *d, const TuOp *a_op, const TuOp *b_op, const Doc *db,
			const OtAllocator *a)
{
	Gaps		ga,
				gb;
	OtError		err;
	size_t		cap = d->bytes + 1;
	char	   *want;

	gaps_of(d, a_op, a, &ga);
	gaps_of(d, b_op, a, &gb);
	for (int64_t g = 0; g <= d->n; g++)
		cap += ga.bytes[g] + gb.bytes[g];
	want = ot_alloc(a, cap);
	for (int side = 0; side < 2; side++)
	{
		const Gaps *first = side == 0 ? &ga : &gb;
		const Gaps *second = side == 0 ? &gb : &ga;
		size_t		len = 0;
		TuOp		t;
		Applied		x;

		for (int64_t g = 0; g <= d->n; g++)
		{
			if (first->bytes[g])
				memcpy(want + len, first->text[g], first->bytes[g]), len += first->bytes[g];
			if (second->bytes[g])
				memcpy(want + len, second->text[g], second->bytes[g]), len += second->bytes[g];
			if (g < d->n && !ga.deleted[g] && !gb.deleted[g])
			{
				memcpy(want + len, d->s + d->at[g], d->at[g + 1] - d->at[g]);
				len += d->at[g + 1] - d->at[g];
			}
		}
		if (tu_transform(a_op, b_op, side == 0, a, &t, &err) != OT_OK)
			fail("transform of ops that apply fails", NULL, NULL);
		x = do_apply(db, &t, a, "tu_apply(T(a,b))");
		REQUIRE(x.st == OT_OK && same_text(x.out.s, x.out.bytes, want, len),
				side == 0
				? "side: apply(apply(doc,b), T(a,b,left)) is not a's inserts before b's at each position"
				: "side: apply(apply(doc,b), T(a,b,right)) is not b's inserts before a's at each position",
				&t, NULL);
	}
}

static void
check_transform(const Doc *d, const TuOp *a_op, const TuOp *b_op,
				const Applied *ra, const Applied *rb, const OtAllocator *a)
{
	OtError		err,
				e1,
				e2;
	bool		ok_a = tu_check(a_op, &e1) == OT_OK;
	bool		ok_b = tu_check(b_op, &e2) == OT_OK;
	bool		small = ok_a && ok_b && count_sum(a_op) <= TU_MAX_COUNT / 4 &&
		count_sum(b_op) <= TU_MAX_COUNT / 4;
	TuOp		t[4];			/* T(a,b,left) T(a,b,right) T(b,a,left) T(b,a,right) */

	for (int i = 0; i < 4; i++)
	{
		const TuOp *x = i < 2 ? a_op : b_op;
		const TuOp *y = i < 2 ? b_op : a_op;
		OtStatus	st = tu_transform(x, y, i % 2 == 0, a, &t[i], &err);

		check_status(st, &err, "tu_transform");
		REQUIRE((st == OT_OK) == (ok_a && ok_b),
				"transform status does not follow tu_check of its inputs", x, y);
		if (st != OT_OK)
		{
			REQUIRE(st == OT_ERR_BAD_OP, "transform error is not BAD_OP", x, y);
			continue;
		}
		if (small)
			REQUIRE(tu_check(&t[i], &err) == OT_OK, "transform output fails tu_check", &t[i], NULL);
		if (tu_is_invertible(x) && tu_is_invertible(y))
			REQUIRE(tu_is_invertible(&t[i]), "transform of invertible ops is not invertible", &t[i], NULL);
	}
	if (ra == NULL || rb == NULL || ra->st != OT_OK || rb->st != OT_OK)
		return;

	/*
	 * The transformed ops apply after the other op, and converge (TP1) on
	 * both sides.  Convergence needs ops without adjacent inserts: for
	 * a = ["a"], b = ["a","🤖"] on "" the reference (and so the core) gives
	 * "a🤖a" one way and "aa🤖" the other, because transform takes one insert
	 * component at a time.  Such ops are checked once normalized, as the
	 * stock ShareDB client sends them.
	 */
	for (int i = 0; i < 4; i++)
	{
		Applied		x = do_apply(i < 2 ? &rb->out : &ra->out, &t[i], a, "tu_apply(transform)");

		REQUIRE(x.st == OT_OK, i < 2 ? "T(a, b) does not apply to apply(doc, b)"
				: "T(b, a) does not apply to apply(doc, a)", &t[i], NULL);
	}
	{
		TuOp		na,
					nb;

		tu_normalize(a_op, a, &na);
		tu_normalize(b_op, a, &nb);
		if (has_adjacent_inserts(a_op) || has_adjacent_inserts(b_op))
			check_tp1(&na, &nb, &ra->out, &rb->out, a);
		else
			check_tp1(a_op, b_op, &ra->out, &rb->out, a);
		if (d->at)
			check_model(d, &na, &nb, &rb->out, a);
	}
}

static void
check_compose(const TuOp *x, const TuOp *y, const Doc *d, const Applied *rx,
			  const Applied *ry, const OtAllocator *a)
{
	OtError		err,
				e1,
				e2;
	bool		ok_x = tu_check(x, &e1) == OT_OK;
	bool		ok_y = tu_check(y, &e2) == OT_OK;
	TuOp		out;
	OtStatus	st = tu_compose(x, y, a, &out, &err);

	check_status(st, &err, "tu_compose");
	REQUIRE((st == OT_OK) == (ok_x && ok_y), "compose status does not follow tu_check of its inputs", x, y);
	if (st != OT_OK)
	{
		REQUIRE(st == OT_ERR_BAD_OP, "compose error is not BAD_OP", x, y);
		return;
	}
	if (count_sum(x) <= TU_MAX_COUNT / 4 && count_sum(y) <= TU_MAX_COUNT / 4)
		REQUIRE(tu_check(&out, &err) == OT_OK, "compose output fails tu_check", &out, NULL);
	if (tu_is_invertible(x) && tu_is_invertible(y))
		REQUIRE(tu_is_invertible(&out), "compose of invertible ops is not invertible", &out, NULL);
	if (rx && ry && rx->st == OT_OK && ry->st == OT_OK)
	{
		Applied		r = do_apply(d, &out, a, "tu_apply(compose)");

		REQUIRE(r.st == OT_OK, "compose(a, c) does not apply to doc", &out, NULL);
		REQUIRE(same_text(r.out.s, r.out.bytes, ry->out.s, ry->out.bytes),
				"apply(doc, compose(a, c)) != apply(apply(doc, a), c)", &out, NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Arena		ar = {NULL};
	OtAllocator A = {arena_alloc, arena_grow, &ar};
	In			in = {data, size, 0};
	Doc			doc;
	TuOp		a_op,
				b_op,
				c_op;
	Applied		ra,
				rb,
				rc;

	make_doc(&in, &A, &doc);
	g_doc = &doc;
	g_a = g_b = g_c = NULL;
	gen_op(&in, &doc, &A, &a_op);
	g_a = &a_op;
	gen_op(&in, &doc, &A, &b_op);
	g_b = &b_op;

	ra = check_one(&doc, &a_op, &A, &in);
	rb = check_one(&doc, &b_op, &A, &in);
	check_transform(&doc, &a_op, &b_op, &ra, &rb, &A);

	/* c edits the document after a (or the document, when a does not apply) */
	if (ra.st == OT_OK)
		doc_index(&ra.out, &A);
	gen_op(&in, ra.st == OT_OK ? &ra.out : &doc, &A, &c_op);
	g_c = &c_op;
	rc = check_one(ra.st == OT_OK ? &ra.out : &doc, &c_op, &A, &in);
	check_compose(&a_op, &c_op, &doc, &ra, ra.st == OT_OK ? &rc : NULL, &A);
	check_compose(&b_op, &c_op, &doc, NULL, NULL, &A);
	check_transform(&doc, &c_op, &b_op, NULL, NULL, &A);

	/* c and b transformed past a are concurrent edits of apply(doc, a) */
	if (ra.st == OT_OK && rb.st == OT_OK)
	{
		OtError		err;
		TuOp		tb;
		Applied		rtb;

		if (tu_transform(&b_op, &a_op, false, &A, &tb, &err) != OT_OK)
			fail("transform(b, a, right) of ops that apply fails", NULL, NULL);
		rtb = do_apply(&ra.out, &tb, &A, "tu_apply(T(b,a,right))");
		check_transform(&ra.out, &c_op, &tb, &rc, &rtb, &A);
	}

	g_doc = NULL;
	g_a = g_b = g_c = NULL;
	arena_free(&ar);
	return 0;
}
