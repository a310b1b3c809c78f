/*
 * submit.c
 *	  The sequencer: one op applied to its document as a ShareDB server does
 *	  it, and the SQL functions ot.create, ot.submit and ot.delete.
 *
 * 1. Check the op's shape (and a create's type and data).
 * 2. Lock the document row: the lock is the document's sequencer.
 * 3. A resend (same src, seq) returns the original and changes nothing.
 * 4. Reject a version from the future; transform the op against every op
 *	  committed since its version, incoming op on side left, op by op;
 *	  a version before the document's retention cut is refused (OT007).
 * 5. Fit the op to the document's shape (document_shape.c), replaying the
 *	  text only when the shape cannot tell.
 * 6. Append: one statement writes the op row, the document row and, when
 *	  due, a snapshot; the AFTER INSERT trigger NOTIFYs (notify.c).
 *
 * Everything that can reject an op happens before 6, outside the store's
 * statements, so a rejected op has written nothing and a batch (batch.c)
 * may catch the rejection without a subtransaction.  The messages are those
 * of the PL/pgSQL functions of 0.1.0 (ot._write and its helpers), word for
 * word.
 *
 * May call: store.c, grants.c, notify.c (ot_notify_expect), the OT types.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "json_jsonb.h"
#include "json_limits.h"
#include "notify.h"
#include "ot_errors.h"
#include "pg_ot.h"
#include "submit.h"
#include "work.h"

#define MAX_SEQ INT64CONST(9007199254740991)

static void
reject(int sqlerrcode, const char *message, const char *detail)
{
	if (detail)
		ereport(ERROR, errcode(sqlerrcode), errmsg_internal("%s", message),
				errdetail_internal("%s", detail));
	ereport(ERROR, errcode(sqlerrcode), errmsg_internal("%s", message));
}

/* format('%s', x) of PL/pgSQL: NULL prints as nothing. */
static const char *
s_(const char *s)
{
	return s ? s : "";
}

static text *
uri_text(const char *uri)
{
	return cstring_to_text(uri);
}

static JsonbValue *
field(Jsonb *object, const char *key, JsonbValue *v)
{
	if (object == NULL || !JB_ROOT_IS_OBJECT(object))
		return NULL;
	return getKeyJsonValueFromContainer(&object->root, key, strlen(key), v);
}

/* A JsonbValue (scalar or container) as a jsonb of its own. */
static Jsonb *
value_jsonb(JsonbValue *v)
{
	return JsonbValueToJsonb(v);
}

/* ---------- a create, computed before the document is locked ---------- */

typedef struct Creation
{
	const char *uri;
	Jsonb	   *stored;			/* {"type": uri[, "data": data]}: what the op row holds */
	Jsonb	   *snapshot;
	int64		length;
	ArrayType  *astral;
	ErrorData  *error;			/* the type refused the data: raised where 0.1.0 did */
} Creation;

bool
ot_fails_the_batch(int sqlerrcode)
{
	switch (ERRCODE_TO_CATEGORY(sqlerrcode))
	{
		case ERRCODE_TO_CATEGORY(ERRCODE_READ_ONLY_SQL_TRANSACTION):	/* 25: a standby or a
																		 * demoted primary; the
																		 * gateway resends */
		case ERRCODE_TO_CATEGORY(ERRCODE_T_R_SERIALIZATION_FAILURE):	/* 40 */
		case ERRCODE_TO_CATEGORY(ERRCODE_INSUFFICIENT_RESOURCES):	/* 53 */
		case ERRCODE_TO_CATEGORY(ERRCODE_OPERATOR_INTERVENTION):	/* 57 */
		case ERRCODE_TO_CATEGORY(ERRCODE_SYSTEM_ERROR):	/* 58 */
		case ERRCODE_TO_CATEGORY(ERRCODE_INTERNAL_ERROR):	/* XX */
			return true;
		default:
			return false;
	}
}

/* Checks a create's shape as ShareDB does (ot._check_create); its type's URI. */
static const char *
check_create(Jsonb *created)
{
	JsonbValue	v;
	text	   *type;

	if (!JB_ROOT_IS_OBJECT(created))
		reject(ERRCODE_OT_BAD_OP, "create data must be an object {\"type\": ..., \"data\": ...}", NULL);
	if (field(created, "type", &v) == NULL || v.type != jbvString)
		reject(ERRCODE_OT_BAD_OP, "create data has no type",
			   "Give the type by name (\"text-unicode\", \"rich-text\") or URI.");
	type = cstring_to_text_with_len(v.val.string.val, v.val.string.len);
	{
		const char *uri = ot_type_lookup(type)->uri;

		if (field(created, "data", &v) != NULL)
		{
			Jsonb	   *data = value_jsonb(&v);

			ot_check_storable(&data->root, "create data");
		}
		return uri;
	}
}

static void
create_snapshot(Creation *c, Jsonb *data)
{
	OtWork		w = ot_work_begin(uri_text(c->uri));
	ArrayType  *astral;

	c->snapshot = ot_work_end(&w, w.type->create(data, &w.alloc));
	w = ot_work_begin(uri_text(c->uri));
	c->length = w.type->measure(c->snapshot, &astral, &w.alloc);
	MemoryContextSwitchTo(w.caller);
	c->astral = astral ? DatumGetArrayTypePCopy(PointerGetDatum(astral)) : NULL;
	ot_work_drop(&w);
}

/* {"type": type[, "data": data]}: a create as a message carries it and its op row holds it. */
static Jsonb *
create_record(const char *type, Jsonb *data)
{
	JsonbParseState *state = NULL;
	JsonbValue	key = jsonb_string_value("type", 4);
	JsonbValue	t = jsonb_string_value(type, strlen(type));

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	pushJsonbValue(&state, WJB_KEY, &key);
	pushJsonbValue(&state, WJB_VALUE, &t);
	if (data)
	{
		JsonbValue	dkey = jsonb_string_value("data", 4);
		JsonbValue	dv;

		dv.type = jbvBinary;
		dv.val.binary.data = &data->root;
		dv.val.binary.len = VARSIZE(data) - VARHDRSZ;
		pushJsonbValue(&state, WJB_KEY, &dkey);
		pushJsonbValue(&state, WJB_VALUE, &dv);
	}
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
}

/* The create's snapshot and shape; the type's refusal is kept, not raised. */
static void
prepare_creation(Jsonb *created, const char *uri, Creation *c)
{
	JsonbValue	v;
	Jsonb	   *volatile data = NULL;
	MemoryContext caller = CurrentMemoryContext;

	memset(c, 0, sizeof(*c));
	c->uri = uri;
	if (field(created, "data", &v) != NULL && v.type != jbvNull)
		data = value_jsonb(&v);
	c->stored = create_record(uri, data);

	/* Pure work (the type's create and measure): it holds no resources. */
	PG_TRY();
	{
		create_snapshot(c, data);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller);
		if (ot_store_busy || ot_fails_the_batch(geterrcode()))
			PG_RE_THROW();
		c->error = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
}

/* ---------- the sequencer ---------- */

static void
reject_missing(const OtDoc *d)
{
	if (d->version == 0)
		reject(ERRCODE_OT_NOT_FOUND, psprintf("document \"%s\" of collection \"%s\" does not exist",
											  s_(d->name), s_(d->collection)), NULL);
	reject(ERRCODE_OT_DELETED, psprintf("document \"%s\" of collection \"%s\" was deleted",
										s_(d->name), s_(d->collection)),
		   psprintf("It was deleted at version " INT64_FORMAT ".", d->version - 1));
}

static void
check_version(const OtDoc *d, int64 v)
{
	if (v < 0)
		reject(ERRCODE_INVALID_PARAMETER_VALUE, "version must not be negative", NULL);
	if (v > d->version)
		reject(ERRCODE_OT_VERSION_NEWER,
			   psprintf("version " INT64_FORMAT " is newer than the document's version " INT64_FORMAT,
						v, d->version),
			   psprintf("Document \"%s\" of collection \"%s\".", s_(d->name), s_(d->collection)));
}

/* The document's data at upto, from its snapshot at since and the edits between. */
static Jsonb *
replay(const OtDoc *d, int64 upto, Jsonb *then)
{
	Jsonb	   *base = ot_store_snapshot(d->id, d->snapshot_version);
	int			n;
	OtOpRow    *rows;
	Jsonb	  **ops;
	OtWork		w;

	if (base == NULL)
		return NULL;
	rows = ot_store_ops(d->id, d->snapshot_version, upto, &n);
	ops = palloc(sizeof(Jsonb *) * (n + 1));
	for (int i = 0; i < n; i++)
		ops[i] = rows[i].op;
	if (then)
		ops[n++] = then;
	w = ot_work_begin(uri_text(d->type));
	return ot_work_end(&w, w.type->apply_all(base, ops, n, &w.alloc));
}

static void
append_edit(const OtDoc *d, const OtSubmit *s, Jsonb *op)
{
	OtWork		w = ot_work_begin(uri_text(d->type));
	MemoryContext caller = w.caller;
	ArrayType  *astral = d->astral;
	bool		needs_text;
	int64		length;
	int64		tail_bytes = d->tail_bytes + VARSIZE(op);
	bool		due;

	length = w.type->fit(op, d->length, &astral, &needs_text, &w.alloc);
	MemoryContextSwitchTo(caller);
	astral = astral ? DatumGetArrayTypePCopy(PointerGetDatum(astral)) : NULL;
	ot_work_drop(&w);
	if (needs_text)
	{
		Jsonb	   *text = replay(d, d->version, NULL);

		if (text)
		{
			w = ot_work_begin(uri_text(d->type));
			(void) w.type->apply(text, op, &w.alloc);
			ot_work_drop(&w);
		}
	}
	due = d->version + 1 - d->snapshot_version >= pg_ot_snapshot_interval ||
		tail_bytes >= d->snapshot_bytes;
	ot_notify_expect(d->id, d->collection, d->name, d->version, s->src, s->seq);
	if (!due)
	{
		ot_store_append(d, op, NULL, false, s->src, s->seq, s->who, d->type, length, astral,
						NULL, tail_bytes);
		return;
	}
	{
		Jsonb	   *snapshot = replay(d, d->version, op);

		if (snapshot == NULL)
			elog(ERROR, "document %lld has no snapshot at version %lld", (long long) d->id,
				 (long long) d->snapshot_version);
		w = ot_work_begin(uri_text(d->type));
		length = w.type->measure(snapshot, &astral, &w.alloc);
		MemoryContextSwitchTo(caller);
		astral = astral ? DatumGetArrayTypePCopy(PointerGetDatum(astral)) : NULL;
		ot_work_drop(&w);
		ot_store_append(d, op, NULL, false, s->src, s->seq, s->who, d->type, length, astral,
						snapshot, 0);
	}
}

/*
 * Refuses a version v older than the document's cut (ot.compact): the ops
 * since v, which the op would be transformed against and its resend
 * recognised among, are gone.  Called only for v < the document's version,
 * and after those ops were read, so that a compaction committed before
 * that read is seen here (the cut commits with the delete).
 */
static void
check_cut(const OtDoc *d, int64 v)
{
	int64		first = ot_store_first_version(d->id);

	if (v < first)
		reject(ERRCODE_OT_COMPACTED,
			   psprintf("version " INT64_FORMAT " of document \"%s\" of collection \"%s\" was compacted",
						v, s_(d->name), s_(d->collection)),
			   psprintf("The earliest readable version is " INT64_FORMAT ".", first));
}

static void
sequence(const OtSubmit *s, const OtDoc *d, Creation *c, bool want_since, OtApplied *out)
{
	int64		v;
	OtOpRow    *since = NULL;
	int			nsince = 0;
	Jsonb	   *op = s->op;

	/*
	 * A resend: the op with this (src, seq) was applied; return it, change
	 * nothing.  ShareDB looks only among the ops since v; the index finds it
	 * anywhere (a create resent without a version, or after a delete).  A
	 * client names its own src: another user's is refused, or a writer who
	 * knew it could have someone's next op acknowledged and never applied.
	 */
	if (d->exists && s->src)
	{
		OtOpRow		past;

		if (ot_store_find_src_seq(d->id, s->src, s->seq, &past))
		{
			if (past.user_id == NULL || strcmp(past.user_id, s->who) != 0)
				reject(ERRCODE_INSUFFICIENT_PRIVILEGE,
					   psprintf("op (src %s, seq " INT64_FORMAT ") was submitted by another user",
								s->src, s->seq),
					   psprintf("Document \"%s\" of collection \"%s\".", s_(d->name), s_(d->collection)));
			out->version = past.version;
			out->op = past.op;
			out->since = NULL;
			out->nsince = 0;
			if (want_since && s->has_version && s->version < past.version)
			{
				out->since = ot_store_ops(d->id, s->version, past.version, &out->nsince);
				check_cut(d, s->version);
			}
			return;
		}
	}
	v = s->has_version ? s->version : d->version;
	check_version(d, v);
	if (d->exists && v < d->version)
	{
		since = ot_store_ops(d->id, v, d->version, &nsince);
		check_cut(d, v);
	}
	for (int i = 0; i < nsince; i++)
	{
		if (since[i].del && !s->del)
			reject(ERRCODE_OT_DELETED,
				   psprintf("document \"%s\" of collection \"%s\" was deleted", d->name, d->collection),
				   psprintf("It was deleted at version " INT64_FORMAT ", after version " INT64_FORMAT
							" of this op.", since[i].version, v));
		else if (since[i].create_data || s->created)
			reject(ERRCODE_OT_EXISTS,
				   psprintf("document \"%s\" of collection \"%s\" already exists", d->name, d->collection),
				   psprintf("It was created or edited at version " INT64_FORMAT ".", since[i].version));
	}
	out->version = d->version;
	out->op = NULL;
	out->since = since;
	out->nsince = nsince;

	if (s->created)
	{
		if (d->type)
			reject(ERRCODE_OT_EXISTS,
				   psprintf("document \"%s\" of collection \"%s\" already exists", d->name, d->collection),
				   NULL);
		if (c->error)
			ReThrowError(c->error);
		ot_notify_expect(d->id, d->collection, d->name, d->version, s->src, s->seq);
		ot_store_append(d, NULL, c->stored, false, s->src, s->seq, s->who, c->uri, c->length,
						c->astral, c->snapshot, 0);
		return;
	}
	if (s->del)
	{
		if (d->type == NULL)
			reject_missing(d);
		ot_notify_expect(d->id, d->collection, d->name, d->version, s->src, s->seq);
		ot_store_append(d, NULL, NULL, true, s->src, s->seq, s->who, NULL, 0, NULL, NULL, 0);
		return;
	}
	if (d->type == NULL)
		reject_missing(d);
	for (int i = 0; i < nsince; i++)
	{
		OtWork		w = ot_work_begin(uri_text(d->type));

		op = ot_work_end(&w, w.type->transform(op, since[i].op, true, &w.alloc));
	}
	append_edit(d, s, op);
	out->op = op;
}

void
ot_submit(const OtSubmit *s, bool want_since, OtApplied *out)
{
	int			kinds = (s->op != NULL) + (s->created != NULL) + (s->del ? 1 : 0);
	Creation	creation;
	OtDoc		d;

	memset(out, 0, sizeof(*out));
	memset(&creation, 0, sizeof(creation));
	if (kinds != 1)
		reject(ERRCODE_OT_BAD_OP, "an op must be exactly one of an edit, a create or a delete", NULL);
	if ((s->src == NULL) != !s->has_seq)
		reject(ERRCODE_OT_BAD_OP, "src and seq must be given together",
			   "They identify the op so that a resend applies once.");
	if (s->has_seq && (s->seq < 0 || s->seq > MAX_SEQ))
		reject(ERRCODE_INVALID_PARAMETER_VALUE, psprintf("seq " INT64_FORMAT " is out of range", s->seq),
			   "A seq is an integer from 0 to 2^53 - 1, as ShareDB clients count.");
	if (s->op)
		ot_check_storable(&s->op->root, "op");
	if (s->created)
		prepare_creation(s->created, check_create(s->created), &creation);

	if (s->collection == NULL || s->name == NULL || !ot_store_lock(s->collection, s->name, &d))
	{
		memset(&d, 0, sizeof(d));
		d.collection = s->collection;
		d.name = s->name;
		if (s->creating && s->collection && s->name)
		{
			/*
			 * No row yet: what would reject the op on an empty one rejects
			 * it now, before a row is made.
			 */
			check_version(&d, s->has_version ? s->version : 0);
			if (s->created && creation.error)
				ReThrowError(creation.error);
			ot_store_insert_document(s->collection, s->name);
			if (!ot_store_lock(s->collection, s->name, &d))
				elog(ERROR, "pg_ot: the row of document \"%s\" of collection \"%s\" went away",
					 s->name, s->collection);
		}
	}
	sequence(s, &d, &creation, want_since, out);
}

/* ---------- the SQL functions ---------- */

static char *
arg_cstring(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * ot.create(collection, id, type, data DEFAULT NULL, src DEFAULT NULL,
 * seq DEFAULT NULL) -> bigint: the version after it.
 */
PG_FUNCTION_INFO_V1(pg_ot_create_document);
Datum
pg_ot_create_document(PG_FUNCTION_ARGS)
{
	OtSubmit	s = {0};
	OtApplied	a;
	int			level;
	char	   *type;

	level = ot_store_connect();
	s.collection = arg_cstring(fcinfo, 0);
	s.name = arg_cstring(fcinfo, 1);
	s.who = ot_authorize(s.collection, s.name, "write", NULL);
	ot_check_name(s.collection, s.name);
	if (PG_ARGISNULL(2))
		reject(ERRCODE_INVALID_PARAMETER_VALUE, "type must not be null", NULL);
	type = text_to_cstring(PG_GETARG_TEXT_PP(2));
	s.created = create_record(type, PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3));
	s.src = arg_cstring(fcinfo, 4);
	s.has_seq = !PG_ARGISNULL(5);
	s.seq = s.has_seq ? PG_GETARG_INT64(5) : 0;
	s.creating = true;
	ot_submit(&s, false, &a);
	ot_store_finish(level);
	PG_RETURN_INT64(a.version + 1);
}

/*
 * ot.submit(collection, id, base_version, operation, src DEFAULT NULL,
 * seq DEFAULT NULL) -> TABLE(version bigint, op jsonb)
 */
PG_FUNCTION_INFO_V1(pg_ot_submit_op);
Datum
pg_ot_submit_op(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	OtSubmit	s = {0};
	OtApplied	a;
	int			level;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	InitMaterializedSRF(fcinfo, 0);
	level = ot_store_connect();
	s.collection = arg_cstring(fcinfo, 0);
	s.name = arg_cstring(fcinfo, 1);
	s.who = ot_authorize(s.collection, s.name, "write", NULL);
	if (PG_ARGISNULL(3))
		reject(ERRCODE_OT_BAD_OP, "op must not be null", NULL);
	s.has_version = !PG_ARGISNULL(2);
	s.version = s.has_version ? PG_GETARG_INT64(2) : 0;
	s.op = PG_GETARG_JSONB_P(3);
	s.src = arg_cstring(fcinfo, 4);
	s.has_seq = !PG_ARGISNULL(5);
	s.seq = s.has_seq ? PG_GETARG_INT64(5) : 0;
	ot_submit(&s, false, &a);
	values[0] = Int64GetDatum(a.version);
	values[1] = a.op ? JsonbPGetDatum(a.op) : (Datum) 0;
	nulls[1] = a.op == NULL;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	ot_store_finish(level);
	return (Datum) 0;
}

/*
 * ot.delete(collection, id, version DEFAULT NULL, src DEFAULT NULL,
 * seq DEFAULT NULL) -> bigint: the version after it.
 */
PG_FUNCTION_INFO_V1(pg_ot_delete_document);
Datum
pg_ot_delete_document(PG_FUNCTION_ARGS)
{
	OtSubmit	s = {0};
	OtApplied	a;
	int			level;

	level = ot_store_connect();
	s.collection = arg_cstring(fcinfo, 0);
	s.name = arg_cstring(fcinfo, 1);
	s.who = ot_authorize(s.collection, s.name, "write", NULL);
	s.has_version = !PG_ARGISNULL(2);
	s.version = s.has_version ? PG_GETARG_INT64(2) : 0;
	s.del = true;
	s.src = arg_cstring(fcinfo, 3);
	s.has_seq = !PG_ARGISNULL(4);
	s.seq = s.has_seq ? PG_GETARG_INT64(4) : 0;
	ot_submit(&s, false, &a);
	ot_store_finish(level);
	PG_RETURN_INT64(a.version + 1);
}
