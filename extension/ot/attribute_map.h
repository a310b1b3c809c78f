/*
 * attribute_map.h
 *	  rich-text attributes: quill-delta's AttributeMap.
 *
 * An attribute map is an OJ_OBJECT, or NULL where JavaScript has undefined.
 * In a retain, a null value removes the attribute.
 */
#ifndef OT_ATTRIBUTE_MAP_H
#define OT_ATTRIBUTE_MAP_H

#include <stdbool.h>

#include "json_value.h"

/* b's attributes over a's; nulls of b dropped unless keep_null. */
const OtJson *rt_attr_compose(const OtJson *a, const OtJson *b, bool keep_null,
							  const OtAllocator *alloc);

/* b's attributes once a is applied; with priority a's keys win. */
const OtJson *rt_attr_transform(const OtJson *a, const OtJson *b, bool priority,
								const OtAllocator *alloc);

/* The attributes that undo attr on text formatted with base. */
const OtJson *rt_attr_invert(const OtJson *attr, const OtJson *base,
							 const OtAllocator *alloc);

/* isEqual of two maps, either of which may be undefined. */
bool		rt_attr_equal(const OtJson *a, const OtJson *b);

#endif							/* OT_ATTRIBUTE_MAP_H */
