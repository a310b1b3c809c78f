/*
 * pg_alloc.h
 *	  The OT core's allocator over a PostgreSQL memory context.
 */
#ifndef PG_OT_PG_ALLOC_H
#define PG_OT_PG_ALLOC_H

#include "postgres.h"

#include "ot/ot_alloc.h"

/* An allocator that pallocs in cxt; everything goes when cxt does. */
OtAllocator pg_ot_allocator(MemoryContext cxt);

#endif							/* PG_OT_PG_ALLOC_H */
