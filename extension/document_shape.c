/*
 * document_shape.c
 *	  What the submit path keeps beside a stored snapshot: the document's
 *	  length, where its characters past U+FFFF start (rich-text), and when
 *	  to store a new snapshot.
 *
 * A submit checks an op against this shape instead of reading the document,
 * so its cost does not grow with the document.  Only an op whose check needs
 * the text (deleting text by content; cutting a rich-text document with
 * too many characters past U+FFFF to track) has the document replayed.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/datum.h"
#include "utils/jsonb.h"

#include "pg_ot.h"
#include "work.h"

static Datum
shape_tuple(FunctionCallInfo fcinfo, int natts, Datum *values, bool *nulls)
{
	TupleDesc	desc;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	Assert(desc->natts == natts);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
}

/* The positions array built in the work context, copied out before it goes. */
static Datum
astral_datum(OtWork *w, ArrayType *astral, bool *isnull)
{
	MemoryContext old = MemoryContextSwitchTo(w->caller);
	Datum		copy = astral ? datumCopy(PointerGetDatum(astral), false, -1) : (Datum) 0;

	MemoryContextSwitchTo(old);
	*isnull = astral == NULL;
	return copy;
}

/* ot._measure(type, snapshot, OUT length bigint, OUT astral bigint[]) */
PG_FUNCTION_INFO_V1(pg_ot_measure);
Datum
pg_ot_measure(PG_FUNCTION_ARGS)
{
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));
	ArrayType  *astral;
	int64		length = w.type->measure(PG_GETARG_JSONB_P(1), &astral, &w.alloc);
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = Int64GetDatum(length);
	values[1] = astral_datum(&w, astral, &nulls[1]);
	ot_work_drop(&w);
	PG_RETURN_DATUM(shape_tuple(fcinfo, 2, values, nulls));
}

/*
 * ot._fit(type, op, length, astral,
 *		   OUT length bigint, OUT astral bigint[], OUT needs_text bool)
 * astral NULL: too many to track.
 */
PG_FUNCTION_INFO_V1(pg_ot_fit);
Datum
pg_ot_fit(PG_FUNCTION_ARGS)
{
	OtWork		w;
	ArrayType  *astral;
	bool		needs_text;
	int64		length;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("type, op and length must not be null"));
	w = ot_work_begin(PG_GETARG_TEXT_PP(0));
	astral = PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3);
	length = w.type->fit(PG_GETARG_JSONB_P(1), PG_GETARG_INT64(2), &astral,
						 &needs_text, &w.alloc);
	values[0] = Int64GetDatum(length);
	values[1] = astral_datum(&w, astral, &nulls[1]);
	values[2] = BoolGetDatum(needs_text);
	ot_work_drop(&w);
	PG_RETURN_DATUM(shape_tuple(fcinfo, 3, values, nulls));
}

/*
 * ot._snapshot_due(tail_ops, tail_bytes, snapshot_bytes): store a snapshot
 * once pg_ot.snapshot_interval ops follow the last one, or once they
 * outweigh it.  Either way the snapshot's writes are paid for by the ops
 * since the last one, so a keystroke never costs the document's size.
 */
PG_FUNCTION_INFO_V1(pg_ot_snapshot_due);
Datum
pg_ot_snapshot_due(PG_FUNCTION_ARGS)
{
	int64		tail_ops = PG_GETARG_INT64(0);
	int64		tail_bytes = PG_GETARG_INT64(1);
	int64		snapshot_bytes = PG_GETARG_INT64(2);

	PG_RETURN_BOOL(tail_ops >= pg_ot_snapshot_interval ||
				   tail_bytes >= snapshot_bytes);
}
