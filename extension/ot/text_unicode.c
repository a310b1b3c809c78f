/*
 * text_unicode.c
 *	  The text-unicode OT type, ported from ot-text-unicode 4.0.0 (type.ts).
 *
 * The walk structure (append, take, transform, compose) follows the
 * reference line by line so that results, including how deletes merge and
 * where inserts split, are the same JSON.  Texts are UTF-8 and every count is
 * in code points; each text is walked once per call.
 */
#include "text_unicode.h"

#include <inttypes.h>
#include <string.h>

#include "compose_all.h"
#include "utf8.h"

#define TAKE_ALL (-1)

/* Reads an op a piece at a time (the reference's makeTake). */
typedef struct TuReader
{
	const TuOp *op;
	size_t		idx;			/* component being read */
	int64_t		off;			/* code points of it already taken */
	size_t		off_bytes;		/* bytes of its text already taken */
} TuReader;

TuComponent
tu_skip(int64_t n)
{
	TuComponent c = {TU_SKIP, n, NULL, 0, 0};

	return c;
}

TuComponent
tu_insert(const char *text, size_t bytes)
{
	TuComponent c = {TU_INSERT, ot_utf8_count(text, bytes), text, bytes, 0};

	return c;
}

TuComponent
tu_delete_count(int64_t n)
{
	TuComponent c = {TU_DELETE, n, NULL, 0, 0};

	return c;
}

TuComponent
tu_delete_text(const char *text, size_t bytes)
{
	TuComponent c = {TU_DELETE, ot_utf8_count(text, bytes), text, bytes, 0};

	return c;
}

void
tu_push(TuOp *op, TuComponent c, const OtAllocator *a)
{
	op->items = ot_array_reserve(a, op->items, op->len, &op->cap,
								  sizeof(TuComponent));
	op->items[op->len++] = c;
}

/*
 * The reference's makeAppend: empty components vanish and a component of the
 * same kind as the last one merges into it.  Two deletes keep their text only
 * when both carry one.
 */
void
tu_append(TuOp *op, TuComponent c, const OtAllocator *a)
{
	TuComponent *last;

	if (c.count == 0)
		return;
	last = op->len > 0 ? &op->items[op->len - 1] : NULL;
	if (last == NULL || last->kind != c.kind)
	{
		c.cap = 0;				/* never grow a buffer another op may own */
		tu_push(op, c, a);
		return;
	}
	if (c.kind == TU_INSERT || (c.kind == TU_DELETE && last->text && c.text))
		ot_text_append(a, &last->text, &last->bytes, &last->cap, c.text, c.bytes);
	else if (c.kind == TU_DELETE)
	{
		last->text = NULL;
		last->bytes = 0;
		last->cap = 0;
	}
	last->count += c.count;
}

static void
trim(TuOp *op)
{
	if (op->len > 0 && op->items[op->len - 1].kind == TU_SKIP)
		op->len--;
}

OtStatus
tu_check_lengths(const TuOp *op, OtError *err)
{
	int64_t		total = 0;

	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];

		if (c->count < 0 || c->count > TU_MAX_COUNT)
			return ot_error_set(err, OT_ERR_BAD_OP, NULL,
								"text-unicode op component %zu is out of range", i);
		total += c->count;
		if (total > TU_MAX_COUNT)
			return ot_error_set(err, OT_ERR_BAD_OP,
								"The counts of an op add up to at most 9007199254740991.",
								"text-unicode op is too long");
	}
	return OT_OK;
}

OtStatus
tu_check(const TuOp *op, OtError *err)
{
	if (tu_check_lengths(op, err) != OT_OK)
		return err->status;
	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];

		if (c->count == 0)
			return ot_error_set(err, OT_ERR_BAD_OP, NULL,
								c->kind == TU_SKIP
								? "text-unicode op component %zu is not a positive skip"
								: c->kind == TU_INSERT
								? "text-unicode op component %zu is an empty insert"
								: "text-unicode op component %zu is an empty delete", i);
		if (c->kind == TU_SKIP && i > 0 && op->items[i - 1].kind == TU_SKIP)
			return ot_error_set(err, OT_ERR_BAD_OP,
								"Adjacent skips must be combined into one.",
								"text-unicode op has adjacent skips at component %zu", i);
	}
	if (op->len > 0 && op->items[op->len - 1].kind == TU_SKIP)
		return ot_error_set(err, OT_ERR_BAD_OP,
							"The rest of the document is kept implicitly; remove the last skip.",
							"text-unicode op has a trailing skip");
	return OT_OK;
}

void
tu_normalize(const TuOp *op, const OtAllocator *a, TuOp *out)
{
	*out = (TuOp) TU_OP_EMPTY;
	for (size_t i = 0; i < op->len; i++)
		tu_append(out, op->items[i], a);
	trim(out);
}

/*
 * Takes up to n code points (all of the next component when n is TAKE_ALL)
 * from the reader.  A component of kind whole is never split.  Past the end
 * the op skips forever; only TAKE_ALL there returns false.
 */
static bool
take(TuReader *r, int64_t n, TuKind whole, TuComponent *out)
{
	const TuComponent *c;
	int64_t		remaining;

	if (r->idx == r->op->len)
	{
		*out = tu_skip(n);
		return n != TAKE_ALL;
	}
	c = &r->op->items[r->idx];
	remaining = c->count - r->off;
	*out = *c;
	out->cap = 0;
	if (c->text)
		out->text = c->text + r->off_bytes;
	if (n == TAKE_ALL || c->kind == whole || remaining <= n)
	{
		out->count = remaining;
		out->bytes = c->bytes - r->off_bytes;
		r->idx++;
		r->off = 0;
		r->off_bytes = 0;
	}
	else
	{
		int64_t		passed;

		out->count = n;
		if (c->text)
			out->bytes = ot_utf8_advance(out->text, c->bytes - r->off_bytes,
										 n, &passed);
		r->off += n;
		r->off_bytes += out->bytes;
	}
	return true;
}

static bool
next_is_insert(const TuReader *r)
{
	return r->idx < r->op->len && r->op->items[r->idx].kind == TU_INSERT;
}

OtStatus
tu_transform(const TuOp *op, const TuOp *other, bool left,
			 const OtAllocator *a, TuOp *out, OtError *err)
{
	TuReader	r = {op, 0, 0, 0};
	TuComponent c1;

	if (tu_check(op, err) != OT_OK || tu_check(other, err) != OT_OK)
		return err->status;
	*out = (TuOp) TU_OP_EMPTY;
	for (size_t i = 0; i < other->len; i++)
	{
		const TuComponent *c2 = &other->items[i];
		int64_t		length = c2->count;

		switch (c2->kind)
		{
			case TU_SKIP:
				while (length > 0)
				{
					take(&r, length, TU_INSERT, &c1);
					tu_append(out, c1, a);
					if (c1.kind != TU_INSERT)
						length -= c1.count;
				}
				break;
			case TU_INSERT:
				/* On 'left' our insert at the same place goes first. */
				if (left && next_is_insert(&r))
				{
					take(&r, TAKE_ALL, TU_INSERT, &c1);
					tu_append(out, c1, a);
				}
				tu_append(out, tu_skip(c2->count), a);
				break;
			case TU_DELETE:
				/* Our skips and deletes in a range already gone vanish. */
				while (length > 0)
				{
					take(&r, length, TU_INSERT, &c1);
					if (c1.kind == TU_INSERT)
						tu_append(out, c1, a);
					else
						length -= c1.count;
				}
				break;
		}
	}
	while (take(&r, TAKE_ALL, TU_INSERT, &c1))
		tu_append(out, c1, a);
	trim(out);
	return OT_OK;
}

/*
 * b deletes chars of the intermediate document; where a skipped them they
 * become deletes of the original, cut from b's delete text when it has one.
 */
static void
compose_delete(TuReader *r, const TuComponent *del, const OtAllocator *a,
			   TuOp *out)
{
	int64_t		offset = 0;
	size_t		text_pos = 0;	/* bytes of del->text before offset */
	TuComponent chunk;

	while (offset < del->count)
	{
		int64_t		passed;
		size_t		bytes = 0;

		take(r, del->count - offset, TU_DELETE, &chunk);
		if (chunk.kind == TU_DELETE)
		{
			tu_append(out, chunk, a);
			continue;
		}
		if (del->text)
			bytes = ot_utf8_advance(del->text + text_pos, del->bytes - text_pos,
									chunk.count, &passed);
		if (chunk.kind == TU_SKIP)
			tu_append(out, del->text
					  ? tu_delete_text(del->text + text_pos, bytes)
					  : tu_delete_count(chunk.count), a);
		/* An insert of a deleted by b: the two cancel. */
		text_pos += bytes;
		offset += chunk.count;
	}
}

OtStatus
tu_compose(const TuOp *a_op, const TuOp *b_op, const OtAllocator *a,
		   TuOp *out, OtError *err)
{
	TuReader	r = {a_op, 0, 0, 0};
	TuComponent chunk;

	if (tu_check(a_op, err) != OT_OK || tu_check(b_op, err) != OT_OK)
		return err->status;
	*out = (TuOp) TU_OP_EMPTY;
	for (size_t i = 0; i < b_op->len; i++)
	{
		const TuComponent *c = &b_op->items[i];
		int64_t		length = c->count;

		switch (c->kind)
		{
			case TU_SKIP:
				while (length > 0)
				{
					take(&r, length, TU_DELETE, &chunk);
					tu_append(out, chunk, a);
					if (chunk.kind != TU_DELETE)
						length -= chunk.count;
				}
				break;
			case TU_INSERT:
				tu_append(out, *c, a);
				break;
			case TU_DELETE:
				compose_delete(&r, c, a, out);
				break;
		}
	}
	while (take(&r, TAKE_ALL, TU_DELETE, &chunk))
		tu_append(out, chunk, a);
	trim(out);
	return OT_OK;
}

static OtStatus
compose_step(void *ops, size_t i, size_t j, const OtAllocator *a, OtError *err)
{
	TuOp	   *op = ops;
	TuOp		out;

	if (tu_compose(&op[i], &op[j], a, &out, err) != OT_OK)
		return err->status;
	op[i] = out;
	return OT_OK;
}

OtStatus
tu_compose_all(TuOp *ops, size_t n, const OtAllocator *a, TuOp *out,
			   OtError *err)
{
	*out = (TuOp) TU_OP_EMPTY;
	if (n == 0)
		return OT_OK;
	if (ot_compose_pairwise(ops, n, compose_step, a, err) != OT_OK)
		return err->status;
	*out = ops[0];
	return OT_OK;
}

int64_t
tu_transform_position(int64_t cursor, const TuOp *op)
{
	int64_t		pos = 0;

	for (size_t i = 0; i < op->len && cursor > pos; i++)
	{
		const TuComponent *c = &op->items[i];

		switch (c->kind)
		{
			case TU_SKIP:
				pos += c->count;
				break;
			case TU_INSERT:
				pos += c->count;
				cursor += c->count;
				break;
			case TU_DELETE:
				cursor -= c->count < cursor - pos ? c->count : cursor - pos;
				break;
		}
	}
	return cursor;
}

/* Reports component i, at document position pos, as not fitting. */
static OtStatus
not_applied(OtError *err, const char *message, size_t i, int64_t pos,
			int64_t count)
{
	ot_error_set(err, OT_ERR_NOT_APPLIED, NULL, "%s", message);
	ot_error_detail(err, "Component %zu covers %" PRId64 " characters from position %" PRId64 ".",
					i, count, pos);
	return err->status;
}

/*
 * Walks op over doc, checking that every skip and delete fits and that every
 * delete text matches, and calls visit for each component with the document
 * text it covers.  Shared by apply and makeInvertible.
 */
typedef void (*TuVisit) (void *state, const TuComponent *c,
						 const char *covered, size_t covered_bytes);

static OtStatus
walk_document(const TuOp *op, const char *doc, size_t doc_bytes,
			  TuVisit visit, void *state, OtError *err)
{
	size_t		at = 0;			/* bytes of doc walked */
	int64_t		pos = 0;		/* code points of doc walked */

	if (tu_check(op, err) != OT_OK)
		return err->status;
	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];
		int64_t		passed = 0;
		size_t		bytes = 0;

		if (c->kind != TU_INSERT)
			bytes = ot_utf8_advance(doc + at, doc_bytes - at, c->count, &passed);
		if (c->kind != TU_INSERT && passed < c->count)
			return not_applied(err, c->kind == TU_SKIP
							   ? "text-unicode op is too long for this document"
							   : "text-unicode op deletes past the end of the document",
							   i, pos, c->count);
		if (c->kind == TU_DELETE && c->text &&
			(c->bytes != bytes || memcmp(c->text, doc + at, bytes) != 0))
			return not_applied(err, "text-unicode op deletes text that does not match the document",
							   i, pos, c->count);
		visit(state, c, doc + at, bytes);
		at += bytes;
		pos += passed;
	}
	visit(state, NULL, doc + at, doc_bytes - at);
	return OT_OK;
}

OtStatus
tu_fit(const TuOp *op, int64_t length, int64_t *new_length, bool *needs_text,
	   OtError *err)
{
	int64_t		pos = 0;
	int64_t		inserted = 0;

	if (tu_check(op, err) != OT_OK)
		return err->status;
	*needs_text = false;
	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];

		if (c->kind == TU_INSERT)
		{
			inserted += c->count;
			continue;
		}
		if (c->count > length - pos)
			return not_applied(err, c->kind == TU_SKIP
							   ? "text-unicode op is too long for this document"
							   : "text-unicode op deletes past the end of the document",
							   i, pos, c->count);
		if (c->kind == TU_DELETE)
		{
			inserted -= c->count;
			*needs_text |= c->text != NULL;
		}
		pos += c->count;
	}
	*new_length = length + inserted;
	return OT_OK;
}

typedef struct ApplyState
{
	char	   *buf;
	size_t		len;
} ApplyState;

static void
apply_visit(void *state, const TuComponent *c, const char *covered,
			size_t covered_bytes)
{
	ApplyState *s = state;

	if (c == NULL || c->kind == TU_SKIP)
	{
		memcpy(s->buf + s->len, covered, covered_bytes);
		s->len += covered_bytes;
	}
	else if (c->kind == TU_INSERT)
	{
		memcpy(s->buf + s->len, c->text, c->bytes);
		s->len += c->bytes;
	}
}

OtStatus
tu_apply(const char *doc, size_t doc_bytes, const TuOp *op,
		 const OtAllocator *a, char **out, size_t *out_bytes, OtError *err)
{
	ApplyState	s = {NULL, 0};
	size_t		cap = doc_bytes;

	for (size_t i = 0; i < op->len; i++)
		if (op->items[i].kind == TU_INSERT)
			cap += op->items[i].bytes;
	s.buf = ot_alloc(a, cap + 1);
	if (walk_document(op, doc, doc_bytes, apply_visit, &s, err) != OT_OK)
		return err->status;
	s.buf[s.len] = '\0';
	*out = s.buf;
	*out_bytes = s.len;
	return OT_OK;
}

typedef struct InvertibleState
{
	TuOp	   *out;
	const OtAllocator *a;
} InvertibleState;

static void
invertible_visit(void *state, const TuComponent *c, const char *covered,
				 size_t covered_bytes)
{
	InvertibleState *s = state;

	if (c == NULL)
		return;
	if (c->kind == TU_DELETE)
		tu_append(s->out, tu_delete_text(covered, covered_bytes), s->a);
	else
		tu_append(s->out, *c, s->a);
}

OtStatus
tu_make_invertible(const TuOp *op, const char *doc, size_t doc_bytes,
				   const OtAllocator *a, TuOp *out, OtError *err)
{
	InvertibleState s = {out, a};

	*out = (TuOp) TU_OP_EMPTY;
	if (walk_document(op, doc, doc_bytes, invertible_visit, &s, err) != OT_OK)
		return err->status;
	trim(out);
	return OT_OK;
}

OtStatus
tu_invert(const TuOp *op, const OtAllocator *a, TuOp *out, OtError *err)
{
	if (tu_check(op, err) != OT_OK)
		return err->status;
	*out = (TuOp) TU_OP_EMPTY;
	for (size_t i = 0; i < op->len; i++)
	{
		TuComponent c = op->items[i];

		if (c.kind == TU_DELETE && c.text == NULL)
			return ot_error_set(err, OT_ERR_BAD_OP,
								"Deletes must carry the deleted text; invert with the document instead.",
								"cannot invert a text-unicode op with counted deletes");
		if (c.kind != TU_SKIP)
			c.kind = c.kind == TU_INSERT ? TU_DELETE : TU_INSERT;
		tu_append(out, c, a);
	}
	trim(out);
	return OT_OK;
}

OtStatus
tu_invert_with_doc(const TuOp *op, const char *doc, size_t doc_bytes,
				   const OtAllocator *a, TuOp *out, OtError *err)
{
	TuOp		invertible;

	if (tu_make_invertible(op, doc, doc_bytes, a, &invertible, err) != OT_OK)
		return err->status;
	return tu_invert(&invertible, a, out, err);
}

bool
tu_is_invertible(const TuOp *op)
{
	for (size_t i = 0; i < op->len; i++)
		if (op->items[i].kind == TU_DELETE && op->items[i].text == NULL)
			return false;
	return true;
}

bool
tu_is_noop(const TuOp *op)
{
	return op->len == 0;
}
