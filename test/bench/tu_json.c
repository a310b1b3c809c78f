/*
 * tu_json.c
 *	  Reading text-unicode ops from jansson values, for the benchmark.
 */
#include "tu_json.h"

#include <stdio.h>
#include <string.h>

static const char *
copy_text(const json_t *s, const OtAllocator *a, size_t *bytes)
{
	size_t		len = json_string_length(s);
	char	   *p = ot_alloc(a, len + 1);

	memcpy(p, json_string_value(s), len);
	p[len] = '\0';
	*bytes = len;
	return p;
}

bool
tu_op_from_json(const json_t *arr, const OtAllocator *a, TuOp *op,
				char *msg, size_t msg_len)
{
	size_t		i;
	const json_t *c;

	*op = (TuOp) TU_OP_EMPTY;
	if (!json_is_array(arr))
	{
		snprintf(msg, msg_len, "op is not an array");
		return false;
	}
	json_array_foreach(arr, i, c)
	{
		const json_t *d;
		const char *text;
		size_t		bytes;

		if (json_is_integer(c))
			tu_push(op, tu_skip(json_integer_value(c)), a);
		else if (json_is_string(c))
		{
			text = copy_text(c, a, &bytes);
			tu_push(op, tu_insert(text, bytes), a);
		}
		else if (json_is_object(c) && json_object_size(c) == 1 &&
				 (d = json_object_get(c, "d")) != NULL)
		{
			if (json_is_integer(d))
				tu_push(op, tu_delete_count(json_integer_value(d)), a);
			else if (json_is_string(d))
			{
				text = copy_text(d, a, &bytes);
				tu_push(op, tu_delete_text(text, bytes), a);
			}
			else
			{
				snprintf(msg, msg_len, "component %zu: d is neither an integer nor a string", i);
				return false;
			}
		}
		else
		{
			snprintf(msg, msg_len, "component %zu is not a skip, an insert or a delete", i);
			return false;
		}
	}
	return true;
}
