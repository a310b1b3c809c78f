/*
 * text_unicode_sql.c
 *	  The text-unicode type over jsonb.
 *
 * A snapshot is a JSON string; an op an array of components.  Strings are
 * read in place from the jsonb (which holds them unescaped, as UTF-8) and
 * written straight into JsonbValues; no JSON text is built.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "json_jsonb.h"
#include "ot/text_unicode.h"
#include "ot/utf8.h"
#include "ot_errors.h"
#include "ot_type.h"

static void
bad_component(int index, const char *what)
{
	ereport(ERROR,
			errcode(ERRCODE_OT_BAD_OP),
			errmsg("text-unicode op component %d %s", index, what),
			errdetail("A component is a positive integer (skip), a non-empty string (insert), "
					  "or an object {\"d\": N} or {\"d\": \"text\"} (delete)."));
}

/*
 * A JSON number as a count.  JavaScript reads 2.0 as 2, so any integral value
 * is accepted; fractions, negatives and values past TU_MAX_COUNT are not.
 */
static int64
count_of(Numeric num, int index)
{
	char	   *digits = DatumGetCString(DirectFunctionCall1(numeric_out,
															 NumericGetDatum(num)));
	int64		value = 0;
	const char *p = digits;

	if (*p == '-' && strspn(p + 1, "0.") != strlen(p + 1))
		bad_component(index, "is negative");
	if (*p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
	{
		if (value > TU_MAX_COUNT / 10)
			bad_component(index, "is out of range");
		value = value * 10 + (*p - '0');
	}
	if (*p == '.' && strspn(p + 1, "0") != strlen(p + 1))
		bad_component(index, "is not an integer");
	if (value > TU_MAX_COUNT)
		bad_component(index, "is out of range");
	return value;
}

/* {"d": N} or {"d": "text"}, and nothing else. */
static TuComponent
delete_of(JsonbContainer *obj, int index)
{
	JsonbValue	d;

	if (!JsonContainerIsObject(obj) || JsonContainerSize(obj) != 1 ||
		getKeyJsonValueFromContainer(obj, "d", 1, &d) == NULL)
		bad_component(index, "is not a valid component");
	if (d.type == jbvNumeric)
		return tu_delete_count(count_of(d.val.numeric, index));
	if (d.type == jbvString)
		return tu_delete_text(d.val.string.val, d.val.string.len);
	bad_component(index, "is not a valid component");
	pg_unreachable();
}

/*
 * Reads an op: components of a known shape with integer counts, else OT001.
 * checkOp is left to the core functions that run it, and to the callers of
 * those that do not.  The op's texts point into jb.
 */
static void
op_from_jsonb(Jsonb *jb, const OtAllocator *a, TuOp *op)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			index = 0;

	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				errcode(ERRCODE_OT_BAD_OP),
				errmsg("text-unicode op must be a JSON array of components"));
	*op = (TuOp) TU_OP_EMPTY;
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (v.type == jbvNumeric)
			tu_push(op, tu_skip(count_of(v.val.numeric, index)), a);
		else if (v.type == jbvString)
			tu_push(op, tu_insert(v.val.string.val, v.val.string.len), a);
		else if (v.type == jbvBinary)
			tu_push(op, delete_of(v.val.binary.data, index), a);
		else
			bad_component(index, "is not a valid component");
		index++;
	}
}

static JsonbValue *
op_to_jsonb_value(const TuOp *op)
{
	JsonbParseState *state = NULL;
	JsonbValue	key = jsonb_string_value("d", 1);

	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];
		JsonbValue	v = c->text ? jsonb_string_value(c->text, c->bytes)
			: jsonb_int_value(c->count);

		if (c->kind != TU_DELETE)
		{
			pushJsonbValue(&state, WJB_ELEM, &v);
			continue;
		}
		pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		pushJsonbValue(&state, WJB_KEY, &key);
		pushJsonbValue(&state, WJB_VALUE, &v);
		pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	}
	return pushJsonbValue(&state, WJB_END_ARRAY, NULL);
}

/* The text of a snapshot or initial data, which must be a JSON string. */
static JsonbValue
string_of(Jsonb *jb, const char *what)
{
	JsonbValue	v;

	if (!JsonbExtractScalar(&jb->root, &v) || v.type != jbvString)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("text-unicode %s must be a JSON string", what));
	return v;
}

static JsonbValue *
copy_value(JsonbValue v)
{
	JsonbValue *out = palloc(sizeof(JsonbValue));

	*out = v;
	return out;
}

static JsonbValue *
tu_sql_create(Jsonb *data, const OtAllocator *a)
{
	return copy_value(data ? string_of(data, "initial data")
					  : jsonb_string_value("", 0));
}

static JsonbValue *
tu_sql_apply(Jsonb *snapshot, Jsonb *op_jb, const OtAllocator *a)
{
	JsonbValue	doc = string_of(snapshot, "snapshot");
	TuOp		op;
	char	   *out;
	size_t		out_bytes;
	OtError		err;

	op_from_jsonb(op_jb, a, &op);
	OT_CHECK(tu_apply(doc.val.string.val, doc.val.string.len, &op, a,
					  &out, &out_bytes, &err), &err);
	return copy_value(jsonb_string_value(out, out_bytes));
}

static JsonbValue *
tu_sql_transform(Jsonb *op_jb, Jsonb *other_jb, bool left, const OtAllocator *a)
{
	TuOp		op,
				other,
				out;
	OtError		err;

	op_from_jsonb(op_jb, a, &op);
	op_from_jsonb(other_jb, a, &other);
	OT_CHECK(tu_transform(&op, &other, left, a, &out, &err), &err);
	return op_to_jsonb_value(&out);
}

static JsonbValue *
tu_sql_compose(Jsonb *first, Jsonb *second, const OtAllocator *a)
{
	TuOp		op1,
				op2,
				out;
	OtError		err;

	op_from_jsonb(first, a, &op1);
	op_from_jsonb(second, a, &op2);
	OT_CHECK(tu_compose(&op1, &op2, a, &out, &err), &err);
	return op_to_jsonb_value(&out);
}

static JsonbValue *
tu_sql_normalize(Jsonb *op_jb, const OtAllocator *a)
{
	TuOp		op,
				out;
	OtError		err;

	op_from_jsonb(op_jb, a, &op);
	OT_CHECK(tu_check_lengths(&op, &err), &err);
	tu_normalize(&op, a, &out);
	return op_to_jsonb_value(&out);
}

/* text-unicode has no own-op rule: an insert at the cursor never moves it. */
static int64
tu_sql_transform_cursor(int64 cursor, Jsonb *op_jb, bool is_own_op,
						const OtAllocator *a)
{
	TuOp		op;
	OtError		err;

	op_from_jsonb(op_jb, a, &op);
	OT_CHECK(tu_check(&op, &err), &err);
	return tu_transform_position(cursor, &op);
}

static JsonbValue *
tu_sql_invert(Jsonb *op_jb, Jsonb *snapshot, const OtAllocator *a)
{
	JsonbValue	doc = string_of(snapshot, "snapshot");
	TuOp		op,
				out;
	OtError		err;

	op_from_jsonb(op_jb, a, &op);
	OT_CHECK(tu_invert_with_doc(&op, doc.val.string.val, doc.val.string.len,
								a, &out, &err), &err);
	return op_to_jsonb_value(&out);
}

static JsonbValue *
tu_sql_apply_all(Jsonb *snapshot, Jsonb **ops_jb, int n, const OtAllocator *a)
{
	JsonbValue	doc = string_of(snapshot, "snapshot");
	TuOp	   *ops = ot_alloc(a, sizeof(TuOp) * (n > 0 ? n : 1));
	TuOp		op;
	char	   *out;
	size_t		out_bytes;
	OtError		err;

	for (int i = 0; i < n; i++)
		op_from_jsonb(ops_jb[i], a, &ops[i]);
	OT_CHECK(tu_compose_all(ops, n, a, &op, &err), &err);
	OT_CHECK(tu_apply(doc.val.string.val, doc.val.string.len, &op, a,
					  &out, &out_bytes, &err), &err);
	return copy_value(jsonb_string_value(out, out_bytes));
}

/* Code points cannot be split: text-unicode keeps no positions (*astral empty). */
static int64
tu_sql_measure(Jsonb *snapshot, ArrayType **astral, const OtAllocator *a)
{
	JsonbValue	doc = string_of(snapshot, "snapshot");

	*astral = construct_empty_array(INT8OID);
	return ot_utf8_count(doc.val.string.val, doc.val.string.len);
}

static int64
tu_sql_fit(Jsonb *op_jb, int64 length, ArrayType **astral, bool *needs_text,
		   const OtAllocator *a)
{
	TuOp		op;
	int64		new_length;
	OtError		err;

	op_from_jsonb(op_jb, a, &op);
	OT_CHECK(tu_fit(&op, length, &new_length, needs_text, &err), &err);
	return new_length;
}

const OtType ot_text_unicode_type = {
	.name = TU_NAME,
	.uri = TU_URI,
	.has_presence = false,
	.create = tu_sql_create,
	.apply = tu_sql_apply,
	.transform = tu_sql_transform,
	.compose = tu_sql_compose,
	.normalize = tu_sql_normalize,
	.transform_cursor = tu_sql_transform_cursor,
	.invert = tu_sql_invert,
	.apply_all = tu_sql_apply_all,
	.measure = tu_sql_measure,
	.fit = tu_sql_fit,
};
