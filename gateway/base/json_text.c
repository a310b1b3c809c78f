/*
 * json_text.c: frames assembled from JSON the gateway does not parse (see
 * json_text.h).
 *
 * May call: base/alloc, base/text.
 */
#include "base/json_text.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

static void
put(JsonText *t, const char *bytes, size_t n)
{
	text_add(&t->text, bytes, n);
}

static void
separate(JsonText *t)
{
	if (!t->empty)
		put(t, ",", 1);
	t->empty = false;
}

void
json_text_open(JsonText *t)
{
	text_init(&t->text, 0);
	t->empty = true;
	put(t, "{", 1);
}

void
json_text_members(JsonText *t, const json_t *object)
{
	char	   *text = json_dumps(object, JSON_COMPACT);
	size_t		n;

	if (text == NULL)
		out_of_memory();
	n = strlen(text);
	if (n > 2)					/* "{...}" without its braces */
	{
		separate(t);
		put(t, text + 1, n - 2);
	}
	free(text);
}

void
json_text_raw_member(JsonText *t, const char *key, const char *raw, size_t len)
{
	json_t	   *k = json_string_nocheck(key);	/* ids came in as JSON strings */
	char	   *text = k ? json_dumps(k, JSON_ENCODE_ANY) : NULL;

	if (text == NULL)
		out_of_memory();
	separate(t);
	put(t, text, strlen(text));
	put(t, ":", 1);
	put(t, raw, len);
	free(text);
	json_decref(k);
}

void
json_text_raw_members(JsonText *t, const char *raw, size_t len)
{
	size_t		start = 0,
				end = len;

	/* PostgreSQL prints an object as "{...}"; "{}" has no members. */
	while (start < end && raw[start] != '{')
		start++;
	while (end > start && raw[end - 1] != '}')
		end--;
	if (end - start <= 2)
		return;
	separate(t);
	put(t, raw + start + 1, end - start - 2);
}

char *
json_text_close(JsonText *t, size_t *len)
{
	char	   *text;

	put(t, "}", 1);
	text = t->text.buf;
	*len = t->text.len;
	t->text.buf = NULL;
	return text;
}

Frame *
json_text_frame(JsonText *t)
{
	size_t		len;
	char	   *text = json_text_close(t, &len);
	Frame	   *f = frame_from_bytes(text, len);

	free(text);
	return f;
}

void
json_text_free(JsonText *t)
{
	text_free(&t->text);
}
