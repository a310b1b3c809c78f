/*
 * text_unicode_jsonb.h
 *	  text-unicode ops and snapshots to and from jsonb.
 */
#ifndef PG_OT_TEXT_UNICODE_JSONB_H
#define PG_OT_TEXT_UNICODE_JSONB_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "ot/text_unicode.h"

/*
 * Reads an op.  Components must have a known shape and integer counts; unless
 * lenient (for normalize), they must also pass checkOp.  Errors raise OT001.
 * The op's texts point into jb.
 */
void		tu_op_from_jsonb(Jsonb *jb, bool lenient, const OtAllocator *a,
							 TuOp *op);

JsonbValue *tu_op_to_jsonb_value(const TuOp *op);

/* The text of a snapshot, which must be a JSON string (22023 otherwise). */
void		tu_snapshot_text(Jsonb *jb, const char **text, size_t *bytes);

#endif							/* PG_OT_TEXT_UNICODE_JSONB_H */
