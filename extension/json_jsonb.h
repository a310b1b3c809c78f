/*
 * json_jsonb.h
 *	  The OT core's JSON values to and from jsonb.
 */
#ifndef PG_OT_JSON_JSONB_H
#define PG_OT_JSON_JSONB_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "ot/json_value.h"

/* A JSON value read from v (a scalar or a jbvBinary container), in place. */
const OtJson *ot_json_from_jsonb(const JsonbValue *v, const OtAllocator *a);

/* Pushes value as the token tok (WJB_ELEM or WJB_VALUE) of state. */
void		ot_json_push(JsonbParseState **state, JsonbIteratorToken tok,
						 const OtJson *value);

/*
 * A number as JavaScript reads it: the nearest double, infinite past a
 * double's range.  Unlike numeric_float8 it does not print the number
 * first when the answer is known without (1e-16383 prints in 16,385
 * characters), so what it costs is bounded by the number's own text.
 */
double		ot_js_number(Numeric n);

JsonbValue	jsonb_string_value(const char *text, size_t bytes);
JsonbValue	jsonb_int_value(int64 n);

#endif							/* PG_OT_JSON_JSONB_H */
