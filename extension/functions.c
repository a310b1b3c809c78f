/*
 * functions.c
 *	  The pure SQL functions of schema ot: apply, transform, compose,
 *	  normalize, transform_cursor, transform_presence, invert, create_data,
 *	  apply_ops.
 *
 * Each call looks up its type and works in a short-lived memory context
 * (work.h).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "json_jsonb.h"
#include "work.h"

static bool
side_is_left(const text *side)
{
	char	   *s = text_to_cstring(side);

	if (strcmp(s, "left") == 0)
		return true;
	if (strcmp(s, "right") == 0)
		return false;
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("side must be \"left\" or \"right\", not \"%s\"", s));
	pg_unreachable();
}

PG_FUNCTION_INFO_V1(pg_ot_apply);
Datum
pg_ot_apply(PG_FUNCTION_ARGS)
{
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));

	PG_RETURN_JSONB_P(ot_work_end(&w, w.type->apply(PG_GETARG_JSONB_P(1),
													PG_GETARG_JSONB_P(2), &w.alloc)));
}

PG_FUNCTION_INFO_V1(pg_ot_transform);
Datum
pg_ot_transform(PG_FUNCTION_ARGS)
{
	bool		left = side_is_left(PG_GETARG_TEXT_PP(3));
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));

	PG_RETURN_JSONB_P(ot_work_end(&w, w.type->transform(PG_GETARG_JSONB_P(1),
														PG_GETARG_JSONB_P(2),
														left, &w.alloc)));
}

PG_FUNCTION_INFO_V1(pg_ot_compose);
Datum
pg_ot_compose(PG_FUNCTION_ARGS)
{
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));

	PG_RETURN_JSONB_P(ot_work_end(&w, w.type->compose(PG_GETARG_JSONB_P(1),
													  PG_GETARG_JSONB_P(2), &w.alloc)));
}

PG_FUNCTION_INFO_V1(pg_ot_normalize);
Datum
pg_ot_normalize(PG_FUNCTION_ARGS)
{
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));

	PG_RETURN_JSONB_P(ot_work_end(&w, w.type->normalize(PG_GETARG_JSONB_P(1),
														&w.alloc)));
}

PG_FUNCTION_INFO_V1(pg_ot_invert);
Datum
pg_ot_invert(PG_FUNCTION_ARGS)
{
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));

	PG_RETURN_JSONB_P(ot_work_end(&w, w.type->invert(PG_GETARG_JSONB_P(1),
													 PG_GETARG_JSONB_P(2), &w.alloc)));
}

PG_FUNCTION_INFO_V1(pg_ot_create_data);
Datum
pg_ot_create_data(PG_FUNCTION_ARGS)
{
	OtWork		w;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	w = ot_work_begin(PG_GETARG_TEXT_PP(0));
	PG_RETURN_JSONB_P(ot_work_end(&w, w.type->create(PG_ARGISNULL(1) ? NULL
													 : PG_GETARG_JSONB_P(1),
													 &w.alloc)));
}

/* A transformed position back into SQL's integer. */
static int32
position_result(int64 position)
{
	if (position > PG_INT32_MAX || position < PG_INT32_MIN)
		ereport(ERROR,
				errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				errmsg("transformed position %lld is out of range for type integer",
					   (long long) position));
	return (int32) position;
}

PG_FUNCTION_INFO_V1(pg_ot_transform_cursor);
Datum
pg_ot_transform_cursor(PG_FUNCTION_ARGS)
{
	int32		cursor = PG_GETARG_INT32(1);
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));
	int64		moved;

	if (cursor < 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("cursor must not be negative"));
	moved = w.type->transform_cursor(cursor, PG_GETARG_JSONB_P(2),
									 PG_GETARG_BOOL(3), &w.alloc);
	ot_work_drop(&w);
	PG_RETURN_INT32(position_result(moved));
}

/* index or length of a presence range: a non-negative integer. */
static int64
range_field(Jsonb *range, const char *key)
{
	JsonbValue	v;
	double		d = -1;

	if (getKeyJsonValueFromContainer(&range->root, key, strlen(key), &v) &&
		v.type == jbvNumeric)
		d = ot_js_number(v.val.numeric);
	if (!(d >= 0 && d == floor(d)))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("presence \"%s\" must be a non-negative integer", key));
	if (d > PG_INT32_MAX)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("presence \"%s\" is out of range", key),
				errdetail("Presence positions are at most %d.", PG_INT32_MAX));
	return (int64) d;
}

/*
 * transformPresence: a range {index, length, ...} with both ends moved as
 * cursors; other keys are kept.  A null presence stays null.
 */
PG_FUNCTION_INFO_V1(pg_ot_transform_presence);
Datum
pg_ot_transform_presence(PG_FUNCTION_ARGS)
{
	Jsonb	   *range = PG_GETARG_JSONB_P(1);
	Jsonb	   *op = PG_GETARG_JSONB_P(2);
	bool		is_own_op = PG_GETARG_BOOL(3);
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));
	JsonbParseState *state = NULL;
	JsonbValue *result = NULL;
	JsonbIterator *it;
	JsonbValue	key,
				v;
	JsonbIteratorToken tok;
	int64		start,
				end;

	if (!w.type->has_presence)
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("OT type \"%s\" does not support presence", w.type->name));
	if (JB_ROOT_IS_SCALAR(range) && JsonbExtractScalar(&range->root, &v) &&
		v.type == jbvNull)
		PG_RETURN_JSONB_P(ot_work_end(&w, &v));
	if (!JB_ROOT_IS_OBJECT(range))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("presence must be a JSON object {\"index\": N, \"length\": N} or null"));
	start = range_field(range, "index");
	end = start + range_field(range, "length");
	start = w.type->transform_cursor(start, op, is_own_op, &w.alloc);
	end = w.type->transform_cursor(end, op, is_own_op, &w.alloc);

	it = JsonbIteratorInit(&range->root);
	while ((tok = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)		/* the object's beginning and end */
		{
			result = pushJsonbValue(&state, tok, NULL);
			continue;
		}
		pushJsonbValue(&state, WJB_KEY, &key);
		JsonbIteratorNext(&it, &v, true);
		if (key.val.string.len == 5 && memcmp(key.val.string.val, "index", 5) == 0)
			v = jsonb_int_value(position_result(start));
		else if (key.val.string.len == 6 && memcmp(key.val.string.val, "length", 6) == 0)
			v = jsonb_int_value(position_result(end - start));
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	PG_RETURN_JSONB_P(ot_work_end(&w, result));
}

/* ops applied in turn: how the stored snapshot and its tail are replayed. */
PG_FUNCTION_INFO_V1(pg_ot_apply_ops);
Datum
pg_ot_apply_ops(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(2);
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	Jsonb	  **ops;

	deconstruct_array(array, JSONBOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	ops = palloc(sizeof(Jsonb *) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					errmsg("op %d of the array is null", i + 1));
		ops[i] = DatumGetJsonbP(elems[i]);
	}
	PG_RETURN_JSONB_P(ot_work_end(&w, w.type->apply_all(PG_GETARG_JSONB_P(1),
														ops, n, &w.alloc)));
}
