/*
 * text0.h
 *	  The text0 type (npm ot-json0 1.1.0's lib/text0.js) over J0 values:
 *	  ops are arrays of {p, i} / {p, d} with p in UTF-16 code units.  json0
 *	  embeds it as its subtype "text0" and for the legacy si / sd.
 *
 * Owns: text0's apply, append, compose, transform and invert.  May call:
 * json0_json.c.  Errors longjmp through the J0Ctx with the reference's
 * message.
 */
#ifndef OT_TEXT0_H
#define OT_TEXT0_H

#include "json0_json.h"

J0		   *text0_apply(J0Ctx *cx, J0 *snapshot, J0 *op);
void		text0_append(J0Ctx *cx, J0 *dest, J0 *c);
J0		   *text0_compose(J0Ctx *cx, J0 *op1, J0 *op2);
J0		   *text0_transform(J0Ctx *cx, J0 *op, J0 *other, bool left);
J0		   *text0_invert(J0Ctx *cx, J0 *op);

/*
 * Transforms op by other with the pairwise component transform tc and append
 * (bootstrapTransform.js), shared by text0 and json0.
 */
typedef void (*J0TransformComponent) (J0Ctx *cx, J0 *dest, J0 *c, J0 *other, bool left);
typedef void (*J0Append) (J0Ctx *cx, J0 *dest, J0 *c);
typedef void (*J0CheckOp) (J0Ctx *cx, J0 *op);
J0		   *j0_bootstrap_transform(J0Ctx *cx, J0 *op, J0 *other, bool left,
								   J0TransformComponent tc, J0Append append,
								   J0CheckOp check);

#endif							/* OT_TEXT0_H */
