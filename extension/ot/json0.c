/*
 * json0.c
 *	  json0, statement for statement as npm ot-json0 1.1.0's lib/json0.js:
 *	  apply, append (how compose, normalize and transform merge components),
 *	  transformComponent with bootstrapTransform's transformX, invert.
 *
 * The reference mutates and copies components as it goes (convertFromText
 * keeps si / sd beside the t / o it adds; an ld / od takes the value the
 * other op leaves; od + oi against oi takes the other's inserted value);
 * these functions do the same on J0 trees, so their output is the
 * reference's.  Where JavaScript would quietly do something no JSON
 * document can hold (a hole in a list, a property on a string, a list
 * index that is not a whole number) the op is refused instead
 * (J0_ERR_UNSUPPORTED).
 *
 * Subtype components {p, t, o} go to the subtype table (json0_subtype.c):
 * text0, text-unicode and rich-text.
 *
 * Owns: json0's semantics.  May call: json0_json.c, json0_subtype.c,
 * text0.c (bootstrapTransform), js_number.c.
 */
#include "json0.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json0_subtype.h"
#include "text0.h"

#define FAIL(...) j0_fail(cx, J0_ERR_BAD_OP, __VA_ARGS__)
#define REFUSE(...) j0_fail(cx, J0_ERR_UNSUPPORTED, __VA_ARGS__)

#define G(c, k) j0_get((c), (k))
#define HAS(c, k) (G((c), (k)) != NULL)	/* !== undefined */

/* != null */
static bool
nn(const J0 *v)
{
	return v && v->kind != J0_NULL;
}
#define NN(c, k) nn(G((c), (k)))

static bool
truthy(const J0 *v)
{
	if (v == NULL)
		return false;
	switch (v->kind)
	{
		case J0_NULL: case J0_FALSE: return false;
		case J0_NUMBER: return v->num != 0 && v->num == v->num;
		case J0_STRING: return v->n > 0;
		default: return true;
	}
}

static bool
legacy(const J0 *c)
{
	return NN(c, "si") || NN(c, "sd");
}

/* subtypes[c.t] for a component whose t is truthy */
static const J0Subtype *
subtype_of(const J0 *c)
{
	const J0   *t = G(c, "t");

	return truthy(t) ? j0_subtype(t) : NULL;
}

static J0 *
path(J0Ctx *cx, const J0 *c)
{
	J0		   *p;

	if (c == NULL || c->kind != J0_OBJECT)
		FAIL("Missing path");
	p = G(c, "p");
	if (p == NULL || p->kind != J0_ARRAY)
		FAIL("Missing path");
	return p;
}

static J0 *
seg(const J0 *p, long i)
{
	return (i >= 0 && (size_t) i < p->n) ? p->items[i] : NULL;
}

static bool
nullish(const J0 *v)
{
	return v == NULL || v->kind == J0_NULL;
}

/* JavaScript's === on values from distinct parses. */
static bool
seq(const J0 *a, const J0 *b)
{
	return j0_strict_equal(a, b);
}

/* Number(v), NaN for what converts to NaN. */
static double
to_num(const J0 *v)
{
	if (v == NULL)
		return NAN;
	switch (v->kind)
	{
		case J0_NULL: case J0_FALSE: return 0;
		case J0_TRUE: return 1;
		case J0_NUMBER: return v->num;
		case J0_STRING:
			{
				char		buf[64];
				size_t		n = 0,
							b = 0,
							e = v->n;
				char	   *end;
				double		d;

				while (b < e && (v->s[b] == ' ' || v->s[b] == '\t' || v->s[b] == '\n'))
					b++;
				while (e > b && (v->s[e - 1] == ' ' || v->s[e - 1] == '\t' || v->s[e - 1] == '\n'))
					e--;
				if (b == e)
					return 0;
				if (e - b >= sizeof buf)
					return NAN;
				for (size_t i = b; i < e; i++)
				{
					if (v->s[i] > 127 || v->s[i] == 'x' || v->s[i] == 'X' || v->s[i] == 'n' || v->s[i] == 'N')
						return NAN;
					buf[n++] = (char) v->s[i];
				}
				buf[n] = '\0';
				d = strtod(buf, &end);
				return *end ? NAN : d;
			}
		default:
			return NAN;
	}
}

/* == */
static bool
leq_loose(const J0 *a, const J0 *b)
{
	if (nullish(a) || nullish(b))
		return nullish(a) && nullish(b);
	if (a->kind == b->kind || a->kind == J0_ARRAY || a->kind == J0_OBJECT ||
		b->kind == J0_ARRAY || b->kind == J0_OBJECT)
		return seq(a, b);
	return to_num(a) == to_num(b);
}

static int
str_cmp(const J0 *a, const J0 *b)
{
	size_t		n = a->n < b->n ? a->n : b->n;

	for (size_t i = 0; i < n; i++)
		if (a->s[i] != b->s[i])
			return a->s[i] < b->s[i] ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n ? 1 : 0;
}

/* a < b */
static bool
lt(const J0 *a, const J0 *b)
{
	if (a && b && a->kind == J0_STRING && b->kind == J0_STRING)
		return str_cmp(a, b) < 0;
	return to_num(a) < to_num(b);
}

/* a <= b */
static bool
le(const J0 *a, const J0 *b)
{
	if (a && b && a->kind == J0_STRING && b->kind == J0_STRING)
		return str_cmp(a, b) <= 0;
	return to_num(a) <= to_num(b);
}

static J0 *
num_plus(J0Ctx *cx, const J0 *v, double d)
{
	if (v == NULL || v->kind != J0_NUMBER)
		REFUSE("json0 would add to a path segment or lm that is not a number");
	return j0_number(cx, v->num + d);
}

static void
seg_add(J0Ctx *cx, J0 *p, long i, double d)
{
	if (i < 0 || (size_t) i >= p->n)
		REFUSE("json0 would change a path segment past the path's end");
	p->items[i] = num_plus(cx, p->items[i], d);
}

static void
seg_set(J0Ctx *cx, J0 *p, long i, J0 *v)
{
	if (i < 0 || (size_t) i >= p->n)
		REFUSE("json0 would change a path segment past the path's end");
	p->items[i] = v;
}

static void
lm_add(J0Ctx *cx, J0 *c, double d)
{
	j0_set(cx, c, "lm", num_plus(cx, G(c, "lm"), d));
}

/* String(v) for the values + concatenates */
static J0 *
to_js_string(J0Ctx *cx, const J0 *v)
{
	char		buf[40];

	switch (v->kind)
	{
		case J0_STRING: return (J0 *) v;
		case J0_NUMBER: js_number_format(v->num, buf); return j0_string_ascii(cx, buf);
		case J0_NULL: return j0_string_ascii(cx, "null");
		case J0_TRUE: return j0_string_ascii(cx, "true");
		case J0_FALSE: return j0_string_ascii(cx, "false");
		default:
			REFUSE("json0 na would add a list or an object");
	}
}

/* JavaScript's a + b for numbers and strings. */
static J0 *
js_add(J0Ctx *cx, const J0 *a, const J0 *b)
{
	if (a->kind == J0_STRING || b->kind == J0_STRING)
	{
		J0		   *x = to_js_string(cx, a),
				   *y = to_js_string(cx, b);
		J0		   *r = j0_string(cx, NULL, 0);

		r->n = r->cap = x->n + y->n;
		r->s = ot_alloc(cx->a, r->n ? r->n * 2 : 1);
		if (x->n)
			memcpy(r->s, x->s, x->n * 2);
		if (y->n)
			memcpy(r->s + x->n, y->s, y->n * 2);
		return r;
	}
	if (a->kind == J0_NUMBER && b->kind == J0_NUMBER)
	{
		double		d = a->num + b->num;

		if (isinf(d))
			REFUSE("json0 na overflows JavaScript's numbers");
		return j0_number(cx, d);
	}
	REFUSE("json0 na with a value that is neither a number nor a string");
}

static void
check_op(J0Ctx *cx, J0 *op)
{
	if (op == NULL || op->kind != J0_ARRAY)
		FAIL("json0 op is not an array");
	for (size_t i = 0; i < op->n; i++)
		(void) path(cx, op->items[i]);
}

static J0 *
pop_path(J0Ctx *cx, J0 *c)
{
	J0		   *p = path(cx, c);

	if (p->n == 0)
		return NULL;
	return p->items[--p->n];
}

static void
convert_from_text(J0Ctx *cx, J0 *c)
{
	J0		   *o = j0_new(cx, J0_OBJECT);
	J0		   *p;
	J0		   *arr = j0_new(cx, J0_ARRAY);

	j0_set(cx, c, "t", j0_string_ascii(cx, "text0"));
	p = pop_path(cx, c);
	if (p)
		j0_set(cx, o, "p", p);
	if (NN(c, "si"))
		j0_set(cx, o, "i", G(c, "si"));
	if (NN(c, "sd"))
		j0_set(cx, o, "d", G(c, "sd"));
	j0_push(cx, arr, o);
	j0_set(cx, c, "o", arr);
}

static void
convert_to_text(J0Ctx *cx, J0 *c)
{
	J0		   *o = G(c, "o");
	J0		   *o0;

	if (o == NULL || o->kind != J0_ARRAY || o->n == 0 || o->items[0]->kind != J0_OBJECT)
		FAIL("text0 op is empty");
	o0 = o->items[0];
	if (G(o0, "p") == NULL)
		REFUSE("json0 would push an undefined path segment");
	j0_push(cx, path(cx, c), G(o0, "p"));
	if (NN(o0, "i"))
		j0_set(cx, c, "si", G(o0, "i"));
	if (NN(o0, "d"))
		j0_set(cx, c, "sd", G(o0, "d"));
	j0_delete(c, "t");
	j0_delete(c, "o");
}

/* ---- apply ---- */

/* elem[key] while walking a path */
static J0 *
index_of(J0Ctx *cx, J0 *elem, J0 *key, bool walking)
{
	if (nullish(elem))
		FAIL("Path invalid");
	if (key == NULL)
		FAIL("Path invalid");
	if (elem->kind == J0_OBJECT)
	{
		if (key->kind == J0_STRING)
			return j0_get_key(elem, key);
		if (key->kind == J0_NUMBER)
		{
			char		buf[40];

			js_number_format(key->num, buf);
			return j0_get(elem, buf);
		}
		REFUSE("json0 path segment is neither a number nor a string");
	}
	if (elem->kind == J0_ARRAY)
	{
		if (key->kind != J0_NUMBER)
			REFUSE("json0 list index is not a number");
		if (key->num != floor(key->num) || key->num < 0)
			REFUSE("json0 list index is not a whole number");
		return key->num < elem->n ? elem->items[(size_t) key->num] : NULL;
	}
	if (walking)
		REFUSE("json0 path goes through a string, a number or a boolean");
	return NULL;
}

static J0 *
object_key(J0Ctx *cx, J0 *key)
{
	char		buf[40];

	if (key->kind == J0_STRING)
		return key;
	if (key->kind == J0_NUMBER)
	{
		js_number_format(key->num, buf);
		return j0_string_ascii(cx, buf);
	}
	REFUSE("json0 path segment is neither a number nor a string");
}

/* elem[key] = v */
static void
assign(J0Ctx *cx, J0 *elem, J0 *key, J0 *v)
{
	if (elem->kind == J0_OBJECT)
	{
		J0		   *k = object_key(cx, key);

		if (j0_str_is(k, "__proto__"))
			REFUSE("json0 path segment __proto__");
		j0_set_key(cx, elem, k, v);
		return;
	}
	if (elem->kind == J0_ARRAY)
	{
		size_t		i;

		if (key->kind != J0_NUMBER || key->num != floor(key->num) || key->num < 0)
			REFUSE("json0 list index is not a whole number");
		if (key->num > elem->n)
			REFUSE("json0 list index past the end of the list would leave a hole");
		i = (size_t) key->num;
		if (i == elem->n)
			j0_push(cx, elem, v);
		else
			elem->items[i] = v;
		return;
	}
	REFUSE("json0 would set a property of a string, a number or a boolean");
}

static size_t
list_index(J0Ctx *cx, const J0 *key)
{
	if (key == NULL || key->kind != J0_NUMBER || key->num != floor(key->num) || key->num < 0 ||
		key->num > 1e15)
		REFUSE("json0 list index is not a whole number");
	return (size_t) key->num;
}

static void
check_list(J0Ctx *cx, const J0 *elem)
{
	if (elem == NULL || elem->kind != J0_ARRAY)
		FAIL("Referenced element not a list");
}

/* isObject: a plain Object, not a Delta rich-text's apply made in this apply */
static void
check_obj(J0Ctx *cx, const J0 *elem)
{
	if (elem == NULL || elem->kind != J0_OBJECT || (elem->delta && elem->delta == cx->apply_id))
		FAIL("Referenced element not an object");
}

J0 *
json0_apply(J0Ctx *cx, J0 *snapshot, J0 *op)
{
	J0		   *container = j0_new(cx, J0_OBJECT);
	J0		   *data_key = j0_string_ascii(cx, "data");
	J0		   *result;

	check_op(cx, op);
	cx->apply_id++;
	op = j0_clone(cx, op);
	j0_set_key(cx, container, data_key, snapshot);
	for (size_t i = 0; i < op->n; i++)
	{
		J0		   *c = op->items[i];
		J0		   *elem = container;
		J0		   *key = data_key;
		J0		   *p;

		if (legacy(c))
			convert_from_text(cx, c);
		p = path(cx, c);
		for (size_t j = 0; j < p->n; j++)
		{
			J0		   *parent = elem;

			elem = index_of(cx, elem, key, true);
			key = p->items[j];
			if (nullish(parent))
				FAIL("Path invalid");
		}
		if (nullish(elem))
			FAIL("Cannot read properties of %s", elem ? "null" : "undefined");

		if (HAS(c, "o") && subtype_of(c))
		{
			if (elem->kind != J0_ARRAY && elem->kind != J0_OBJECT)
				REFUSE("json0 would set a property of a string, a number or a boolean");
			assign(cx, elem, key, subtype_of(c)->apply(cx, index_of(cx, elem, key, false), G(c, "o")));
		}
		else if (HAS(c, "na"))
		{
			J0		   *v = index_of(cx, elem, key, false);

			if (v == NULL || v->kind != J0_NUMBER)
				FAIL("Referenced element not a number");
			assign(cx, elem, key, js_add(cx, v, G(c, "na")));
		}
		else if (HAS(c, "li") && HAS(c, "ld"))
		{
			check_list(cx, elem);
			if (list_index(cx, key) >= elem->n)
				REFUSE("json0 list replace past the end of the list");
			assign(cx, elem, key, G(c, "li"));
		}
		else if (HAS(c, "li"))
		{
			size_t		k;

			check_list(cx, elem);
			k = list_index(cx, key);
			j0_insert_at(cx, elem, k > elem->n ? elem->n : k, G(c, "li"));
		}
		else if (HAS(c, "ld"))
		{
			size_t		k;

			check_list(cx, elem);
			k = list_index(cx, key);
			if (k < elem->n)
				j0_remove_at(elem, k);
		}
		else if (HAS(c, "lm"))
		{
			check_list(cx, elem);
			if (!leq_loose(G(c, "lm"), key))
			{
				size_t		from = list_index(cx, key),
							to = list_index(cx, G(c, "lm"));
				J0		   *e;

				if (from >= elem->n)
					REFUSE("json0 list move from past the end of the list");
				e = elem->items[from];
				j0_remove_at(elem, from);
				j0_insert_at(cx, elem, to > elem->n ? elem->n : to, e);
			}
		}
		else if (HAS(c, "oi"))
		{
			check_obj(cx, elem);
			assign(cx, elem, key, G(c, "oi"));
		}
		else if (HAS(c, "od"))
		{
			J0		   *k;

			check_obj(cx, elem);
			k = object_key(cx, key);
			if (elem == container)
				REFUSE("json0 od at the root would delete the whole document");
			j0_delete_key(elem, k);
		}
		else
			FAIL("invalid / missing instruction in op");
	}
	result = j0_get_key(container, data_key);
	if (result == NULL)
		REFUSE("json0 op leaves no document");
	return result;
}

/* ---- append, compose, normalize ---- */

static bool
path_matches(const J0 *p1, const J0 *p2)
{
	if (p1->n != p2->n)
		return false;
	for (size_t i = 0; i < p1->n; i++)
		if (!seq(p1->items[i], p2->items[i]))
			return false;
	return true;
}

static void
append(J0Ctx *cx, J0 *dest, J0 *c)
{
	J0		   *last;

	c = j0_clone(cx, c);
	(void) path(cx, c);
	if (dest->n == 0)
	{
		j0_push(cx, dest, c);
		return;
	}
	last = dest->items[dest->n - 1];
	(void) path(cx, last);
	if (legacy(c) && legacy(last))
	{
		convert_from_text(cx, c);
		convert_from_text(cx, last);
	}
	if (path_matches(path(cx, c), path(cx, last)))
	{
		if (truthy(G(c, "t")) && truthy(G(last, "t")) && seq(G(c, "t"), G(last, "t")) &&
			subtype_of(c))
		{
			j0_set(cx, last, "o", subtype_of(c)->compose(cx, G(last, "o"), G(c, "o")));
			if (legacy(c))
			{
				J0		   *p = path(cx, c);
				J0		   *lo = G(last, "o");

				for (size_t i = 0; lo->n > 0 && i + 1 < lo->n; i++)
				{
					J0		   *one = j0_new(cx, J0_ARRAY);

					j0_push(cx, one, lo->items[--lo->n]);
					j0_set(cx, c, "o", one);
					j0_set(cx, c, "p", j0_clone(cx, p));
					convert_to_text(cx, c);
					j0_push(cx, dest, c);
				}
				convert_to_text(cx, last);
			}
		}
		else if (NN(last, "na") && NN(c, "na"))
		{
			J0		   *r = j0_new(cx, J0_OBJECT);

			j0_set(cx, r, "p", G(last, "p"));
			j0_set(cx, r, "na", js_add(cx, G(last, "na"), G(c, "na")));
			dest->items[dest->n - 1] = r;
		}
		else if (HAS(last, "li") && !HAS(c, "li") && seq(G(c, "ld"), G(last, "li")))
		{
			if (HAS(last, "ld"))
				j0_delete(last, "li");
			else
				dest->n--;
		}
		else if (HAS(last, "od") && !HAS(last, "oi") && HAS(c, "oi") && !HAS(c, "od"))
			j0_set(cx, last, "oi", G(c, "oi"));
		else if (HAS(last, "oi") && HAS(c, "od"))
		{
			if (HAS(c, "oi"))
				j0_set(cx, last, "oi", G(c, "oi"));
			else if (HAS(last, "od"))
				j0_delete(last, "oi");
			else
				dest->n--;
		}
		else if (HAS(c, "lm") && seq(seg(path(cx, c), (long) path(cx, c)->n - 1), G(c, "lm")))
			 /* don't do anything */ ;
		else
			j0_push(cx, dest, c);
	}
	else
	{
		if (legacy(c) && legacy(last))
		{
			convert_to_text(cx, c);
			convert_to_text(cx, last);
		}
		j0_push(cx, dest, c);
	}
}

static void
append_cb(J0Ctx *cx, J0 *dest, J0 *c)
{
	append(cx, dest, c);
}

J0 *
json0_compose(J0Ctx *cx, J0 *op1, J0 *op2)
{
	J0		   *r;

	check_op(cx, op1);
	check_op(cx, op2);
	r = j0_clone(cx, op1);
	for (size_t i = 0; i < op2->n; i++)
		append(cx, r, op2->items[i]);
	return r;
}

J0 *
json0_normalize(J0Ctx *cx, J0 *op)
{
	J0		   *r = j0_new(cx, J0_ARRAY);
	J0		   *one;

	if (op == NULL)
		FAIL("json0 op is missing");
	if (op->kind != J0_ARRAY)
	{
		one = j0_new(cx, J0_ARRAY);
		j0_push(cx, one, op);
		op = one;
	}
	for (size_t i = 0; i < op->n; i++)
	{
		J0		   *c = op->items[i];

		if (c->kind != J0_OBJECT)
			REFUSE("json0 component is not an object");
		if (nullish(G(c, "p")))
			j0_set(cx, c, "p", j0_new(cx, J0_ARRAY));
		append(cx, r, c);
	}
	return r;
}

/* ---- invert ---- */

J0 *
json0_invert(J0Ctx *cx, J0 *op)
{
	static const char *const swapped[][2] = {
		{"si", "sd"}, {"sd", "si"}, {"oi", "od"}, {"od", "oi"}, {"li", "ld"}, {"ld", "li"},
	};
	J0		   *r = j0_new(cx, J0_ARRAY);

	if (op == NULL || op->kind != J0_ARRAY)
		FAIL("json0 op is not an array");
	for (size_t k = op->n; k-- > 0;)
	{
		J0		   *c = op->items[k];
		J0		   *i = j0_new(cx, J0_OBJECT);
		J0		   *p = path(cx, c);

		j0_set(cx, i, "p", p);
		if (subtype_of(c))
		{
			if (subtype_of(c)->invert == NULL)
				FAIL("subtypes[c.t].invert is not a function (%s has no invert)", subtype_of(c)->name);
			j0_set(cx, i, "t", G(c, "t"));
			j0_set(cx, i, "o", subtype_of(c)->invert(cx, G(c, "o")));
		}
		/* each insert becomes its delete and back, in the reference's order */
		for (size_t s = 0; s < sizeof(swapped) / sizeof(swapped[0]); s++)
			if (HAS(c, swapped[s][0]))
				j0_set(cx, i, swapped[s][1], G(c, swapped[s][0]));
		if (HAS(c, "na"))
		{
			J0		   *na = G(c, "na");

			if (na->kind != J0_NUMBER)
				REFUSE("json0 na that is not a number cannot be inverted");
			j0_set(cx, i, "na", j0_number(cx, -na->num));
		}
		if (HAS(c, "lm"))
		{
			J0		   *np = j0_new(cx, J0_ARRAY);

			if (p->n == 0)
				REFUSE("json0 lm with an empty path");
			j0_set(cx, i, "lm", p->items[p->n - 1]);
			for (size_t j = 0; j + 1 < p->n; j++)
				j0_push(cx, np, p->items[j]);
			j0_push(cx, np, G(c, "lm"));
			j0_set(cx, i, "p", np);
		}
		j0_push(cx, r, i);
	}
	return r;
}

/* ---- transform ---- */

#define NONE (-2)				/* commonLengthForOps's null */

static long
common_length(J0Ctx *cx, const J0 *a, const J0 *b)
{
	J0		   *ap = path(cx, a),
			   *bp = path(cx, b);
	long		alen = (long) ap->n,
				blen = (long) bp->n;

	if (NN(a, "na") || truthy(G(a, "t")))
		alen++;
	if (NN(b, "na") || truthy(G(b, "t")))
		blen++;
	if (alen == 0)
		return -1;
	if (blen == 0)
		return NONE;
	alen--;
	blen--;
	for (long i = 0; i < alen; i++)
		if (i >= blen || !seq(seg(ap, i), seg(bp, i)))
			return NONE;
	return alen;
}

static J0 *
path_slice(J0Ctx *cx, const J0 *p, size_t from)
{
	J0		   *r = j0_new(cx, J0_ARRAY);

	for (size_t i = from; i < p->n; i++)
		j0_push(cx, r, p->items[i]);
	return r;
}

static void
json0_tc(J0Ctx *cx, J0 *dest, J0 *c, J0 *other, bool left)
{
	long		common,
				common2,
				cplength,
				ocplength;
	J0		   *cp,
			   *op,
			   *oc;

	c = j0_clone(cx, c);
	common = common_length(cx, other, c);
	common2 = common_length(cx, c, other);
	cp = path(cx, c);
	op = path(cx, other);
	cplength = (long) cp->n;
	ocplength = (long) op->n;
	if (NN(c, "na") || truthy(G(c, "t")))
		cplength++;
	if (NN(other, "na") || truthy(G(other, "t")))
		ocplength++;

	if (common2 != NONE && ocplength > cplength && leq_loose(seg(cp, common2), seg(op, common2)))
	{
		const char *k = HAS(c, "ld") ? "ld" : HAS(c, "od") ? "od" : NULL;

		if (k)
		{
			J0		   *o1 = j0_clone(cx, other);
			J0		   *one = j0_new(cx, J0_ARRAY);

			j0_set(cx, o1, "p", path_slice(cx, path(cx, o1), (size_t) cplength));
			j0_push(cx, one, o1);
			j0_set(cx, c, k, json0_apply(cx, j0_clone(cx, G(c, k)), one));
		}
	}

	if (common != NONE)
	{
		bool		common_operand = cplength == ocplength;

		oc = other;
		if (legacy(c) && legacy(other))
		{
			convert_from_text(cx, c);
			oc = j0_clone(cx, other);
			convert_from_text(cx, oc);
		}
		cp = path(cx, c);

		if (subtype_of(oc))
		{
			if (truthy(G(c, "t")) && seq(G(c, "t"), G(oc, "t")))
			{
				J0		   *res = subtype_of(c)->transform(cx, G(c, "o"), G(oc, "o"), left);

				if (legacy(c) && res->kind == J0_ARRAY)
				{
					J0		   *p = cp;

					for (size_t i = 0; i < res->n; i++)
					{
						J0		   *one = j0_new(cx, J0_ARRAY);

						j0_push(cx, one, res->items[i]);
						j0_set(cx, c, "o", one);
						j0_set(cx, c, "p", j0_clone(cx, p));
						convert_to_text(cx, c);
						append(cx, dest, c);
					}
				}
				else if (legacy(c))
					 /* res.length is undefined: nothing */ ;
				else if (res->kind != J0_ARRAY || res->n > 0)
				{
					j0_set(cx, c, "o", res);
					append(cx, dest, c);
				}
				return;
			}
		}
		else if (HAS(other, "na"))
		{
			/* handled below */
		}
		else if (HAS(other, "li") && HAS(other, "ld"))
		{
			if (seq(seg(op, common), seg(cp, common)))
			{
				if (!common_operand)
					return;
				else if (HAS(c, "ld"))
				{
					if (HAS(c, "li") && left)
						j0_set(cx, c, "ld", j0_clone(cx, G(other, "li")));
					else
						return;
				}
			}
		}
		else if (HAS(other, "li"))
		{
			if (HAS(c, "li") && !HAS(c, "ld") && common_operand &&
				seq(seg(cp, common), seg(op, common)))
			{
				if (!left)
					seg_add(cx, cp, common, 1);
			}
			else if (le(seg(op, common), seg(cp, common)))
				seg_add(cx, cp, common, 1);

			if (HAS(c, "lm"))
			{
				if (common_operand)
				{
					if (le(seg(op, common), G(c, "lm")))
						lm_add(cx, c, 1);
				}
			}
		}
		else if (HAS(other, "ld"))
		{
			if (HAS(c, "lm"))
			{
				if (common_operand)
				{
					J0		   *p,
							   *from,
							   *to;

					if (seq(seg(op, common), seg(cp, common)))
						return;
					p = seg(op, common);
					from = seg(cp, common);
					to = G(c, "lm");
					if (lt(p, to) || (seq(p, to) && lt(from, to)))
						lm_add(cx, c, -1);
				}
			}
			if (lt(seg(op, common), seg(cp, common)))
				seg_add(cx, cp, common, -1);
			else if (seq(seg(op, common), seg(cp, common)))
			{
				if (ocplength < cplength)
					return;
				else if (HAS(c, "ld"))
				{
					if (HAS(c, "li"))
						j0_delete(c, "ld");
					else
						return;
				}
			}
		}
		else if (HAS(other, "lm"))
		{
			if (HAS(c, "lm") && cplength == ocplength)
			{
				J0		   *from = seg(cp, common),
						   *to = G(c, "lm"),
						   *other_from = seg(op, common),
						   *other_to = G(other, "lm");

				if (!seq(other_from, other_to))
				{
					if (seq(from, other_from))
					{
						if (left)
						{
							seg_set(cx, cp, common, other_to);
							if (seq(from, to))
								j0_set(cx, c, "lm", other_to);
						}
						else
							return;
					}
					else
					{
						if (lt(other_from, from))
							seg_add(cx, cp, common, -1);
						if (lt(other_to, from))
							seg_add(cx, cp, common, 1);
						else if (seq(from, other_to))
						{
							if (lt(other_to, other_from))
							{
								seg_add(cx, cp, common, 1);
								if (seq(from, to))
									lm_add(cx, c, 1);
							}
						}

						if (lt(other_from, to))
							lm_add(cx, c, -1);
						else if (seq(to, other_from))
						{
							if (lt(from, to))
								lm_add(cx, c, -1);
						}
						if (lt(other_to, to))
							lm_add(cx, c, 1);
						else if (seq(to, other_to))
						{
							if ((lt(other_from, other_to) && lt(from, to)) ||
								(lt(other_to, other_from) && lt(to, from)))
							{
								if (!left)
									lm_add(cx, c, 1);
							}
							else
							{
								if (lt(from, to))
									lm_add(cx, c, 1);
								else if (seq(to, other_from))
									lm_add(cx, c, -1);
							}
						}
					}
				}
			}
			else if (HAS(c, "li") && !HAS(c, "ld") && common_operand)
			{
				J0		   *from = seg(op, common),
						   *to = G(other, "lm"),
						   *p = seg(cp, common);

				if (lt(from, p))
					seg_add(cx, cp, common, -1);
				if (lt(to, p))
					seg_add(cx, cp, common, 1);
			}
			else
			{
				J0		   *from = seg(op, common),
						   *to = G(other, "lm"),
						   *p = seg(cp, common);

				if (seq(p, from))
					seg_set(cx, cp, common, to);
				else
				{
					if (lt(from, p))
						seg_add(cx, cp, common, -1);
					if (lt(to, p))
						seg_add(cx, cp, common, 1);
					else if (seq(p, to) && lt(to, from))
						seg_add(cx, cp, common, 1);
				}
			}
		}
		else if (HAS(other, "oi") && HAS(other, "od"))
		{
			if (seq(seg(cp, common), seg(op, common)))
			{
				if (HAS(c, "oi") && common_operand)
				{
					if (!left)
						return;
					else
						j0_set(cx, c, "od", G(other, "oi"));
				}
				else
					return;
			}
		}
		else if (HAS(other, "oi"))
		{
			if (HAS(c, "oi") && seq(seg(cp, common), seg(op, common)))
			{
				if (left)
				{
					J0		   *d = j0_new(cx, J0_OBJECT);

					j0_set(cx, d, "p", cp);
					j0_set(cx, d, "od", G(other, "oi"));
					append(cx, dest, d);
				}
				else
					return;
			}
		}
		else if (HAS(other, "od"))
		{
			if (leq_loose(seg(cp, common), seg(op, common)))
			{
				if (!common_operand)
					return;
				if (HAS(c, "oi"))
					j0_delete(c, "od");
				else
					return;
			}
		}
	}
	append(cx, dest, c);
}

static void
check_cb(J0Ctx *cx, J0 *op)
{
	check_op(cx, op);
}

J0 *
json0_transform(J0Ctx *cx, J0 *op, J0 *other, bool left)
{
	if (op == NULL || op->kind != J0_ARRAY || other == NULL || other->kind != J0_ARRAY)
		FAIL("json0 op is not an array");
	return j0_bootstrap_transform(cx, op, other, left, json0_tc, append_cb, check_cb);
}

/* ---- ShareDB's rule ---- */

static const char *const proto_names[] = {
	"__proto__", "constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable",
	"toLocaleString", "toString", "valueOf", "__defineGetter__", "__defineSetter__",
	"__lookupGetter__", "__lookupSetter__",
};

const J0 *
json0_forbidden_segment(const J0 *op)
{
	if (op == NULL || op->kind != J0_ARRAY)
		return NULL;
	for (size_t i = 0; i < op->n; i++)
	{
		J0		   *p = j0_get(op->items[i], "p");

		if (p == NULL || p->kind != J0_ARRAY)
			continue;
		for (size_t j = 0; j < p->n; j++)
			for (size_t k = 0; k < sizeof proto_names / sizeof proto_names[0]; k++)
				if (j0_str_is(p->items[j], proto_names[k]))
					return p->items[j];
	}
	return NULL;
}
