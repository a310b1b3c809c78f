/*
 * store.c
 *	  The rows the submit path reads and writes (see store.h).
 *
 * Each statement is prepared once per backend with a generic plan (no
 * planning per call) and kept.  An edit or a create writes without a
 * statement: the op row (and the snapshot, when one is due) is inserted and
 * the document row updated through the executor's single-row routines
 * (execReplication.c: constraints, indexes, AFTER ROW triggers), with one
 * executor state for all the ops of a call, so that neither a plan nor the
 * tables' CHECK constraints are set up again per op.  A delete is one
 * statement: the op row and the document row in a data-modifying CTE; so
 * is every append if the tables are not as the install script makes them
 * (columns and their types) or have statement triggers or transition
 * tables, which the single-row routines do not fire.
 * Either way the NOTIFY is the AFTER INSERT trigger on ot.operations
 * (notify.c), and the foreign keys' checks are their triggers.
 *
 * May call: SPI, nothing of the submit path above it.
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "utils/relcache.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "access/genam.h"
#include "access/relscan.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/jsonb.h"

#include "store.h"

volatile bool ot_store_busy = false;

typedef enum
{
	Q_LOCK,
	Q_INSERT_DOCUMENT,
	Q_SRC_SEQ,
	Q_OPS,
	Q_SNAPSHOT,
	Q_GRANTED,
	Q_GRANTED_COLLECTION,
	Q_APPEND_TAIL,
	Q_APPEND_SNAPSHOT,
	Q_APPEND_DELETE,
	Q_ERROR_CODE,
	Q_FIRST_VERSION,
	Q_COUNT
} StoreQuery;

typedef struct Statement
{
	const char *sql;
	int			nargs;
	Oid			argtypes[12];
} Statement;

#define OP_COLUMNS "version, op, create_data, del, src, seq, user_id"

static const Statement statements[Q_COUNT] = {
	[Q_LOCK] = {"SELECT ctid, id, type, version, length, astral, snapshot_version, snapshot_bytes,"
		" tail_bytes FROM ot.documents WHERE collection = $1 AND name = $2 FOR NO KEY UPDATE",
	2, {TEXTOID, TEXTOID}},
	[Q_INSERT_DOCUMENT] = {"INSERT INTO ot.documents (collection, name) VALUES ($1, $2)"
		" ON CONFLICT DO NOTHING",
	2, {TEXTOID, TEXTOID}},
	[Q_SRC_SEQ] = {"SELECT " OP_COLUMNS " FROM ot.operations"
		" WHERE doc_id = $1 AND src = $2 AND seq = $3",
	3, {INT8OID, TEXTOID, INT8OID}},
	[Q_OPS] = {"SELECT " OP_COLUMNS " FROM ot.operations"
		" WHERE doc_id = $1 AND version >= $2 AND version < $3 ORDER BY version",
	3, {INT8OID, INT8OID, INT8OID}},
	[Q_SNAPSHOT] = {"SELECT data FROM ot.snapshots WHERE doc_id = $1 AND version = $2",
	2, {INT8OID, INT8OID}},
	[Q_GRANTED] = {"SELECT EXISTS (SELECT FROM ot.grants g"
		" WHERE g.collection = $1 AND (g.name IS NULL OR g.name = $2)"
		" AND (g.principal = $4 OR (g.principal = '*' AND $4 <> 'anonymous'))"
		" AND (g.access = 'write' OR $3 = 'read'))",
	4, {TEXTOID, TEXTOID, TEXTOID, TEXTOID}},
	[Q_GRANTED_COLLECTION] = {"SELECT EXISTS (SELECT FROM ot.grants g"
		" WHERE g.collection = $1 AND g.name IS NULL"
		" AND (g.principal = $3 OR (g.principal = '*' AND $3 <> 'anonymous'))"
		" AND (g.access = 'write' OR $2 = 'read'))",
	3, {TEXTOID, TEXTOID, TEXTOID}},
	[Q_APPEND_TAIL] = {"WITH o AS (INSERT INTO ot.operations (doc_id, version, op, src, seq, user_id)"
		" VALUES ($1, $2, $3, $4, $5, $6))"
		" UPDATE ot.documents SET version = $2 + 1, length = $7, astral = $8, tail_bytes = $9,"
		" updated_at = clock_timestamp() WHERE id = $1",
	9, {INT8OID, INT8OID, JSONBOID, TEXTOID, INT8OID, TEXTOID, INT8OID, INT8ARRAYOID, INT8OID}},
	[Q_APPEND_SNAPSHOT] = {"WITH o AS (INSERT INTO ot.operations"
		" (doc_id, version, op, create_data, src, seq, user_id)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7)),"
		" s AS (INSERT INTO ot.snapshots (doc_id, version, type, data) VALUES ($1, $2 + 1, $8, $9))"
		" UPDATE ot.documents SET type = $8, version = $2 + 1, length = $10, astral = $11,"
		" snapshot_version = $2 + 1, snapshot_bytes = $12, tail_bytes = 0,"
		" updated_at = clock_timestamp() WHERE id = $1",
	12, {INT8OID, INT8OID, JSONBOID, JSONBOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, JSONBOID,
	INT8OID, INT8ARRAYOID, INT8OID}},
	[Q_APPEND_DELETE] = {"WITH o AS (INSERT INTO ot.operations (doc_id, version, del, src, seq, user_id)"
		" VALUES ($1, $2, true, $3, $4, $5))"
		" UPDATE ot.documents SET type = NULL, version = $2 + 1, length = 0, astral = '{}',"
		" updated_at = clock_timestamp() WHERE id = $1",
	5, {INT8OID, INT8OID, TEXTOID, INT8OID, TEXTOID}},
	[Q_ERROR_CODE] = {"SELECT ot.sharedb_error_code($1)", 1, {TEXTOID}},
	[Q_FIRST_VERSION] = {"SELECT first_version FROM ot.retention_cuts WHERE doc_id = $1",
	1, {INT8OID}},
};

static SPIPlanPtr plans[Q_COUNT];

/*
 * Runs statement q; its rows in SPI_tuptable.  The plans are generic and
 * kept for the backend: the tables' names are fixed, and the callers run
 * with search_path = pg_catalog, pg_temp.
 */
static void
execute(StoreQuery q, Datum *values, const char *nulls, long limit)
{
	int			rc;

	if (plans[q] == NULL)
	{
		SPIPlanPtr	p = SPI_prepare_cursor(statements[q].sql, statements[q].nargs,
										   (Oid *) statements[q].argtypes,
										   CURSOR_OPT_GENERIC_PLAN);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "pg_ot could not prepare \"%s\": %s", statements[q].sql,
				 SPI_result_code_string(SPI_result));
		plans[q] = p;
	}
	ot_store_busy = true;
	rc = SPI_execute_plan(plans[q], values, nulls, false, limit);
	ot_store_busy = false;
	if (rc < 0)
		elog(ERROR, "pg_ot: \"%s\" failed: %s", statements[q].sql, SPI_result_code_string(rc));
}

/* ---------- edits without a statement ---------- */

/* The columns of ot.documents and ot.operations as the install script makes them. */
static const char *const document_columns[] = {"id", "collection", "name", "type", "version",
	"length", "astral", "snapshot_version", "snapshot_bytes", "tail_bytes", "created_at",
"updated_at"};
static const char *const op_columns[] = {"doc_id", "version", "op", "create_data", "del", "src",
"seq", "user_id", "created_at"};
static const char *const snapshot_columns[] = {"doc_id", "version", "type", "data", "created_at"};
/* Their types: the direct path stores Datums of these. */
static const Oid document_types[] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, INT8OID, INT8OID,
	INT8ARRAYOID, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
static const Oid op_types[] = {INT8OID, INT8OID, JSONBOID, JSONBOID, BOOLOID, TEXTOID, INT8OID,
TEXTOID, TIMESTAMPTZOID};
static const Oid snapshot_types[] = {INT8OID, INT8OID, TEXTOID, JSONBOID, TIMESTAMPTZOID};
StaticAssertDecl(lengthof(document_types) == lengthof(document_columns), "document_types");
StaticAssertDecl(lengthof(op_types) == lengthof(op_columns), "op_types");
StaticAssertDecl(lengthof(snapshot_types) == lengthof(snapshot_columns), "snapshot_types");

enum
{
	D_TYPE = 3, D_VERSION = 4, D_LENGTH = 5, D_ASTRAL = 6, D_SNAPSHOT_VERSION = 7,
	D_SNAPSHOT_BYTES = 8, D_TAIL_BYTES = 9, D_UPDATED_AT = 11
};
enum
{
	S_DOC_ID, S_VERSION, S_TYPE, S_DATA, S_CREATED_AT
};
enum
{
	O_DOC_ID, O_VERSION, O_OP, O_CREATE_DATA, O_DEL, O_SRC, O_SEQ, O_USER_ID, O_CREATED_AT
};

typedef struct Writer
{
	bool		usable;			/* the tables are as expected: else statements */
	EState	   *estate;
	ResultRelInfo *documents;
	ResultRelInfo *operations;
	ResultRelInfo *snapshots;
	TupleTableSlot *old_document;
	TupleTableSlot *new_document;
	TupleTableSlot *op;
	TupleTableSlot *snapshot;
	/* for reads without a statement: NULL if an index is missing */
	Relation	documents_name;	/* (collection, name) */
	Relation	operations_pkey;	/* (doc_id, version) */
	Relation	operations_src_seq;	/* (doc_id, src, seq) WHERE src IS NOT NULL */
	Relation	snapshots_pkey;	/* (doc_id, version) */
	TupleTableSlot *op_read;
	TupleTableSlot *snapshot_read;
	TupleTableSlot *document_read;
	/* ot.retention_cuts, opened on the call's first look at a cut (open_cuts) */
	bool		cuts_opened;
	Relation	retention_cuts;
	Relation	retention_cuts_pkey;	/* (doc_id); NULL: read by a statement */
	TupleTableSlot *cut_read;
} Writer;

/* The current call's (ot_store_connect to ot_store_finish), or NULL. */
static Writer *writer;
static MemoryContext writer_cxt;

/*
 * Whether a call is between ot_store_connect and ot_store_finish, and the
 * subtransaction it began in.  The state above is one call's, not stacked:
 * a call inside another (a trigger on the op log, or a function it calls,
 * running ot.submit while ot.submit appends) would leave the outer one a
 * writer in the inner one's freed memory, so it is refused (0A000).  An
 * error that ends the call ends it here too (the callbacks below).
 */
static bool in_call;
static SubTransactionId call_subxact;
static bool callbacks_registered;

static void
call_ended(void)
{
	in_call = false;
	writer = NULL;
	ot_store_busy = false;
}

static void
store_xact_callback(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_PRE_COMMIT && event != XACT_EVENT_PARALLEL_PRE_COMMIT &&
		event != XACT_EVENT_PRE_PREPARE)
		call_ended();
}

static void
store_subxact_callback(SubXactEvent event, SubTransactionId subid, SubTransactionId parent,
					   void *arg)
{
	/* A call that began in the aborted subtransaction or in one below it. */
	if (event == SUBXACT_EVENT_ABORT_SUB && in_call && call_subxact >= subid)
		call_ended();
}

/* Whether rel's columns are names, of types, in this order (and nothing computes them). */
static bool
columns_are(Relation rel, const char *const *names, const Oid *types, int n)
{
	TupleDesc	desc = RelationGetDescr(rel);

	if (desc->natts != n || rel->rd_rel->relkind != RELKIND_RELATION ||
		(desc->constr && desc->constr->has_generated_stored))
		return false;
	for (int i = 0; i < n; i++)
		if (TupleDescAttr(desc, i)->attisdropped ||
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), names[i]) != 0 ||
			TupleDescAttr(desc, i)->atttypid != types[i])
			return false;
	return true;
}

static ResultRelInfo *
open_result_relation(EState *estate, const char *name, Index rti)
{
	Relation	rel = table_open(get_relname_relid(name, get_namespace_oid("ot", false)),
								 RowExclusiveLock);
	ResultRelInfo *rri = makeNode(ResultRelInfo);

	InitResultRelInfo(rri, rel, rti, NULL, 0);
	ExecOpenIndices(rri, false);
	/* Where the AFTER triggers' firing looks for it. */
	estate->es_opened_result_relations = lappend(estate->es_opened_result_relations, rri);
	return rri;
}

/* The btree index of rri named name (opened by ExecOpenIndices) on the columns given. */
static Relation
index_named(ResultRelInfo *rri, const char *name, const int16 *columns, int n)
{
	for (int i = 0; i < rri->ri_NumIndices; i++)
	{
		Relation	idx = rri->ri_IndexRelationDescs[i];

		if (strcmp(RelationGetRelationName(idx), name) != 0)
			continue;
		if (idx->rd_rel->relam != BTREE_AM_OID || idx->rd_index->indnkeyatts != n)
			return NULL;
		for (int k = 0; k < n; k++)
			if (idx->rd_index->indkey.values[k] != columns[k])
				return NULL;
		return idx;
	}
	return NULL;
}

/*
 * Whether the executor's single-row routines fire all of rri's triggers:
 * they fire row triggers, neither statement triggers nor transition tables.
 */
static bool
row_triggers_only(ResultRelInfo *rri)
{
	TriggerDesc *td = rri->ri_TrigDesc;

	return td == NULL ||
		!(td->trig_insert_before_statement || td->trig_insert_after_statement ||
		  td->trig_update_before_statement || td->trig_update_after_statement ||
		  td->trig_insert_new_table || td->trig_update_old_table || td->trig_update_new_table);
}

/*
 * Drops from rri's triggers (a copy: the relcache's stay) the check of its
 * foreign key doc_id -> ot.documents (id), which would look the document row
 * up again and lock it FOR KEY SHARE per op (a statement each: an eighth of
 * the database's CPU per op under load).  It is redundant here: every op is
 * appended after ot_store_lock has locked that row FOR NO KEY UPDATE, which
 * conflicts with any delete of the row and any change of its key, in this
 * transaction (or after this transaction inserted it), so the row and its
 * key exist until commit; a delete of it by this transaction later
 * cascades to the op.  Any other foreign key keeps its check.
 */
static void
skip_document_key_check(ResultRelInfo *rri, Oid documents)
{
	TriggerDesc *td = rri->ri_TrigDesc;
	Oid			conoid = InvalidOid;
	ListCell   *lc;
	int			n = 0;

	if (td == NULL)
		return;
	foreach(lc, RelationGetFKeyList(rri->ri_RelationDesc))
	{
		ForeignKeyCacheInfo *fk = lfirst(lc);

		if (fk->confrelid == documents && fk->nkeys == 1 && fk->conkey[0] == 1 &&
			fk->confkey[0] == 1)
			conoid = fk->conoid;
	}
	if (!OidIsValid(conoid))
		return;
	td = CopyTriggerDesc(td);
	for (int i = 0; i < td->numtriggers; i++)
		if (td->triggers[i].tgconstraint != conoid ||
			RI_FKey_trigger_type(td->triggers[i].tgfoid) != RI_TRIGGER_FK)
			td->triggers[n++] = td->triggers[i];
	td->numtriggers = n;
	rri->ri_TrigDesc = td;
}

static Writer *
open_writer(void)
{
	MemoryContext old = MemoryContextSwitchTo(writer_cxt);
	Writer	   *w = palloc0(sizeof(Writer));
	Oid			nsp = get_namespace_oid("ot", false);
	Oid			documents = get_relname_relid("documents", nsp);
	Oid			operations = get_relname_relid("operations", nsp);
	Oid			snapshots = get_relname_relid("snapshots", nsp);
	List	   *rtable = NIL;

	for (int i = 0; i < 3; i++)
	{
		RangeTblEntry *rte = makeNode(RangeTblEntry);

		rte->rtekind = RTE_RELATION;
		rte->relid = i == 0 ? documents : i == 1 ? operations : snapshots;
		rte->relkind = RELKIND_RELATION;
		rte->rellockmode = RowExclusiveLock;
		rtable = lappend(rtable, rte);
	}
	w->estate = CreateExecutorState();
	ExecInitRangeTable(w->estate, rtable);
	w->documents = open_result_relation(w->estate, "documents", 1);
	w->operations = open_result_relation(w->estate, "operations", 2);
	w->snapshots = open_result_relation(w->estate, "snapshots", 3);
	w->usable = columns_are(w->documents->ri_RelationDesc, document_columns, document_types,
							lengthof(document_columns)) &&
		columns_are(w->operations->ri_RelationDesc, op_columns, op_types, lengthof(op_columns)) &&
		columns_are(w->snapshots->ri_RelationDesc, snapshot_columns, snapshot_types,
					lengthof(snapshot_columns)) &&
		row_triggers_only(w->documents) && row_triggers_only(w->operations) &&
		row_triggers_only(w->snapshots);
	if (w->usable)
	{
		skip_document_key_check(w->operations, documents);
		skip_document_key_check(w->snapshots, documents);
	}
	w->old_document = table_slot_create(w->documents->ri_RelationDesc, &w->estate->es_tupleTable);
	w->new_document = ExecInitExtraTupleSlot(w->estate, RelationGetDescr(w->documents->ri_RelationDesc),
											 &TTSOpsVirtual);
	w->op = ExecInitExtraTupleSlot(w->estate, RelationGetDescr(w->operations->ri_RelationDesc),
								   &TTSOpsVirtual);
	w->snapshot = ExecInitExtraTupleSlot(w->estate, RelationGetDescr(w->snapshots->ri_RelationDesc),
										 &TTSOpsVirtual);
	{
		static const int16 doc_version[] = {1, 2};
		static const int16 doc_src_seq[] = {1, O_SRC + 1, O_SEQ + 1};
		static const int16 collection_name[] = {2, 3};

		w->documents_name = index_named(w->documents, "documents_collection_name_key",
										collection_name, 2);

		w->operations_pkey = index_named(w->operations, "operations_pkey", doc_version, 2);
		w->operations_src_seq = index_named(w->operations, "operations_src_seq", doc_src_seq, 3);
		w->snapshots_pkey = index_named(w->snapshots, "snapshots_pkey", doc_version, 2);
	}
	w->op_read = table_slot_create(w->operations->ri_RelationDesc, &w->estate->es_tupleTable);
	w->snapshot_read = table_slot_create(w->snapshots->ri_RelationDesc, &w->estate->es_tupleTable);
	w->document_read = table_slot_create(w->documents->ri_RelationDesc, &w->estate->es_tupleTable);
	MemoryContextSwitchTo(old);
	return w;
}

static void
close_writer(Writer *w)
{
	ResultRelInfo *rris[3] = {w->documents, w->operations, w->snapshots};

	ExecResetTupleTable(w->estate->es_tupleTable, false);
	for (int i = 0; i < 3; i++)
	{
		ExecCloseIndices(rris[i]);
		table_close(rris[i]->ri_RelationDesc, NoLock);
	}
	if (w->retention_cuts_pkey)
		index_close(w->retention_cuts_pkey, NoLock);
	if (w->retention_cuts)
		table_close(w->retention_cuts, NoLock);
	FreeExecutorState(w->estate);
}

/*
 * An edit or a create appended without a statement (see the header
 * comment); with snapshot, the snapshot is stored too.
 */
static void
append_directly(Writer *w, const OtDoc *d, Jsonb *op, Jsonb *create_data, const char *src,
				int64 seq, const char *who, const char *type, int64 length, ArrayType *astral,
				Jsonb *snapshot, int64 tail_bytes)
{
	EState	   *estate = w->estate;
	TupleTableSlot *slot = w->op;
	TupleTableSlot *doc = w->new_document;
	TimestampTz now = GetCurrentTimestamp();
	int			natts = RelationGetDescr(w->documents->ri_RelationDesc)->natts;

	ot_store_busy = true;
	estate->es_output_cid = GetCurrentCommandId(true);
	estate->es_snapshot = GetActiveSnapshot();
	AfterTriggerBeginQuery();

	ExecClearTuple(slot);
	memset(slot->tts_isnull, false, sizeof(bool) * lengthof(op_columns));
	slot->tts_values[O_DOC_ID] = Int64GetDatum(d->id);
	slot->tts_values[O_VERSION] = Int64GetDatum(d->version);
	slot->tts_values[O_OP] = PointerGetDatum(op);
	slot->tts_isnull[O_OP] = op == NULL;
	slot->tts_values[O_CREATE_DATA] = PointerGetDatum(create_data);
	slot->tts_isnull[O_CREATE_DATA] = create_data == NULL;
	slot->tts_values[O_DEL] = BoolGetDatum(false);
	slot->tts_isnull[O_SRC] = slot->tts_isnull[O_SEQ] = src == NULL;
	if (src)
	{
		slot->tts_values[O_SRC] = CStringGetTextDatum(src);
		slot->tts_values[O_SEQ] = Int64GetDatum(seq);
	}
	slot->tts_values[O_USER_ID] = CStringGetTextDatum(who);
	slot->tts_values[O_CREATED_AT] = TimestampTzGetDatum(now);
	ExecStoreVirtualTuple(slot);
	ExecSimpleRelationInsert(w->operations, estate, slot);

	if (snapshot)
	{
		TupleTableSlot *snap = w->snapshot;

		ExecClearTuple(snap);
		memset(snap->tts_isnull, false, sizeof(bool) * lengthof(snapshot_columns));
		snap->tts_values[S_DOC_ID] = Int64GetDatum(d->id);
		snap->tts_values[S_VERSION] = Int64GetDatum(d->version + 1);
		snap->tts_values[S_TYPE] = CStringGetTextDatum(type);
		snap->tts_values[S_DATA] = JsonbPGetDatum(snapshot);
		snap->tts_values[S_CREATED_AT] = TimestampTzGetDatum(now);
		ExecStoreVirtualTuple(snap);
		ExecSimpleRelationInsert(w->snapshots, estate, snap);
	}

	if (!table_tuple_fetch_row_version(w->documents->ri_RelationDesc, (ItemPointer) &d->tid,
									   SnapshotAny, w->old_document))
		elog(ERROR, "pg_ot: the locked row of document %lld is gone", (long long) d->id);
	slot_getallattrs(w->old_document);
	ExecClearTuple(doc);
	memcpy(doc->tts_values, w->old_document->tts_values, sizeof(Datum) * natts);
	memcpy(doc->tts_isnull, w->old_document->tts_isnull, sizeof(bool) * natts);
	doc->tts_values[D_VERSION] = Int64GetDatum(d->version + 1);
	doc->tts_values[D_LENGTH] = Int64GetDatum(length);
	doc->tts_values[D_ASTRAL] = PointerGetDatum(astral);
	doc->tts_isnull[D_ASTRAL] = astral == NULL;
	doc->tts_values[D_TAIL_BYTES] = Int64GetDatum(tail_bytes);
	doc->tts_values[D_UPDATED_AT] = TimestampTzGetDatum(now);
	if (snapshot)
	{
		doc->tts_values[D_TYPE] = CStringGetTextDatum(type);
		doc->tts_isnull[D_TYPE] = false;
		doc->tts_values[D_SNAPSHOT_VERSION] = Int64GetDatum(d->version + 1);
		doc->tts_values[D_SNAPSHOT_BYTES] = Int64GetDatum(VARSIZE(snapshot));
		doc->tts_values[D_TAIL_BYTES] = Int64GetDatum(0);
	}
	ExecStoreVirtualTuple(doc);
	ExecSimpleRelationUpdate(w->documents, estate, NULL, w->old_document, doc);

	AfterTriggerEndQuery(estate);
	ExecClearTuple(w->old_document);
	ResetPerTupleExprContext(estate);
	/* What follows (the next op's statements) sees these rows. */
	CommandCounterIncrement();
	ot_store_busy = false;
}

/* ---------- reads without a statement ---------- */

/*
 * A snapshot as SPI takes one for each statement of a volatile function:
 * a new one under READ COMMITTED, the transaction's under REPEATABLE READ,
 * either seeing every change the transaction has made so far.
 */
static Snapshot
push_read_snapshot(void)
{
	PushCopiedSnapshot(GetTransactionSnapshot());
	UpdateActiveSnapshotCommandId();
	return GetActiveSnapshot();
}

static void
key(ScanKey k, Relation idx, int column, StrategyNumber strategy, RegProcedure proc, Datum value)
{
	ScanKeyEntryInitialize(k, 0, column, strategy, InvalidOid, idx->rd_indcollation[column - 1],
						   proc, value);
}

static void
read_op_slot(TupleTableSlot *slot, OtOpRow *row)
{
	bool		isnull;
	Datum		d;

	row->version = DatumGetInt64(slot_getattr(slot, O_VERSION + 1, &isnull));
	d = slot_getattr(slot, O_OP + 1, &isnull);
	row->op = isnull ? NULL : (Jsonb *) PG_DETOAST_DATUM_COPY(d);
	d = slot_getattr(slot, O_CREATE_DATA + 1, &isnull);
	row->create_data = isnull ? NULL : (Jsonb *) PG_DETOAST_DATUM_COPY(d);
	row->del = DatumGetBool(slot_getattr(slot, O_DEL + 1, &isnull));
	d = slot_getattr(slot, O_SRC + 1, &isnull);
	row->src = isnull ? NULL : TextDatumGetCString(d);
	d = slot_getattr(slot, O_SEQ + 1, &isnull);
	row->seq = isnull ? 0 : DatumGetInt64(d);
	d = slot_getattr(slot, O_USER_ID + 1, &isnull);
	row->user_id = isnull ? NULL : TextDatumGetCString(d);
}

/* The writer, if its tables and indexes are the install script's. */
static Writer *
reader(void)
{
	if (writer == NULL)
		writer = open_writer();
	return writer->usable && writer->documents_name && writer->operations_pkey &&
		writer->operations_src_seq && writer->snapshots_pkey ? writer : NULL;
}

static bool
text_column_is(TupleTableSlot *slot, int attnum, const char *s)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	return !isnull && strcmp(TextDatumGetCString(d), s) == 0;
}

/*
 * The document row locked FOR NO KEY UPDATE (KEY SHARE, which the foreign
 * keys of ot.compact's inserts take, does not wait for it) as the executor's LockRows does it:
 * under READ COMMITTED a row updated meanwhile is followed to its latest
 * version (which must still have the names), under REPEATABLE READ it fails
 * with 40001.
 */
static bool
lock_directly(Writer *w, const char *collection, const char *name, OtDoc *d)
{
	Relation	rel = w->documents->ri_RelationDesc;
	TupleTableSlot *slot = w->document_read;
	ScanKeyData keys[2];
	IndexScanDesc scan;
	Snapshot	snap;
	ItemPointerData tid;
	TM_FailureData tmfd;
	bool		found;

	ot_store_busy = true;
	snap = push_read_snapshot();
	key(&keys[0], w->documents_name, 1, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(collection));
	key(&keys[1], w->documents_name, 2, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(name));
	scan = index_beginscan(rel, w->documents_name, snap, 2, 0);
	index_rescan(scan, keys, 2, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	if (found)
		tid = slot->tts_tid;
	ExecClearTuple(slot);
	index_endscan(scan);
	if (found)
	{
		switch (table_tuple_lock(rel, &tid, snap, slot, GetCurrentCommandId(true),
								 LockTupleNoKeyExclusive, LockWaitBlock,
								 IsolationUsesXactSnapshot() ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION,
								 &tmfd))
		{
			case TM_Ok:
				/* A later version must still be the document's (LockRows' recheck). */
				found = !tmfd.traversed ||
					(text_column_is(slot, 2, collection) && text_column_is(slot, 3, name));
				break;
			case TM_Updated:
			case TM_Deleted:
				if (IsolationUsesXactSnapshot())
					ereport(ERROR,
							errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							errmsg("could not serialize access due to concurrent update"));
				found = false;
				break;
			case TM_SelfModified:
				found = false;
				break;
			default:
				elog(ERROR, "pg_ot: could not lock the row of document \"%s\" of collection \"%s\"",
					 name, collection);
		}
	}
	if (found)
	{
		bool		isnull;
		Datum		a;

		slot_getallattrs(slot);
		d->exists = true;
		d->tid = slot->tts_tid;
		d->id = DatumGetInt64(slot_getattr(slot, 1, &isnull));
		a = slot_getattr(slot, D_TYPE + 1, &isnull);
		d->type = isnull ? NULL : TextDatumGetCString(a);
		d->version = DatumGetInt64(slot_getattr(slot, D_VERSION + 1, &isnull));
		d->length = DatumGetInt64(slot_getattr(slot, D_LENGTH + 1, &isnull));
		a = slot_getattr(slot, D_ASTRAL + 1, &isnull);
		d->astral = isnull ? NULL : DatumGetArrayTypePCopy(a);
		d->snapshot_version = DatumGetInt64(slot_getattr(slot, D_SNAPSHOT_VERSION + 1, &isnull));
		d->snapshot_bytes = DatumGetInt64(slot_getattr(slot, D_SNAPSHOT_BYTES + 1, &isnull));
		d->tail_bytes = DatumGetInt64(slot_getattr(slot, D_TAIL_BYTES + 1, &isnull));
	}
	ExecClearTuple(slot);
	PopActiveSnapshot();
	ot_store_busy = false;
	return found;
}

static bool
find_src_seq_directly(Writer *w, int64 doc_id, const char *src, int64 seq, OtOpRow *row)
{
	ScanKeyData keys[3];
	IndexScanDesc scan;
	bool		found;
	Snapshot	snap;

	ot_store_busy = true;
	snap = push_read_snapshot();
	key(&keys[0], w->operations_src_seq, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(doc_id));
	key(&keys[1], w->operations_src_seq, 2, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(src));
	key(&keys[2], w->operations_src_seq, 3, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(seq));
	scan = index_beginscan(w->operations->ri_RelationDesc, w->operations_src_seq, snap, 3, 0);
	index_rescan(scan, keys, 3, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, w->op_read);
	if (found)
		read_op_slot(w->op_read, row);
	ExecClearTuple(w->op_read);
	index_endscan(scan);
	PopActiveSnapshot();
	ot_store_busy = false;
	return found;
}

static OtOpRow *
ops_directly(Writer *w, int64 doc_id, int64 from, int64 upto, int *n)
{
	ScanKeyData keys[3];
	IndexScanDesc scan;
	Snapshot	snap;
	int			size = 8;
	OtOpRow    *rows = palloc(sizeof(OtOpRow) * size);

	*n = 0;
	ot_store_busy = true;
	snap = push_read_snapshot();
	key(&keys[0], w->operations_pkey, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(doc_id));
	key(&keys[1], w->operations_pkey, 2, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(from));
	key(&keys[2], w->operations_pkey, 2, BTLessStrategyNumber, F_INT8LT, Int64GetDatum(upto));
	scan = index_beginscan(w->operations->ri_RelationDesc, w->operations_pkey, snap, 3, 0);
	index_rescan(scan, keys, 3, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, w->op_read))
	{
		if (*n == size)
			rows = repalloc(rows, sizeof(OtOpRow) * (size *= 2));
		read_op_slot(w->op_read, &rows[(*n)++]);
	}
	ExecClearTuple(w->op_read);
	index_endscan(scan);
	PopActiveSnapshot();
	ot_store_busy = false;
	return rows;
}

static Jsonb *
snapshot_directly(Writer *w, int64 doc_id, int64 version)
{
	ScanKeyData keys[2];
	IndexScanDesc scan;
	Snapshot	snap;
	Jsonb	   *data = NULL;

	ot_store_busy = true;
	snap = push_read_snapshot();
	key(&keys[0], w->snapshots_pkey, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(doc_id));
	key(&keys[1], w->snapshots_pkey, 2, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(version));
	scan = index_beginscan(w->snapshots->ri_RelationDesc, w->snapshots_pkey, snap, 2, 0);
	index_rescan(scan, keys, 2, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, w->snapshot_read))
	{
		bool		isnull;
		Datum		d = slot_getattr(w->snapshot_read, S_DATA + 1, &isnull);

		data = isnull ? NULL : (Jsonb *) PG_DETOAST_DATUM_COPY(d);
	}
	ExecClearTuple(w->snapshot_read);
	index_endscan(scan);
	PopActiveSnapshot();
	ot_store_busy = false;
	return data;
}

/*
 * Opens ot.retention_cuts and its primary key for reads without a
 * statement, once per call; false if they are not as the install script
 * makes them (a statement reads them then).
 */
static bool
open_cuts(Writer *w)
{
	static const char *const cut_columns[] = {"doc_id", "first_version", "cut_at"};
	static const Oid cut_types[] = {INT8OID, INT8OID, TIMESTAMPTZOID};
	Oid			relid;
	MemoryContext old;
	List	   *indexes;
	ListCell   *lc;

	if (w->cuts_opened)
		return w->retention_cuts_pkey != NULL;
	w->cuts_opened = true;
	relid = get_relname_relid("retention_cuts", get_namespace_oid("ot", false));
	if (!OidIsValid(relid))
		return false;
	old = MemoryContextSwitchTo(writer_cxt);
	w->retention_cuts = table_open(relid, AccessShareLock);
	if (columns_are(w->retention_cuts, cut_columns, cut_types, lengthof(cut_columns)))
	{
		indexes = RelationGetIndexList(w->retention_cuts);
		foreach(lc, indexes)
		{
			Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);

			if (w->retention_cuts_pkey == NULL &&
				strcmp(RelationGetRelationName(idx), "retention_cuts_pkey") == 0 &&
				idx->rd_rel->relam == BTREE_AM_OID && idx->rd_index->indnkeyatts == 1 &&
				idx->rd_index->indkey.values[0] == 1)
				w->retention_cuts_pkey = idx;
			else
				index_close(idx, AccessShareLock);
		}
		list_free(indexes);
	}
	if (w->retention_cuts_pkey)
		w->cut_read = table_slot_create(w->retention_cuts, &w->estate->es_tupleTable);
	MemoryContextSwitchTo(old);
	return w->retention_cuts_pkey != NULL;
}

/* The document's first readable version (its cut), 0 if it has none. */
static int64
first_version_directly(Writer *w, int64 doc_id)
{
	ScanKeyData keys[1];
	IndexScanDesc scan;
	Snapshot	snap;
	int64		first = 0;

	ot_store_busy = true;
	snap = push_read_snapshot();
	key(&keys[0], w->retention_cuts_pkey, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(doc_id));
	scan = index_beginscan(w->retention_cuts, w->retention_cuts_pkey, snap, 1, 0);
	index_rescan(scan, keys, 1, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, w->cut_read))
	{
		bool		isnull;
		Datum		d = slot_getattr(w->cut_read, 2, &isnull);

		first = isnull ? 0 : DatumGetInt64(d);
	}
	ExecClearTuple(w->cut_read);
	index_endscan(scan);
	PopActiveSnapshot();
	ot_store_busy = false;
	return first;
}

int
ot_store_connect(void)
{
	int			level;

	if (!callbacks_registered)
	{
		RegisterXactCallback(store_xact_callback, NULL);
		RegisterSubXactCallback(store_subxact_callback, NULL);
		callbacks_registered = true;
	}
	if (in_call)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ot.create, ot.submit, ot.delete and ot.submit_batch cannot run inside one another"),
				 errdetail("One of them was called while another was writing, by a trigger or a function it calls."),
				 errhint("Write to pg_ot after the statement that called it, not from a trigger on its tables.")));
	in_call = true;
	call_subxact = GetCurrentSubTransactionId();
	ot_store_busy = false;
	writer = NULL;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	writer_cxt = CurrentMemoryContext;
	level = NewGUCNestLevel();
	(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

void
ot_store_finish(int guc_level)
{
	if (writer)
		close_writer(writer);
	writer = NULL;
	in_call = false;
	AtEOXact_GUC(true, guc_level);
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
}

static Datum
text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

static Datum
get(int row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

static char *
get_text(int row, int col)
{
	bool		isnull;
	Datum		d = get(row, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* A jsonb column, copied out of the tuple table and detoasted. */
static Jsonb *
get_jsonb(int row, int col)
{
	bool		isnull;
	Datum		d = get(row, col, &isnull);

	return isnull ? NULL : (Jsonb *) PG_DETOAST_DATUM_COPY(d);
}

static int64
get_int8(int row, int col)
{
	bool		isnull;
	Datum		d = get(row, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

bool
ot_store_lock(const char *collection, const char *name, OtDoc *d)
{
	Datum		values[2] = {CStringGetTextDatum(collection), CStringGetTextDatum(name)};
	bool		isnull;

	Writer	   *w;

	memset(d, 0, sizeof(*d));
	d->collection = collection;
	d->name = name;
	/* What the executor checks before it locks a row (25006). */
	PreventCommandIfReadOnly("SELECT FOR UPDATE");
	if ((w = reader()) != NULL)
		return lock_directly(w, collection, name, d);
	execute(Q_LOCK, values, NULL, 1);
	if (SPI_processed == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		return false;
	}
	d->exists = true;
	d->tid = *(ItemPointer) DatumGetPointer(get(0, 1, &isnull));
	d->id = get_int8(0, 2);
	d->type = get_text(0, 3);
	d->version = get_int8(0, 4);
	d->length = get_int8(0, 5);
	{
		Datum		a = get(0, 6, &isnull);

		d->astral = isnull ? NULL : DatumGetArrayTypePCopy(a);
	}
	d->snapshot_version = get_int8(0, 7);
	d->snapshot_bytes = get_int8(0, 8);
	d->tail_bytes = get_int8(0, 9);
	SPI_freetuptable(SPI_tuptable);
	return true;
}

void
ot_store_insert_document(const char *collection, const char *name)
{
	Datum		values[2] = {CStringGetTextDatum(collection), CStringGetTextDatum(name)};

	execute(Q_INSERT_DOCUMENT, values, NULL, 0);
}

static void
read_op_row(int i, OtOpRow *row)
{
	bool		isnull;

	row->version = get_int8(i, 1);
	row->op = get_jsonb(i, 2);
	row->create_data = get_jsonb(i, 3);
	row->del = DatumGetBool(get(i, 4, &isnull));
	row->src = get_text(i, 5);
	row->seq = get_int8(i, 6);
	row->user_id = get_text(i, 7);
}

bool
ot_store_find_src_seq(int64 doc_id, const char *src, int64 seq, OtOpRow *row)
{
	Datum		values[3] = {Int64GetDatum(doc_id), CStringGetTextDatum(src), Int64GetDatum(seq)};
	bool		found;
	Writer	   *w = reader();

	if (w)
		return find_src_seq_directly(w, doc_id, src, seq, row);

	execute(Q_SRC_SEQ, values, NULL, 1);
	found = SPI_processed > 0;
	if (found)
		read_op_row(0, row);
	SPI_freetuptable(SPI_tuptable);
	return found;
}

OtOpRow *
ot_store_ops(int64 doc_id, int64 from, int64 upto, int *n)
{
	Datum		values[3] = {Int64GetDatum(doc_id), Int64GetDatum(from), Int64GetDatum(upto)};
	OtOpRow    *rows;
	Writer	   *w = reader();

	if (w)
		return ops_directly(w, doc_id, from, upto, n);

	execute(Q_OPS, values, NULL, 0);
	*n = (int) SPI_processed;
	rows = palloc(sizeof(OtOpRow) * (*n > 0 ? *n : 1));
	for (int i = 0; i < *n; i++)
		read_op_row(i, &rows[i]);
	SPI_freetuptable(SPI_tuptable);
	return rows;
}

Jsonb *
ot_store_snapshot(int64 doc_id, int64 version)
{
	Datum		values[2] = {Int64GetDatum(doc_id), Int64GetDatum(version)};
	Jsonb	   *data = NULL;
	Writer	   *w = reader();

	if (w)
		return snapshot_directly(w, doc_id, version);

	execute(Q_SNAPSHOT, values, NULL, 1);
	if (SPI_processed > 0)
		data = get_jsonb(0, 1);
	SPI_freetuptable(SPI_tuptable);
	return data;
}

bool
ot_store_granted(const char *collection, const char *name, const char *access, const char *who)
{
	Datum		values[4];
	char		nulls[5] = "    ";
	bool		isnull;
	bool		granted;

	values[0] = text_or_null(collection, &nulls[0]);
	values[1] = text_or_null(name, &nulls[1]);
	values[2] = text_or_null(access, &nulls[2]);
	values[3] = text_or_null(who, &nulls[3]);
	execute(Q_GRANTED, values, nulls, 1);
	granted = SPI_processed == 1 && DatumGetBool(get(0, 1, &isnull)) && !isnull;
	SPI_freetuptable(SPI_tuptable);
	return granted;
}

bool
ot_store_granted_collection(const char *collection, const char *access, const char *who)
{
	Datum		values[3] = {CStringGetTextDatum(collection), CStringGetTextDatum(access),
	CStringGetTextDatum(who)};
	bool		isnull;
	bool		granted;

	execute(Q_GRANTED_COLLECTION, values, NULL, 1);
	granted = SPI_processed == 1 && DatumGetBool(get(0, 1, &isnull)) && !isnull;
	SPI_freetuptable(SPI_tuptable);
	return granted;
}

void
ot_store_append(const OtDoc *d, Jsonb *op, Jsonb *create_data, bool del,
				const char *src, int64 seq, const char *who,
				const char *type, int64 length, ArrayType *astral,
				Jsonb *snapshot, int64 tail_bytes)
{
	Datum		values[12];
	char		nulls[13] = "            ";
	char		src_null;
	Datum		src_value = text_or_null(src, &src_null);

	values[0] = Int64GetDatum(d->id);
	values[1] = Int64GetDatum(d->version);
	if (del)
	{
		values[2] = src_value;
		nulls[2] = src_null;
		values[3] = Int64GetDatum(seq);
		nulls[3] = src_null;
		values[4] = CStringGetTextDatum(who);
		execute(Q_APPEND_DELETE, values, nulls, 0);
	}
	else if ((op != NULL || snapshot != NULL) &&
			 (writer != NULL || (writer = open_writer()) != NULL) && writer->usable)
	{
		append_directly(writer, d, op, create_data, src, seq, who, type, length, astral,
						snapshot, snapshot ? 0 : tail_bytes);
		return;
	}
	else if (snapshot == NULL)
	{
		values[2] = JsonbPGetDatum(op);
		values[3] = src_value;
		nulls[3] = src_null;
		values[4] = Int64GetDatum(seq);
		nulls[4] = src_null;
		values[5] = CStringGetTextDatum(who);
		values[6] = Int64GetDatum(length);
		values[7] = PointerGetDatum(astral);
		nulls[7] = astral ? ' ' : 'n';
		values[8] = Int64GetDatum(tail_bytes);
		execute(Q_APPEND_TAIL, values, nulls, 0);
	}
	else
	{
		values[2] = PointerGetDatum(op);
		nulls[2] = op ? ' ' : 'n';
		values[3] = PointerGetDatum(create_data);
		nulls[3] = create_data ? ' ' : 'n';
		values[4] = src_value;
		nulls[4] = src_null;
		values[5] = Int64GetDatum(seq);
		nulls[5] = src_null;
		values[6] = CStringGetTextDatum(who);
		values[7] = CStringGetTextDatum(type);
		values[8] = JsonbPGetDatum(snapshot);
		values[9] = Int64GetDatum(length);
		values[10] = PointerGetDatum(astral);
		nulls[10] = astral ? ' ' : 'n';
		values[11] = Int64GetDatum(VARSIZE(snapshot));
		execute(Q_APPEND_SNAPSHOT, values, nulls, 0);
	}
	if (SPI_processed != 1)
		elog(ERROR, "pg_ot: document %lld has no row to advance", (long long) d->id);
}

char *
ot_store_sharedb_error_code(int sqlerrcode)
{
	Datum		values[1] = {CStringGetTextDatum(unpack_sql_state(sqlerrcode))};
	char	   *code;

	execute(Q_ERROR_CODE, values, NULL, 1);
	code = get_text(0, 1);
	SPI_freetuptable(SPI_tuptable);
	return code ? code : pstrdup("ERR_UNKNOWN_ERROR");
}

int64
ot_store_first_version(int64 doc_id)
{
	Datum		values[1] = {Int64GetDatum(doc_id)};
	int64		first = 0;
	Writer	   *w = reader();

	if (w && open_cuts(w))
		return first_version_directly(w, doc_id);
	execute(Q_FIRST_VERSION, values, NULL, 1);
	if (SPI_processed > 0)
		first = get_int8(0, 1);
	SPI_freetuptable(SPI_tuptable);
	return first;
}
