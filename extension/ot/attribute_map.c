/*
 * attribute_map.c
 *	  rich-text attributes, ported from quill-delta's AttributeMap.
 */
#include "attribute_map.h"

static size_t
count_of(const OtJson *map)
{
	return map ? map->len : 0;
}

static OtJsonMember *
members_for(size_t n, const OtAllocator *alloc)
{
	return n ? ot_alloc(alloc, n * sizeof(OtJsonMember)) : NULL;
}

static bool
has_key(const OtJson *map, const OtJsonMember *m)
{
	return ot_json_get(map, m->key, m->key_len) != NULL;
}

const OtJson *
rt_attr_compose(const OtJson *a, const OtJson *b, bool keep_null,
				const OtAllocator *alloc)
{
	OtJsonMember *out = members_for(count_of(a) + count_of(b), alloc);
	size_t		n = 0;

	for (size_t i = 0; i < count_of(b); i++)
		if (keep_null || b->members[i].value->kind != OJ_NULL)
			out[n++] = b->members[i];
	for (size_t i = 0; i < count_of(a); i++)
		if (!has_key(b, &a->members[i]))
			out[n++] = a->members[i];
	return ot_json_object_or_null(out, n, alloc);
}

const OtJson *
rt_attr_transform(const OtJson *a, const OtJson *b, bool priority,
				  const OtAllocator *alloc)
{
	OtJsonMember *out;
	size_t		n = 0;

	if (a == NULL || b == NULL || !priority)
		return a == NULL || !priority ? b : NULL;
	out = members_for(b->len, alloc);
	for (size_t i = 0; i < b->len; i++)
		if (!has_key(a, &b->members[i]))
			out[n++] = b->members[i];
	return ot_json_object_or_null(out, n, alloc);
}

const OtJson *
rt_attr_invert(const OtJson *attr, const OtJson *base, const OtAllocator *alloc)
{
	OtJsonMember *out = members_for(count_of(attr) + count_of(base), alloc);
	size_t		n = 0;

	/* Keys the op changed get their base value back... */
	for (size_t i = 0; i < count_of(base); i++)
	{
		const OtJsonMember *m = &base->members[i];
		const OtJson *changed = ot_json_get(attr, m->key, m->key_len);

		if (changed && !ot_json_strict_equal(m->value, changed))
			out[n++] = *m;
	}
	/* ...and keys the base did not have are removed. */
	for (size_t i = 0; i < count_of(attr); i++)
		if (!has_key(base, &attr->members[i]))
		{
			out[n] = attr->members[i];
			out[n++].value = &ot_json_null;
		}
	return ot_json_object_or_null(out, n, alloc);
}

bool
rt_attr_equal(const OtJson *a, const OtJson *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return ot_json_equal(a, b);
}
