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

/*
 * Makes room for one more item in an array of len items with room for *cap:
 * returns the array, grown (doubling) when it was full.
 */
void	   *ot_array_reserve(const OtAllocator *a, void *items, size_t len,
							 size_t *cap, size_t item_size);

/*
 * Appends more to a text of *bytes bytes.  A text with *cap 0 is borrowed
 * and is copied on first growth; an owned one grows in place or doubles.
 */
void		ot_text_append(const OtAllocator *a, const char **text, size_t *bytes,
						   size_t *cap, const char *more, size_t more_bytes);

#endif							/* OT_ALLOC_H */
