/*
 * json0_sql.c
 *	  The json0 type (ot/json0.c, with its subtypes ot/json0_subtype.c) over
 *	  jsonb.
 *
 * Arguments are read from their jsonb text into J0 trees and results are
 * written as JSON text read back by jsonb_in, so numbers keep the digits
 * JavaScript prints.  jsonb reorders object keys (results compare by value)
 * and cannot hold a lone UTF-16 surrogate: a result holding one is refused.
 * Core rejections: a malformed op raises OT001, an op that does not apply
 * OT002, an argument that is not an op 22023, what pg_ot refuses by design
 * 0A000.
 *
 * Owns: the OtType ot_json0_type.  May call: ot/json0.c, jsonb I/O.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "ot/json0.h"
#include "ot_errors.h"
#include "ot_type.h"

typedef enum Json0Fn
{
	J_APPLY, J_TRANSFORM, J_COMPOSE, J_NORMALIZE, J_INVERT, J_CHECK
} Json0Fn;

static J0 *
from_jsonb(J0Ctx *cx, Jsonb *jb)
{
	char	   *s = JsonbToCString(NULL, &jb->root, VARSIZE(jb));

	return j0_parse(cx, s, strlen(s));
}

static JsonbValue *
to_value(J0Ctx *cx, const J0 *v)
{
	size_t		len;
	char	   *s = j0_print(cx, v, true, &len);
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s)));
	JsonbValue *out = palloc(sizeof(JsonbValue));

	out->type = jbvBinary;
	out->val.binary.data = &jb->root;
	out->val.binary.len = VARSIZE(jb) - VARHDRSZ;
	return out;
}

static void
raise(J0Ctx *cx, Json0Fn fn)
{
	int			code;

	switch (cx->code)
	{
		case J0_ERR_BAD_VALUE:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
		case J0_ERR_UNSUPPORTED:
			code = ERRCODE_FEATURE_NOT_SUPPORTED;
			break;
		default:
			code = fn == J_APPLY ? ERRCODE_OT_NOT_APPLIED : ERRCODE_OT_BAD_OP;
	}
	ereport(ERROR,
			errcode(code),
			errmsg("json0 %s: %s",
				   fn == J_APPLY ? "apply" : fn == J_TRANSFORM ? "transform" :
				   fn == J_COMPOSE ? "compose" : fn == J_NORMALIZE ? "normalize" :
				   fn == J_INVERT ? "invert" : "op", cx->message));
}

/* One call on the core: a, b may be NULL as fn needs. */
static JsonbValue *
run(Json0Fn fn, Jsonb *a_jb, Jsonb *b_jb, bool left, const OtAllocator *alloc)
{
	J0Ctx	   *cx = palloc0(sizeof(J0Ctx));
	J0		   *volatile result = NULL;

	cx->a = alloc;
	if (setjmp(cx->fail) != 0)
		raise(cx, fn);
	{
		J0		   *a = a_jb ? from_jsonb(cx, a_jb) : NULL;
		J0		   *b = b_jb ? from_jsonb(cx, b_jb) : NULL;

		/* a bare op is a one-component list, except for normalize */
		switch (fn)
		{
			case J_APPLY:
				result = json0_apply(cx, a, b);
				break;
			case J_TRANSFORM:
				result = json0_transform(cx, a, b, left);
				break;
			case J_COMPOSE:
				result = json0_compose(cx, a, b);
				break;
			case J_NORMALIZE:
				result = json0_normalize(cx, a);
				break;
			case J_INVERT:
				result = json0_invert(cx, a);
				break;
			case J_CHECK:
				{
					const J0   *bad = json0_forbidden_segment(a);

					if (bad)
					{
						size_t		len;

						ereport(ERROR,
								errcode(ERRCODE_OT_NOT_APPLIED),
								errmsg("Invalid path segment"),
								errdetail("ShareDB refuses the path segment %s (__proto__ and the Object.prototype names) in a json0 op.",
										  j0_print(cx, bad, false, &len)));
					}
					result = a;
				}
				break;
		}
		return to_value(cx, result);
	}
}

static JsonbValue *
j_create(Jsonb *data, const OtAllocator *a)
{
	JsonbValue *v;

	if (data == NULL)
	{
		v = palloc(sizeof(JsonbValue));
		v->type = jbvNull;
		return v;
	}
	/* through the reader: numbers and strings JavaScript can hold */
	{
		J0Ctx	   *cx = palloc0(sizeof(J0Ctx));

		cx->a = a;
		if (setjmp(cx->fail) != 0)
			raise(cx, J_CHECK);
		return to_value(cx, from_jsonb(cx, data));
	}
}

static JsonbValue *
j_apply(Jsonb *snapshot, Jsonb *op, const OtAllocator *a)
{
	return run(J_APPLY, snapshot, op, false, a);
}

static JsonbValue *
j_transform(Jsonb *op, Jsonb *other, bool left, const OtAllocator *a)
{
	return run(J_TRANSFORM, op, other, left, a);
}

static JsonbValue *
j_compose(Jsonb *first, Jsonb *second, const OtAllocator *a)
{
	return run(J_COMPOSE, first, second, false, a);
}

static JsonbValue *
j_normalize(Jsonb *op, const OtAllocator *a)
{
	return run(J_NORMALIZE, op, NULL, false, a);
}

static JsonbValue *
j_invert(Jsonb *op, Jsonb *snapshot, const OtAllocator *a)
{
	return run(J_INVERT, op, NULL, false, a);
}

static int64
j_transform_cursor(int64 cursor, Jsonb *op, bool is_own_op, const OtAllocator *a)
{
	ereport(ERROR,
			errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			errmsg("json0 has no cursors"),
			errdetail("ot-json0 1.1.0 defines no transformCursor."));
	pg_unreachable();
}

static JsonbValue *
j_apply_all(Jsonb *snapshot, Jsonb **ops, int n, const OtAllocator *alloc)
{
	J0Ctx	   *cx = palloc0(sizeof(J0Ctx));
	J0		   *volatile doc;

	cx->a = alloc;
	if (setjmp(cx->fail) != 0)
		raise(cx, J_APPLY);
	doc = from_jsonb(cx, snapshot);
	for (int i = 0; i < n; i++)
		doc = json0_apply(cx, doc, from_jsonb(cx, ops[i]));
	return to_value(cx, doc);
}

/* json0 keeps no length beside the snapshot: every op is checked by apply. */
static int64
j_measure(Jsonb *snapshot, ArrayType **astral, const OtAllocator *a)
{
	*astral = NULL;
	return 0;
}

static int64
j_fit(Jsonb *op, int64 length, ArrayType **astral, bool *needs_text, const OtAllocator *a)
{
	(void) run(J_CHECK, op, NULL, false, a);
	*astral = NULL;
	*needs_text = true;
	return 0;
}

const OtType ot_json0_type = {
	.name = JSON0_NAME,
	.uri = JSON0_URI,
	.has_presence = false,
	.create = j_create,
	.apply = j_apply,
	.transform = j_transform,
	.compose = j_compose,
	.normalize = j_normalize,
	.transform_cursor = j_transform_cursor,
	.invert = j_invert,
	.apply_all = j_apply_all,
	.measure = j_measure,
	.fit = j_fit,
};
