/*
 * text.h: a growing text, for what the gateway assembles out of pieces (a
 * frame around JSON it forwards as it is, a query's diff, the LISTEN
 * statements, the /metrics page, a submit batch).
 *
 * The text is NUL-terminated after its len bytes, and may keep pre bytes
 * free before it (LWS_PRE, for lws_write).  A Text of zeros is an empty
 * one without pre bytes (its buffer comes with the first byte).  Out of memory ends the process
 * (base/alloc.h).
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_TEXT_H
#define PG_OT_GATEWAY_TEXT_H

#include <stddef.h>

typedef struct Text
{
	char	   *buf;			/* pre bytes, then the text */
	size_t		len;			/* of the text */
	size_t		cap;			/* bytes of buf after pre */
	size_t		pre;
} Text;

/* An empty text with pre bytes free before it. */
void		text_init(Text *t, size_t pre);
void		text_add(Text *t, const char *bytes, size_t n);
void		text_addf(Text *t, const char *fmt,...) __attribute__((format(printf, 2, 3)));
/* The text itself (after the pre bytes). */
char	   *text_str(const Text *t);
void		text_free(Text *t);

#endif
