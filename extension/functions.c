/*
 * functions.c
 *	  The pure SQL functions of schema ot: apply, transform, compose,
 *	  normalize, transform_cursor, invert and create_data.
 *
 * Each call works in a short-lived memory context that holds the core's ops
 * and texts; only the result is built in the caller's context.  On error the
 * work context goes with the caller's, so no PG_TRY is needed.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "ot_errors.h"
#include "ot_type.h"
#include "pg_alloc.h"
#include "text_unicode_jsonb.h"

PG_MODULE_MAGIC;

typedef struct Work
{
	OtTypeId	type;			/* only text-unicode so far */
	MemoryContext caller;
	MemoryContext cxt;
	OtAllocator alloc;
} Work;

/* Begins a call on the type named by type_name. */
static Work
work_begin(const text *type_name)
{
	Work		w;

	w.type = ot_type_lookup(type_name);
	w.caller = CurrentMemoryContext;
	w.cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_ot work",
								  ALLOCSET_DEFAULT_SIZES);
	w.alloc = pg_ot_allocator(w.cxt);
	MemoryContextSwitchTo(w.cxt);
	return w;
}

/* Builds the result in the caller's context and drops the work context. */
static Jsonb *
work_end(Work *w, JsonbValue *result)
{
	Jsonb	   *jb;

	MemoryContextSwitchTo(w->caller);
	jb = JsonbValueToJsonb(result);
	MemoryContextDelete(w->cxt);
	return jb;
}

static void
check(OtStatus status, const OtError *err)
{
	if (status != OT_OK)
		pg_ot_raise(err);
}

static JsonbValue *
string_result(const char *text, size_t bytes)
{
	JsonbValue *v = palloc(sizeof(JsonbValue));

	v->type = jbvString;
	v->val.string.val = (char *) text;
	v->val.string.len = bytes;
	return v;
}

static bool
side_is_left(const text *side)
{
	char	   *s = text_to_cstring(side);

	if (strcmp(s, "left") == 0)
		return true;
	if (strcmp(s, "right") == 0)
		return false;
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("side must be \"left\" or \"right\", not \"%s\"", s));
	pg_unreachable();
}

PG_FUNCTION_INFO_V1(pg_ot_apply);
Datum
pg_ot_apply(PG_FUNCTION_ARGS)
{
	Jsonb	   *snapshot = PG_GETARG_JSONB_P(1);
	Jsonb	   *op_jb = PG_GETARG_JSONB_P(2);
	Work		w = work_begin(PG_GETARG_TEXT_PP(0));
	const char *doc;
	size_t		doc_bytes;
	char	   *out;
	size_t		out_bytes;
	TuOp		op;
	OtError		err;

	tu_snapshot_text(snapshot, &doc, &doc_bytes);
	tu_op_from_jsonb(op_jb, false, &w.alloc, &op);
	check(tu_apply(doc, doc_bytes, &op, &w.alloc, &out, &out_bytes, &err), &err);
	PG_RETURN_JSONB_P(work_end(&w, string_result(out, out_bytes)));
}

PG_FUNCTION_INFO_V1(pg_ot_transform);
Datum
pg_ot_transform(PG_FUNCTION_ARGS)
{
	Jsonb	   *op_jb = PG_GETARG_JSONB_P(1);
	Jsonb	   *other_jb = PG_GETARG_JSONB_P(2);
	bool		left = side_is_left(PG_GETARG_TEXT_PP(3));
	Work		w = work_begin(PG_GETARG_TEXT_PP(0));
	TuOp		op,
				other,
				out;
	OtError		err;

	tu_op_from_jsonb(op_jb, false, &w.alloc, &op);
	tu_op_from_jsonb(other_jb, false, &w.alloc, &other);
	check(tu_transform(&op, &other, left, &w.alloc, &out, &err), &err);
	PG_RETURN_JSONB_P(work_end(&w, tu_op_to_jsonb_value(&out)));
}

PG_FUNCTION_INFO_V1(pg_ot_compose);
Datum
pg_ot_compose(PG_FUNCTION_ARGS)
{
	Jsonb	   *a_jb = PG_GETARG_JSONB_P(1);
	Jsonb	   *b_jb = PG_GETARG_JSONB_P(2);
	Work		w = work_begin(PG_GETARG_TEXT_PP(0));
	TuOp		a,
				b,
				out;
	OtError		err;

	tu_op_from_jsonb(a_jb, false, &w.alloc, &a);
	tu_op_from_jsonb(b_jb, false, &w.alloc, &b);
	check(tu_compose(&a, &b, &w.alloc, &out, &err), &err);
	PG_RETURN_JSONB_P(work_end(&w, tu_op_to_jsonb_value(&out)));
}

PG_FUNCTION_INFO_V1(pg_ot_normalize);
Datum
pg_ot_normalize(PG_FUNCTION_ARGS)
{
	Jsonb	   *op_jb = PG_GETARG_JSONB_P(1);
	Work		w = work_begin(PG_GETARG_TEXT_PP(0));
	TuOp		op,
				out;

	tu_op_from_jsonb(op_jb, true, &w.alloc, &op);
	tu_normalize(&op, &w.alloc, &out);
	PG_RETURN_JSONB_P(work_end(&w, tu_op_to_jsonb_value(&out)));
}

PG_FUNCTION_INFO_V1(pg_ot_transform_cursor);
Datum
pg_ot_transform_cursor(PG_FUNCTION_ARGS)
{
	int32		cursor = PG_GETARG_INT32(1);
	Jsonb	   *op_jb = PG_GETARG_JSONB_P(2);
	Work		w = work_begin(PG_GETARG_TEXT_PP(0));
	TuOp		op;
	int64		moved;

	/* text-unicode has no own-op rule: an insert at the cursor never moves it. */
	if (cursor < 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("cursor must not be negative"));
	tu_op_from_jsonb(op_jb, false, &w.alloc, &op);
	moved = tu_transform_position(cursor, &op);
	MemoryContextSwitchTo(w.caller);
	MemoryContextDelete(w.cxt);
	if (moved > PG_INT32_MAX)
		ereport(ERROR,
				errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				errmsg("transformed cursor %lld is out of range for type integer",
					   (long long) moved));
	PG_RETURN_INT32((int32) moved);
}

PG_FUNCTION_INFO_V1(pg_ot_invert);
Datum
pg_ot_invert(PG_FUNCTION_ARGS)
{
	Jsonb	   *op_jb = PG_GETARG_JSONB_P(1);
	Jsonb	   *snapshot = PG_GETARG_JSONB_P(2);
	Work		w = work_begin(PG_GETARG_TEXT_PP(0));
	const char *doc;
	size_t		doc_bytes;
	TuOp		op,
				out;
	OtError		err;

	tu_snapshot_text(snapshot, &doc, &doc_bytes);
	tu_op_from_jsonb(op_jb, false, &w.alloc, &op);
	check(tu_invert_with_doc(&op, doc, doc_bytes, &w.alloc, &out, &err), &err);
	PG_RETURN_JSONB_P(work_end(&w, tu_op_to_jsonb_value(&out)));
}

PG_FUNCTION_INFO_V1(pg_ot_create_data);
Datum
pg_ot_create_data(PG_FUNCTION_ARGS)
{
	JsonbValue	v;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	ot_type_lookup(PG_GETARG_TEXT_PP(0));	/* only text-unicode so far */
	if (PG_ARGISNULL(1))
		PG_RETURN_JSONB_P(JsonbValueToJsonb(string_result("", 0)));
	if (!JsonbExtractScalar(&PG_GETARG_JSONB_P(1)->root, &v) ||
		v.type != jbvString)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("initial data of a text-unicode document must be a JSON string"));
	PG_RETURN_JSONB_P(PG_GETARG_JSONB_P_COPY(1));
}
