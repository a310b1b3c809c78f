/*
 * query_match.c
 *	  Evaluates a query's filter on one document as MongoDB (and mingo, the
 *	  differential's reference, where the two differ) evaluates it: paths
 *	  through objects and arrays, comparisons within a type bracket, and
 *	  MongoDB's order of values for $sort.
 *
 * Owns: the query language's semantics.  May call: the OT core's json_value.
 */
#include "postgres.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"

#include "query.h"

static void
leaf_push(Leaves *l, const OtJson *v)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = l->v ? repalloc(l->v, l->cap * sizeof(OtJson *)) : palloc(l->cap * sizeof(OtJson *));
	}
	l->v[l->n++] = v;
}

static bool
seg_index(const char *s, size_t len, size_t *out)
{
	size_t		i,
				n = 0;

	if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (s[i] - '0');
	}
	*out = n;
	return true;
}

/*
 * The values a path reaches from v: through objects by key, through arrays
 * by a numeric part and by each element that is an object (MongoDB's
 * implicit traversal).  A path that reaches nothing is one missing leaf.
 */
static const OtJson empty_array = {.kind = OJ_ARRAY};

static void
collect(const OtJson *v, const QPath *p, int i, Leaves *out)
{
	check_stack_depth();
	if (i == p->depth)
	{
		leaf_push(out, v);
		return;
	}
	if (v->kind == OJ_OBJECT)
	{
		const OtJson *c = ot_json_get(v, p->seg[i], p->len[i]);

		if (c)
			collect(c, p, i + 1, out);
		else
			leaf_push(out, NULL);
	}
	else if (v->kind == OJ_ARRAY)
	{
		int			before = out->n;
		size_t		idx,
					k;

		if (seg_index(p->seg[i], p->len[i], &idx) && idx < v->len)
			collect(&v->items[idx], p, i + 1, out);
		for (k = 0; k < v->len; k++)
			if (v->items[k].kind == OJ_OBJECT)
				collect(&v->items[k], p, i, out);
		/*
		 * Nothing reached: a numeric part past the end is missing; a key no
		 * element has is, as mingo resolves it, an empty array (it exists,
		 * and is not null).
		 */
		{
			int			kept = before,
						j;

			/* (What an element lacks is dropped, as mingo drops it.) */
			for (j = before; j < out->n; j++)
				if (out->v[j] != NULL)
					out->v[kept++] = out->v[j];
			out->n = kept;
		}
		if (out->n == before)
			leaf_push(out, seg_index(p->seg[i], p->len[i], &idx) ? NULL : &empty_array);
	}
	else
		leaf_push(out, NULL);
}

/* JavaScript's string order: by UTF-16 code units. */
int
query_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		i = 0,
				j = 0;

	while (i < alen && j < blen)
	{
		pg_wchar	ca,
					cb;
		int			la = pg_utf_mblen((const unsigned char *) a + i),
					lb = pg_utf_mblen((const unsigned char *) b + j);
		uint32		ua,
					ub;

		ca = utf8_to_unicode((const unsigned char *) a + i);
		cb = utf8_to_unicode((const unsigned char *) b + j);
		if (ca != cb)
		{
			/* The first UTF-16 units differ where the code points do. */
			ua = ca >= 0x10000 ? 0xD800 + ((ca - 0x10000) >> 10) : ca;
			ub = cb >= 0x10000 ? 0xD800 + ((cb - 0x10000) >> 10) : cb;
			if (ua != ub)
				return ua < ub ? -1 : 1;
			ua = 0xDC00 + ((ca - 0x10000) & 0x3FF);
			ub = 0xDC00 + ((cb - 0x10000) & 0x3FF);
			return ua < ub ? -1 : 1;
		}
		i += la;
		j += lb;
	}
	return (i < alen) - (j < blen);
}

/* MongoDB's sort order of types: null < numbers < strings < objects < arrays < booleans. */
static int
type_rank(const OtJson *v)
{
	if (v == NULL || v->kind == OJ_NULL)
		return 1;
	switch (v->kind)
	{
		case OJ_NUMBER:
			return 2;
		case OJ_STRING:
			return 3;
		case OJ_OBJECT:
			return 4;
		case OJ_ARRAY:
			return 5;
		default:
			return 8;
	}
}

/* A total order of values, as MongoDB compares them across types. */
int
query_value_cmp(const OtJson *a, const OtJson *b)
{
	int			ra = type_rank(a),
				rb = type_rank(b);
	size_t		i;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (ra)
	{
		case 1:
			return 0;
		case 2:
			return a->number < b->number ? -1 : a->number > b->number ? 1 : 0;
		case 3:
			return query_utf16_cmp(a->str, a->len, b->str, b->len);
		case 4:
			for (i = 0; i < a->len && i < b->len; i++)
			{
				int			c = query_utf16_cmp(a->members[i].key, a->members[i].key_len,
										  b->members[i].key, b->members[i].key_len);

				if (c == 0)
					c = query_value_cmp(a->members[i].value, b->members[i].value);
				if (c)
					return c;
			}
			return (a->len > b->len) - (a->len < b->len);
		case 5:
			for (i = 0; i < a->len && i < b->len; i++)
			{
				int			c = query_value_cmp(&a->items[i], &b->items[i]);

				if (c)
					return c;
			}
			return (a->len > b->len) - (a->len < b->len);
		default:
			return (a->kind == OJ_TRUE) - (b->kind == OJ_TRUE);
	}
}

static bool
value_eq(const OtJson *v, const OtJson *arg)
{
	if (arg->kind == OJ_NULL)
		return v == NULL || v->kind == OJ_NULL;
	return v != NULL && ot_json_equal(v, arg);
}

/* One value (not its elements) against a condition other than $ne, $nin, $exists. */
static bool
value_matches(const QCond *c, const OtJson *v)
{
	size_t		i;
	int			cmp;

	switch (c->op)
	{
		case QO_EQ:
			return value_eq(v, c->arg);
		case QO_IN:
			for (i = 0; i < c->arg->len; i++)
				if (value_eq(v, &c->arg->items[i]))
					return true;
			return false;
		default:
			break;
	}
	/*
	 * Comparisons: only within a type bracket; a missing field compares with
	 * nothing, not even null (as mingo).
	 */
	if (v == NULL || type_rank(v) != type_rank(c->arg))
		return false;
	cmp = query_value_cmp(v, c->arg);
	switch (c->op)
	{
		case QO_GT:
			return cmp > 0;
		case QO_GTE:
			return cmp >= 0;
		case QO_LT:
			return cmp < 0;
		default:
			return cmp <= 0;
	}
}

static bool
leaves_match(const QCond *c, const Leaves *l)
{
	int			i;
	size_t		k;

	if (c->op == QO_EXISTS)
	{
		bool		exists = false;

		for (i = 0; i < l->n; i++)
			if (l->v[i] != NULL)
				exists = true;
		return exists == (c->arg->kind == OJ_TRUE);
	}
	if (c->op == QO_NE || c->op == QO_NIN)
	{
		QCond		pos = {c->op == QO_NE ? QO_EQ : QO_IN, c->arg};

		return !leaves_match(&pos, l);
	}
	for (i = 0; i < l->n; i++)
	{
		const OtJson *v = l->v[i];

		if (value_matches(c, v))
			return true;
		if (v && v->kind == OJ_ARRAY)
			for (k = 0; k < v->len; k++)
				if (value_matches(c, &v->items[k]))
					return true;
	}
	return false;
}

static bool
is_meta(const QPath *p)
{
	static const char *const names[] = {"_id", "_type", "_v", "_m"};
	int			i;

	for (i = 0; i < 4; i++)
		if (p->len[0] == strlen(names[i]) && memcmp(p->seg[0], names[i], p->len[0]) == 0)
			return true;
	return false;
}

void
query_resolve(const QPath *p, const OtJson *meta, const OtJson *root, Leaves *l)
{
	l->n = 0;
	if (is_meta(p))
		collect(meta, p, 0, l);
	else if (root->kind == OJ_OBJECT)
		collect(root, p, 0, l);
	else
		leaf_push(l, NULL);
}

bool
query_matches(const QNode *n, const OtJson *meta, const OtJson *root)
{
	int			i;

	check_stack_depth();
	switch (n->kind)
	{
		case QN_AND:
			for (i = 0; i < n->n; i++)
				if (!query_matches(n->kids[i], meta, root))
					return false;
			return true;
		case QN_OR:
			for (i = 0; i < n->n; i++)
				if (query_matches(n->kids[i], meta, root))
					return true;
			return false;
		default:
			{
				Leaves		l = {0};

				query_resolve(&n->path, meta, root, &l);
				for (i = 0; i < n->n; i++)
					if (!leaves_match(&n->conds[i], &l))
						return false;
				return true;
			}
	}
}

