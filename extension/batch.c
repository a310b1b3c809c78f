/*
 * batch.c
 *	  ot.submit_batch: a gateway's ShareDB op messages, many in one
 *	  transaction, one result each.
 *
 * Ops run in document order ((c, d) bytewise, then position), so that
 * batches lock documents in one order and never deadlock.  A rejected op
 * becomes its {"error": ...} result and the batch goes on: the sequencer
 * (submit.c) raises every rejection before it writes and outside the
 * store's statements, so the rejection is caught here without a
 * subtransaction.  An error from inside a statement, or of a class that
 * says the system is failing (25 read-only, 40, 53, 57, 58, XX), fails the whole batch.
 * A document's grant is checked once per principal per batch, and a grant
 * on a whole collection once per principal per batch.
 *
 * May call: submit.c, store.c (the error codes).
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "json_jsonb.h"
#include "ot_errors.h"
#include "submit.h"

#define BATCH_MAX 64
#define MAX_SAFE_INTEGER INT64CONST(9007199254740991)

typedef struct BatchItem
{
	int			i;				/* position in the batch */
	JsonbValue	x;				/* {"user": ..., "message": ...} */
	char	   *c;				/* message's c and d as ->> gives them, or NULL */
	int			clen;
	char	   *d;
	int			dlen;
} BatchItem;

/* A document's grant for one "user" (NULL: the caller), once per batch. */
typedef struct Grant
{
	char	   *user;
	char	   *principal;		/* allowed: who acts */
	ErrorData  *denied;			/* or why not */
	struct Grant *next;
} Grant;

static void
reject(int sqlerrcode, const char *message, const char *detail)
{
	if (detail)
		ereport(ERROR, errcode(sqlerrcode), errmsg_internal("%s", message),
				errdetail_internal("%s", detail));
	ereport(ERROR, errcode(sqlerrcode), errmsg_internal("%s", message));
}

static bool
get_field(JsonbValue *object, const char *key, JsonbValue *out)
{
	if (object == NULL || object->type != jbvBinary ||
		!JsonContainerIsObject(object->val.binary.data))
		return false;
	return getKeyJsonValueFromContainer(object->val.binary.data, key, strlen(key), out) != NULL;
}

/* What ->> gives: a string's text, null as NULL, anything else printed. */
static char *
as_text(JsonbValue *v, int *len)
{
	if (v->type == jbvNull)
		return NULL;
	if (v->type == jbvString)
	{
		*len = v->val.string.len;
		return v->val.string.val;
	}
	{
		Jsonb	   *jb = JsonbValueToJsonb(v);
		char	   *s = JsonbToCString(NULL, &jb->root, VARSIZE(jb));

		*len = strlen(s);
		return s;
	}
}

static char *
cstring_of(JsonbValue *v)
{
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static int
compare_text(const char *a, int alen, const char *b, int blen)
{
	int			r;

	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);	/* NULLs last */
	r = memcmp(a, b, Min(alen, blen));
	return r != 0 ? r : (alen > blen) - (alen < blen);
}

static int
compare_items(const void *pa, const void *pb)
{
	const BatchItem *a = pa;
	const BatchItem *b = pb;
	int			r = compare_text(a->c, a->clen, b->c, b->clen);

	if (r == 0)
		r = compare_text(a->d, a->dlen, b->d, b->dlen);
	return r != 0 ? r : (a->i > b->i) - (a->i < b->i);
}

/* A non-negative integer field of a message, false when absent or null. */
static bool
integer_field(JsonbValue *m, const char *key, int64 *out)
{
	JsonbValue	v;

	if (!get_field(m, key, &v) || v.type == jbvNull)
		return false;
	if (v.type == jbvNumeric)
	{
		Datum		n = NumericGetDatum(v.val.numeric);
		Datum		t = DirectFunctionCall2(numeric_trunc, n, Int32GetDatum(0));

		if (DatumGetBool(DirectFunctionCall2(numeric_eq, n, t)) &&
			DatumGetBool(DirectFunctionCall2(numeric_ge, n, NumericGetDatum(int64_to_numeric(0)))) &&
			DatumGetBool(DirectFunctionCall2(numeric_le, n,
											 NumericGetDatum(int64_to_numeric(MAX_SAFE_INTEGER)))))
		{
			*out = DatumGetInt64(DirectFunctionCall1(numeric_int8, n));
			return true;
		}
	}
	reject(ERRCODE_INVALID_PARAMETER_VALUE, psprintf("\"%s\" must be a non-negative integer", key), NULL);
	return false;
}

static Jsonb *
jsonb_of(JsonbValue *v)
{
	return JsonbValueToJsonb(v);
}

static void
push_key(JsonbParseState **state, const char *key)
{
	JsonbValue	k = jsonb_string_value(key, strlen(key));

	pushJsonbValue(state, WJB_KEY, &k);
}

static void
push_string(JsonbParseState **state, const char *key, const char *value)
{
	JsonbValue	v = jsonb_string_value(value, strlen(value));

	push_key(state, key);
	pushJsonbValue(state, WJB_VALUE, &v);
}

static void
push_int(JsonbParseState **state, const char *key, int64 value)
{
	JsonbValue	v = jsonb_int_value(value);

	push_key(state, key);
	pushJsonbValue(state, WJB_VALUE, &v);
}

static void
push_jsonb(JsonbParseState **state, const char *key, Jsonb *value)
{
	JsonbValue	v;

	push_key(state, key);
	if (value == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvBinary;
		v.val.binary.data = &value->root;
		v.val.binary.len = VARSIZE(value) - VARHDRSZ;
	}
	pushJsonbValue(state, WJB_VALUE, &v);
}

/* The ShareDB op message of an op row (ot._message). */
static void
push_message(JsonbParseState **state, const char *c, const char *n, const OtOpRow *o)
{
	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	push_string(state, "a", "op");
	push_string(state, "c", c);
	push_string(state, "d", n);
	push_int(state, "v", o->version);
	if (o->src)
	{
		push_string(state, "src", o->src);
		push_int(state, "seq", o->seq);
	}
	if (o->del)
	{
		JsonbValue	t;

		t.type = jbvBool;
		t.val.boolean = true;
		push_key(state, "del");
		pushJsonbValue(state, WJB_VALUE, &t);
	}
	else if (o->op == NULL)
		push_jsonb(state, "create", o->create_data);
	else
		push_jsonb(state, "op", o->op);
	pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * Whether a "user" may write every document of a collection (a grant with
 * a NULL name), once per batch: a gateway's users mostly hold such grants,
 * and the batch's documents then need no query each.
 */
typedef struct CollectionGrant
{
	char	   *collection;
	char	   *user;
	bool		all;
	struct CollectionGrant *next;
} CollectionGrant;

static CollectionGrant *collection_grants;
static MemoryContext batch_cxt;

static bool
may_write_collection(const char *c, const char *user)
{
	CollectionGrant *g;

	for (g = collection_grants; g; g = g->next)
		if (strcmp(g->collection, c) == 0 && strcmp(g->user, user) == 0)
			return g->all;
	{
		bool		all = ot_store_granted_collection(c, "write", user);
		MemoryContext old = MemoryContextSwitchTo(batch_cxt);

		g = palloc(sizeof(CollectionGrant));
		g->collection = pstrdup(c);
		g->user = pstrdup(user);
		g->all = all;
		g->next = collection_grants;
		collection_grants = g;
		MemoryContextSwitchTo(old);
		return all;
	}
}

/* The principal for user on document (c, n), checked once per batch. */
static char *
authorize(Grant **grants, const char *c, const char *n, const char *user)
{
	Grant	   *volatile g;
	MemoryContext caller = CurrentMemoryContext;

	for (g = *grants; g; g = g->next)
		if ((g->user == NULL) == (user == NULL) && (user == NULL || strcmp(g->user, user) == 0))
			break;
	if (g == NULL && user != NULL && may_write_collection(c, user))
	{
		g = palloc0(sizeof(Grant));
		g->user = pstrdup(user);
		g->principal = g->user;
		g->next = *grants;
		*grants = g;
	}
	if (g == NULL)
	{
		g = palloc0(sizeof(Grant));
		g->user = user ? pstrdup(user) : NULL;
		PG_TRY();
		{
			g->principal = ot_authorize(c, n, "write", user);
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(caller);
			if (ot_store_busy || ot_fails_the_batch(geterrcode()))
				PG_RE_THROW();
			g->denied = CopyErrorData();
			FlushErrorState();
		}
		PG_END_TRY();
		g->next = *grants;
		*grants = g;
	}
	if (g->denied)
		ReThrowError(g->denied);
	return g->principal;
}

/* One op message submitted for user (ot._submit_message of 0.1.0). */
static Jsonb *
submit_message(BatchItem *item, Grant **grants)
{
	JsonbValue	u,
				mv,
				v;
	JsonbValue *m = NULL;
	char	   *user = NULL;
	char	   *c,
			   *n;
	OtSubmit	s = {0};
	OtApplied	a;
	JsonbParseState *state = NULL;

	if (get_field(&item->x, "user", &u))
	{
		if (u.type != jbvString || u.val.string.len == 0)
			reject(ERRCODE_INVALID_PARAMETER_VALUE, "\"user\" must be a non-empty string",
				   "Without \"user\" the op acts for the caller, as ot.submit does.");
		user = cstring_of(&u);
	}
	if (get_field(&item->x, "message", &mv))
		m = &mv;
	s.has_version = integer_field(m, "v", &s.version);
	s.has_seq = integer_field(m, "seq", &s.seq);
	{
		JsonbValue	cv,
					dv;

		if (!get_field(m, "c", &cv) || cv.type != jbvString ||
			!get_field(m, "d", &dv) || dv.type != jbvString)
			reject(ERRCODE_INVALID_PARAMETER_VALUE, "an op message needs \"c\" and \"d\" strings", NULL);
		c = cstring_of(&cv);
		n = cstring_of(&dv);
	}
	ot_check_name(c, n);
	if (get_field(m, "src", &v))
	{
		if (v.type != jbvString && v.type != jbvNull)
			reject(ERRCODE_INVALID_PARAMETER_VALUE, "\"src\" must be a string", NULL);
		if (v.type == jbvString)
			s.src = cstring_of(&v);
	}
	if (get_field(m, "del", &v))
	{
		if (v.type != jbvBool || !v.val.boolean)
			reject(ERRCODE_OT_BAD_OP, "del must be true", NULL);
		s.del = true;
	}
	s.collection = c;
	s.name = n;
	s.who = authorize(grants, c, n, user);
	if (get_field(m, "op", &v))
		s.op = jsonb_of(&v);
	if (get_field(m, "create", &v))
	{
		s.created = jsonb_of(&v);
		s.creating = true;
	}
	ot_submit(&s, true, &a);

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	push_key(&state, "ops");
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < a.nsince; i++)
		push_message(&state, c, n, &a.since[i]);
	pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	push_key(&state, "ack");
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	push_string(&state, "a", "op");
	push_string(&state, "c", c);
	push_string(&state, "d", n);
	push_int(&state, "v", a.version);
	if (s.src)
	{
		push_string(&state, "src", s.src);
		push_int(&state, "seq", s.seq);
	}
	pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
}

static Jsonb *
error_result(ErrorData *e)
{
	JsonbParseState *state = NULL;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	push_key(&state, "error");
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	push_string(&state, "code", ot_store_sharedb_error_code(e->sqlerrcode));
	push_string(&state, "message", e->message ? e->message : "");
	pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
}

/* ot.submit_batch(batch jsonb) RETURNS SETOF jsonb */
PG_FUNCTION_INFO_V1(pg_ot_submit_batch);
Datum
pg_ot_submit_batch(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext op_cxt;
	Jsonb	   *batch = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);
	Jsonb	  **results;
	BatchItem	   *items;
	int			n;
	Grant	   *grants = NULL;
	int			level;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (batch == NULL || !JB_ROOT_IS_ARRAY(batch) || JB_ROOT_IS_SCALAR(batch))
		reject(ERRCODE_INVALID_PARAMETER_VALUE,
			   "a batch is a JSON array of {\"user\": ..., \"message\": ...}", NULL);
	n = JB_ROOT_COUNT(batch);
	if (n > BATCH_MAX)
		reject(ERRCODE_PROGRAM_LIMIT_EXCEEDED, "a batch holds at most 64 ops",
			   "Each op is a subtransaction; more would overflow the subtransaction cache.");
	items = palloc0(sizeof(BatchItem) * (n > 0 ? n : 1));
	results = palloc0(sizeof(Jsonb *) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++)
	{
		JsonbValue *x = getIthJsonbValueFromContainer(&batch->root, i);
		JsonbValue	m,
					v;

		items[i].i = i;
		items[i].x = *x;
		if (get_field(x, "message", &m))
		{
			if (get_field(&m, "c", &v))
				items[i].c = as_text(&v, &items[i].clen);
			if (get_field(&m, "d", &v))
				items[i].d = as_text(&v, &items[i].dlen);
		}
	}
	qsort(items, n, sizeof(BatchItem), compare_items);

	level = ot_store_connect();
	batch_cxt = CurrentMemoryContext;
	collection_grants = NULL;
	op_cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_ot batch op", ALLOCSET_DEFAULT_SIZES);
	for (int k = 0; k < n; k++)
	{
		BatchItem	   *item = &items[k];
		Jsonb	   *volatile result;

		/* A new document: its grants are another document's. */
		if (k > 0 && compare_text(item->c, item->clen, items[k - 1].c, items[k - 1].clen) == 0 &&
			compare_text(item->d, item->dlen, items[k - 1].d, items[k - 1].dlen) == 0)
			;
		else
			grants = NULL;
		MemoryContextSwitchTo(op_cxt);
		PG_TRY();
		{
			result = submit_message(item, &grants);
		}
		PG_CATCH();
		{
			ErrorData  *e;

			MemoryContextSwitchTo(op_cxt);
			if (ot_store_busy || ot_fails_the_batch(geterrcode()))
				PG_RE_THROW();
			e = CopyErrorData();
			FlushErrorState();
			result = error_result(e);
		}
		PG_END_TRY();
		MemoryContextSwitchTo(caller);
		results[item->i] = (Jsonb *) PG_DETOAST_DATUM_COPY(JsonbPGetDatum(result));
		/* The grants of this document live until the next one's. */
		if (k + 1 < n && !(compare_text(items[k + 1].c, items[k + 1].clen, item->c, item->clen) == 0 &&
						   compare_text(items[k + 1].d, items[k + 1].dlen, item->d, item->dlen) == 0))
			MemoryContextReset(op_cxt);
	}
	ot_store_finish(level);
	for (int i = 0; i < n; i++)
	{
		Datum		value = JsonbPGetDatum(results[i]);
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	return (Datum) 0;
}
