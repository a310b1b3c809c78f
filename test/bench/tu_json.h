/*
 * tu_json.h
 *	  Reading text-unicode ops from jansson values, for the benchmark.
 */
#ifndef BENCH_TU_JSON_H
#define BENCH_TU_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "text_unicode.h"

/*
 * Builds op from a JSON array of components (N, "insert", {"d": N},
 * {"d": "text"}); texts are copied with a, so op outlives the JSON.  Returns
 * false with a message in msg for anything else.  The op is not checked:
 * call tu_check for that.
 */
bool		tu_op_from_json(const json_t *arr, const OtAllocator *a, TuOp *op,
							char *msg, size_t msg_len);

#endif							/* BENCH_TU_JSON_H */
