/*
 * frame.c: reference-counted outgoing frames (see frame.h).
 *
 * May call: base/alloc.
 */
#include "base/frame.h"

#include "base/alloc.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Frame *
frame_from_bytes(const char *bytes, size_t len)
{
	Frame	   *f = xmalloc(sizeof(Frame) + LWS_PRE + len + 1);

	f->refs = 1;
	f->len = len;
	f->data = f->buffer + LWS_PRE;
	memcpy(f->data, bytes, len);
	f->data[len] = '\0';
	return f;
}

Frame *
frame_from_json(const json_t *message)
{
	char	   *text = json_dumps(message, JSON_COMPACT);
	Frame	   *f;

	if (text == NULL)
		out_of_memory();
	f = frame_from_bytes(text, strlen(text));
	free(text);
	return f;
}

Frame *
frame_ref(Frame *f)
{
	f->refs++;
	return f;
}

void
frame_unref(Frame *f)
{
	if (f && --f->refs == 0)
		free(f);
}
