/*
 * query_parse.c
 *	  Reads a ShareDB query (jsonb, as OtJson) into an OtQuery (query.h):
 *	  what pg_ot supports of sharedb-mongo's language, and the errors for
 *	  the rest (22023 malformed, 0A000 an operator pg_ot does not support).
 *
 * Owns: the query language's syntax.  May call: the OT core's json_value.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"

#include "query.h"

void
query_malformed(const char *msg, const char *detail)
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
		query_malformed("a field name must not be empty", NULL);
	p.depth = 1;
	for (i = 0; i < len; i++)
		if (key[i] == '.')
			p.depth++;
	if (p.depth > 100)
		query_malformed("a field path has more than 100 parts", NULL);
	p.seg = palloc(p.depth * sizeof(char *));
	p.len = palloc(p.depth * sizeof(size_t));
	for (i = 0; i <= len; i++)
		if (i == len || key[i] == '.')
		{
			if (i == start)
				query_malformed("a field path has an empty part",
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
			query_malformed("an operator object mixes operators and fields",
					  psprintf("Field \"%.*s\".", (int) Min(m->key_len, 200), m->key));
		if (key_is(o, "$eq"))
			c->op = QO_EQ;
		else if (key_is(o, "$ne"))
			c->op = QO_NE;
		else if (key_is(o, "$in") || key_is(o, "$nin"))
		{
			c->op = key_is(o, "$in") ? QO_IN : QO_NIN;
			if (o->value->kind != OJ_ARRAY)
				query_malformed(psprintf("%.*s needs an array", (int) o->key_len, o->key), NULL);
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
				query_malformed("$exists needs true or false", NULL);
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
		query_malformed(psprintf("%.*s needs a non-empty array of queries", (int) m->key_len, m->key), NULL);
	n->n = m->value->len;
	n->kids = palloc(n->n * sizeof(QNode *));
	for (i = 0; i < m->value->len; i++)
	{
		if (m->value->items[i].kind != OJ_OBJECT)
			query_malformed(psprintf("each query in %.*s must be an object", (int) m->key_len, m->key), NULL);
		n->kids[i] = parse_filter(&m->value->items[i], false, query);
	}
	return n;
}

static int64
parse_count_arg(const OtJson *v, const char *what)
{
	if (v->kind != OJ_NUMBER || v->number < 0 || v->number != floor(v->number) || v->number > 1e15)
		query_malformed(psprintf("%s needs a whole number, 0 or more", what), NULL);
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
		query_malformed("a $sort on several fields must be an array of [field, 1 or -1] pairs",
				  "A jsonb object does not keep the order of its keys.");
	if (v->kind != OJ_OBJECT && v->kind != OJ_ARRAY)
		query_malformed("$sort needs an object {field: 1 or -1} or an array of [field, 1 or -1] pairs", NULL);
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
				query_malformed("$sort needs an object {field: 1 or -1} or an array of [field, 1 or -1] pairs", NULL);
			key = pair->items[0].str;
			key_len = pair->items[0].len;
			dir = &pair->items[1];
		}
		if (dir->kind != OJ_NUMBER || (dir->number != 1 && dir->number != -1))
			query_malformed("$sort needs an object {field: 1 or -1} or an array of [field, 1 or -1] pairs",
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
					query_malformed(psprintf("%.*s is allowed only at the top level of a query",
									   (int) m->key_len, m->key), NULL);
				if (key_is(m, "$skip"))
					query->skip = parse_count_arg(m->value, "$skip");
				else if (key_is(m, "$limit"))
					query->limit = parse_count_arg(m->value, "$limit");
				else if (key_is(m, "$count"))
				{
					if (m->value->kind != OJ_TRUE && m->value->kind != OJ_FALSE)
						query_malformed("$count needs true or false", NULL);
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

void
query_parse(const OtJson *q, OtQuery *query)
{
	query->filter = parse_filter(q, true, query);
}
