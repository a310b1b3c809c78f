/*
 * json_jsonb.c
 *	  The OT core's JSON values to and from jsonb.
 *
 * Strings and keys point into the jsonb; a number keeps its Numeric as its
 * origin, so it is written back exactly as it came.
 */
#include "json_jsonb.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "ot_errors.h"

static Numeric
numeric_constant(const char *text)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	Numeric		n = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
														ObjectIdGetDatum(InvalidOid),
														Int32GetDatum(-1)));

	MemoryContextSwitchTo(old);
	return n;
}

double
ot_js_number(Numeric n)
{
	/* Beyond these a double is infinite, or zero, whatever the digits. */
	static Numeric huge,
				tiny;
	Numeric		magnitude = DatumGetNumeric(DirectFunctionCall1(numeric_abs, NumericGetDatum(n)));
	bool		negative = DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(n),
															 NumericGetDatum(magnitude))) < 0;
	double		d;

	if (huge == NULL)
	{
		huge = numeric_constant("1e309");
		tiny = numeric_constant("1e-400");
	}
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(magnitude),
										  NumericGetDatum(huge))) >= 0)
		d = INFINITY;
	else if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(magnitude),
											   NumericGetDatum(tiny))) < 0)
		d = 0.0;
	else
	{
		char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out,
															   NumericGetDatum(magnitude)));

		d = strtod(text, NULL);
		pfree(text);
	}
	pfree(magnitude);
	return negative ? -d : d;
}

JsonbValue
jsonb_string_value(const char *text, size_t bytes)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) text;
	v.val.string.len = bytes;
	return v;
}

JsonbValue
jsonb_int_value(int64 n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(n);
	return v;
}

static void
read_container(JsonbContainer *container, OtJson *out, const OtAllocator *a)
{
	size_t		n = JsonContainerSize(container);
	JsonbIterator *it = JsonbIteratorInit(container);
	JsonbValue	v;
	JsonbIteratorToken tok;
	size_t		i = 0;
	OtJsonMember *members = NULL;
	OtJson	   *items = NULL;

	out->kind = JsonContainerIsObject(container) ? OJ_OBJECT : OJ_ARRAY;
	out->len = n;
	if (out->kind == OJ_OBJECT)
		out->members = members = n ? ot_alloc(a, n * sizeof(OtJsonMember)) : NULL;
	else
		out->items = items = n ? ot_alloc(a, n * sizeof(OtJson)) : NULL;
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			members[i].key = v.val.string.val;
			members[i].key_len = v.val.string.len;
		}
		else if (tok == WJB_VALUE)
			members[i++].value = ot_json_from_jsonb(&v, a);
		else if (tok == WJB_ELEM)
			items[i++] = *ot_json_from_jsonb(&v, a);
	}
}

const OtJson *
ot_json_from_jsonb(const JsonbValue *v, const OtAllocator *a)
{
	OtJson	   *out = ot_alloc(a, sizeof(OtJson));

	memset(out, 0, sizeof(OtJson));
	switch (v->type)
	{
		case jbvNull:
			out->kind = OJ_NULL;
			break;
		case jbvBool:
			out->kind = v->val.boolean ? OJ_TRUE : OJ_FALSE;
			break;
		case jbvNumeric:
			out->kind = OJ_NUMBER;
			out->origin = v->val.numeric;
			/* As JavaScript reads it: past the range of a double is no number. */
			out->number = ot_js_number(v->val.numeric);
			if (isinf(out->number))
				ereport(ERROR,
						errcode(ERRCODE_OT_BAD_OP),
						errmsg("JSON number out of range for a JavaScript number"),
						errdetail("JavaScript numbers are doubles, at most about 1.8e308 in magnitude."));
			break;
		case jbvString:
			out->kind = OJ_STRING;
			out->str = v->val.string.val;
			out->len = v->val.string.len;
			break;
		case jbvBinary:
			check_stack_depth();	/* one level per nested array or object */
			read_container(v->val.binary.data, out, a);
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
	return out;
}

void
ot_json_push(JsonbParseState **state, JsonbIteratorToken tok,
			 const OtJson *value)
{
	JsonbValue	v;

	switch (value->kind)
	{
		case OJ_NULL:
			v.type = jbvNull;
			break;
		case OJ_FALSE:
		case OJ_TRUE:
			v.type = jbvBool;
			v.val.boolean = value->kind == OJ_TRUE;
			break;
		case OJ_NUMBER:
			Assert(value->origin != NULL);
			v.type = jbvNumeric;
			v.val.numeric = (Numeric) value->origin;
			break;
		case OJ_STRING:
			v = jsonb_string_value(value->str, value->len);
			break;
		case OJ_ARRAY:
			check_stack_depth();
			pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
			for (size_t i = 0; i < value->len; i++)
				ot_json_push(state, WJB_ELEM, &value->items[i]);
			pushJsonbValue(state, WJB_END_ARRAY, NULL);
			return;
		case OJ_OBJECT:
			check_stack_depth();
			pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
			for (size_t i = 0; i < value->len; i++)
			{
				JsonbValue	key = jsonb_string_value(value->members[i].key,
													 value->members[i].key_len);

				pushJsonbValue(state, WJB_KEY, &key);
				ot_json_push(state, WJB_VALUE, value->members[i].value);
			}
			pushJsonbValue(state, WJB_END_OBJECT, NULL);
			return;
	}
	pushJsonbValue(state, tok, &v);
}
