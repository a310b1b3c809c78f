/*
 * json_limits.h
 *	  What JSON the submit path lets into the store.
 *
 * Everything stored is read back by the gateway (jansson) and by clients
 * (JavaScript), and printed by PostgreSQL, which writes numbers out in full.
 * An op or a create's data is refused (OT001) unless every reader can read
 * it back as it was and its printed form stays near the size it came in.
 * README "Limits of stored JSON" gives the reasons for each number.
 */
#ifndef PG_OT_JSON_LIMITS_H
#define PG_OT_JSON_LIMITS_H

#include "postgres.h"

#include "utils/jsonb.h"

/*
 * Arrays and objects nested at most this deep.  jansson refuses 2,048, the
 * gateway wraps an op in up to 4 more levels, and the readers that recurse
 * per level (the OT core, jansson, lodash's isEqual and cloneDeep in the
 * client) stay shallow; editor content needs a handful.
 */
#define OT_JSON_MAX_DEPTH 64

/*
 * Numbers at most 2^53 - 1 in magnitude (JavaScript's Number.MAX_SAFE_INTEGER):
 * beyond, integers lose digits in JavaScript, and PostgreSQL prints them as
 * integers that jansson (64-bit) refuses past 2^63, 1e308 as 309 digits.
 */
#define OT_JSON_MAX_SAFE_INTEGER INT64CONST(9007199254740991)

/*
 * A number printed by PostgreSQL in at most this many characters.  It
 * writes 1e-30 as 0.000...1 (32 characters) and 1e-16383 in 16,385; every
 * number JavaScript writes without an exponent (|x| >= 1e-6) takes at most
 * 25.  With this bound an op prints in at most 7 times its JSON text.
 */
#define OT_JSON_MAX_NUMBER_TEXT 32

/* Raises OT001 naming what ("op", "create data") unless root fits. */
void		ot_check_storable(JsonbContainer *root, const char *what);

#endif							/* PG_OT_JSON_LIMITS_H */
