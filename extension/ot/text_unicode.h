/*
 * text_unicode.h
 *	  The text-unicode OT type (npm ot-text-unicode 4.0.0) over UTF-8 text.
 *
 * An op is a list of components walked over the document:
 *	 skip N			keep N code points
 *	 insert "s"		insert s
 *	 delete N		remove N code points ({"d": N})
 *	 delete "s"		remove the code points of s ({"d": "s"}; invertible)
 * Positions count Unicode code points.  Results are identical to the
 * JavaScript reference; where the reference accepts input that cannot be
 * right (deleting past the end, deleting text the document does not hold),
 * these functions reject it instead.  See README "Differences from the
 * JavaScript reference".
 *
 * Texts may point into the caller's buffers (they are never written), so an
 * op lives no longer than the inputs it was built from.
 */
#ifndef OT_TEXT_UNICODE_H
#define OT_TEXT_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ot_alloc.h"
#include "ot_error.h"

#define TU_NAME "text-unicode"
#define TU_URI "http://sharejs.org/types/text-unicode"

/* Largest count a component may carry: JavaScript's largest safe integer. */
#define TU_MAX_COUNT INT64_C(9007199254740991)

typedef enum TuKind
{
	TU_SKIP,
	TU_INSERT,
	TU_DELETE
} TuKind;

typedef struct TuComponent
{
	TuKind		kind;
	int64_t		count;			/* code points skipped, inserted or deleted */
	const char *text;			/* insert text, delete text, or NULL */
	size_t		bytes;			/* length of text in bytes */
	size_t		cap;			/* bytes owned at text, 0 when borrowed */
} TuComponent;

typedef struct TuOp
{
	TuComponent *items;
	size_t		len;
	size_t		cap;
} TuOp;

#define TU_OP_EMPTY {NULL, 0, 0}

/* Building ops component by component. */
TuComponent tu_skip(int64_t n);
TuComponent tu_insert(const char *text, size_t bytes);	/* counts the code points */
TuComponent tu_delete_count(int64_t n);
TuComponent tu_delete_text(const char *text, size_t bytes);
void		tu_push(TuOp *op, TuComponent c, const OtAllocator *a);	/* as given */
void		tu_append(TuOp *op, TuComponent c, const OtAllocator *a);	/* merging */

/*
 * Every count in [0, TU_MAX_COUNT] and so is their sum, so that no count
 * built from the op (or from two such ops) overflows.
 */
OtStatus	tu_check_lengths(const TuOp *op, OtError *err);

/* checkOp: tu_check_lengths, positive counts, no adjacent or trailing skip. */
OtStatus	tu_check(const TuOp *op, OtError *err);

/*
 * normalize: drop empty components, merge neighbours, drop a trailing skip.
 * The op must pass tu_check_lengths.
 */
void		tu_normalize(const TuOp *op, const OtAllocator *a, TuOp *out);

/* apply: the new document, or OT_ERR_NOT_APPLIED when op does not fit doc. */
OtStatus	tu_apply(const char *doc, size_t doc_bytes, const TuOp *op,
					 const OtAllocator *a, char **out, size_t *out_bytes,
					 OtError *err);

/*
 * fit: checks op against a document of length code points without reading
 * it, as apply would, and gives the length after op.  *needs_text is set when
 * op deletes text by content ({"d": "text"}), which only apply can check.
 */
OtStatus	tu_fit(const TuOp *op, int64_t length, int64_t *new_length,
				   bool *needs_text, OtError *err);

/* transform op by other; left means op's insert goes first on a tie. */
OtStatus	tu_transform(const TuOp *op, const TuOp *other, bool left,
						 const OtAllocator *a, TuOp *out, OtError *err);

/* compose: one op with the effect of a then b. */
OtStatus	tu_compose(const TuOp *a_op, const TuOp *b_op,
					   const OtAllocator *a, TuOp *out, OtError *err);

/* compose_all: ops[0..n) in order as one op; ops is used as scratch. */
OtStatus	tu_compose_all(TuOp *ops, size_t n, const OtAllocator *a,
						   TuOp *out, OtError *err);

/* transformPosition: where cursor lands once op is applied. */
int64_t		tu_transform_position(int64_t cursor, const TuOp *op);

/* makeInvertible: counted deletes replaced by the text they remove from doc. */
OtStatus	tu_make_invertible(const TuOp *op, const char *doc, size_t doc_bytes,
							   const OtAllocator *a, TuOp *out, OtError *err);

/* invert an invertible op: inserts become deletes and back. */
OtStatus	tu_invert(const TuOp *op, const OtAllocator *a, TuOp *out,
					  OtError *err);

/* invertWithDoc: invert(makeInvertible(op, doc)). */
OtStatus	tu_invert_with_doc(const TuOp *op, const char *doc, size_t doc_bytes,
							   const OtAllocator *a, TuOp *out, OtError *err);

bool		tu_is_invertible(const TuOp *op);
bool		tu_is_noop(const TuOp *op);

#endif							/* OT_TEXT_UNICODE_H */
