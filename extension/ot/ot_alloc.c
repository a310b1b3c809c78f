/*
 * ot_alloc.c
 *	  Growing arrays and texts with the caller's allocator.
 */
#include "ot_alloc.h"

#include <string.h>

void *
ot_array_reserve(const OtAllocator *a, void *items, size_t len, size_t *cap,
				 size_t item_size)
{
	size_t		new_cap;

	if (len < *cap)
		return items;
	new_cap = *cap ? *cap * 2 : 8;
	items = items ? ot_grow(a, items, *cap * item_size, new_cap * item_size)
		: ot_alloc(a, new_cap * item_size);
	*cap = new_cap;
	return items;
}

void
ot_text_append(const OtAllocator *a, const char **text, size_t *bytes,
			   size_t *cap, const char *more, size_t more_bytes)
{
	size_t		need = *bytes + more_bytes;

	if (*cap < need)
	{
		size_t		new_cap = need < 16 ? 32 : need * 2;
		char	   *buf;

		if (*cap == 0)
		{
			buf = ot_alloc(a, new_cap);
			memcpy(buf, *text, *bytes);
		}
		else
			buf = ot_grow(a, (char *) *text, *cap, new_cap);
		*text = buf;
		*cap = new_cap;
	}
	memcpy((char *) *text + *bytes, more, more_bytes);
	*bytes = need;
}
