/*
 * json0_subtype.h
 *	  The subtypes json0 embeds in a document: a component {p, t, o} hands
 *	  its o to the subtype named t.  ot-json0 1.1.0 keys its registered
 *	  subtypes by name; these are text0 (ot-json0 registers it itself),
 *	  text-unicode (ot-text-unicode 4.0.0) and rich-text (rich-text 4.1.0),
 *	  as ShareDB applications register them with json0.registerSubtype.
 *
 * A text-unicode value in the document is a JSON string; a rich-text value
 * is a delta {"ops": [...]} (what rich-text's apply returns, a quill-delta
 * Delta, and how JSON holds it).
 *
 * Owns: the subtype table and the adapters between J0 values and each
 * subtype's own ops.  May call: text0.c, text_unicode.c, rich_text.c,
 * json0_json.c.  Every function longjmps through cx on an error.
 */
#ifndef OT_JSON0_SUBTYPE_H
#define OT_JSON0_SUBTYPE_H

#include "json0_json.h"

typedef struct J0Subtype
{
	const char *name;
	/* subtype.apply(snapshot, o); snapshot is NULL for undefined */
	J0		   *(*apply) (J0Ctx *cx, J0 *snapshot, J0 *o);
	J0		   *(*compose) (J0Ctx *cx, J0 *a, J0 *b);
	/* NULL when the subtype has none (rich-text): json0's invert throws */
	J0		   *(*invert) (J0Ctx *cx, J0 *o);
	J0		   *(*transform) (J0Ctx *cx, J0 *o, J0 *other, bool left);
} J0Subtype;

/* The subtype registered as t (a string), or NULL: subtypes[c.t]. */
const J0Subtype *j0_subtype(const J0 *t);

#endif							/* OT_JSON0_SUBTYPE_H */
