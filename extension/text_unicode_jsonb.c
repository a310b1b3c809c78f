/*
 * text_unicode_jsonb.c
 *	  text-unicode ops and snapshots to and from jsonb.
 *
 * Strings are read in place from the jsonb (which holds them unescaped, as
 * UTF-8) and written straight into JsonbValues; no JSON text is built.
 */
#include "text_unicode_jsonb.h"

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "ot_errors.h"

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

void
tu_op_from_jsonb(Jsonb *jb, bool lenient, const OtAllocator *a, TuOp *op)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			index = 0;
	OtError		err;

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
	if (!lenient && tu_check(op, &err) != OT_OK)
		pg_ot_raise(&err);
}

static JsonbValue
string_value(const char *text, size_t bytes)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) text;
	v.val.string.len = bytes;
	return v;
}

static JsonbValue
number_value(int64 n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(n);
	return v;
}

JsonbValue *
tu_op_to_jsonb_value(const TuOp *op)
{
	JsonbParseState *state = NULL;
	JsonbValue	key = string_value("d", 1);

	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];
		JsonbValue	v = c->text ? string_value(c->text, c->bytes)
			: number_value(c->count);

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

void
tu_snapshot_text(Jsonb *jb, const char **text, size_t *bytes)
{
	JsonbValue	v;

	if (!JsonbExtractScalar(&jb->root, &v) || v.type != jbvString)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("text-unicode snapshot must be a JSON string"));
	*text = v.val.string.val;
	*bytes = v.val.string.len;
}
