/*
 * notify.c
 *	  The notifications pg_ot writes: each op on its document's channel, and
 *	  revoked grants and gateway presence, all signed.
 *
 * Channels.  Documents hash onto pg_ot.notify_channels channels pg_ot_0,
 * pg_ot_1, ...  PostgreSQL matches each notification against a listener's
 * channels one by one, so a few hashed channels serve a gateway better than
 * one per document.  The hash is ot/doc_hash.h's, FNV-1a (64-bit) over
 * the collection's bytes, a zero byte and the id's bytes: stable across
 * versions and platforms, easy to compute outside the database, and the
 * same that places the document on a partition (partition.c).
 *
 * Signatures.  Any role that can connect may NOTIFY any channel, so every
 * payload pg_ot writes is
 *
 *	   <mac> SP <meta> LF <body>
 *
 * where mac is the lowercase hex HMAC-SHA256, under the 'notify' key of
 * ot.secrets, of channel NUL meta LF body; meta is a one-line JSON object
 * that says what the notification is, and body is what a gateway forwards
 * or reads.  meta of an op: {"k":"op","c","d","v"[,"src","seq"][,"ref":true]},
 * body the ShareDB op message (ot._message's text), or nothing with "ref"
 * when the whole would not fit in a NOTIFY payload.  meta of a revoke or a
 * presence: {"k":"revoke"|"p","t","n","i"}, a stamp that makes a replay
 * recognisable: t is the server's clock (microseconds since 1970) when it
 * was signed, n a number from the kind's sequence drawn once per
 * transaction, i counts the transaction's notifications of that kind.
 *
 * The submit path (submit.c) names the document it appends to beforehand
 * (ot_notify_expect), so the trigger reads no row; anyone else's insert has
 * its names read back from ot.documents.
 *
 * The key is read once per backend as the owner of ot.secrets, whoever
 * calls: the op trigger fires inside the SECURITY DEFINER submit functions,
 * and gateways publish presence as ot_gateway.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/async.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "common/hmac.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "notify.h"
#include "ot/doc_hash.h"
#include "pg_ot.h"

/* PostgreSQL refuses payloads of 8,000 bytes or more. */
#define NOTIFY_PAYLOAD_MAX 7999
#define MAC_LEN 32				/* HMAC-SHA256 */
#define MAC_HEX_LEN (2 * MAC_LEN)

#define SCHEMA "ot"

static uint8 notify_key[64];
static size_t notify_key_len;

/* ---------- channels ---------- */

/* pg_ot_<n>: the channel of document (collection, id). */
static char *
channel_of(const char *collection, size_t clen, const char *id, size_t ilen)
{
	uint64		hash = ot_doc_hash(collection, clen, id, ilen);

	return psprintf("pg_ot_%d", (int) (hash % (uint64) pg_ot_notify_channels));
}

PG_FUNCTION_INFO_V1(pg_ot_channel);
Datum
pg_ot_channel(PG_FUNCTION_ARGS)
{
	text	   *collection = PG_GETARG_TEXT_PP(0);
	text	   *id = PG_GETARG_TEXT_PP(1);

	PG_RETURN_TEXT_P(cstring_to_text(channel_of(VARDATA_ANY(collection), VARSIZE_ANY_EXHDR(collection),
												VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id))));
}

/* ---------- the key and the envelope ---------- */

/*
 * Reads the 'notify' key as the owner of ot.secrets: the roles that submit
 * may not read it, and need not.
 */
static void
load_notify_key(void)
{
	Oid			relid = get_relname_relid("secrets", get_namespace_oid(SCHEMA, false));
	HeapTuple	tup;
	Oid			owner;
	Oid			save_user;
	int			save_sec;
	bool		isnull;
	bytea	   *key;

	if (!OidIsValid(relid))
		ereport(ERROR,
				errcode(ERRCODE_UNDEFINED_TABLE),
				errmsg("table ot.secrets does not exist"),
				errhint("Reinstall the extension pg_ot."));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT secret FROM ot.secrets WHERE purpose OPERATOR(pg_catalog.=) 'notify'",
					true, 2) != SPI_OK_SELECT)
		elog(ERROR, "could not read ot.secrets");
	if (SPI_processed != 1)
		ereport(ERROR,
				errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				errmsg("ot.secrets has no 'notify' key"),
				errhint("Reinstall the extension pg_ot, or insert a key of 32 to 64 random bytes."));
	key = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull || VARSIZE_ANY_EXHDR(key) < 32 || VARSIZE_ANY_EXHDR(key) > sizeof(notify_key))
		ereport(ERROR,
				errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				errmsg("the 'notify' key of ot.secrets must be 32 to 64 bytes"));
	memcpy(notify_key, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key));
	notify_key_len = VARSIZE_ANY_EXHDR(key);
	SPI_finish();
	SetUserIdAndSecContext(save_user, save_sec);
}

static void
hmac_failed(pg_hmac_ctx *ctx)
{
	const char *why = pg_hmac_error(ctx);

	pg_hmac_free(ctx);
	elog(ERROR, "could not compute HMAC-SHA256: %s", why);
}

/*
 * Writes the hex MAC of channel NUL meta LF body into out: the signature
 * gateways check (pg_ot.sign_notifications off: zeros, for benchmarks).
 */
static void
sign(const char *channel, const char *meta, size_t metalen, const char *body, size_t bodylen,
	 char out[MAC_HEX_LEN])
{
	uint8		mac[MAC_LEN];
	pg_hmac_ctx *ctx;

	if (!pg_ot_sign_notifications)
	{
		memset(out, '0', MAC_HEX_LEN);
		return;
	}
	if (notify_key_len == 0)
		load_notify_key();
	ctx = pg_hmac_create(PG_SHA256);
	if (ctx == NULL)
		ereport(ERROR, errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"));
	if (pg_hmac_init(ctx, notify_key, notify_key_len) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) channel, strlen(channel) + 1) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) meta, metalen) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) "\n", 1) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) body, bodylen) < 0 ||
		pg_hmac_final(ctx, mac, sizeof(mac)) < 0)
		hmac_failed(ctx);
	pg_hmac_free(ctx);
	hex_encode((const char *) mac, MAC_LEN, out);
}

/* The payload mac SP meta LF body, or NULL if it would be too long. */
static char *
envelope(const char *channel, const char *meta, size_t metalen, const char *body, size_t bodylen)
{
	size_t		len = MAC_HEX_LEN + 1 + metalen + 1 + bodylen;
	char	   *payload;

	if (len > NOTIFY_PAYLOAD_MAX)
		return NULL;
	payload = palloc(len + 1);
	sign(channel, meta, metalen, body, bodylen, payload);
	payload[MAC_HEX_LEN] = ' ';
	memcpy(payload + MAC_HEX_LEN + 1, meta, metalen);
	payload[MAC_HEX_LEN + 1 + metalen] = '\n';
	memcpy(payload + MAC_HEX_LEN + 2 + metalen, body, bodylen);
	payload[len] = '\0';
	return payload;
}

static void
too_long(const char *what)
{
	ereport(ERROR,
			errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			errmsg("%s is too long to notify", what),
			errdetail("A NOTIFY payload holds at most %d bytes.", NOTIFY_PAYLOAD_MAX));
}

/* ---------- ops ---------- */

static Datum
column(HeapTuple tuple, TupleDesc desc, const char *name, bool *isnull)
{
	int			attnum = SPI_fnumber(desc, name);

	if (attnum <= 0)
		elog(ERROR, "ot.operations has no column \"%s\"", name);
	return heap_getattr(tuple, attnum, desc, isnull);
}

/*
 * The names of the document the submit path is appending to, so that the
 * trigger need not read them back (ot_notify_expect).  Only for the
 * document id given, and only within the transaction that said so.
 */
static struct
{
	bool		set;
	int64		doc_id;
	char		collection[OT_NAME_MAX + 1];
	char		name[OT_NAME_MAX + 1];
}			expected;

static void forget_stamps(XactEvent event, void *arg);
static bool xact_callback_registered;

static void
register_xact_callback(void)
{
	if (!xact_callback_registered)
	{
		RegisterXactCallback(forget_stamps, NULL);
		xact_callback_registered = true;
	}
}

/* meta of an op, without its closing brace. */
static void
op_meta(StringInfo meta, const char *collection, const char *name, int64 version,
		const char *src, int64 seq)
{
	appendStringInfoString(meta, "{\"k\":\"op\",\"c\":");
	escape_json(meta, collection);
	appendStringInfoString(meta, ",\"d\":");
	escape_json(meta, name);
	appendStringInfo(meta, ",\"v\":" INT64_FORMAT, version);
	if (src)
	{
		appendStringInfoString(meta, ",\"src\":");
		escape_json(meta, src);
		appendStringInfo(meta, ",\"seq\":" INT64_FORMAT, seq);
	}
}

void
ot_notify_expect(int64 doc_id, const char *collection, const char *name, int64 version,
				 const char *src, int64 seq)
{
	StringInfoData meta;

	/* The trigger's smallest payload, a reference, must fit. */
	initStringInfo(&meta);
	op_meta(&meta, collection, name, version, src, seq);
	appendStringInfoString(&meta, ",\"ref\":true}");
	if (MAC_HEX_LEN + 1 + meta.len + 1 > NOTIFY_PAYLOAD_MAX)
		too_long("the name of the document");
	pfree(meta.data);

	expected.set = false;
	if (strlen(collection) > OT_NAME_MAX || strlen(name) > OT_NAME_MAX)
		return;
	register_xact_callback();
	expected.doc_id = doc_id;
	strcpy(expected.collection, collection);
	strcpy(expected.name, name);
	expected.set = true;
}

/* collection and name of document doc_id (palloc'd in the caller's context). */
static void
document_names(int64 doc_id, char **collection, char **name)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(doc_id)};
	MemoryContext caller = CurrentMemoryContext;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("SELECT collection, name FROM ot.documents"
									" WHERE id OPERATOR(pg_catalog.=) $1", 1, argtypes);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare the document lookup: %s", SPI_result_code_string(SPI_result));
		plan = p;
	}
	if (SPI_execute_plan(plan, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "document %lld of an op has no row in ot.documents", (long long) doc_id);
	{
		MemoryContext spi = MemoryContextSwitchTo(caller);

		*collection = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		*name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
}

static void
append_jsonb(StringInfo buf, Datum value)
{
	Jsonb	   *jb = DatumGetJsonbP(value);

	JsonbToCString(buf, &jb->root, VARSIZE(jb));
}

/*
 * AFTER INSERT ON ot.operations: announces the op on its document's
 * channel.  The body is the text ot._message gives (keys in jsonb's order:
 * by length, then bytes), so a notification and a catch-up read carry the
 * same bytes.
 */
PG_FUNCTION_INFO_V1(pg_ot_notify_op);
Datum
pg_ot_notify_op(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull,
				src_null,
				op_null,
				create_null;
	int64		doc_id,
				version,
				seq = 0;
	Datum		op,
				created;
	bool		del;
	char	   *src = NULL;
	char	   *collection,
			   *name,
			   *channel,
			   *payload;
	StringInfoData meta,
				body;
	int			meta_open;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event) || !TRIGGER_FIRED_BY_INSERT(trig->tg_event))
		elog(ERROR, "ot._notify must be an AFTER INSERT row trigger on ot.operations");
	row = trig->tg_trigtuple;
	desc = trig->tg_relation->rd_att;
	doc_id = DatumGetInt64(column(row, desc, "doc_id", &isnull));
	version = DatumGetInt64(column(row, desc, "version", &isnull));
	op = column(row, desc, "op", &op_null);
	created = column(row, desc, "create_data", &create_null);
	del = DatumGetBool(column(row, desc, "del", &isnull));
	{
		Datum		s = column(row, desc, "src", &src_null);

		if (!src_null)
		{
			src = TextDatumGetCString(s);
			seq = DatumGetInt64(column(row, desc, "seq", &isnull));
		}
	}
	if (expected.set && expected.doc_id == doc_id)
	{
		collection = expected.collection;
		name = expected.name;
	}
	else
		document_names(doc_id, &collection, &name);
	channel = channel_of(collection, strlen(collection), name, strlen(name));

	initStringInfo(&meta);
	op_meta(&meta, collection, name, version, src, seq);
	meta_open = meta.len;
	appendStringInfoChar(&meta, '}');

	initStringInfo(&body);
	appendStringInfoString(&body, "{\"a\": \"op\", \"c\": ");
	escape_json(&body, collection);
	appendStringInfoString(&body, ", \"d\": ");
	escape_json(&body, name);
	appendStringInfo(&body, ", \"v\": " INT64_FORMAT, version);
	if (!op_null)
	{
		appendStringInfoString(&body, ", \"op\": ");
		append_jsonb(&body, op);
	}
	else if (del)
		appendStringInfoString(&body, ", \"del\": true");
	if (src)
	{
		appendStringInfo(&body, ", \"seq\": " INT64_FORMAT ", \"src\": ", seq);
		escape_json(&body, src);
	}
	if (op_null && !del && !create_null)
	{
		appendStringInfoString(&body, ", \"create\": ");
		append_jsonb(&body, created);
	}
	appendStringInfoChar(&body, '}');

	payload = envelope(channel, meta.data, meta.len, body.data, body.len);
	if (payload == NULL)
	{
		/* Too large to carry the op: gateways read it with ot.messages. */
		meta.len = meta_open;
		appendStringInfoString(&meta, ",\"ref\":true}");
		payload = envelope(channel, meta.data, meta.len, "", 0);
		if (payload == NULL)
			too_long("the name of the document");
	}
	Async_Notify(channel, payload);
	return PointerGetDatum(NULL);
}

/* ---------- stamped notifications: revokes and presence ---------- */

typedef struct Stamp
{
	const char *kind;			/* meta's "k" */
	const char *sequence;		/* in schema ot: draws n */
	bool		drawn;			/* n belongs to the current transaction */
	int64		n;
	int64		i;
} Stamp;

static Stamp revoke_stamp = {"revoke", "notify_revoke_seq"};
static Stamp presence_stamp = {"p", "notify_presence_seq"};

/* A transaction's stamps end with it. */
static void
forget_stamps(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		revoke_stamp.drawn = presence_stamp.drawn = false;
		expected.set = false;
	}
}

static void
publish_stamped(Stamp *stamp, const char *channel, text *body)
{
	int64		unix_us = GetCurrentTimestamp() +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
	char	   *meta;
	char	   *payload;

	register_xact_callback();
	if (!stamp->drawn)
	{
		Oid			seq = get_relname_relid(stamp->sequence, get_namespace_oid(SCHEMA, false));

		if (!OidIsValid(seq))
			elog(ERROR, "sequence ot.%s does not exist", stamp->sequence);
		stamp->n = nextval_internal(seq, false);
		stamp->i = 0;
		stamp->drawn = true;
	}
	else
		stamp->i++;
	meta = psprintf("{\"k\":\"%s\",\"t\":" INT64_FORMAT ",\"n\":" INT64_FORMAT ",\"i\":" INT64_FORMAT "}",
					stamp->kind, unix_us, stamp->n, stamp->i);
	payload = envelope(channel, meta, strlen(meta), VARDATA_ANY(body), VARSIZE_ANY_EXHDR(body));
	if (payload == NULL)
		too_long(stamp == &presence_stamp ? "the presence message" : "the revocation");
	Async_Notify(channel, payload);
}

/* ot._publish_revoke(message): a revoked grant, on ot.channel('$grants', ''). */
PG_FUNCTION_INFO_V1(pg_ot_publish_revoke);
Datum
pg_ot_publish_revoke(PG_FUNCTION_ARGS)
{
	publish_stamped(&revoke_stamp, channel_of("$grants", 7, "", 0), PG_GETARG_TEXT_PP(0));
	PG_RETURN_VOID();
}

/* ot.publish_presence(channel, message): on ot.channel('$presence', channel). */
PG_FUNCTION_INFO_V1(pg_ot_publish_presence);
Datum
pg_ot_publish_presence(PG_FUNCTION_ARGS)
{
	text	   *name = PG_GETARG_TEXT_PP(0);

	publish_stamped(&presence_stamp, channel_of("$presence", 9, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)),
					PG_GETARG_TEXT_PP(1));
	PG_RETURN_VOID();
}
