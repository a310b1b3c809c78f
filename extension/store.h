/*
 * store.h
 *	  The rows the submit path reads and writes (store.c): documents, their
 *	  op log, stored snapshots and grants, through statements prepared once
 *	  per backend.
 *
 * Every function runs inside the caller's SPI connection.  While one of its
 * statements executes, ot_store_busy is true: an error caught then came
 * from inside the executor (locks, buffers, triggers), and only aborting a
 * (sub)transaction cleans that up; an error caught while it is false came
 * from the caller's own checks, which hold nothing.
 */
#ifndef PG_OT_STORE_H
#define PG_OT_STORE_H

#include "postgres.h"

#include "storage/itemptr.h"
#include "utils/array.h"
#include "utils/jsonb.h"

extern volatile bool ot_store_busy;

/*
 * Connects to SPI for the store's statements; returns what ot_store_finish
 * needs.  Within, the planner takes the tables' indexes: a generic plan for
 * a small ot.documents would scan the table, HOT chains and all, for every
 * op.  One call at a time: a call inside another (from a trigger) fails
 * with 0A000.
 */
int			ot_store_connect(void);
void		ot_store_finish(int guc_level);

/* A document row, as ot.documents holds it. */
typedef struct OtDoc
{
	bool		exists;			/* it has a row (all below but names unset if not) */
	ItemPointerData tid;		/* the row's version that is locked */
	const char *collection;
	const char *name;
	int64		id;
	char	   *type;			/* the type's URI; NULL before create, after delete */
	int64		version;
	int64		length;
	ArrayType  *astral;			/* NULL: too many to track */
	int64		snapshot_version;
	int64		snapshot_bytes;
	int64		tail_bytes;
} OtDoc;

/* An op row of ot.operations. */
typedef struct OtOpRow
{
	int64		version;
	Jsonb	   *op;				/* an edit, or NULL */
	Jsonb	   *create_data;	/* a create, or NULL */
	bool		del;
	char	   *src;			/* NULL: none (then seq is 0) */
	int64		seq;
	char	   *user_id;
} OtOpRow;

/* Locks the row of (collection, name) FOR UPDATE into *d; false if none. */
bool		ot_store_lock(const char *collection, const char *name, OtDoc *d);

/* Makes a row for (collection, name) unless there is one. */
void		ot_store_insert_document(const char *collection, const char *name);

/* The op of doc_id with (src, seq), if any. */
bool		ot_store_find_src_seq(int64 doc_id, const char *src, int64 seq, OtOpRow *row);

/* The ops of doc_id with from <= version < upto, in order; their number in *n. */
OtOpRow    *ot_store_ops(int64 doc_id, int64 from, int64 upto, int *n);

/* The stored snapshot of doc_id at version, or NULL if there is none. */
Jsonb	   *ot_store_snapshot(int64 doc_id, int64 version);

/* Has who a grant to access (read or write) the document? (ot._granted) */
bool		ot_store_granted(const char *collection, const char *name, const char *access,
							 const char *who);

/* Has who a grant to access every document of the collection (a NULL name)? */
bool		ot_store_granted_collection(const char *collection, const char *access,
										const char *who);

/*
 * Appends op (edit) or create_data (create) or a delete at d->version and
 * advances the document to d->version + 1 with the given shape.  With
 * snapshot, it is stored too (at the new version) and the tail restarts;
 * without, tail_bytes is the stored size of the ops after the last one.
 */
void		ot_store_append(const OtDoc *d, Jsonb *op, Jsonb *create_data, bool del,
							const char *src, int64 seq, const char *who,
							const char *type, int64 length, ArrayType *astral,
							Jsonb *snapshot, int64 tail_bytes);

/* The ShareDB error code of a SQLSTATE (ot.sharedb_error_code). */
char	   *ot_store_sharedb_error_code(int sqlerrcode);

/*
 * The earliest readable version of document doc_id (ot.retention_cuts), 0
 * when it was never compacted.
 */
int64		ot_store_first_version(int64 doc_id);

#endif							/* PG_OT_STORE_H */
