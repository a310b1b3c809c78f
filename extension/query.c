/*
 * query.c
 *	  ot.query and ot.query_extra: the documents of a collection that match a
 *	  ShareDB query in a subset of sharedb-mongo's language, for SQL callers
 *	  and the gateway.
 *
 * Owns: parsing a query (a filter of equality, $eq, $ne, $in, $nin, $gt,
 * $gte, $lt, $lte and $exists on dotted paths, combined with $and and $or;
 * $sort, $skip, $limit, $count), evaluating it with MongoDB's semantics over
 * each readable document's latest data, and the bounds
 * pg_ot.query_max_documents and pg_ot.query_max_results.  The metadata of
 * every type is queried under sharedb-mongo's names: _id, _type, _v,
 * _m.ctime and _m.mtime (milliseconds since 1970, as Date.now()).
 *
 * The candidates are read with one SPI cursor over ot.documents (its
 * (collection, name) index, in name order), joined with each document's
 * latest snapshot and the ops after it (replayed by ot.apply_ops, in C), and
 * filtered by the per-document grants in the same statement (ot._may on the
 * collection, read once before, covers admins and collection-wide grants);
 * a top-level _id equality or $in becomes "name = ANY", an index condition.
 * Everything else is evaluated here, one document at a time in a memory
 * context reset per document.  Where mingo (sharedb-mingo-memory, the
 * reference of test/differential/query.js) departs from MongoDB, this
 * follows mingo: a missing field compares with nothing, and a key no element
 * of an array has resolves to an empty array.
 *
 * May call: principal.c (who acts), json_jsonb.c (jsonb to OtJson), the OT
 * core's json_value, SPI.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "json_jsonb.h"
#include "pg_alloc.h"
#include "pg_ot.h"
#include "principal.h"

typedef enum QOp
{
	QO_EQ, QO_NE, QO_IN, QO_NIN, QO_GT, QO_GTE, QO_LT, QO_LTE, QO_EXISTS
} QOp;

typedef struct QCond
{
	QOp			op;
	const OtJson *arg;			/* $exists: OJ_TRUE or OJ_FALSE */
} QCond;

typedef enum QKind
{
	QN_AND, QN_OR, QN_FIELD
} QKind;

typedef struct QPath
{
	int			depth;
	char	  **seg;
	size_t	   *len;
} QPath;

typedef struct QNode
{
	QKind		kind;
	int			n;				/* QN_AND, QN_OR: kids; QN_FIELD: conds */
	struct QNode **kids;
	QPath		path;
	QCond	   *conds;
} QNode;

typedef struct QSortKey
{
	QPath		path;
	int			dir;			/* 1 or -1 */
} QSortKey;

typedef struct OtQuery
{
	QNode	   *filter;			/* an implicit $and of the top level */
	int			nsort;
	QSortKey   *sort;
	int64		skip;
	int64		limit;			/* 0: none, as MongoDB */
	bool		count;
	/* _id pushed into SQL: NULL, or the names it may be */
	int			nids;
	const OtJson **ids;
} OtQuery;

/* One matching document, kept in the caller's context. */
typedef struct QDoc
{
	text	   *name;
	text	   *type;
	int64		version;
	TimestampTz ctime;
	TimestampTz mtime;
	Jsonb	   *data;
	const OtJson *meta;			/* parsed in the caller's context, for $sort */
	const OtJson *root;
} QDoc;

/* ---------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------- */

static void
malformed(const char *msg, const char *detail)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("malformed query: %s", msg),
			detail ? errdetail("%s", detail) : 0);
}

static void
unsupported(const char *key, size_t len, const char *where)
{
	ereport(ERROR,
			errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			errmsg("query operator %.*s is not supported by pg_ot", (int) Min(len, 200), key),
			errdetail("%s", where),
			errhint("pg_ot supports $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, $exists, $and, $or, "
					"$sort, $skip, $limit and $count."));
}

static bool
key_is(const OtJsonMember *m, const char *s)
{
	return m->key_len == strlen(s) && memcmp(m->key, s, m->key_len) == 0;
}

static QPath
parse_path(const char *key, size_t len)
{
	QPath		p;
	size_t		i,
				start = 0;
	int			k = 0;

	if (len == 0)
		malformed("a field name must not be empty", NULL);
	p.depth = 1;
	for (i = 0; i < len; i++)
		if (key[i] == '.')
			p.depth++;
	if (p.depth > 100)
		malformed("a field path has more than 100 parts", NULL);
	p.seg = palloc(p.depth * sizeof(char *));
	p.len = palloc(p.depth * sizeof(size_t));
	for (i = 0; i <= len; i++)
		if (i == len || key[i] == '.')
		{
			if (i == start)
				malformed("a field path has an empty part",
						  psprintf("Field \"%.*s\".", (int) Min(len, 200), key));
			p.seg[k] = (char *) key + start;
			p.len[k++] = i - start;
			start = i + 1;
		}
	return p;
}

static QNode *parse_filter(const OtJson *q, bool top, OtQuery *query);

static void
check_comparable(const OtJson *arg, const char *op)
{
	if (arg->kind == OJ_ARRAY || arg->kind == OJ_OBJECT)
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("query operator %s with an %s is not supported by pg_ot", op,
					   arg->kind == OJ_ARRAY ? "array" : "object"),
				errhint("Compare with a number, a string, a boolean or null."));
}

static QNode *
parse_field(const OtJsonMember *m)
{
	QNode	   *n = palloc0(sizeof(QNode));
	const OtJson *v = m->value;
	bool		ops = false;
	size_t		i;

	n->kind = QN_FIELD;
	n->path = parse_path(m->key, m->key_len);
	if (v->kind == OJ_OBJECT)
		for (i = 0; i < v->len; i++)
			if (v->members[i].key_len > 0 && v->members[i].key[0] == '$')
				ops = true;
	if (!ops)
	{
		n->n = 1;
		n->conds = palloc(sizeof(QCond));
		n->conds[0].op = QO_EQ;
		n->conds[0].arg = v;
		return n;
	}
	n->n = v->len;
	n->conds = palloc(v->len * sizeof(QCond));
	for (i = 0; i < v->len; i++)
	{
		const OtJsonMember *o = &v->members[i];
		QCond	   *c = &n->conds[i];

		c->arg = o->value;
		if (o->key_len == 0 || o->key[0] != '$')
			malformed("an operator object mixes operators and fields",
					  psprintf("Field \"%.*s\".", (int) Min(m->key_len, 200), m->key));
		if (key_is(o, "$eq"))
			c->op = QO_EQ;
		else if (key_is(o, "$ne"))
			c->op = QO_NE;
		else if (key_is(o, "$in") || key_is(o, "$nin"))
		{
			c->op = key_is(o, "$in") ? QO_IN : QO_NIN;
			if (o->value->kind != OJ_ARRAY)
				malformed(psprintf("%.*s needs an array", (int) o->key_len, o->key), NULL);
		}
		else if (key_is(o, "$gt") || key_is(o, "$gte") || key_is(o, "$lt") || key_is(o, "$lte"))
		{
			c->op = key_is(o, "$gt") ? QO_GT : key_is(o, "$gte") ? QO_GTE :
				key_is(o, "$lt") ? QO_LT : QO_LTE;
			check_comparable(o->value, pnstrdup(o->key, o->key_len));
		}
		else if (key_is(o, "$exists"))
		{
			c->op = QO_EXISTS;
			if (o->value->kind != OJ_TRUE && o->value->kind != OJ_FALSE)
				malformed("$exists needs true or false", NULL);
		}
		else
			unsupported(o->key, o->key_len,
						psprintf("In the condition on field \"%.*s\".", (int) Min(m->key_len, 200), m->key));
	}
	return n;
}

static QNode *
parse_list(const OtJsonMember *m, OtQuery *query)
{
	QNode	   *n = palloc0(sizeof(QNode));
	size_t		i;

	n->kind = key_is(m, "$and") ? QN_AND : QN_OR;
	if (m->value->kind != OJ_ARRAY || m->value->len == 0)
		malformed(psprintf("%.*s needs a non-empty array of queries", (int) m->key_len, m->key), NULL);
	n->n = m->value->len;
	n->kids = palloc(n->n * sizeof(QNode *));
	for (i = 0; i < m->value->len; i++)
	{
		if (m->value->items[i].kind != OJ_OBJECT)
			malformed(psprintf("each query in %.*s must be an object", (int) m->key_len, m->key), NULL);
		n->kids[i] = parse_filter(&m->value->items[i], false, query);
	}
	return n;
}

static int64
parse_count_arg(const OtJson *v, const char *what)
{
	if (v->kind != OJ_NUMBER || v->number < 0 || v->number != floor(v->number) || v->number > 1e15)
		malformed(psprintf("%s needs a whole number, 0 or more", what), NULL);
	return (int64) v->number;
}

/* The string _id may be, when the top level says it plainly. */
static void
push_ids(const QNode *f, OtQuery *query)
{
	const QCond *c;
	size_t		i;

	if (f->path.depth != 1 || f->path.len[0] != 3 || memcmp(f->path.seg[0], "_id", 3) != 0 ||
		f->n != 1 || query->ids)
		return;
	c = &f->conds[0];
	if (c->op == QO_EQ && c->arg->kind == OJ_STRING)
	{
		query->nids = 1;
		query->ids = palloc(sizeof(OtJson *));
		query->ids[0] = c->arg;
	}
	else if (c->op == QO_IN)
	{
		for (i = 0; i < c->arg->len; i++)
			if (c->arg->items[i].kind != OJ_STRING)
				return;
		query->nids = c->arg->len;
		query->ids = palloc((c->arg->len + 1) * sizeof(OtJson *));
		for (i = 0; i < c->arg->len; i++)
			query->ids[i] = &c->arg->items[i];
	}
}

/*
 * $sort: {field: 1 or -1}, or, for several fields, [[field, 1 or -1], ...]:
 * jsonb does not keep the order of an object's keys, which would be the
 * order of the sort keys.
 */
static void
parse_sort(const OtJson *v, OtQuery *query)
{
	size_t		k;

	if (v->kind == OJ_OBJECT && v->len > 1)
		malformed("a $sort on several fields must be an array of [field, 1 or -1] pairs",
				  "A jsonb object does not keep the order of its keys.");
	if (v->kind != OJ_OBJECT && v->kind != OJ_ARRAY)
		malformed("$sort needs an object {field: 1 or -1} or an array of [field, 1 or -1] pairs", NULL);
	query->nsort = v->len;
	query->sort = palloc((v->len + 1) * sizeof(QSortKey));
	for (k = 0; k < v->len; k++)
	{
		const char *key;
		size_t		key_len;
		const OtJson *dir;

		if (v->kind == OJ_OBJECT)
		{
			key = v->members[k].key;
			key_len = v->members[k].key_len;
			dir = v->members[k].value;
		}
		else
		{
			const OtJson *pair = &v->items[k];

			if (pair->kind != OJ_ARRAY || pair->len != 2 || pair->items[0].kind != OJ_STRING)
				malformed("$sort needs an object {field: 1 or -1} or an array of [field, 1 or -1] pairs", NULL);
			key = pair->items[0].str;
			key_len = pair->items[0].len;
			dir = &pair->items[1];
		}
		if (dir->kind != OJ_NUMBER || (dir->number != 1 && dir->number != -1))
			malformed("$sort needs an object {field: 1 or -1} or an array of [field, 1 or -1] pairs",
					  psprintf("Field \"%.*s\".", (int) Min(key_len, 200), key));
		query->sort[k].path = parse_path(key, key_len);
		query->sort[k].dir = (int) dir->number;
	}
}

static QNode *
parse_filter(const OtJson *q, bool top, OtQuery *query)
{
	QNode	   *n = palloc0(sizeof(QNode));
	size_t		i;

	n->kind = QN_AND;
	n->kids = palloc((q->len + 1) * sizeof(QNode *));
	for (i = 0; i < q->len; i++)
	{
		const OtJsonMember *m = &q->members[i];

		if (m->key_len > 0 && m->key[0] == '$')
		{
			if (key_is(m, "$and") || key_is(m, "$or"))
				n->kids[n->n++] = parse_list(m, query);
			else if (key_is(m, "$sort") || key_is(m, "$skip") || key_is(m, "$limit") ||
					 key_is(m, "$count"))
			{
				if (!top)
					malformed(psprintf("%.*s is allowed only at the top level of a query",
									   (int) m->key_len, m->key), NULL);
				if (key_is(m, "$skip"))
					query->skip = parse_count_arg(m->value, "$skip");
				else if (key_is(m, "$limit"))
					query->limit = parse_count_arg(m->value, "$limit");
				else if (key_is(m, "$count"))
				{
					if (m->value->kind != OJ_TRUE && m->value->kind != OJ_FALSE)
						malformed("$count needs true or false", NULL);
					query->count = m->value->kind == OJ_TRUE;
				}
				else
					parse_sort(m->value, query);
			}
			else
				unsupported(m->key, m->key_len, top ? "At the top level of the query." :
							"Inside $and or $or.");
		}
		else
		{
			n->kids[n->n] = parse_field(m);
			if (top)
				push_ids(n->kids[n->n], query);
			n->n++;
		}
	}
	return n;
}

/* ---------------------------------------------------------------------------
 * Evaluation, as MongoDB (and mingo) evaluate a filter
 * ------------------------------------------------------------------------- */

typedef struct Leaves
{
	int			n;
	int			cap;
	const OtJson **v;			/* NULL: missing */
} Leaves;

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
static int
utf16_cmp(const char *a, size_t alen, const char *b, size_t blen)
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
static int
value_cmp(const OtJson *a, const OtJson *b)
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
			return utf16_cmp(a->str, a->len, b->str, b->len);
		case 4:
			for (i = 0; i < a->len && i < b->len; i++)
			{
				int			c = utf16_cmp(a->members[i].key, a->members[i].key_len,
										  b->members[i].key, b->members[i].key_len);

				if (c == 0)
					c = value_cmp(a->members[i].value, b->members[i].value);
				if (c)
					return c;
			}
			return (a->len > b->len) - (a->len < b->len);
		case 5:
			for (i = 0; i < a->len && i < b->len; i++)
			{
				int			c = value_cmp(&a->items[i], &b->items[i]);

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
	cmp = value_cmp(v, c->arg);
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

static void
resolve(const QPath *p, const OtJson *meta, const OtJson *root, Leaves *l)
{
	l->n = 0;
	if (is_meta(p))
		collect(meta, p, 0, l);
	else if (root->kind == OJ_OBJECT)
		collect(root, p, 0, l);
	else
		leaf_push(l, NULL);
}

static bool
node_matches(const QNode *n, const OtJson *meta, const OtJson *root)
{
	int			i;

	check_stack_depth();
	switch (n->kind)
	{
		case QN_AND:
			for (i = 0; i < n->n; i++)
				if (!node_matches(n->kids[i], meta, root))
					return false;
			return true;
		case QN_OR:
			for (i = 0; i < n->n; i++)
				if (node_matches(n->kids[i], meta, root))
					return true;
			return false;
		default:
			{
				Leaves		l = {0};

				resolve(&n->path, meta, root, &l);
				for (i = 0; i < n->n; i++)
					if (!leaves_match(&n->conds[i], &l))
						return false;
				return true;
			}
	}
}

/* ---------------------------------------------------------------------------
 * Documents
 * ------------------------------------------------------------------------- */

static OtJson *
js_number(double d, const OtAllocator *a)
{
	OtJson	   *v = ot_alloc(a, sizeof(OtJson));

	memset(v, 0, sizeof(OtJson));
	v->kind = OJ_NUMBER;
	v->number = d;
	return v;
}

static OtJson *
js_string(const char *s, size_t len, const OtAllocator *a)
{
	OtJson	   *v = ot_alloc(a, sizeof(OtJson));

	memset(v, 0, sizeof(OtJson));
	v->kind = OJ_STRING;
	v->str = s;
	v->len = len;
	return v;
}

static double
epoch_ms(TimestampTz t)
{
	return floor((double) t / 1000.0) + (double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000.0;
}

/* {_id, _type, _v, _m: {ctime, mtime}}, as sharedb-mongo stores a document's metadata. */
static const OtJson *
doc_meta(const QDoc *d, const OtAllocator *a)
{
	OtJsonMember *m = ot_alloc(a, 4 * sizeof(OtJsonMember));
	OtJsonMember *t = ot_alloc(a, 2 * sizeof(OtJsonMember));
	OtJson	   *times = ot_alloc(a, sizeof(OtJson));
	OtJson	   *meta = ot_alloc(a, sizeof(OtJson));

	t[0] = (OtJsonMember) {"ctime", 5, js_number(epoch_ms(d->ctime), a)};
	t[1] = (OtJsonMember) {"mtime", 5, js_number(epoch_ms(d->mtime), a)};
	memset(times, 0, sizeof(OtJson));
	times->kind = OJ_OBJECT;
	times->len = 2;
	times->members = t;
	m[0] = (OtJsonMember) {"_id", 3, js_string(VARDATA_ANY(d->name), VARSIZE_ANY_EXHDR(d->name), a)};
	m[1] = (OtJsonMember) {"_m", 2, times};
	m[2] = (OtJsonMember) {"_type", 5, js_string(VARDATA_ANY(d->type), VARSIZE_ANY_EXHDR(d->type), a)};
	m[3] = (OtJsonMember) {"_v", 2, js_number((double) d->version, a)};
	memset(meta, 0, sizeof(OtJson));
	meta->kind = OJ_OBJECT;
	meta->len = 4;
	meta->members = m;
	return meta;
}

static const OtJson *
doc_root(Jsonb *jb, const OtAllocator *a)
{
	JsonbValue	v;

	if (JB_ROOT_IS_SCALAR(jb))
	{
		JsonbExtractScalar(&jb->root, &v);
		return ot_json_from_jsonb(&v, a);
	}
	v.type = jbvBinary;
	v.val.binary.data = &jb->root;
	v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
	return ot_json_from_jsonb(&v, a);
}

/* A sort key's value: the path's leaves, an array by its least (or greatest) element. */
static const OtJson *
sort_value(const QSortKey *k, const QDoc *d)
{
	Leaves		l = {0};
	const OtJson *best = NULL;
	bool		have = false;
	int			i;
	size_t		j;

	resolve(&k->path, d->meta, d->root, &l);
	for (i = 0; i < l.n; i++)
	{
		const OtJson *v = l.v[i];

		if (v && v->kind == OJ_ARRAY)
		{
			for (j = 0; j < v->len; j++)
				if (!have || value_cmp(&v->items[j], best) * k->dir < 0)
				{
					best = &v->items[j];
					have = true;
				}
		}
		else if (!have || value_cmp(v, best) * k->dir < 0)
		{
			best = v;
			have = true;
		}
	}
	return best;
}

static const OtQuery *sorting;

static int
doc_cmp(const void *pa, const void *pb)
{
	const QDoc *a = *(QDoc *const *) pa;
	const QDoc *b = *(QDoc *const *) pb;
	int			i,
				c;

	for (i = 0; i < sorting->nsort; i++)
	{
		const QSortKey *k = &sorting->sort[i];

		c = value_cmp(sort_value(k, a), sort_value(k, b)) * k->dir;
		if (c)
			return c;
	}
	/* Ties by id, in JavaScript's string order. */
	return utf16_cmp(VARDATA_ANY(a->name), VARSIZE_ANY_EXHDR(a->name),
					 VARDATA_ANY(b->name), VARSIZE_ANY_EXHDR(b->name));
}

/*
 * The candidates: the collection's live documents the principal $3 may read
 * ($2: it may read them all, as an admin or by a collection-wide grant),
 * each with its latest data; BY_NAME adds "name = ANY ($4)", an index
 * condition on (collection, name).
 */
#define CANDIDATES \
	"SELECT d.name, d.type, d.version, d.created_at, d.updated_at," \
	" ot.apply_ops(d.type, s.data, coalesce((SELECT pg_catalog.array_agg(o.op ORDER BY o.version)" \
	"   FROM ot.operations o WHERE o.doc_id = d.id AND o.version >= d.snapshot_version" \
	"   AND o.version < d.version), '{}'))" \
	" FROM ot.documents d JOIN ot.snapshots s ON s.doc_id = d.id AND s.version = d.snapshot_version" \
	" WHERE d.collection = $1 AND d.type IS NOT NULL" \
	"   AND ($2 OR EXISTS (SELECT FROM ot.grants g WHERE g.collection = $1 AND g.name = d.name" \
	"        AND (g.principal = $3 OR (g.principal = '*' AND $3 <> 'anonymous'))))"
#define BY_NAME " AND d.name = ANY ($4)"
#define ORDER " ORDER BY d.collection, d.name LIMIT $5"

/* May the acting principal read every document of the collection? */
static bool
may_read_all(text *collection)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {PointerGetDatum(collection)};
	bool		isnull;

	if (SPI_execute_with_args("SELECT ot._may($1, NULL, 'read')", 1, argtypes, args, NULL, true, 1)
		!= SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "ot._may failed");
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) &&
		!isnull;
}

/*
 * The matching documents, sorted, skipped and limited, in the caller's
 * memory context; *total is how many that is.
 */
static QDoc **
run_query(text *collection, Jsonb *qjb, const OtQuery **out_query, int *total)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext row_cxt;
	OtAllocator ca = pg_ot_allocator(caller);
	OtAllocator ra;
	OtQuery	   *query = palloc0(sizeof(OtQuery));
	const OtJson *q;
	Oid			argtypes[5] = {TEXTOID, BOOLOID, TEXTOID, TEXTARRAYOID, INT8OID};
	Datum		args[5];
	char		nulls[5] = {' ', ' ', ' ', 'n', ' '};
	Portal		portal;
	QDoc	  **docs = NULL;
	int			ndocs = 0,
				cap = 0,
				examined = 0;
	int64		start,
				end;

	q = doc_root(qjb, &ca);
	if (q->kind != OJ_OBJECT)
		malformed("a query must be a JSON object", NULL);
	query->filter = parse_filter(q, true, query);

	args[0] = PointerGetDatum(collection);
	args[2] = CStringGetTextDatum(ot_current_principal());
	if (query->ids)
	{
		Datum	   *ids = palloc((query->nids + 1) * sizeof(Datum));
		int			i;

		for (i = 0; i < query->nids; i++)
			ids[i] = PointerGetDatum(cstring_to_text_with_len(query->ids[i]->str, query->ids[i]->len));
		args[3] = PointerGetDatum(construct_array(ids, query->nids, TEXTOID, -1, false, TYPALIGN_INT));
		nulls[3] = ' ';
	}
	args[4] = Int64GetDatum((int64) pg_ot_query_max_documents + 1);

	row_cxt = AllocSetContextCreate(caller, "pg_ot query row", ALLOCSET_DEFAULT_SIZES);
	ra = pg_ot_allocator(row_cxt);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	args[1] = BoolGetDatum(may_read_all(collection));
	portal = SPI_cursor_open_with_args(NULL, query->ids ? CANDIDATES BY_NAME ORDER : CANDIDATES ORDER,
									   5, argtypes, args, nulls, true, 0);
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, 64);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			QDoc		d;
			MemoryContext old;

			CHECK_FOR_INTERRUPTS();
			if (++examined > pg_ot_query_max_documents)
				ereport(ERROR,
						errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("query examines more than %d documents of collection \"%s\"",
							   pg_ot_query_max_documents, text_to_cstring(collection)),
						errdetail("pg_ot.query_max_documents is %d; every readable document of the "
								  "collection is examined unless the query names _id.",
								  pg_ot_query_max_documents),
						errhint("Narrow the query by _id, split the collection, or raise "
								"pg_ot.query_max_documents."));
			/* (The statement gives neither a NULL type nor NULL data; be sure.) */
			(void) SPI_getbinval(tup, desc, 2, &isnull);
			if (isnull)
				continue;
			(void) SPI_getbinval(tup, desc, 6, &isnull);
			if (isnull)
				continue;
			old = MemoryContextSwitchTo(row_cxt);
			d.name = DatumGetTextPP(SPI_getbinval(tup, desc, 1, &isnull));
			d.type = DatumGetTextPP(SPI_getbinval(tup, desc, 2, &isnull));
			d.version = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
			d.ctime = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));
			d.mtime = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &isnull));
			d.data = DatumGetJsonbP(SPI_getbinval(tup, desc, 6, &isnull));
			d.meta = doc_meta(&d, &ra);
			d.root = doc_root(d.data, &ra);
			if (node_matches(query->filter, d.meta, d.root))
			{
				QDoc	   *k;

				MemoryContextSwitchTo(caller);
				k = palloc(sizeof(QDoc));
				k->name = DatumGetTextPCopy(PointerGetDatum(d.name));
				k->type = DatumGetTextPCopy(PointerGetDatum(d.type));
				k->version = d.version;
				k->ctime = d.ctime;
				k->mtime = d.mtime;
				k->data = DatumGetJsonbPCopy(PointerGetDatum(d.data));
				k->meta = doc_meta(k, &ca);
				k->root = query->nsort ? doc_root(k->data, &ca) : NULL;
				if (ndocs == cap)
				{
					cap = cap ? cap * 2 : 16;
					docs = docs ? repalloc(docs, cap * sizeof(QDoc *)) : palloc(cap * sizeof(QDoc *));
				}
				docs[ndocs++] = k;
			}
			MemoryContextSwitchTo(old);
			MemoryContextReset(row_cxt);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	MemoryContextDelete(row_cxt);

	if (ndocs > 1)
	{
		sorting = query;
		qsort(docs, ndocs, sizeof(QDoc *), doc_cmp);
		sorting = NULL;
	}
	start = Min(query->skip, ndocs);
	end = query->limit > 0 ? Min(ndocs, start + query->limit) : ndocs;
	*out_query = query;
	*total = (int) (end - start);
	return docs ? docs + start : NULL;
}

PG_FUNCTION_INFO_V1(pg_ot_query);
PG_FUNCTION_INFO_V1(pg_ot_query_extra);

Datum
pg_ot_query(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const OtQuery *query;
	QDoc	  **docs;
	int			n,
				i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		malformed("collection and query must not be null", NULL);
	InitMaterializedSRF(fcinfo, 0);
	docs = run_query(PG_GETARG_TEXT_PP(0), PG_GETARG_JSONB_P(1), &query, &n);
	if (query->count)
		return (Datum) 0;		/* as sharedb-mongo: the answer is in extra */
	if (n > pg_ot_query_max_results)
		ereport(ERROR,
				errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				errmsg("query returns %d documents, more than pg_ot.query_max_results (%d)",
					   n, pg_ot_query_max_results),
				errhint("Add a $limit of at most %d.", pg_ot_query_max_results));
	for (i = 0; i < n; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = PointerGetDatum(docs[i]->name);
		values[1] = PointerGetDatum(docs[i]->type);
		values[2] = Int64GetDatum(docs[i]->version);
		values[3] = PointerGetDatum(docs[i]->data);
		values[4] = TimestampTzGetDatum(docs[i]->ctime);
		values[5] = TimestampTzGetDatum(docs[i]->mtime);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

Datum
pg_ot_query_extra(PG_FUNCTION_ARGS)
{
	const OtQuery *query;
	int			n;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		malformed("collection and query must not be null", NULL);
	run_query(PG_GETARG_TEXT_PP(0), PG_GETARG_JSONB_P(1), &query, &n);
	if (!query->count)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(psprintf("%d", n))));
}
