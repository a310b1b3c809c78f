/*
 * rt_json.c
 *	  Reading rich-text ops from jansson values, for the benchmark.
 */
#include "rt_json.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

static const char *
copy_bytes(const char *s, size_t len, const OtAllocator *a)
{
	char	   *p = ot_alloc(a, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static void
fill_value(OtJson *v, const json_t *j, const OtAllocator *a)
{
	memset(v, 0, sizeof(OtJson));
	switch (json_typeof(j))
	{
		case JSON_NULL:
			v->kind = OJ_NULL;
			break;
		case JSON_FALSE:
			v->kind = OJ_FALSE;
			break;
		case JSON_TRUE:
			v->kind = OJ_TRUE;
			break;
		case JSON_INTEGER:
		case JSON_REAL:
			v->kind = OJ_NUMBER;
			v->number = json_number_value(j);
			break;
		case JSON_STRING:
			v->kind = OJ_STRING;
			v->len = json_string_length(j);
			v->str = copy_bytes(json_string_value(j), v->len, a);
			break;
		case JSON_ARRAY:
			{
				OtJson	   *items;
				size_t		i;
				const json_t *item;

				v->kind = OJ_ARRAY;
				v->len = json_array_size(j);
				v->items = items = ot_alloc(a, v->len * sizeof(OtJson));
				json_array_foreach(j, i, item)
					fill_value(&items[i], item, a);
				break;
			}
		case JSON_OBJECT:
			{
				OtJsonMember *members;
				const char *key;
				const json_t *value;
				size_t		i = 0;

				v->kind = OJ_OBJECT;
				v->len = json_object_size(j);
				v->members = members = ot_alloc(a, v->len * sizeof(OtJsonMember));
				json_object_foreach((json_t *) j, key, value)
				{
					members[i].key_len = strlen(key);
					members[i].key = copy_bytes(key, members[i].key_len, a);
					members[i].value = rt_json_value(value, a);
					i++;
				}
				break;
			}
	}
}

const OtJson *
rt_json_value(const json_t *j, const OtAllocator *a)
{
	OtJson	   *v = ot_alloc(a, sizeof(OtJson));

	fill_value(v, j, a);
	return v;
}

/* A positive whole number that fits a length; 2.0 counts, as in JavaScript. */
static bool
read_length(const json_t *j, int64_t *n)
{
	double		d;

	if (json_is_integer(j))
	{
		*n = json_integer_value(j);
		return *n > 0 && *n <= RT_MAX_LENGTH;
	}
	if (!json_is_real(j))
		return false;
	d = json_real_value(j);
	*n = (int64_t) d;
	return d >= 1 && d <= (double) RT_MAX_LENGTH && (double) *n == d;
}

/* One {"insert"|"retain"|"delete": ..., "attributes": {...}} component. */
static bool
read_component(const json_t *c, const OtAllocator *a, RtComponent *out,
			   char *msg, size_t msg_len, size_t index)
{
	const json_t *insert = json_object_get(c, "insert");
	const json_t *retain = json_object_get(c, "retain");
	const json_t *del = json_object_get(c, "delete");
	const json_t *attributes = json_object_get(c, "attributes");
	const OtJson *attr = NULL;
	int64_t		n;

	if (!json_is_object(c) ||
		(insert != NULL) + (retain != NULL) + (del != NULL) != 1 ||
		json_object_size(c) != 1 + (attributes != NULL))
	{
		snprintf(msg, msg_len, "component %zu must have exactly one of insert, retain and delete", index);
		return false;
	}
	if (attributes != NULL)
	{
		if (!json_is_object(attributes) || del != NULL)
		{
			snprintf(msg, msg_len, "component %zu has attributes that are not an object, or on a delete", index);
			return false;
		}
		attr = rt_json_value(attributes, a);
	}
	if (insert != NULL && json_is_string(insert))
	{
		size_t		bytes = json_string_length(insert);

		if (!ot_utf8_valid(json_string_value(insert), bytes))
		{
			snprintf(msg, msg_len, "component %zu inserts a text with a NUL", index);
			return false;
		}
		*out = rt_text(copy_bytes(json_string_value(insert), bytes, a), bytes, attr);
	}
	else if (insert != NULL)
	{
		/* JavaScript takes these falsy embeds for no insert at all. */
		if (json_is_null(insert) || json_is_false(insert) ||
			(json_is_number(insert) && json_number_value(insert) == 0))
		{
			snprintf(msg, msg_len, "component %zu inserts an embed that is null, false or 0", index);
			return false;
		}
		*out = rt_embed(rt_json_value(insert, a), attr);
	}
	else if (!read_length(retain ? retain : del, &n))
	{
		snprintf(msg, msg_len, "component %zu has a length that is not a positive whole number", index);
		return false;
	}
	else
		*out = retain ? rt_retain(n, attr) : rt_delete(n);
	return true;
}

bool
rt_op_from_json(const json_t *delta, const OtAllocator *a, RtOp *op,
				char *msg, size_t msg_len)
{
	size_t		i;
	const json_t *c;

	*op = (RtOp) RT_OP_EMPTY;
	if (json_is_object(delta) && json_object_size(delta) == 1)
		delta = json_object_get(delta, "ops");
	if (!json_is_array(delta))
	{
		snprintf(msg, msg_len, "delta is neither an array nor {\"ops\": [...]}");
		return false;
	}
	json_array_foreach(delta, i, c)
	{
		RtComponent component;

		if (!read_component(c, a, &component, msg, msg_len, i))
			return false;
		rt_push_raw(op, component, a);
	}
	return true;
}
