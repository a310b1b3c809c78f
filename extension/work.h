/*
 * work.h
 *	  A call on an OT type in its own short-lived memory context.
 *
 * The core's ops and texts live in the work context; only the result is
 * built in the caller's.  On error the work context goes with the caller's,
 * so no PG_TRY is needed.
 */
#ifndef PG_OT_WORK_H
#define PG_OT_WORK_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "ot_type.h"

typedef struct OtWork
{
	const OtType *type;
	MemoryContext caller;
	MemoryContext cxt;
	OtAllocator alloc;
} OtWork;

/* Begins a call on the type named by type_name (a name or URI). */
OtWork		ot_work_begin(const text *type_name);

/* Builds result as jsonb in the caller's context and drops the work. */
Jsonb	   *ot_work_end(OtWork *w, JsonbValue *result);

/* Drops the work, back in the caller's context. */
void		ot_work_drop(OtWork *w);

#endif							/* PG_OT_WORK_H */
