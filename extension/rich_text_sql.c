/*
 * rich_text_sql.c
 *	  The rich-text type over jsonb.
 *
 * Deltas are read as {"ops": [...]} or a bare array and written as
 * {"ops": [...]}, as Quill and ShareDB exchange them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "json_jsonb.h"
#include "ot/rich_text.h"
#include "ot_errors.h"
#include "ot_type.h"

typedef struct DeltaReader
{
	const char *what;
	int			errcode;
	int			index;
	const OtAllocator *alloc;
} DeltaReader;

static void
bad_delta(const DeltaReader *r, const char *problem)
{
	if (r->index < 0)
		ereport(ERROR,
				errcode(r->errcode),
				errmsg("rich-text %s %s", r->what, problem),
				errdetail("A delta is {\"ops\": [...]} or a bare array of components."));
	ereport(ERROR,
			errcode(r->errcode),
			errmsg("rich-text %s component %d %s", r->what, r->index, problem),
			errdetail("A component is {\"insert\": text or embed}, {\"retain\": N} "
					  "(both with optional \"attributes\": {...}) or {\"delete\": N}."));
}

/* A positive integer length, as JavaScript reads it (2.0 is 2). */
static int64
length_of(const DeltaReader *r, const JsonbValue *v)
{
	char	   *digits;
	int64		value = 0;
	const char *p;

	if (v->type != jbvNumeric)
		bad_delta(r, "has a length that is not a number");
	digits = DatumGetCString(DirectFunctionCall1(numeric_out,
												 NumericGetDatum(v->val.numeric)));
	if (digits[0] == '-')
		bad_delta(r, "has a negative length");
	for (p = digits; *p >= '0' && *p <= '9'; p++)
	{
		if (value > RT_MAX_LENGTH / 10)
			bad_delta(r, "has a length out of range");
		value = value * 10 + (*p - '0');
	}
	if (*p == '.' && strspn(p + 1, "0") != strlen(p + 1))
		bad_delta(r, "has a length that is not an integer");
	if (value > RT_MAX_LENGTH)
		bad_delta(r, "has a length out of range");
	if (value == 0)
		bad_delta(r, "has a length of zero");
	return value;
}

static bool
key_is(const JsonbValue *key, const char *name)
{
	return key->val.string.len == strlen(name) &&
		memcmp(key->val.string.val, name, key->val.string.len) == 0;
}

static RtComponent
read_insert(const DeltaReader *r, const JsonbValue *v)
{
	if (v->type == jbvString)
	{
		if (v->val.string.len == 0)
			bad_delta(r, "inserts an empty string");
		return rt_text(v->val.string.val, v->val.string.len, NULL);
	}
	/* JavaScript takes these falsy embeds for no insert at all. */
	if (v->type == jbvNull || (v->type == jbvBool && !v->val.boolean) ||
		(v->type == jbvNumeric && ot_js_number(v->val.numeric) == 0))
		bad_delta(r, "inserts an embed that is null, false or 0");
	return rt_embed(ot_json_from_jsonb(v, r->alloc), NULL);
}

/* One {"insert"|"retain"|"delete": ..., "attributes": {...}} component. */
static RtComponent
read_component(const DeltaReader *r, JsonbContainer *obj)
{
	JsonbIterator *it = JsonbIteratorInit(obj);
	JsonbValue	key,
				v;
	JsonbIteratorToken tok;
	RtComponent c = {0};
	int			kinds = 0;
	const OtJson *attributes = NULL;

	while ((tok = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		JsonbIteratorNext(&it, &v, true);
		if (key_is(&key, "retain") && v.type == jbvBinary)
			bad_delta(r, "retains an object (embed changes of quill-delta 5 are not supported)");
		if (key_is(&key, "insert") || key_is(&key, "retain") || key_is(&key, "delete"))
		{
			kinds++;
			c = key_is(&key, "insert") ? read_insert(r, &v)
				: key_is(&key, "retain") ? rt_retain(length_of(r, &v), NULL)
				: rt_delete(length_of(r, &v));
		}
		else if (key_is(&key, "attributes") && v.type == jbvBinary &&
				 JsonContainerIsObject(v.val.binary.data))
			attributes = ot_json_from_jsonb(&v, r->alloc);
		else
			bad_delta(r, key_is(&key, "attributes")
					  ? "has attributes that are not an object"
					  : "has an unknown key");
	}
	if (kinds != 1)
		bad_delta(r, "must have exactly one of insert, retain and delete");
	if (attributes && c.kind == RT_DELETE)
		bad_delta(r, "is a delete with attributes");
	c.attributes = attributes;
	return c;
}

/*
 * Reads a delta.  what names it in errors ("op", "snapshot", "initial
 * data"): a malformed op raises OT001, any other malformed argument 22023.
 */
static void
op_from_jsonb(Jsonb *jb, const char *what, const OtAllocator *a, RtOp *op)
{
	DeltaReader r = {what, strcmp(what, "op") == 0
		? ERRCODE_OT_BAD_OP : ERRCODE_INVALID_PARAMETER_VALUE, -1, a};
	JsonbContainer *ops = &jb->root;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (JB_ROOT_IS_OBJECT(jb))
	{
		if (JsonContainerSize(&jb->root) != 1 ||
			getKeyJsonValueFromContainer(&jb->root, "ops", 3, &v) == NULL ||
			v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
			bad_delta(&r, "is not a delta");
		ops = v.val.binary.data;
	}
	else if (JB_ROOT_IS_SCALAR(jb))
		bad_delta(&r, "is not a delta");
	*op = (RtOp) RT_OP_EMPTY;
	it = JsonbIteratorInit(ops);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		r.index++;
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			bad_delta(&r, "is not an object");
		rt_push_raw(op, read_component(&r, v.val.binary.data), a);
	}
}

static JsonbValue *
op_to_jsonb_value(const RtOp *op)
{
	JsonbParseState *state = NULL;
	JsonbValue	ops_key = jsonb_string_value("ops", 3);
	static const char *const kind_keys[] = {"insert", "retain", "delete"};

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	pushJsonbValue(&state, WJB_KEY, &ops_key);
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (size_t i = 0; i < op->len; i++)
	{
		const RtComponent *c = &op->items[i];
		JsonbValue	key = jsonb_string_value(kind_keys[c->kind],
											 strlen(kind_keys[c->kind]));
		JsonbValue	attributes_key = jsonb_string_value("attributes", 10);
		JsonbValue	v;

		pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		pushJsonbValue(&state, WJB_KEY, &key);
		if (c->embed)
			ot_json_push(&state, WJB_VALUE, c->embed);
		else
		{
			v = c->text ? jsonb_string_value(c->text, c->bytes)
				: jsonb_int_value(c->length);
			pushJsonbValue(&state, WJB_VALUE, &v);
		}
		if (c->attributes)
		{
			pushJsonbValue(&state, WJB_KEY, &attributes_key);
			ot_json_push(&state, WJB_VALUE, c->attributes);
		}
		pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	}
	pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	return pushJsonbValue(&state, WJB_END_OBJECT, NULL);
}

/*
 * A snapshot or initial data: a document, made of inserts only.  Lengths are
 * checked by the core function it is given to.
 */
static void
document_from_jsonb(Jsonb *jb, const char *what, const OtAllocator *a, RtOp *doc)
{
	op_from_jsonb(jb, what, a, doc);
	if (!rt_is_document(doc))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("rich-text %s is not a document", what),
				errdetail("A rich-text document is a delta of inserts only."));
}

static JsonbValue *
rt_sql_create(Jsonb *data, const OtAllocator *a)
{
	RtOp		doc = RT_OP_EMPTY;
	OtError		err;

	if (data)
		document_from_jsonb(data, "initial data", a, &doc);
	OT_CHECK(rt_check(&doc, &err), &err);
	return op_to_jsonb_value(&doc);
}

static JsonbValue *
rt_sql_apply(Jsonb *snapshot, Jsonb *op_jb, const OtAllocator *a)
{
	RtOp		doc,
				op,
				out;
	OtError		err;

	document_from_jsonb(snapshot, "snapshot", a, &doc);
	op_from_jsonb(op_jb, "op", a, &op);
	OT_CHECK(rt_apply(&doc, &op, a, &out, &err), &err);
	return op_to_jsonb_value(&out);
}

static JsonbValue *
rt_sql_transform(Jsonb *op_jb, Jsonb *other_jb, bool left, const OtAllocator *a)
{
	RtOp		op,
				other,
				out;
	OtError		err;

	op_from_jsonb(op_jb, "op", a, &op);
	op_from_jsonb(other_jb, "op", a, &other);
	OT_CHECK(rt_transform(&op, &other, left, a, &out, &err), &err);
	return op_to_jsonb_value(&out);
}

static JsonbValue *
rt_sql_compose(Jsonb *first, Jsonb *second, const OtAllocator *a)
{
	RtOp		op1,
				op2,
				out;
	OtError		err;

	op_from_jsonb(first, "op", a, &op1);
	op_from_jsonb(second, "op", a, &op2);
	OT_CHECK(rt_compose(&op1, &op2, a, &out, &err), &err);
	return op_to_jsonb_value(&out);
}

/* rich-text's normalize is the identity: the op comes back as given. */
static JsonbValue *
rt_sql_normalize(Jsonb *op_jb, const OtAllocator *a)
{
	RtOp		op;
	OtError		err;
	JsonbValue *same = palloc(sizeof(JsonbValue));

	op_from_jsonb(op_jb, "op", a, &op);
	OT_CHECK(rt_check(&op, &err), &err);
	same->type = jbvBinary;
	same->val.binary.data = &op_jb->root;
	same->val.binary.len = VARSIZE(op_jb) - VARHDRSZ;
	return same;
}

/* transformCursor: an insert at the cursor pushes it only for one's own op. */
static int64
rt_sql_transform_cursor(int64 cursor, Jsonb *op_jb, bool is_own_op,
						const OtAllocator *a)
{
	RtOp		op;
	OtError		err;

	op_from_jsonb(op_jb, "op", a, &op);
	OT_CHECK(rt_check(&op, &err), &err);
	return rt_transform_position(cursor, &op, !is_own_op);
}

static JsonbValue *
rt_sql_invert(Jsonb *op_jb, Jsonb *snapshot, const OtAllocator *a)
{
	RtOp		op,
				base,
				out;
	OtError		err;

	op_from_jsonb(op_jb, "op", a, &op);
	document_from_jsonb(snapshot, "snapshot", a, &base);
	OT_CHECK(rt_invert(&op, &base, a, &out, &err), &err);
	return op_to_jsonb_value(&out);
}

static JsonbValue *
rt_sql_apply_all(Jsonb *snapshot, Jsonb **ops_jb, int n, const OtAllocator *a)
{
	RtOp		doc,
				op,
				out;
	RtOp	   *ops = ot_alloc(a, sizeof(RtOp) * (n > 0 ? n : 1));
	OtError		err;

	document_from_jsonb(snapshot, "snapshot", a, &doc);
	for (int i = 0; i < n; i++)
		op_from_jsonb(ops_jb[i], "op", a, &ops[i]);
	OT_CHECK(rt_compose_all(ops, n, a, &op, &err), &err);
	OT_CHECK(rt_apply(&doc, &op, a, &out, &err), &err);
	return op_to_jsonb_value(&out);
}

static RtAstral
astral_from_array(ArrayType *array)
{
	RtAstral	astral = {NULL, 0, 0, array == NULL};
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (array == NULL)
		return astral;
	deconstruct_array(array, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elems, &nulls, &n);
	astral.at = palloc(sizeof(int64_t) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++)
	{
		int64_t		at = nulls[i] ? -1 : DatumGetInt64(elems[i]);

		if (at < 0 || (i > 0 && at <= astral.at[i - 1]))
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("astral positions must be increasing non-negative integers"));
		astral.at[i] = at;
	}
	astral.len = astral.cap = n;
	return astral;
}

static ArrayType *
astral_to_array(const RtAstral *astral)
{
	Datum	   *elems;

	if (astral->untracked)
		return NULL;
	elems = palloc(sizeof(Datum) * (astral->len > 0 ? astral->len : 1));
	for (size_t i = 0; i < astral->len; i++)
		elems[i] = Int64GetDatum(astral->at[i]);
	return construct_array(elems, astral->len, INT8OID, sizeof(int64),
						   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

static int64
rt_sql_measure(Jsonb *snapshot, ArrayType **astral, const OtAllocator *a)
{
	RtOp		doc;
	RtAstral	at;
	OtError		err;

	document_from_jsonb(snapshot, "snapshot", a, &doc);
	OT_CHECK(rt_check(&doc, &err), &err);
	rt_astral_of(&doc, a, &at);
	*astral = astral_to_array(&at);
	return rt_document_length(&doc);
}

static int64
rt_sql_fit(Jsonb *op_jb, int64 length, ArrayType **astral, bool *needs_text,
		   const OtAllocator *a)
{
	RtOp		op;
	RtAstral	before = astral_from_array(*astral);
	RtAstral	after;
	int64		new_length;
	OtError		err;

	op_from_jsonb(op_jb, "op", a, &op);
	OT_CHECK(rt_fit(&op, length, &before, a, &new_length, &after, needs_text, &err),
			 &err);
	*astral = astral_to_array(&after);
	return new_length;
}

const OtType ot_rich_text_type = {
	.name = RT_NAME,
	.uri = RT_URI,
	.has_presence = true,
	.create = rt_sql_create,
	.apply = rt_sql_apply,
	.transform = rt_sql_transform,
	.compose = rt_sql_compose,
	.normalize = rt_sql_normalize,
	.transform_cursor = rt_sql_transform_cursor,
	.invert = rt_sql_invert,
	.apply_all = rt_sql_apply_all,
	.measure = rt_sql_measure,
	.fit = rt_sql_fit,
};
