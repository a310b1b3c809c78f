/*
 * ot_alloc.h
 *	  The allocator the OT core is given by its caller.
 *
 * The core never calls malloc or free.  Callers pass an allocator whose
 * memory lives until the caller releases it all at once: a PostgreSQL
 * memory context in the extension, an arena in the fuzzer and the benchmark.
 * The core therefore never frees what it allocates.  alloc and grow must not
 * return NULL: they either succeed or do not return (palloc raises an error).
 */
#ifndef OT_ALLOC_H
#define OT_ALLOC_H

#include <stddef.h>

typedef struct OtAllocator
{
	void	   *(*alloc) (void *ctx, size_t size);
	/* Returns a block of new_size holding the old_size bytes of ptr. */
	void	   *(*grow) (void *ctx, void *ptr, size_t old_size, size_t new_size);
	void	   *ctx;
} OtAllocator;

static inline void *
ot_alloc(const OtAllocator *a, size_t size)
{
	return a->alloc(a->ctx, size);
}

static inline void *
ot_grow(const OtAllocator *a, void *ptr, size_t old_size, size_t new_size)
{
	return a->grow(a->ctx, ptr, old_size, new_size);
}

#endif							/* OT_ALLOC_H */
