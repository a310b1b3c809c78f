/*
 * json_value.c
 *	  Comparing and building JSON values for the OT core.
 */
#include "json_value.h"

#include <string.h>

const OtJson *
ot_json_get(const OtJson *object, const char *key, size_t key_len)
{
	if (object == NULL || object->kind != OJ_OBJECT)
		return NULL;
	for (size_t i = 0; i < object->len; i++)
	{
		const OtJsonMember *m = &object->members[i];

		if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
			return m->value;
	}
	return NULL;
}

bool
ot_json_strict_equal(const OtJson *a, const OtJson *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind)
	{
		case OJ_NULL:
		case OJ_FALSE:
		case OJ_TRUE:
			return true;
		case OJ_NUMBER:
			return a->number == b->number;
		case OJ_STRING:
			return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
		case OJ_ARRAY:
		case OJ_OBJECT:
			break;
	}
	return false;
}

bool
ot_json_equal(const OtJson *a, const OtJson *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == OJ_ARRAY)
	{
		if (a->len != b->len)
			return false;
		for (size_t i = 0; i < a->len; i++)
			if (!ot_json_equal(&a->items[i], &b->items[i]))
				return false;
		return true;
	}
	if (a->kind == OJ_OBJECT)
	{
		if (a->len != b->len)
			return false;
		for (size_t i = 0; i < a->len; i++)
		{
			const OtJsonMember *m = &a->members[i];
			const OtJson *other = ot_json_get(b, m->key, m->key_len);

			if (other == NULL || !ot_json_equal(m->value, other))
				return false;
		}
		return true;
	}
	return ot_json_strict_equal(a, b);
}

const OtJson ot_json_null = {OJ_NULL, 0, NULL, NULL, 0, NULL, NULL};

const OtJson *
ot_json_object_or_null(const OtJsonMember *members, size_t n,
					   const OtAllocator *a)
{
	OtJson	   *object;

	if (n == 0)
		return NULL;
	object = ot_alloc(a, sizeof(OtJson));
	memset(object, 0, sizeof(OtJson));
	object->kind = OJ_OBJECT;
	object->len = n;
	object->members = members;
	return object;
}
