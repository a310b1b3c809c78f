/*
 * document_shape.c
 *	  What the submit path keeps beside a stored snapshot: the document's
 *	  length, whether it may hold characters past U+FFFF, and when to store a
 *	  new snapshot.
 *
 * A submit checks an op against this shape instead of reading the document,
 * so its cost does not grow with the document.  Only an op whose check needs
 * the text (deleting text by content, or cutting a rich-text document that
 * may hold surrogate pairs) has the document replayed.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/jsonb.h"

#include "pg_ot.h"
#include "work.h"

static Datum
shape_tuple(FunctionCallInfo fcinfo, int natts, Datum *values)
{
	TupleDesc	desc;
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	Assert(desc->natts == natts);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
}

/* ot._measure(type, snapshot, OUT length bigint, OUT astral bool) */
PG_FUNCTION_INFO_V1(pg_ot_measure);
Datum
pg_ot_measure(PG_FUNCTION_ARGS)
{
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));
	bool		astral;
	int64		length = w.type->measure(PG_GETARG_JSONB_P(1), &astral, &w.alloc);
	Datum		values[2];

	ot_work_drop(&w);
	values[0] = Int64GetDatum(length);
	values[1] = BoolGetDatum(astral);
	PG_RETURN_DATUM(shape_tuple(fcinfo, 2, values));
}

/*
 * ot._fit(type, op, length, astral,
 *		   OUT length bigint, OUT astral bool, OUT needs_text bool)
 */
PG_FUNCTION_INFO_V1(pg_ot_fit);
Datum
pg_ot_fit(PG_FUNCTION_ARGS)
{
	OtWork		w = ot_work_begin(PG_GETARG_TEXT_PP(0));
	bool		astral = PG_GETARG_BOOL(3);
	bool		needs_text;
	int64		length = w.type->fit(PG_GETARG_JSONB_P(1), PG_GETARG_INT64(2),
									 &astral, &needs_text, &w.alloc);
	Datum		values[3];

	ot_work_drop(&w);
	values[0] = Int64GetDatum(length);
	values[1] = BoolGetDatum(astral);
	values[2] = BoolGetDatum(needs_text);
	PG_RETURN_DATUM(shape_tuple(fcinfo, 3, values));
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
