/*
 * text0.c
 *	  text0 (ot-json0 1.1.0 lib/text0.js) and bootstrapTransform.js over J0
 *	  values, statement for statement.  Offsets are UTF-16 code units, as in
 *	  JavaScript; an offset may split a surrogate pair, which json0's writer
 *	  refuses for jsonb.
 *
 * Owns: text0's functions and the shared transformX.  May call:
 * json0_json.c.
 */
#include "text0.h"

#include <math.h>
#include <string.h>

#define FAIL(...) j0_fail(cx, J0_ERR_BAD_OP, __VA_ARGS__)

static bool
is_str(const J0 *v)
{
	return v && v->kind == J0_STRING;
}

/* != null: present and not null */
static bool
nn(const J0 *v)
{
	return v && v->kind != J0_NULL;
}

static size_t
pos_of(J0Ctx *cx, const J0 *p)
{
	if (p->num != floor(p->num) || p->num > 1e15)
		j0_fail(cx, J0_ERR_UNSUPPORTED, "text0 position %g is not a whole number", p->num);
	return (size_t) p->num;
}

static void
check_component(J0Ctx *cx, const J0 *c)
{
	J0		   *p;

	if (c == NULL || c->kind != J0_OBJECT)
		FAIL("text0 component is not an object");
	p = j0_get(c, "p");
	if (p == NULL || p->kind != J0_NUMBER)
		FAIL("component missing position field");
	if (is_str(j0_get(c, "i")) == is_str(j0_get(c, "d")))
		FAIL("component needs an i or d field");
	if (p->num < 0)
		FAIL("position cannot be negative");
	(void) pos_of(cx, p);
	if ((nn(j0_get(c, "i")) && !is_str(j0_get(c, "i"))) ||
		(nn(j0_get(c, "d")) && !is_str(j0_get(c, "d"))))
		j0_fail(cx, J0_ERR_UNSUPPORTED, "text0 component has an i or d that is not a string");
}

static void
check_op(J0Ctx *cx, J0 *op)
{
	if (op == NULL || op->kind != J0_ARRAY)
		FAIL("text0 op is not an array");
	for (size_t i = 0; i < op->n; i++)
		check_component(cx, op->items[i]);
}

/* s1[0, pos) + s2 + s1[pos, ...) with JavaScript's slice clamping. */
static J0 *
inject(J0Ctx *cx, const J0 *s1, size_t pos, const J0 *s2)
{
	J0		   *r = j0_new(cx, J0_STRING);

	if (pos > s1->n)
		pos = s1->n;
	r->n = r->cap = s1->n + s2->n;
	r->s = ot_alloc(cx->a, r->n ? r->n * 2 : 1);
	memcpy(r->s, s1->s, pos * 2);
	if (s2->n)
		memcpy(r->s + pos, s2->s, s2->n * 2);
	memcpy(r->s + pos + s2->n, s1->s + pos, (s1->n - pos) * 2);
	return r;
}

static J0 *
slice(J0Ctx *cx, const J0 *s, size_t from, size_t to)
{
	if (to > s->n)
		to = s->n;
	if (from > to)
		from = to;
	return j0_string(cx, s->s + from, to - from);
}

static J0 *
pc(J0Ctx *cx, const char *k, J0 *str, double p)
{
	J0		   *c = j0_new(cx, J0_OBJECT);

	j0_set(cx, c, k, str);
	j0_set(cx, c, "p", j0_number(cx, p));
	return c;
}

J0 *
text0_apply(J0Ctx *cx, J0 *snapshot, J0 *op)
{
	check_op(cx, op);
	if (!is_str(snapshot))
		FAIL("text0 snapshot is not a string");
	for (size_t i = 0; i < op->n; i++)
	{
		J0		   *c = op->items[i];
		size_t		p = pos_of(cx, j0_get(c, "p"));
		J0		   *ins = j0_get(c, "i");

		if (nn(ins))
			snapshot = inject(cx, snapshot, p, ins);
		else
		{
			J0		   *d = j0_get(c, "d");
			J0		   *deleted = slice(cx, snapshot, p, p + d->n);
			J0		   *rest;

			if (!j0_equal(d, deleted))
				FAIL("Delete component does not match deleted text");
			rest = slice(cx, snapshot, p + d->n, snapshot->n);
			snapshot = inject(cx, slice(cx, snapshot, 0, p), p, rest);
		}
	}
	return snapshot;
}

static double
num(J0 *c, const char *k)
{
	return j0_get(c, k)->num;
}

void
text0_append(J0Ctx *cx, J0 *dest, J0 *c)
{
	J0		   *ci = j0_get(c, "i"),
			   *cd = j0_get(c, "d");

	if ((is_str(ci) && ci->n == 0) || (is_str(cd) && cd->n == 0))
		return;
	if (dest->n == 0)
		j0_push(cx, dest, c);
	else
	{
		J0		   *last = dest->items[dest->n - 1];
		J0		   *li = j0_get(last, "i"),
				   *ld = j0_get(last, "d");
		double		lp = num(last, "p"),
					p = num(c, "p");

		if (nn(li) && nn(ci) && lp <= p && p <= lp + li->n)
			dest->items[dest->n - 1] = pc(cx, "i", inject(cx, li, (size_t) (p - lp), ci), lp);
		else if (nn(ld) && nn(cd) && p <= lp && lp <= p + cd->n)
			dest->items[dest->n - 1] = pc(cx, "d", inject(cx, cd, (size_t) (lp - p), ld), p);
		else
			j0_push(cx, dest, c);
	}
}

J0 *
text0_compose(J0Ctx *cx, J0 *op1, J0 *op2)
{
	J0		   *r = j0_new(cx, J0_ARRAY);

	check_op(cx, op1);
	check_op(cx, op2);
	for (size_t i = 0; i < op1->n; i++)
		j0_push(cx, r, op1->items[i]);
	for (size_t i = 0; i < op2->n; i++)
		text0_append(cx, r, op2->items[i]);
	return r;
}

static double
transform_position(double pos, J0 *c, bool insert_after)
{
	J0		   *ci = j0_get(c, "i");
	double		p = num(c, "p");

	if (nn(ci))
		return (p < pos || (p == pos && insert_after)) ? pos + ci->n : pos;
	else
	{
		double		dl = j0_get(c, "d")->n;

		if (pos <= p)
			return pos;
		if (pos <= p + dl)
			return p;
		return pos - dl;
	}
}

static void
text0_tc(J0Ctx *cx, J0 *dest, J0 *c, J0 *other, bool left)
{
	J0		   *ci,
			   *cd,
			   *oi;
	double		p,
				op;

	check_component(cx, c);
	check_component(cx, other);
	ci = j0_get(c, "i");
	cd = j0_get(c, "d");
	oi = j0_get(other, "i");
	p = num(c, "p");
	op = num(other, "p");
	if (nn(ci))
		text0_append(cx, dest, pc(cx, "i", ci, transform_position(p, other, !left)));
	else if (nn(oi))
	{
		J0		   *s = cd;

		if (p < op)
		{
			text0_append(cx, dest, pc(cx, "d", slice(cx, s, 0, (size_t) (op - p)), p));
			s = slice(cx, s, (size_t) (op - p), s->n);
		}
		if (s->n != 0)
			text0_append(cx, dest, pc(cx, "d", s, p + oi->n));
	}
	else
	{
		J0		   *od = j0_get(other, "d");

		if (p >= op + od->n)
			text0_append(cx, dest, pc(cx, "d", cd, p - od->n));
		else if (p + cd->n <= op)
			text0_append(cx, dest, c);
		else
		{
			J0		   *nd = j0_string(cx, NULL, 0);
			double		is,
						ie;

			if (p < op)
				nd = slice(cx, cd, 0, (size_t) (op - p));
			if (p + cd->n > op + od->n)
				nd = inject(cx, nd, nd->n, slice(cx, cd, (size_t) (op + od->n - p), cd->n));
			is = p > op ? p : op;
			ie = (p + cd->n < op + od->n) ? p + cd->n : op + od->n;
			if (!j0_equal(slice(cx, cd, (size_t) (is - p), (size_t) (ie - p)),
						  slice(cx, od, (size_t) (is - op), (size_t) (ie - op))))
				FAIL("Delete ops delete different text in the same region of the document");
			if (nd->n != 0)
				text0_append(cx, dest, pc(cx, "d", nd, transform_position(p, other, false)));
		}
	}
}

static void
text0_check(J0Ctx *cx, J0 *op)
{
	check_op(cx, op);
}

J0 *
text0_transform(J0Ctx *cx, J0 *op, J0 *other, bool left)
{
	if (op == NULL || op->kind != J0_ARRAY || other == NULL || other->kind != J0_ARRAY)
		FAIL("text0 op is not an array");
	return j0_bootstrap_transform(cx, op, other, left, text0_tc, text0_append, text0_check);
}

J0 *
text0_invert(J0Ctx *cx, J0 *op)
{
	J0		   *r = j0_new(cx, J0_ARRAY);

	if (op == NULL || op->kind != J0_ARRAY)
		FAIL("text0 op is not an array");
	for (size_t k = op->n; k-- > 0;)
	{
		J0		   *c = op->items[k];
		J0		   *ci = j0_get(c, "i");

		if (c->kind != J0_OBJECT || j0_get(c, "p") == NULL)
			FAIL("text0 component is not an object");
		j0_push(cx, r, nn(ci) ? pc(cx, "d", ci, num(c, "p"))
				: pc(cx, "i", j0_get(c, "d"), num(c, "p")));
	}
	return r;
}

/* ---- bootstrapTransform.js ---- */

static J0 *
arr(J0Ctx *cx)
{
	return j0_new(cx, J0_ARRAY);
}

typedef struct Pair
{
	J0		   *left,
			   *right;
} Pair;

static Pair
transform_x(J0Ctx *cx, J0 *left_op, J0 *right_op, J0TransformComponent tc,
			J0Append append, J0CheckOp check, int depth)
{
	J0		   *new_right = arr(cx);

	if (depth > 10000)
		j0_fail(cx, J0_ERR_UNSUPPORTED, "transform recursion too deep");
	check(cx, left_op);
	check(cx, right_op);
	for (size_t i = 0; i < right_op->n; i++)
	{
		J0		   *rc = right_op->items[i];
		J0		   *new_left = arr(cx);
		size_t		k = 0;

		while (k < left_op->n)
		{
			J0		   *next = arr(cx);

			tc(cx, new_left, left_op->items[k], rc, true);
			tc(cx, next, rc, left_op->items[k], false);
			k++;
			if (next->n == 1)
				rc = next->items[0];
			else if (next->n == 0)
			{
				for (size_t j = k; j < left_op->n; j++)
					append(cx, new_left, left_op->items[j]);
				rc = NULL;
				break;
			}
			else
			{
				J0		   *rest = arr(cx);
				Pair		pair;

				for (size_t j = k; j < left_op->n; j++)
					j0_push(cx, rest, left_op->items[j]);
				pair = transform_x(cx, rest, next, tc, append, check, depth + 1);
				for (size_t l = 0; l < pair.left->n; l++)
					append(cx, new_left, pair.left->items[l]);
				for (size_t r = 0; r < pair.right->n; r++)
					append(cx, new_right, pair.right->items[r]);
				rc = NULL;
				break;
			}
		}
		if (rc != NULL)
			append(cx, new_right, rc);
		left_op = new_left;
	}
	return (Pair) {left_op, new_right};
}

J0 *
j0_bootstrap_transform(J0Ctx *cx, J0 *op, J0 *other, bool left,
					   J0TransformComponent tc, J0Append append, J0CheckOp check)
{
	if (other->n == 0)
		return op;
	if (op->n == 1 && other->n == 1)
	{
		J0		   *dest = arr(cx);

		tc(cx, dest, op->items[0], other->items[0], left);
		return dest;
	}
	if (left)
		return transform_x(cx, op, other, tc, append, check, 0).left;
	return transform_x(cx, other, op, tc, append, check, 0).right;
}
