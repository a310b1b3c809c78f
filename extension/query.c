/*
 * query.c
 *	  ot.query and ot.query_extra: the documents of a collection that match a
 *	  ShareDB query in a subset of sharedb-mongo's language, for SQL callers
 *	  and the gateway.
 *
 * Owns: running a query over each readable document's latest data (the
 * query read by query_parse.c: a filter of equality, $eq, $ne, $in, $nin,
 * $gt, $gte, $lt, $lte and $exists on dotted paths, combined with $and and
 * $or; $sort, $skip, $limit, $count; evaluated by query_match.c with
 * MongoDB's semantics), and the bounds pg_ot.query_max_documents and
 * pg_ot.query_max_results.  The metadata of every type is queried under
 * sharedb-mongo's names: _id, _type, _v, _m.ctime and _m.mtime
 * (milliseconds since 1970, as Date.now()).
 *
 * The candidates are read with one SPI cursor over ot.documents (its
 * (collection, name) index, in name order), joined with each document's
 * latest snapshot and the ops after it (replayed by ot.apply_ops, in C), and
 * filtered by the per-document grants in the same statement (ot._may on the
 * collection, read once before, covers admins and collection-wide grants);
 * a top-level _id equality or $in becomes "name = ANY", an index condition.
 * Everything else is evaluated here, one document at a time in a memory
 * context reset per document.  Where mingo (sharedb-mingo-memory, the
 * reference of test/differential/query.js) departs from MongoDB, this
 * follows mingo: a missing field compares with nothing, and a key no element
 * of an array has resolves to an empty array.
 *
 * May call: query_parse.c and query_match.c (query.h), principal.c (who
 * acts), json_jsonb.c (jsonb to OtJson), the OT core's json_value, SPI.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "json_jsonb.h"
#include "pg_alloc.h"
#include "pg_ot.h"
#include "principal.h"
#include "query.h"

/* One matching document, kept in the caller's context. */
typedef struct QDoc
{
	text	   *name;
	text	   *type;
	int64		version;
	TimestampTz ctime;
	TimestampTz mtime;
	Jsonb	   *data;
	const OtJson *meta;			/* parsed in the caller's context, for $sort */
	const OtJson *root;
} QDoc;

/* ---------------------------------------------------------------------------
 * Documents
 * ------------------------------------------------------------------------- */

static OtJson *
js_number(double d, const OtAllocator *a)
{
	OtJson	   *v = ot_alloc(a, sizeof(OtJson));

	memset(v, 0, sizeof(OtJson));
	v->kind = OJ_NUMBER;
	v->number = d;
	return v;
}

static OtJson *
js_string(const char *s, size_t len, const OtAllocator *a)
{
	OtJson	   *v = ot_alloc(a, sizeof(OtJson));

	memset(v, 0, sizeof(OtJson));
	v->kind = OJ_STRING;
	v->str = s;
	v->len = len;
	return v;
}

static double
epoch_ms(TimestampTz t)
{
	return floor((double) t / 1000.0) + (double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000.0;
}

/* {_id, _type, _v, _m: {ctime, mtime}}, as sharedb-mongo stores a document's metadata. */
static const OtJson *
doc_meta(const QDoc *d, const OtAllocator *a)
{
	OtJsonMember *m = ot_alloc(a, 4 * sizeof(OtJsonMember));
	OtJsonMember *t = ot_alloc(a, 2 * sizeof(OtJsonMember));
	OtJson	   *times = ot_alloc(a, sizeof(OtJson));
	OtJson	   *meta = ot_alloc(a, sizeof(OtJson));

	t[0] = (OtJsonMember) {"ctime", 5, js_number(epoch_ms(d->ctime), a)};
	t[1] = (OtJsonMember) {"mtime", 5, js_number(epoch_ms(d->mtime), a)};
	memset(times, 0, sizeof(OtJson));
	times->kind = OJ_OBJECT;
	times->len = 2;
	times->members = t;
	m[0] = (OtJsonMember) {"_id", 3, js_string(VARDATA_ANY(d->name), VARSIZE_ANY_EXHDR(d->name), a)};
	m[1] = (OtJsonMember) {"_m", 2, times};
	m[2] = (OtJsonMember) {"_type", 5, js_string(VARDATA_ANY(d->type), VARSIZE_ANY_EXHDR(d->type), a)};
	m[3] = (OtJsonMember) {"_v", 2, js_number((double) d->version, a)};
	memset(meta, 0, sizeof(OtJson));
	meta->kind = OJ_OBJECT;
	meta->len = 4;
	meta->members = m;
	return meta;
}

static const OtJson *
doc_root(Jsonb *jb, const OtAllocator *a)
{
	JsonbValue	v;

	if (JB_ROOT_IS_SCALAR(jb))
	{
		JsonbExtractScalar(&jb->root, &v);
		return ot_json_from_jsonb(&v, a);
	}
	v.type = jbvBinary;
	v.val.binary.data = &jb->root;
	v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
	return ot_json_from_jsonb(&v, a);
}

/* A sort key's value: the path's leaves, an array by its least (or greatest) element. */
static const OtJson *
sort_value(const QSortKey *k, const QDoc *d)
{
	Leaves		l = {0};
	const OtJson *best = NULL;
	bool		have = false;
	int			i;
	size_t		j;

	query_resolve(&k->path, d->meta, d->root, &l);
	for (i = 0; i < l.n; i++)
	{
		const OtJson *v = l.v[i];

		if (v && v->kind == OJ_ARRAY)
		{
			for (j = 0; j < v->len; j++)
				if (!have || query_value_cmp(&v->items[j], best) * k->dir < 0)
				{
					best = &v->items[j];
					have = true;
				}
		}
		else if (!have || query_value_cmp(v, best) * k->dir < 0)
		{
			best = v;
			have = true;
		}
	}
	return best;
}

static const OtQuery *sorting;

static int
doc_cmp(const void *pa, const void *pb)
{
	const QDoc *a = *(QDoc *const *) pa;
	const QDoc *b = *(QDoc *const *) pb;
	int			i,
				c;

	for (i = 0; i < sorting->nsort; i++)
	{
		const QSortKey *k = &sorting->sort[i];

		c = query_value_cmp(sort_value(k, a), sort_value(k, b)) * k->dir;
		if (c)
			return c;
	}
	/* Ties by id, in JavaScript's string order. */
	return query_utf16_cmp(VARDATA_ANY(a->name), VARSIZE_ANY_EXHDR(a->name),
					 VARDATA_ANY(b->name), VARSIZE_ANY_EXHDR(b->name));
}

/*
 * The candidates: the collection's live documents the principal $3 may read
 * ($2: it may read them all, as an admin or by a collection-wide grant),
 * each with its latest data; BY_NAME adds "name = ANY ($4)", an index
 * condition on (collection, name).
 */
#define CANDIDATES \
	"SELECT d.name, d.type, d.version, d.created_at, d.updated_at," \
	" ot.apply_ops(d.type, s.data, coalesce((SELECT pg_catalog.array_agg(o.op ORDER BY o.version)" \
	"   FROM ot.operations o WHERE o.doc_id = d.id AND o.version >= d.snapshot_version" \
	"   AND o.version < d.version), '{}'))" \
	" FROM ot.documents d JOIN ot.snapshots s ON s.doc_id = d.id AND s.version = d.snapshot_version" \
	" WHERE d.collection = $1 AND d.type IS NOT NULL" \
	"   AND ($2 OR EXISTS (SELECT FROM ot.grants g WHERE g.collection = $1 AND g.name = d.name" \
	"        AND (g.principal = $3 OR (g.principal = '*' AND $3 <> 'anonymous'))))"
#define BY_NAME " AND d.name = ANY ($4)"
#define ORDER " ORDER BY d.collection, d.name LIMIT $5"

/* May the acting principal read every document of the collection? */
static bool
may_read_all(text *collection)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {PointerGetDatum(collection)};
	bool		isnull;

	if (SPI_execute_with_args("SELECT ot._may($1, NULL, 'read')", 1, argtypes, args, NULL, true, 1)
		!= SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "ot._may failed");
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) &&
		!isnull;
}

/*
 * The matching documents, sorted, skipped and limited, in the caller's
 * memory context; *total is how many that is.
 */
static QDoc **
run_query(text *collection, Jsonb *qjb, const OtQuery **out_query, int *total)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext row_cxt;
	OtAllocator ca = pg_ot_allocator(caller);
	OtAllocator ra;
	OtQuery	   *query = palloc0(sizeof(OtQuery));
	const OtJson *q;
	Oid			argtypes[5] = {TEXTOID, BOOLOID, TEXTOID, TEXTARRAYOID, INT8OID};
	Datum		args[5];
	char		nulls[5] = {' ', ' ', ' ', 'n', ' '};
	Portal		portal;
	QDoc	  **docs = NULL;
	int			ndocs = 0,
				cap = 0,
				examined = 0;
	int64		start,
				end;

	q = doc_root(qjb, &ca);
	if (q->kind != OJ_OBJECT)
		query_malformed("a query must be a JSON object", NULL);
	query_parse(q, query);

	args[0] = PointerGetDatum(collection);
	args[2] = CStringGetTextDatum(ot_current_principal());
	if (query->ids)
	{
		Datum	   *ids = palloc((query->nids + 1) * sizeof(Datum));
		int			i;

		for (i = 0; i < query->nids; i++)
			ids[i] = PointerGetDatum(cstring_to_text_with_len(query->ids[i]->str, query->ids[i]->len));
		args[3] = PointerGetDatum(construct_array(ids, query->nids, TEXTOID, -1, false, TYPALIGN_INT));
		nulls[3] = ' ';
	}
	args[4] = Int64GetDatum((int64) pg_ot_query_max_documents + 1);

	row_cxt = AllocSetContextCreate(caller, "pg_ot query row", ALLOCSET_DEFAULT_SIZES);
	ra = pg_ot_allocator(row_cxt);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	args[1] = BoolGetDatum(may_read_all(collection));
	portal = SPI_cursor_open_with_args(NULL, query->ids ? CANDIDATES BY_NAME ORDER : CANDIDATES ORDER,
									   5, argtypes, args, nulls, true, 0);
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, 64);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			QDoc		d;
			MemoryContext old;

			CHECK_FOR_INTERRUPTS();
			if (++examined > pg_ot_query_max_documents)
				ereport(ERROR,
						errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("query examines more than %d documents of collection \"%s\"",
							   pg_ot_query_max_documents, text_to_cstring(collection)),
						errdetail("pg_ot.query_max_documents is %d; every readable document of the "
								  "collection is examined unless the query names _id.",
								  pg_ot_query_max_documents),
						errhint("Narrow the query by _id, split the collection, or raise "
								"pg_ot.query_max_documents."));
			/* (The statement gives neither a NULL type nor NULL data; be sure.) */
			(void) SPI_getbinval(tup, desc, 2, &isnull);
			if (isnull)
				continue;
			(void) SPI_getbinval(tup, desc, 6, &isnull);
			if (isnull)
				continue;
			old = MemoryContextSwitchTo(row_cxt);
			d.name = DatumGetTextPP(SPI_getbinval(tup, desc, 1, &isnull));
			d.type = DatumGetTextPP(SPI_getbinval(tup, desc, 2, &isnull));
			d.version = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
			d.ctime = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));
			d.mtime = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &isnull));
			d.data = DatumGetJsonbP(SPI_getbinval(tup, desc, 6, &isnull));
			d.meta = doc_meta(&d, &ra);
			d.root = doc_root(d.data, &ra);
			if (query_matches(query->filter, d.meta, d.root))
			{
				QDoc	   *k;

				MemoryContextSwitchTo(caller);
				k = palloc(sizeof(QDoc));
				k->name = DatumGetTextPCopy(PointerGetDatum(d.name));
				k->type = DatumGetTextPCopy(PointerGetDatum(d.type));
				k->version = d.version;
				k->ctime = d.ctime;
				k->mtime = d.mtime;
				k->data = DatumGetJsonbPCopy(PointerGetDatum(d.data));
				k->meta = doc_meta(k, &ca);
				k->root = query->nsort ? doc_root(k->data, &ca) : NULL;
				if (ndocs == cap)
				{
					cap = cap ? cap * 2 : 16;
					docs = docs ? repalloc(docs, cap * sizeof(QDoc *)) : palloc(cap * sizeof(QDoc *));
				}
				docs[ndocs++] = k;
			}
			MemoryContextSwitchTo(old);
			MemoryContextReset(row_cxt);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	MemoryContextDelete(row_cxt);

	if (ndocs > 1)
	{
		sorting = query;
		qsort(docs, ndocs, sizeof(QDoc *), doc_cmp);
		sorting = NULL;
	}
	start = Min(query->skip, ndocs);
	end = query->limit > 0 ? Min(ndocs, start + query->limit) : ndocs;
	*out_query = query;
	*total = (int) (end - start);
	return docs ? docs + start : NULL;
}

PG_FUNCTION_INFO_V1(pg_ot_query);
PG_FUNCTION_INFO_V1(pg_ot_query_extra);

Datum
pg_ot_query(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const OtQuery *query;
	QDoc	  **docs;
	int			n,
				i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		query_malformed("collection and query must not be null", NULL);
	InitMaterializedSRF(fcinfo, 0);
	docs = run_query(PG_GETARG_TEXT_PP(0), PG_GETARG_JSONB_P(1), &query, &n);
	if (query->count)
		return (Datum) 0;		/* as sharedb-mongo: the answer is in extra */
	if (n > pg_ot_query_max_results)
		ereport(ERROR,
				errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				errmsg("query returns %d documents, more than pg_ot.query_max_results (%d)",
					   n, pg_ot_query_max_results),
				errhint("Add a $limit of at most %d.", pg_ot_query_max_results));
	for (i = 0; i < n; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = PointerGetDatum(docs[i]->name);
		values[1] = PointerGetDatum(docs[i]->type);
		values[2] = Int64GetDatum(docs[i]->version);
		values[3] = PointerGetDatum(docs[i]->data);
		values[4] = TimestampTzGetDatum(docs[i]->ctime);
		values[5] = TimestampTzGetDatum(docs[i]->mtime);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

Datum
pg_ot_query_extra(PG_FUNCTION_ARGS)
{
	const OtQuery *query;
	int			n;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		query_malformed("collection and query must not be null", NULL);
	run_query(PG_GETARG_TEXT_PP(0), PG_GETARG_JSONB_P(1), &query, &n);
	if (!query->count)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(psprintf("%d", n))));
}
