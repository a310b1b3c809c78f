/*
 * text.c: a growing text (see text.h).
 *
 * May call: base/alloc.
 */
#include "base/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

void
text_init(Text *t, size_t pre)
{
	t->pre = pre;
	t->cap = 256;
	t->len = 0;
	t->buf = xmalloc(pre + t->cap);
	t->buf[pre] = '\0';
}

/* Room for n more bytes and the NUL. */
static void
reserve(Text *t, size_t n)
{
	if (t->buf == NULL)
		text_init(t, t->pre);
	if (t->len + n + 1 <= t->cap)
		return;
	while (t->len + n + 1 > t->cap)
		t->cap *= 2;
	t->buf = xrealloc(t->buf, t->pre + t->cap);
}

void
text_add(Text *t, const char *bytes, size_t n)
{
	reserve(t, n);
	if (n == 0)
		return;
	memcpy(t->buf + t->pre + t->len, bytes, n);
	t->len += n;
	t->buf[t->pre + t->len] = '\0';
}

void
text_addf(Text *t, const char *fmt,...)
{
	va_list		ap;
	int			n;

	reserve(t, 0);
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->pre + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t) n >= t->cap - t->len)
	{
		reserve(t, (size_t) n);
		va_start(ap, fmt);
		vsnprintf(t->buf + t->pre + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
	}
	t->len += (size_t) n;
}

char *
text_str(const Text *t)
{
	return t->buf + t->pre;
}

void
text_free(Text *t)
{
	free(t->buf);
	t->buf = NULL;
	t->len = t->cap = 0;
}
