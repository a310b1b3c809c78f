/*
 * rich_text.c
 *	  The rich-text OT type, ported from quill-delta (Delta.ts, Iterator.ts)
 *	  as rich-text 4.1.0 uses it.
 *
 * push, chop, the iterator and the compose and transform loops follow the
 * reference line by line so that outputs have the same shape, not only the
 * same meaning.  Text is UTF-8; lengths are UTF-16 units.
 */
#include "rich_text.h"

#include <string.h>

#include "attribute_map.h"
#include "compose_all.h"
#include "utf8.h"

#define RT_INFINITY INT64_MAX

/* Reads a delta a piece at a time (quill-delta's Iterator). */
typedef struct RtIter
{
	const RtOp *op;
	size_t		idx;
	int64_t		off;			/* units of items[idx] already read */
	size_t		off_bytes;		/* bytes of its text already read */
} RtIter;

RtComponent
rt_text(const char *text, size_t bytes, const OtJson *attributes)
{
	RtComponent c = {RT_INSERT, ot_utf16_length(text, bytes), text, bytes, 0,
	NULL, attributes};

	return c;
}

RtComponent
rt_embed(const OtJson *embed, const OtJson *attributes)
{
	RtComponent c = {RT_INSERT, 1, NULL, 0, 0, embed, attributes};

	return c;
}

RtComponent
rt_retain(int64_t n, const OtJson *attributes)
{
	RtComponent c = {RT_RETAIN, n, NULL, 0, 0, NULL, attributes};

	return c;
}

RtComponent
rt_delete(int64_t n)
{
	RtComponent c = {RT_DELETE, n, NULL, 0, 0, NULL, NULL};

	return c;
}

void
rt_push_raw(RtOp *op, RtComponent c, const OtAllocator *a)
{
	op->items = ot_array_reserve(a, op->items, op->len, &op->cap,
								  sizeof(RtComponent));
	op->items[op->len++] = c;
}

/*
 * quill-delta's push: deletes merge; an insert goes before a trailing delete;
 * texts with equal attributes concatenate, and so do plain retains.
 */
static void
push(RtOp *op, RtComponent c, const OtAllocator *a)
{
	size_t		index = op->len;
	RtComponent *last = index > 0 ? &op->items[index - 1] : NULL;

	c.cap = 0;					/* never grow a buffer another op may own */
	if (last && c.kind == RT_DELETE && last->kind == RT_DELETE)
	{
		last->length += c.length;
		return;
	}
	if (last && last->kind == RT_DELETE && c.kind == RT_INSERT)
	{
		index--;
		last = index > 0 ? &op->items[index - 1] : NULL;
	}
	if (last && rt_attr_equal(c.attributes, last->attributes))
	{
		if (c.kind == RT_INSERT && c.text && last->kind == RT_INSERT && last->text)
		{
			ot_text_append(a, &last->text, &last->bytes, &last->cap, c.text, c.bytes);
			last->length += c.length;
			return;
		}
		if (c.kind == RT_RETAIN && last->kind == RT_RETAIN)
		{
			last->length += c.length;
			return;
		}
	}
	rt_push_raw(op, c, a);
	if (index < op->len - 1)
	{
		memmove(&op->items[index + 1], &op->items[index],
				(op->len - 1 - index) * sizeof(RtComponent));
		op->items[index] = c;
	}
}

/* retain(n, attributes): nothing for n <= 0, no empty attribute map. */
static void
push_retain(RtOp *op, int64_t n, const OtJson *attributes, const OtAllocator *a)
{
	if (n <= 0)
		return;
	if (attributes && attributes->len == 0)
		attributes = NULL;
	push(op, rt_retain(n, attributes), a);
}

/* chop: drop a trailing retain without attributes. */
static void
chop(RtOp *op)
{
	if (op->len > 0 && op->items[op->len - 1].kind == RT_RETAIN &&
		op->items[op->len - 1].attributes == NULL)
		op->len--;
}

OtStatus
rt_check(const RtOp *op, OtError *err)
{
	int64_t		total = 0;

	for (size_t i = 0; i < op->len; i++)
	{
		const RtComponent *c = &op->items[i];

		if (c->length > RT_MAX_LENGTH)
			return ot_error_set(err, OT_ERR_BAD_OP, NULL,
								"rich-text op component %zu is out of range", i);
		if (c->length <= 0)
			return ot_error_set(err, OT_ERR_BAD_OP, NULL,
								c->kind == RT_INSERT
								? "rich-text op component %zu inserts an empty string"
								: "rich-text op component %zu has a length that is not positive", i);
		total += c->length;
		if (total > RT_MAX_LENGTH)
			return ot_error_set(err, OT_ERR_BAD_OP,
								"The lengths of an op add up to at most 9007199254740991.",
								"rich-text op is too long");
	}
	return OT_OK;
}

bool
rt_is_document(const RtOp *op)
{
	for (size_t i = 0; i < op->len; i++)
		if (op->items[i].kind != RT_INSERT)
			return false;
	return true;
}

static int64_t
peek_length(const RtIter *it)
{
	return it->idx < it->op->len
		? it->op->items[it->idx].length - it->off : RT_INFINITY;
}

static RtKind
peek_kind(const RtIter *it)
{
	return it->idx < it->op->len ? it->op->items[it->idx].kind : RT_RETAIN;
}

static bool
has_next(const RtIter *it)
{
	return it->idx < it->op->len;
}

static OtStatus
split_pair(OtError *err)
{
	return ot_error_set(err, OT_ERR_NOT_APPLIED,
						"Lengths count UTF-16 code units: a character past U+FFFF, such as an emoji, counts 2 and cannot be split.",
						"rich-text op splits a surrogate pair");
}

/*
 * Reads up to length units (all of the next component when length is 0).
 * Past the end it reads a retain without end.  A text is only cut between
 * characters: a cut inside a surrogate pair is an error.
 */
static OtStatus
next(RtIter *it, int64_t length, RtComponent *out, OtError *err)
{
	const RtComponent *c;
	int64_t		remaining;
	size_t		start = it->off_bytes;

	if (it->idx >= it->op->len)
	{
		*out = rt_retain(RT_INFINITY, NULL);
		return OT_OK;
	}
	c = &it->op->items[it->idx];
	remaining = c->length - it->off;
	*out = *c;
	out->cap = 0;
	if (length == 0 || length >= remaining)
	{
		out->length = remaining;
		out->bytes = c->bytes - start;
		it->idx++;
		it->off = 0;
		it->off_bytes = 0;
	}
	else
	{
		out->length = length;
		it->off += length;
		if (c->text)
		{
			int64_t		passed;

			out->bytes = ot_utf16_advance(c->text + start, c->bytes - start,
										  length, &passed);
			if (passed < length)
				return split_pair(err);
			it->off_bytes += out->bytes;
		}
	}
	if (c->text)
		out->text = c->text + start;
	if (c->kind == RT_DELETE)
		out->attributes = NULL;
	return OT_OK;
}

static bool
component_equal(const RtComponent *x, const RtComponent *y)
{
	if (x->kind != y->kind || x->length != y->length ||
		!rt_attr_equal(x->attributes, y->attributes))
		return false;
	if (x->kind != RT_INSERT)
		return true;
	if (x->text || y->text)
		return x->text && y->text && x->bytes == y->bytes &&
			memcmp(x->text, y->text, x->bytes) == 0;
	return ot_json_equal(x->embed, y->embed);
}

/* concat(rest of it): the first piece through push, the others as they are. */
static OtStatus
append_rest(RtOp *out, RtIter *it, const OtAllocator *a, OtError *err)
{
	RtComponent c;

	if (!has_next(it))
		return OT_OK;
	if (next(it, 0, &c, err) != OT_OK)
		return err->status;
	push(out, c, a);
	while (has_next(it))
		rt_push_raw(out, it->op->items[it->idx++], a);
	return OT_OK;
}

/*
 * Where b retains length units of a: a's retain or insert with b's
 * attributes composed over them.  Sets *done when the rest of a can be
 * appended as it is (quill-delta's early exit).
 */
static void
compose_retained(RtOp *out, const RtComponent *this_op, const RtComponent *other_op,
				 int64_t length, const OtAllocator *a, bool other_done, bool *done)
{
	RtComponent c = *this_op;
	bool		this_retains = this_op->kind == RT_RETAIN;

	if (this_retains)
		c = rt_retain(length, NULL);
	c.attributes = rt_attr_compose(this_op->attributes, other_op->attributes,
								   this_retains, a);
	push(out, c, a);
	*done = other_done && component_equal(&out->items[out->len - 1], &c);
}

/* compose of two checked ops */
static OtStatus
compose_checked(const RtOp *a_op, const RtOp *b_op, const OtAllocator *a,
				RtOp *out, OtError *err)
{
	RtIter		this_it = {a_op, 0, 0, 0};
	RtIter		other_it = {b_op, 0, 0, 0};
	RtComponent t,
				o;

	*out = (RtOp) RT_OP_EMPTY;
	/* A leading plain retain of b keeps a's inserts that fit inside it. */
	if (b_op->len > 0 && b_op->items[0].kind == RT_RETAIN &&
		b_op->items[0].attributes == NULL)
	{
		int64_t		first_left = b_op->items[0].length;

		while (peek_kind(&this_it) == RT_INSERT && peek_length(&this_it) <= first_left)
		{
			first_left -= peek_length(&this_it);
			next(&this_it, 0, &t, err);
			rt_push_raw(out, t, a);
		}
		if (b_op->items[0].length - first_left > 0)
			next(&other_it, b_op->items[0].length - first_left, &o, err);
	}
	while (has_next(&this_it) || has_next(&other_it))
	{
		int64_t		length;
		bool		done = false;

		if (peek_kind(&other_it) == RT_INSERT)
		{
			next(&other_it, 0, &o, err);
			push(out, o, a);
			continue;
		}
		if (peek_kind(&this_it) == RT_DELETE)
		{
			next(&this_it, 0, &t, err);
			push(out, t, a);
			continue;
		}
		length = peek_length(&this_it) < peek_length(&other_it)
			? peek_length(&this_it) : peek_length(&other_it);
		if (next(&this_it, length, &t, err) != OT_OK ||
			next(&other_it, length, &o, err) != OT_OK)
			return err->status;
		if (o.kind == RT_RETAIN)
			compose_retained(out, &t, &o, length, a, !has_next(&other_it), &done);
		else if (o.kind == RT_DELETE && t.kind == RT_RETAIN)
			push(out, o, a);
		/* b deleting what a inserted: the two cancel. */
		if (done)
		{
			if (append_rest(out, &this_it, a, err) != OT_OK)
				return err->status;
			break;
		}
	}
	chop(out);
	return OT_OK;
}

OtStatus
rt_compose(const RtOp *a_op, const RtOp *b_op, const OtAllocator *a,
		   RtOp *out, OtError *err)
{
	if (rt_check(a_op, err) != OT_OK || rt_check(b_op, err) != OT_OK)
		return err->status;
	return compose_checked(a_op, b_op, a, out, err);
}

static int64_t
base_length(const RtOp *op)
{
	int64_t		n = 0;

	for (size_t i = 0; i < op->len; i++)
		if (op->items[i].kind != RT_INSERT)
			n += op->items[i].length;
	return n;
}

int64_t
rt_document_length(const RtOp *doc)
{
	int64_t		n = 0;

	for (size_t i = 0; i < doc->len; i++)
		n += doc->items[i].length;
	return n;
}

static OtStatus
too_long(int64_t need, int64_t have, OtError *err)
{
	ot_error_set(err, OT_ERR_NOT_APPLIED, NULL,
				 "rich-text op is longer than the document");
	ot_error_detail(err, "The op retains or deletes %lld characters; the document has %lld.",
					(long long) need, (long long) have);
	return err->status;
}

static void
astral_push(RtAstral *s, int64_t at, const OtAllocator *a)
{
	if (s->untracked)
		return;
	if (s->len == RT_ASTRAL_MAX)
	{
		s->untracked = true;
		s->len = 0;
		return;
	}
	s->at = ot_array_reserve(a, s->at, s->len, &s->cap, sizeof(int64_t));
	s->at[s->len++] = at;
}

/* Adds the characters past U+FFFF of text, which starts at unit at. */
static void
astral_push_text(RtAstral *s, const char *text, size_t bytes, int64_t at,
				 const OtAllocator *a)
{
	for (size_t b = 0; b < bytes;)
	{
		unsigned char lead = (unsigned char) text[b];

		/* Four-byte UTF-8 sequences are exactly the characters past U+FFFF. */
		if (lead >= 0xF0)
			astral_push(s, at, a);
		at += lead >= 0xF0 ? 2 : 1;
		b += lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
	}
}

void
rt_astral_of(const RtOp *doc, const OtAllocator *a, RtAstral *out)
{
	int64_t		at = 0;

	*out = (RtAstral) {NULL, 0, 0, false};
	for (size_t i = 0; i < doc->len; i++)
	{
		if (doc->items[i].text)
			astral_push_text(out, doc->items[i].text, doc->items[i].bytes, at, a);
		at += doc->items[i].length;
	}
}

OtStatus
rt_fit(const RtOp *op, int64_t length, const RtAstral *astral,
	   const OtAllocator *a, int64_t *new_length, RtAstral *out,
	   bool *needs_text, OtError *err)
{
	int64_t		pos = 0;		/* in the document */
	int64_t		out_pos = 0;	/* in the document after op */
	size_t		k = 0;			/* astral->at[k] is the next at or past pos */

	if (rt_check(op, err) != OT_OK)
		return err->status;
	if (base_length(op) > length)
		return too_long(base_length(op), length, err);
	*out = (RtAstral) {NULL, 0, 0, astral->untracked};
	*needs_text = astral->untracked && base_length(op) > 0;
	for (size_t i = 0; i < op->len; i++)
	{
		const RtComponent *c = &op->items[i];
		int64_t		end = pos + c->length;

		if (c->kind == RT_INSERT)
		{
			if (c->text)
				astral_push_text(out, c->text, c->bytes, out_pos, a);
			out_pos += c->length;
			continue;
		}
		/* op cuts the document at end: not inside a pair */
		for (; k < astral->len && astral->at[k] < end; k++)
		{
			if (astral->at[k] == end - 1)
				return split_pair(err);
			if (c->kind == RT_RETAIN)
				astral_push(out, astral->at[k] - pos + out_pos, a);
		}
		if (c->kind == RT_RETAIN)
			out_pos += c->length;
		pos = end;
	}
	for (; k < astral->len; k++)
		astral_push(out, astral->at[k] - pos + out_pos, a);
	*new_length = out_pos + (length - pos);
	return OT_OK;
}

/* Both ops checked, doc a document, and op within it. */
static OtStatus
check_fits(const RtOp *doc, const RtOp *op, OtError *err)
{
	int64_t		need,
				have;

	if (rt_check(doc, err) != OT_OK || rt_check(op, err) != OT_OK)
		return err->status;
	need = base_length(op);
	have = rt_document_length(doc);
	if (!rt_is_document(doc))
		return ot_error_set(err, OT_ERR_BAD_ARGUMENT,
							"A rich-text document is a delta of inserts only.",
							"rich-text snapshot is not a document");
	if (need > have)
		return too_long(need, have, err);
	return OT_OK;
}

OtStatus
rt_apply(const RtOp *doc, const RtOp *op, const OtAllocator *a, RtOp *out,
		 OtError *err)
{
	if (check_fits(doc, op, err) != OT_OK)
		return err->status;
	return compose_checked(doc, op, a, out, err);
}

static OtStatus
compose_step(void *ops, size_t i, size_t j, const OtAllocator *a, OtError *err)
{
	RtOp	   *op = ops;
	RtOp		out;

	if (compose_checked(&op[i], &op[j], a, &out, err) != OT_OK)
		return err->status;
	op[i] = out;
	return OT_OK;
}

OtStatus
rt_compose_all(RtOp *ops, size_t n, const OtAllocator *a, RtOp *out,
			   OtError *err)
{
	*out = (RtOp) RT_OP_EMPTY;
	for (size_t i = 0; i < n; i++)
		if (rt_check(&ops[i], err) != OT_OK)
			return err->status;
	if (n == 0)
		return OT_OK;
	if (ot_compose_pairwise(ops, n, compose_step, a, err) != OT_OK)
		return err->status;
	*out = ops[0];
	return OT_OK;
}

OtStatus
rt_transform(const RtOp *op, const RtOp *other, bool left,
			 const OtAllocator *a, RtOp *out, OtError *err)
{
	/* quill-delta's other.transform(op, priority) with priority = left. */
	RtIter		this_it = {other, 0, 0, 0};
	RtIter		other_it = {op, 0, 0, 0};
	bool		priority = left;
	RtComponent t,
				o;

	if (rt_check(op, err) != OT_OK || rt_check(other, err) != OT_OK)
		return err->status;
	*out = (RtOp) RT_OP_EMPTY;
	while (has_next(&this_it) || has_next(&other_it))
	{
		int64_t		length;

		if (peek_kind(&this_it) == RT_INSERT &&
			(priority || peek_kind(&other_it) != RT_INSERT))
		{
			next(&this_it, 0, &t, err);
			push_retain(out, t.length, NULL, a);
			continue;
		}
		if (peek_kind(&other_it) == RT_INSERT)
		{
			next(&other_it, 0, &o, err);
			push(out, o, a);
			continue;
		}
		/* Neither reads an insert here, so no text is cut. */
		length = peek_length(&this_it) < peek_length(&other_it)
			? peek_length(&this_it) : peek_length(&other_it);
		next(&this_it, length, &t, err);
		next(&other_it, length, &o, err);
		if (t.kind == RT_DELETE)
			continue;			/* other's delete makes op's redundant */
		if (o.kind == RT_DELETE)
			push(out, o, a);
		else
			push_retain(out, length,
						rt_attr_transform(t.attributes, o.attributes, priority, a), a);
	}
	chop(out);
	return OT_OK;
}

int64_t
rt_transform_position(int64_t index, const RtOp *op, bool priority)
{
	int64_t		offset = 0;

	for (size_t i = 0; i < op->len && offset <= index; i++)
	{
		const RtComponent *c = &op->items[i];

		if (c->kind == RT_DELETE)
		{
			index -= c->length < index - offset ? c->length : index - offset;
			continue;
		}
		if (c->kind == RT_INSERT && (offset < index || !priority))
			index += c->length;
		offset += c->length;
	}
	return index;
}

/*
 * Reads the base pieces under a retain or delete: a delete re-inserts them,
 * a retain with attributes restores theirs, a plain retain only moves on.
 */
static OtStatus
invert_covered(RtOp *out, const RtComponent *c, RtIter *base,
			   const OtAllocator *a, OtError *err)
{
	int64_t		length = c->length;

	while (length > 0)
	{
		RtComponent piece;

		if (next(base, length, &piece, err) != OT_OK)
			return err->status;
		length -= piece.length;
		if (c->kind == RT_DELETE)
			push(out, piece, a);
		else if (c->kind == RT_RETAIN && c->attributes)
			push_retain(out, piece.length,
						rt_attr_invert(c->attributes, piece.attributes, a), a);
	}
	return OT_OK;
}

OtStatus
rt_invert(const RtOp *op, const RtOp *base, const OtAllocator *a, RtOp *out,
		  OtError *err)
{
	RtIter		base_it = {base, 0, 0, 0};

	if (check_fits(base, op, err) != OT_OK)
		return err->status;
	*out = (RtOp) RT_OP_EMPTY;
	for (size_t i = 0; i < op->len; i++)
	{
		const RtComponent *c = &op->items[i];

		if (c->kind == RT_INSERT)
		{
			push(out, rt_delete(c->length), a);
			continue;
		}
		if (c->kind == RT_RETAIN && c->attributes == NULL)
			push_retain(out, c->length, NULL, a);
		if (invert_covered(out, c, &base_it, a, err) != OT_OK)
			return err->status;
	}
	chop(out);
	return OT_OK;
}
