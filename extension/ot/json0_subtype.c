/*
 * json0_subtype.c
 *	  json0's subtype table (see json0_subtype.h) and its adapters: J0 ops
 *	  read into TuOp / RtOp, run through text_unicode.c / rich_text.c, and
 *	  written back as the reference's JSON.
 *
 * What the references do, and so these adapters:
 *	 text-unicode: ops are arrays of skips, inserts and {d}; its apply
 *	   throws on a snapshot that is not a string; invert (no checkOp) throws
 *	   on a counted delete {d: N} and maps the rest as mapOp does.
 *	 rich-text: an op or a snapshot is new Delta(v): a bare array of
 *	   components, or an object's "ops" array, and anything else is the
 *	   empty delta (so an op on a missing key or a non-delta value starts
 *	   from an empty document); apply, compose and transform return a Delta,
 *	   written {"ops": [...]}; rich-text has no invert, so json0's invert of
 *	   a rich-text component throws.
 * Components are read as the standalone bindings read them
 * (text_unicode_sql.c, rich_text_sql.c): where those refuse input the
 * reference takes (booleans in a text-unicode op, a retain of 0, a
 * rich-text snapshot that is not a document, retaining past its end), so
 * do these, as J0_ERR_BAD_OP; but text-unicode's apply is the reference's
 * (deletes unchecked, see tu_apply_j0).
 *
 * Owns: the adapters.  May call: text0.c, text_unicode.c, rich_text.c,
 * json0_json.c.
 */
#include "json0_subtype.h"

#include <math.h>
#include <string.h>

#include "rich_text.h"
#include "text0.h"
#include "text_unicode.h"
#include "utf8.h"

#define FAIL(...) j0_fail(cx, J0_ERR_BAD_OP, __VA_ARGS__)
#define REFUSE(...) j0_fail(cx, J0_ERR_UNSUPPORTED, __VA_ARGS__)

static void
check_status(J0Ctx *cx, OtStatus st, const OtError *err)
{
	if (st != OT_OK)
		FAIL("%s", err->message);
}

/* A whole number in [0, max] as JavaScript holds it, or -1. */
static int64_t
count_of(const J0 *v, int64_t max)
{
	if (v == NULL || v->kind != J0_NUMBER || v->num != floor(v->num) || v->num < 0 ||
		v->num > (double) max)
		return -1;
	return (int64_t) v->num;
}

/* ---- text0 (ot-json0's lib/text0.js, text0.c) ---- */

static void
text0_op(J0Ctx *cx, const J0 *o)
{
	if (o == NULL || o->kind != J0_ARRAY)
		REFUSE("json0 subtype op is not a list");
}

static J0 *
t0_apply(J0Ctx *cx, J0 *snapshot, J0 *o)
{
	text0_op(cx, o);
	return text0_apply(cx, snapshot, o);
}

static J0 *
t0_transform(J0Ctx *cx, J0 *o, J0 *other, bool left)
{
	text0_op(cx, o);
	text0_op(cx, other);
	return text0_transform(cx, o, other, left);
}

/* ---- text-unicode ---- */

static void
tu_of(J0Ctx *cx, const J0 *o, TuOp *op)
{
	*op = (TuOp) TU_OP_EMPTY;
	if (o == NULL || o->kind != J0_ARRAY)
		FAIL("text-unicode op must be an array of components");
	for (size_t i = 0; i < o->n; i++)
	{
		const J0   *c = o->items[i];
		const J0   *d;
		int64_t		n;
		size_t		len;
		char	   *s;

		switch (c->kind)
		{
			case J0_NUMBER:
				if ((n = count_of(c, TU_MAX_COUNT)) < 0)
					FAIL("text-unicode op component %zu is not a whole number of code points", i);
				tu_push(op, tu_skip(n), cx->a);
				break;
			case J0_STRING:
				s = j0_utf8(cx, c, &len);
				tu_push(op, tu_insert(s, len), cx->a);
				break;
			case J0_OBJECT:
				d = j0_get(c, "d");
				if (c->n != 1 || d == NULL)
					FAIL("text-unicode op component %zu is not a valid component", i);
				if (d->kind == J0_STRING)
				{
					s = j0_utf8(cx, d, &len);
					tu_push(op, tu_delete_text(s, len), cx->a);
				}
				else if ((n = count_of(d, TU_MAX_COUNT)) >= 0)
					tu_push(op, tu_delete_count(n), cx->a);
				else
					FAIL("text-unicode op component %zu is not a valid component", i);
				break;
			default:
				FAIL("text-unicode op component %zu is not a valid component", i);
		}
	}
}

static J0 *
tu_to_j0(J0Ctx *cx, const TuOp *op)
{
	J0		   *r = j0_new(cx, J0_ARRAY);

	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];
		J0		   *v = c->text ? j0_string_utf8(cx, c->text, c->bytes)
			: j0_number(cx, (double) c->count);

		if (c->kind == TU_DELETE)
		{
			J0		   *d = j0_new(cx, J0_OBJECT);

			j0_set(cx, d, "d", v);
			v = d;
		}
		j0_push(cx, r, v);
	}
	return r;
}

/*
 * apply as ot-text-unicode's string builder: checkOp, then a skip past the
 * end throws, a delete removes up to n code points whatever they are (its
 * text is not compared) and stops at the end.  json0's transform applies the
 * other op to the value an ld / od removes, which may not be the text the op
 * was made on; the standalone text-unicode type refuses such deletes.
 */
static J0 *
tu_apply_j0(J0Ctx *cx, J0 *snapshot, J0 *o)
{
	TuOp		op;
	OtError		err;
	const char *doc;
	char	   *out;
	size_t		len,
				at = 0,
				n = 0,
				cap;

	tu_of(cx, o, &op);
	check_status(cx, tu_check(&op, &err), &err);
	if (snapshot == NULL || snapshot->kind != J0_STRING)
		FAIL("Invalid document snapshot: text-unicode edits a string");
	doc = j0_utf8(cx, snapshot, &len);
	cap = len + 1;
	for (size_t i = 0; i < op.len; i++)
		if (op.items[i].kind == TU_INSERT)
			cap += op.items[i].bytes;
	out = ot_alloc(cx->a, cap);
	for (size_t i = 0; i < op.len; i++)
	{
		const TuComponent *c = &op.items[i];
		int64_t		passed;
		size_t		b;

		switch (c->kind)
		{
			case TU_SKIP:
				b = ot_utf8_advance(doc + at, len - at, c->count, &passed);
				if (passed < c->count)
					FAIL("The op is too long for this document");
				memcpy(out + n, doc + at, b);
				n += b;
				at += b;
				break;
			case TU_INSERT:
				memcpy(out + n, c->text, c->bytes);
				n += c->bytes;
				break;
			case TU_DELETE:
				at += ot_utf8_advance(doc + at, len - at, c->count, &passed);
				break;
		}
	}
	memcpy(out + n, doc + at, len - at);
	n += len - at;
	return j0_string_utf8(cx, out, n);
}

static J0 *
tu_compose_j0(J0Ctx *cx, J0 *a, J0 *b)
{
	TuOp		x,
				y,
				out;
	OtError		err;

	tu_of(cx, a, &x);
	tu_of(cx, b, &y);
	check_status(cx, tu_compose(&x, &y, cx->a, &out, &err), &err);
	return tu_to_j0(cx, &out);
}

static J0 *
tu_transform_j0(J0Ctx *cx, J0 *o, J0 *other, bool left)
{
	TuOp		x,
				y,
				out;
	OtError		err;

	tu_of(cx, o, &x);
	tu_of(cx, other, &y);
	check_status(cx, tu_transform(&x, &y, left, cx->a, &out, &err), &err);
	return tu_to_j0(cx, &out);
}

/* invert is mapOp without checkOp: each component mapped, appended, trimmed. */
static J0 *
tu_invert_j0(J0Ctx *cx, J0 *o)
{
	TuOp		op,
				mapped = TU_OP_EMPTY,
				out;
	OtError		err;

	tu_of(cx, o, &op);
	check_status(cx, tu_check_lengths(&op, &err), &err);
	for (size_t i = 0; i < op.len; i++)
	{
		TuComponent c = op.items[i];

		if (c.kind == TU_DELETE && c.text == NULL)
			FAIL("Cannot invert text op: Deleted characters missing from operation. makeInvertible must be called first.");
		if (c.kind == TU_DELETE)
			c.kind = TU_INSERT;
		else if (c.kind == TU_INSERT)
			c.kind = TU_DELETE;
		tu_push(&mapped, c, cx->a);
	}
	tu_normalize(&mapped, cx->a, &out);
	if (out.len > 0 && out.items[out.len - 1].kind == TU_SKIP)
		out.len--;
	return tu_to_j0(cx, &out);
}

/* ---- rich-text ---- */

static const OtJson *
oj_of(J0Ctx *cx, const J0 *v)
{
	OtJson	   *o = ot_alloc(cx->a, sizeof(OtJson));

	memset(o, 0, sizeof *o);
	switch (v->kind)
	{
		case J0_NULL: o->kind = OJ_NULL; break;
		case J0_FALSE: o->kind = OJ_FALSE; break;
		case J0_TRUE: o->kind = OJ_TRUE; break;
		case J0_NUMBER: o->kind = OJ_NUMBER; o->number = v->num; break;
		case J0_STRING:
			o->kind = OJ_STRING;
			o->str = j0_utf8(cx, v, &o->len);
			break;
		case J0_ARRAY:
			{
				OtJson	   *items = ot_alloc(cx->a, (v->n ? v->n : 1) * sizeof(OtJson));

				for (size_t i = 0; i < v->n; i++)
					items[i] = *oj_of(cx, v->items[i]);
				o->kind = OJ_ARRAY;
				o->items = items;
				o->len = v->n;
			}
			break;
		case J0_OBJECT:
			{
				OtJsonMember *m = ot_alloc(cx->a, (v->n ? v->n : 1) * sizeof(OtJsonMember));

				for (size_t i = 0; i < v->n; i++)
				{
					m[i].key = j0_utf8(cx, v->keys[i], &m[i].key_len);
					m[i].value = oj_of(cx, v->items[i]);
				}
				o->kind = OJ_OBJECT;
				o->members = m;
				o->len = v->n;
			}
			break;
	}
	return o;
}

static J0 *
j0_of_oj(J0Ctx *cx, const OtJson *o)
{
	J0		   *v;

	switch (o->kind)
	{
		case OJ_NULL: return j0_new(cx, J0_NULL);
		case OJ_FALSE: return j0_new(cx, J0_FALSE);
		case OJ_TRUE: return j0_new(cx, J0_TRUE);
		case OJ_NUMBER: return j0_number(cx, o->number);
		case OJ_STRING: return j0_string_utf8(cx, o->str, o->len);
		case OJ_ARRAY:
			v = j0_new(cx, J0_ARRAY);
			for (size_t i = 0; i < o->len; i++)
				j0_push(cx, v, j0_of_oj(cx, &o->items[i]));
			return v;
		default:
			v = j0_new(cx, J0_OBJECT);
			for (size_t i = 0; i < o->len; i++)
				j0_set_key(cx, v, j0_string_utf8(cx, o->members[i].key, o->members[i].key_len),
						   j0_of_oj(cx, o->members[i].value));
			return v;
	}
}

/* new Delta(v).ops: v itself if a list, v.ops if that is a list, else none. */
static const J0 *
delta_ops(const J0 *v)
{
	const J0   *ops;

	if (v == NULL)
		return NULL;
	if (v->kind == J0_ARRAY)
		return v;
	ops = v->kind == J0_OBJECT ? j0_get(v, "ops") : NULL;
	return ops && ops->kind == J0_ARRAY ? ops : NULL;
}

static int64_t
rt_length_of(J0Ctx *cx, const J0 *v, size_t i)
{
	int64_t		n = count_of(v, RT_MAX_LENGTH);

	if (n <= 0)
		FAIL("rich-text op component %zu has a length that is not a positive whole number", i);
	return n;
}

static void
rt_of(J0Ctx *cx, const J0 *v, RtOp *op)
{
	const J0   *ops = delta_ops(v);

	*op = (RtOp) RT_OP_EMPTY;
	for (size_t i = 0; ops && i < ops->n; i++)
	{
		const J0   *c = ops->items[i];
		RtComponent rc = {0};
		int			kinds = 0;
		const OtJson *attributes = NULL;

		if (c->kind != J0_OBJECT)
			FAIL("rich-text op component %zu is not an object", i);
		for (size_t k = 0; k < c->n; k++)
		{
			const J0   *key = c->keys[k],
					   *x = c->items[k];

			if (j0_str_is(key, "insert"))
			{
				kinds++;
				if (x->kind == J0_STRING && x->n == 0)
					FAIL("rich-text op component %zu inserts an empty string", i);
				if (x->kind == J0_NULL || x->kind == J0_FALSE || (x->kind == J0_NUMBER && x->num == 0))
					FAIL("rich-text op component %zu inserts an embed that is null, false or 0", i);
				if (x->kind == J0_STRING)
				{
					size_t		len;
					char	   *s = j0_utf8(cx, x, &len);

					rc = rt_text(s, len, NULL);
				}
				else
					rc = rt_embed(oj_of(cx, x), NULL);
			}
			else if (j0_str_is(key, "retain"))
			{
				kinds++;
				if (x->kind == J0_OBJECT)
					FAIL("rich-text op component %zu retains an object (embed changes of quill-delta 5 are not supported)", i);
				rc = rt_retain(rt_length_of(cx, x, i), NULL);
			}
			else if (j0_str_is(key, "delete"))
			{
				kinds++;
				rc = rt_delete(rt_length_of(cx, x, i));
			}
			else if (j0_str_is(key, "attributes") && x->kind == J0_OBJECT)
				attributes = oj_of(cx, x);
			else
				FAIL("rich-text op component %zu has %s", i,
					 j0_str_is(key, "attributes") ? "attributes that are not an object" : "an unknown key");
		}
		if (kinds != 1)
			FAIL("rich-text op component %zu must have exactly one of insert, retain and delete", i);
		if (attributes && rc.kind == RT_DELETE)
			FAIL("rich-text op component %zu is a delete with attributes", i);
		rc.attributes = attributes;
		rt_push_raw(op, rc, cx->a);
	}
}

/* A Delta as JSON holds it: {"ops": [...]}. */
static J0 *
rt_to_j0(J0Ctx *cx, const RtOp *op)
{
	static const char *const kind_keys[] = {"insert", "retain", "delete"};
	J0		   *r = j0_new(cx, J0_OBJECT);
	J0		   *ops = j0_new(cx, J0_ARRAY);

	for (size_t i = 0; i < op->len; i++)
	{
		const RtComponent *c = &op->items[i];
		J0		   *o = j0_new(cx, J0_OBJECT);

		j0_set(cx, o, kind_keys[c->kind],
			   c->embed ? j0_of_oj(cx, c->embed)
			   : c->text ? j0_string_utf8(cx, c->text, c->bytes)
			   : j0_number(cx, (double) c->length));
		if (c->attributes)
			j0_set(cx, o, "attributes", j0_of_oj(cx, c->attributes));
		j0_push(cx, ops, o);
	}
	j0_set(cx, r, "ops", ops);
	return r;
}

static J0 *
rt_apply_j0(J0Ctx *cx, J0 *snapshot, J0 *o)
{
	J0		   *r;
	RtOp		doc,
				op,
				out;
	OtError		err;

	rt_of(cx, snapshot, &doc);
	rt_of(cx, o, &op);
	check_status(cx, rt_apply(&doc, &op, cx->a, &out, &err), &err);
	r = rt_to_j0(cx, &out);
	r->delta = cx->apply_id;	/* a Delta until the document is copied */
	return r;
}

static J0 *
rt_compose_j0(J0Ctx *cx, J0 *a, J0 *b)
{
	RtOp		x,
				y,
				out;
	OtError		err;

	rt_of(cx, a, &x);
	rt_of(cx, b, &y);
	check_status(cx, rt_compose(&x, &y, cx->a, &out, &err), &err);
	return rt_to_j0(cx, &out);
}

static J0 *
rt_transform_j0(J0Ctx *cx, J0 *o, J0 *other, bool left)
{
	RtOp		x,
				y,
				out;
	OtError		err;

	rt_of(cx, o, &x);
	rt_of(cx, other, &y);
	check_status(cx, rt_transform(&x, &y, left, cx->a, &out, &err), &err);
	return rt_to_j0(cx, &out);
}

/* ---- the table ---- */

static const J0Subtype subtypes[] = {
	{"text0", t0_apply, text0_compose, text0_invert, t0_transform},
	{TU_NAME, tu_apply_j0, tu_compose_j0, tu_invert_j0, tu_transform_j0},
	{RT_NAME, rt_apply_j0, rt_compose_j0, NULL, rt_transform_j0},
};

const J0Subtype *
j0_subtype(const J0 *t)
{
	for (size_t i = 0; i < sizeof subtypes / sizeof subtypes[0]; i++)
		if (j0_str_is(t, subtypes[i].name))
			return &subtypes[i];
	return NULL;
}
