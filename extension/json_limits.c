/*
 * json_limits.c
 *	  What JSON the submit path lets into the store (see json_limits.h).
 *
 * One walk over the jsonb, without recursion and without printing any
 * number before its size is known to be small: a number's scale and
 * magnitude are read from the Numeric, so 1e-16383 or 1e131071 cost no more
 * than 1.
 */
#include "json_limits.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "ot_errors.h"

static Numeric max_safe_integer;

static Numeric
safe_integer_bound(void)
{
	if (max_safe_integer == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		max_safe_integer = int64_to_numeric(OT_JSON_MAX_SAFE_INTEGER);
		MemoryContextSwitchTo(old);
	}
	return max_safe_integer;
}

/* n in scientific notation for a message: 1e+19, 9.007199254740992e+15. */
static char *
number_for_message(Numeric n)
{
	char	   *text = numeric_out_sci(n, 15);
	char	   *e = strchr(text, 'e');
	char	   *end = e;

	while (end > text && end[-1] == '0')
		end--;
	if (end > text && end[-1] == '.')
		end--;
	memmove(end, e, strlen(e) + 1);
	return text;
}

static void
check_number(Numeric n, const char *what)
{
	int32		scale = DatumGetInt32(DirectFunctionCall1(numeric_scale, NumericGetDatum(n)));
	Numeric		magnitude;
	char	   *text;
	size_t		len;

	/* A scale this large alone prints too long: refuse before printing. */
	if (scale > OT_JSON_MAX_NUMBER_TEXT)
		ereport(ERROR,
				errcode(ERRCODE_OT_BAD_OP),
				errmsg("%s holds a number with %d digits after the decimal point", what, scale),
				errdetail("A number may print in at most %d characters; PostgreSQL writes numbers "
						  "out in full, so 1e-30 prints as 0.00...01.", OT_JSON_MAX_NUMBER_TEXT));
	magnitude = DatumGetNumeric(DirectFunctionCall1(numeric_abs, NumericGetDatum(n)));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(magnitude),
										  NumericGetDatum(safe_integer_bound()))) > 0)
		ereport(ERROR,
				errcode(ERRCODE_OT_BAD_OP),
				errmsg("%s holds a number beyond 2^53 - 1 in magnitude (%s)", what,
					   number_for_message(n)),
				errdetail("JavaScript reads numbers past " INT64_FORMAT " inexactly, and PostgreSQL "
						  "writes them out in full, as integers that JSON readers with 64-bit "
						  "integers (the gateway's) cannot hold.", OT_JSON_MAX_SAFE_INTEGER));
	pfree(magnitude);
	/* Small now: at most 17 digits before the point and 32 after. */
	text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));
	len = strlen(text);
	if (len > OT_JSON_MAX_NUMBER_TEXT)
		ereport(ERROR,
				errcode(ERRCODE_OT_BAD_OP),
				errmsg("%s holds a number that prints in %zu characters: %s", what, len, text),
				errdetail("A number may print in at most %d characters; PostgreSQL writes numbers "
						  "out in full, so 1e-30 prints as 0.00...01.", OT_JSON_MAX_NUMBER_TEXT));
	pfree(text);
}

void
ot_check_storable(JsonbContainer *root, const char *what)
{
	JsonbIterator *it = JsonbIteratorInit(root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			depth = 0;

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_BEGIN_ARRAY:
			case WJB_BEGIN_OBJECT:
				/* A scalar's pseudo-array counts 1; nothing nests in it. */
				if (++depth > OT_JSON_MAX_DEPTH)
					ereport(ERROR,
							errcode(ERRCODE_OT_BAD_OP),
							errmsg("%s nests arrays and objects more than %d deep", what,
								   OT_JSON_MAX_DEPTH),
							errdetail("The gateway and the JavaScript clients read what is stored; "
									  "they allow %d levels.", OT_JSON_MAX_DEPTH));
				break;
			case WJB_END_ARRAY:
			case WJB_END_OBJECT:
				depth--;
				break;
			case WJB_VALUE:
			case WJB_ELEM:
				if (v.type == jbvNumeric)
					check_number(v.val.numeric, what);
				break;
			case WJB_KEY:
			case WJB_DONE:
				break;
		}
	}
}

/* ot._check_storable(value, what): the submit path's one check of client JSON. */
PG_FUNCTION_INFO_V1(pg_ot_check_storable);
Datum
pg_ot_check_storable(PG_FUNCTION_ARGS)
{
	Jsonb	   *value = PG_GETARG_JSONB_P(0);
	char	   *what = text_to_cstring(PG_GETARG_TEXT_PP(1));

	ot_check_storable(&value->root, what);
	PG_RETURN_VOID();
}
