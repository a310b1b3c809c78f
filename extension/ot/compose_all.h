/*
 * compose_all.h
 *	  Composing a run of ops into one, pairwise.
 *
 * Replaying the ops since a snapshot as one composed op costs one pass over
 * the document instead of one per op.  Composing pairwise (1+2, 3+4, then
 * (1+2)+(3+4), ...) keeps the work at n log n in the ops' size, where a left
 * fold grows the accumulated op at every step.
 */
#ifndef OT_COMPOSE_ALL_H
#define OT_COMPOSE_ALL_H

#include <stddef.h>

#include "ot_alloc.h"
#include "ot_error.h"

/* Replaces ops[i] by compose(ops[i], ops[j]) for the type at hand. */
typedef OtStatus (*OtComposeStep) (void *ops, size_t i, size_t j,
								   const OtAllocator *a, OtError *err);

/* Composes ops[0..n) in order into ops[0]; n must be at least 1. */
OtStatus	ot_compose_pairwise(void *ops, size_t n, OtComposeStep step,
								const OtAllocator *a, OtError *err);

#endif							/* OT_COMPOSE_ALL_H */
