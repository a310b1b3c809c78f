/*
 * json0_json.h
 *	  The JSON value model of the json0 type: mutable trees as JavaScript
 *	  holds parsed JSON, with strings in UTF-16 code units (json0's and
 *	  text0's offsets count them), a JSON reader and a writer.
 *
 * Owns: J0 values, their parse from UTF-8 JSON text and their print back
 * (numbers printed as JavaScript prints them, js_number.c).  May call: the
 * caller's allocator only.  Errors (malformed text, lone surrogates when
 * printing for jsonb, integers beyond 2^53) longjmp to the J0Ctx's handler
 * with a message.
 */
#ifndef OT_JSON0_JSON_H
#define OT_JSON0_JSON_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ot_alloc.h"

typedef enum J0Kind
{
	J0_NULL, J0_FALSE, J0_TRUE, J0_NUMBER, J0_STRING, J0_ARRAY, J0_OBJECT
} J0Kind;

typedef struct J0 J0;
struct J0
{
	J0Kind		kind;
	double		num;			/* J0_NUMBER */
	uint16_t   *s;				/* J0_STRING: UTF-16 code units */
	size_t		n;				/* string units; array items; object members */
	size_t		cap;
	J0		  **items;			/* J0_ARRAY items; J0_OBJECT values */
	J0		  **keys;			/* J0_OBJECT keys (J0_STRING), in insertion order */
	unsigned	delta;			/* J0_OBJECT: made a quill-delta Delta (not a plain
								 * Object, which json0's checkObj wants) by the
								 * json0_apply numbered so in its J0Ctx; j0_clone
								 * drops it, as JSON copies do */
};

/* Where an operation's allocations and its error exit live. */
typedef struct J0Ctx
{
	const OtAllocator *a;
	jmp_buf		fail;
	char		message[256];
	int			code;			/* J0_ERR_* */
	unsigned	apply_id;		/* json0_apply calls so far (J0.delta) */
} J0Ctx;

#define J0_ERR_BAD_OP 1			/* the op is malformed or does not apply */
#define J0_ERR_BAD_VALUE 2		/* an argument that is not an op is malformed */
#define J0_ERR_UNSUPPORTED 3	/* refused by design (README) */

/* Records the message and longjmps to cx->fail. */
void		j0_fail(J0Ctx *cx, int code, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 3, 4), noreturn))
#endif
			;

J0		   *j0_new(J0Ctx *cx, J0Kind kind);
J0		   *j0_number(J0Ctx *cx, double v);
J0		   *j0_string(J0Ctx *cx, const uint16_t *s, size_t n);
J0		   *j0_string_ascii(J0Ctx *cx, const char *s);
J0		   *j0_clone(J0Ctx *cx, const J0 *v);
bool		j0_equal(const J0 *a, const J0 *b);	/* deep equality */
/* JavaScript's === between two values from distinct parses. */
bool		j0_strict_equal(const J0 *a, const J0 *b);
bool		j0_str_is(const J0 *s, const char *ascii);

/* Objects. */
J0		   *j0_get(const J0 *obj, const char *ascii_key);
J0		   *j0_get_key(const J0 *obj, const J0 *key);
void		j0_set(J0Ctx *cx, J0 *obj, const char *ascii_key, J0 *v);
void		j0_set_key(J0Ctx *cx, J0 *obj, const J0 *key, J0 *v);
void		j0_delete(J0 *obj, const char *ascii_key);
void		j0_delete_key(J0 *obj, const J0 *key);

/* Arrays. */
void		j0_push(J0Ctx *cx, J0 *arr, J0 *v);
void		j0_insert_at(J0Ctx *cx, J0 *arr, size_t i, J0 *v);
void		j0_remove_at(J0 *arr, size_t i);

/* A string from valid UTF-8 text (J0_ERR_BAD_VALUE otherwise). */
J0		   *j0_string_utf8(J0Ctx *cx, const char *text, size_t len);

/*
 * The UTF-8 text of string s, NUL-terminated, *len its length; a lone
 * surrogate fails (J0_ERR_UNSUPPORTED), as it does for j0_print's strict.
 */
char	   *j0_utf8(J0Ctx *cx, const J0 *s, size_t *len);

/* Parses UTF-8 JSON text (the whole of it). */
J0		   *j0_parse(J0Ctx *cx, const char *text, size_t len);

/*
 * Prints v as JSON.stringify does (keys in insertion order).  strict refuses
 * lone surrogates (jsonb cannot hold them); otherwise they print as \uXXXX.
 * The text is NUL-terminated; *len gets its length.
 */
char	   *j0_print(J0Ctx *cx, const J0 *v, bool strict, size_t *len);

/* js_number.c: the number as JavaScript's String(x) writes it (buf >= 32). */
void		js_number_format(double x, char *buf);

/* Largest integer JavaScript holds exactly: 2^53. */
#define J0_MAX_SAFE 9007199254740992.0

#endif							/* OT_JSON0_JSON_H */
