/*
 * json_value.h
 *	  The JSON values the OT core compares and copies: rich-text attributes
 *	  and embeds.
 *
 * Values are read-only trees built by the caller (from jsonb in the
 * extension, from jansson in the tests).  Strings and keys may point into the
 * caller's buffers.  A number keeps its double for comparison, as JavaScript
 * compares numbers, and an opaque origin the caller uses to write it back
 * unchanged.
 */
#ifndef OT_JSON_VALUE_H
#define OT_JSON_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "ot_alloc.h"

typedef enum OtJsonKind
{
	OJ_NULL,
	OJ_FALSE,
	OJ_TRUE,
	OJ_NUMBER,
	OJ_STRING,
	OJ_ARRAY,
	OJ_OBJECT
} OtJsonKind;

typedef struct OtJson OtJson;

typedef struct OtJsonMember
{
	const char *key;
	size_t		key_len;
	const OtJson *value;
} OtJsonMember;

struct OtJson
{
	OtJsonKind	kind;
	double		number;			/* OJ_NUMBER */
	const void *origin;			/* OJ_NUMBER: the caller's own form, or NULL */
	const char *str;			/* OJ_STRING */
	size_t		len;			/* OJ_STRING: bytes; OJ_ARRAY, OJ_OBJECT: count */
	const OtJson *items;		/* OJ_ARRAY */
	const OtJsonMember *members;	/* OJ_OBJECT, keys unique */
};

/* Deep equality, as lodash's isEqual on parsed JSON. */
bool		ot_json_equal(const OtJson *a, const OtJson *b);

/*
 * JavaScript's ===: equal scalars; two containers are never ===, since they
 * always come from different parses here.
 */
bool		ot_json_strict_equal(const OtJson *a, const OtJson *b);

/* The member named key of an object, or NULL (JavaScript's undefined). */
const OtJson *ot_json_get(const OtJson *object, const char *key, size_t key_len);

/* A new object over n members (kept, not copied), or NULL when n is 0. */
const OtJson *ot_json_object_or_null(const OtJsonMember *members, size_t n,
									 const OtAllocator *a);

extern const OtJson ot_json_null;

#endif							/* OT_JSON_VALUE_H */
