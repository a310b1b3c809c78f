/*
 * ot_type.h
 *	  The OT types as SQL sees them: operations over jsonb, found by the
 *	  name or URI a caller gives.
 *
 * Each operation reads its jsonb arguments, runs the OT core with the
 * allocator given (a short-lived memory context), raises any rejection with
 * its SQLSTATE, and returns the result as a JsonbValue built in that context.
 */
#ifndef PG_OT_TYPE_H
#define PG_OT_TYPE_H

#include "postgres.h"

#include "utils/array.h"
#include "utils/jsonb.h"

#include "ot/ot_alloc.h"

typedef struct OtType
{
	const char *name;
	const char *uri;
	/* Has the reference a transformPresence (ShareDB presence)? */
	bool		has_presence;

	JsonbValue *(*create) (Jsonb *data, const OtAllocator *a);	/* data may be NULL */
	JsonbValue *(*apply) (Jsonb *snapshot, Jsonb *op, const OtAllocator *a);
	JsonbValue *(*transform) (Jsonb *op, Jsonb *other, bool left,
							  const OtAllocator *a);
	JsonbValue *(*compose) (Jsonb *first, Jsonb *second, const OtAllocator *a);
	JsonbValue *(*normalize) (Jsonb *op, const OtAllocator *a);
	int64		(*transform_cursor) (int64 cursor, Jsonb *op, bool is_own_op,
									 const OtAllocator *a);
	JsonbValue *(*invert) (Jsonb *op, Jsonb *snapshot, const OtAllocator *a);
	/* ops[0..n) applied in turn, as one composed op. */
	JsonbValue *(*apply_all) (Jsonb *snapshot, Jsonb **ops, int n,
							  const OtAllocator *a);

	/*
	 * What the submit path keeps beside a snapshot instead of reading it: its
	 * length in the type's units and, for rich-text, where its characters
	 * past U+FFFF start (*astral, an int8 array; NULL when too many to track).
	 * fit checks an op against that, raising what apply would, and returns
	 * the length after the op and the new *astral; it sets *needs_text when
	 * only apply on the text can finish the check.
	 */
	int64		(*measure) (Jsonb *snapshot, ArrayType **astral, const OtAllocator *a);
	int64		(*fit) (Jsonb *op, int64 length, ArrayType **astral, bool *needs_text,
						const OtAllocator *a);
} OtType;

extern const OtType ot_text_unicode_type;	/* text_unicode_sql.c */
extern const OtType ot_rich_text_type;	/* rich_text_sql.c */
extern const OtType ot_json0_type;	/* json0_sql.c */

/* The type named by name or URI; an unknown one raises 42704. */
const OtType *ot_type_lookup(const text *name);

/* Raises err (which is not OT_OK) unless status is OT_OK. */
#define OT_CHECK(status, err) \
	do { if ((status) != OT_OK) pg_ot_raise(err); } while (0)

#endif							/* PG_OT_TYPE_H */
