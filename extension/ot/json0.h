/*
 * json0.h
 *	  The json0 type, identical to npm ot-json0 1.1.0 (ShareDB's default
 *	  type), over J0 values: apply, transform (left/right), compose,
 *	  normalize and invert, with the subtypes text0, text-unicode and
 *	  rich-text (json0_subtype.h) and the legacy si / sd.
 *
 * Owns: json0's semantics.  May call: json0_json.c, json0_subtype.c,
 * text0.c.  Every function
 * longjmps through cx on an error; inputs may be modified (pass copies).
 */
#ifndef OT_JSON0_H
#define OT_JSON0_H

#include "json0_json.h"

#define JSON0_NAME "json0"
#define JSON0_URI "http://sharejs.org/types/JSONv0"

J0		   *json0_apply(J0Ctx *cx, J0 *snapshot, J0 *op);
J0		   *json0_transform(J0Ctx *cx, J0 *op, J0 *other, bool left);
J0		   *json0_compose(J0Ctx *cx, J0 *op1, J0 *op2);
J0		   *json0_normalize(J0Ctx *cx, J0 *op);
J0		   *json0_invert(J0Ctx *cx, J0 *op);

/*
 * ShareDB's server check: a path segment "__proto__" or an Object.prototype
 * name; returns the offending segment or NULL.
 */
const J0   *json0_forbidden_segment(const J0 *op);

#endif							/* OT_JSON0_H */
