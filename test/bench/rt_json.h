/*
 * rt_json.h
 *	  Reading rich-text ops from jansson values, for the benchmark.
 */
#ifndef BENCH_RT_JSON_H
#define BENCH_RT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "rich_text.h"

/*
 * A copy of a jansson value as the core's OtJson, made with a.  Numbers keep
 * only their double (the benchmark never writes them back).
 */
const OtJson *rt_json_value(const json_t *j, const OtAllocator *a);

/*
 * Builds op from a delta, a JSON array of components or {"ops": [...]}:
 * {"insert": "text" or an embed}, {"retain": N} (both with an optional
 * "attributes" object) and {"delete": N}.  Components are pushed raw, as the
 * extension reads them; everything is copied with a, so op outlives the
 * JSON.  Returns false with a message in msg for anything else.  Lengths are
 * not checked: call rt_check for that.
 */
bool		rt_op_from_json(const json_t *delta, const OtAllocator *a, RtOp *op,
							char *msg, size_t msg_len);

#endif							/* BENCH_RT_JSON_H */
