/*
 * rich_text.h
 *	  The rich-text OT type (npm rich-text 4.1.0 on quill-delta 4.2.2; invert
 *	  as quill-delta 5.1.0) over UTF-8 text.
 *
 * An op (a delta) is a list of components:
 *	 insert "text" or an embed (any other JSON value, length 1), with attributes
 *	 retain N, with attributes (a null attribute removes it)
 *	 delete N
 * Lengths count UTF-16 code units, as JavaScript strings do: a character past
 * U+FFFF counts 2.  A document is a delta of inserts only.  Outputs are built
 * exactly as quill-delta's push and chop build them.  Where the reference
 * accepts input that cannot be right (retaining or deleting past the end of
 * the document, splitting a surrogate pair) these functions reject it.
 *
 * Texts, embeds and attributes may point into the caller's buffers.
 */
#ifndef OT_RICH_TEXT_H
#define OT_RICH_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_value.h"
#include "ot_alloc.h"
#include "ot_error.h"

#define RT_NAME "rich-text"
#define RT_URI "http://sharejs.org/types/rich-text/v1"

/* Largest length a component may carry: JavaScript's largest safe integer. */
#define RT_MAX_LENGTH INT64_C(9007199254740991)

typedef enum RtKind
{
	RT_INSERT,
	RT_RETAIN,
	RT_DELETE
} RtKind;

typedef struct RtComponent
{
	RtKind		kind;
	int64_t		length;			/* UTF-16 units; an embed is 1 */
	const char *text;			/* a text insert, else NULL */
	size_t		bytes;			/* length of text in bytes */
	size_t		cap;			/* bytes owned at text, 0 when borrowed */
	const OtJson *embed;		/* an embed insert, else NULL */
	const OtJson *attributes;	/* an object, or NULL when absent */
} RtComponent;

typedef struct RtOp
{
	RtComponent *items;
	size_t		len;
	size_t		cap;
} RtOp;

#define RT_OP_EMPTY {NULL, 0, 0}

RtComponent rt_text(const char *text, size_t bytes, const OtJson *attributes);
RtComponent rt_embed(const OtJson *embed, const OtJson *attributes);
RtComponent rt_retain(int64_t n, const OtJson *attributes);
RtComponent rt_delete(int64_t n);

/* Appends c as it is, as new Delta(ops) keeps its input. */
void		rt_push_raw(RtOp *op, RtComponent c, const OtAllocator *a);

/*
 * Lengths positive, texts non-empty, and the sum of the lengths at most
 * RT_MAX_LENGTH, so that no length built from such ops overflows.
 */
OtStatus	rt_check(const RtOp *op, OtError *err);

bool		rt_is_document(const RtOp *op);

/* apply = compose onto a document; the op must fit within it. */
OtStatus	rt_apply(const RtOp *doc, const RtOp *op, const OtAllocator *a,
					 RtOp *out, OtError *err);

OtStatus	rt_compose(const RtOp *a_op, const RtOp *b_op, const OtAllocator *a,
					   RtOp *out, OtError *err);

/* compose_all: ops[0..n) in order as one op; ops is used as scratch. */
OtStatus	rt_compose_all(RtOp *ops, size_t n, const OtAllocator *a,
						   RtOp *out, OtError *err);

/* The length of a document in UTF-16 units. */
int64_t		rt_document_length(const RtOp *doc);

/*
 * Where a document's characters past U+FFFF (two UTF-16 units each) start,
 * in increasing order: what tells, without the text, whether a cut splits a
 * surrogate pair.  Past RT_ASTRAL_MAX of them they are untracked.
 */
#define RT_ASTRAL_MAX 1024

typedef struct RtAstral
{
	int64_t    *at;
	size_t		len;
	size_t		cap;
	bool		untracked;
} RtAstral;

void		rt_astral_of(const RtOp *doc, const OtAllocator *a, RtAstral *out);

/*
 * fit: checks op against a document of length units with its characters
 * past U+FFFF at astral, as apply would, without the text; gives the length
 * and the positions after op.  When astral is untracked the cuts cannot be
 * checked: *needs_text is set if op cuts the document, and out is untracked.
 */
OtStatus	rt_fit(const RtOp *op, int64_t length, const RtAstral *astral,
				   const OtAllocator *a, int64_t *new_length, RtAstral *out,
				   bool *needs_text, OtError *err);

/*
 * transform op by other.  As rich-text maps side onto quill-delta's
 * priority, left gives other the priority: other's inserts at the same place
 * go first and its attributes win.
 */
OtStatus	rt_transform(const RtOp *op, const RtOp *other, bool left,
						 const OtAllocator *a, RtOp *out, OtError *err);

/* quill-delta's transformPosition; transformCursor passes !is_own_op. */
int64_t		rt_transform_position(int64_t index, const RtOp *op, bool priority);

/* The op that undoes op on base, a document op fits within. */
OtStatus	rt_invert(const RtOp *op, const RtOp *base, const OtAllocator *a,
					  RtOp *out, OtError *err);

#endif							/* OT_RICH_TEXT_H */
