/*
 * work.c
 *	  A call on an OT type in its own short-lived memory context.
 */
#include "work.h"

#include "utils/memutils.h"

#include "pg_alloc.h"

OtWork
ot_work_begin(const text *type_name)
{
	OtWork		w;

	w.type = ot_type_lookup(type_name);
	w.caller = CurrentMemoryContext;
	w.cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_ot work",
								  ALLOCSET_DEFAULT_SIZES);
	w.alloc = pg_ot_allocator(w.cxt);
	MemoryContextSwitchTo(w.cxt);
	return w;
}

Jsonb *
ot_work_end(OtWork *w, JsonbValue *result)
{
	Jsonb	   *jb;

	MemoryContextSwitchTo(w->caller);
	jb = JsonbValueToJsonb(result);
	MemoryContextDelete(w->cxt);
	return jb;
}

void
ot_work_drop(OtWork *w)
{
	MemoryContextSwitchTo(w->caller);
	MemoryContextDelete(w->cxt);
}
