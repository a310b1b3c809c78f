/*
 * pg_alloc.c
 *	  The OT core's allocator over a PostgreSQL memory context.
 */
#include "pg_alloc.h"

static void *
context_alloc(void *ctx, size_t size)
{
	return MemoryContextAlloc((MemoryContext) ctx, size);
}

static void *
context_grow(void *ctx, void *ptr, size_t old_size, size_t new_size)
{
	(void) ctx;
	(void) old_size;
	return repalloc(ptr, new_size);
}

OtAllocator
pg_ot_allocator(MemoryContext cxt)
{
	OtAllocator a = {context_alloc, context_grow, cxt};

	return a;
}
