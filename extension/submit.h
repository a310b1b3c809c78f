/*
 * submit.h
 *	  The sequencer (submit.c): one op -- an edit, a create or a delete --
 *	  applied to its document as a ShareDB server does it.
 */
#ifndef PG_OT_SUBMIT_H
#define PG_OT_SUBMIT_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "store.h"

typedef struct OtSubmit
{
	const char *collection;		/* NULL or any text: no such document */
	const char *name;
	bool		has_version;	/* false: at the current version */
	int64		version;
	Jsonb	   *op;				/* exactly one of an edit, */
	Jsonb	   *created;		/* a create {"type": ..., "data": ...} */
	bool		del;			/* or a delete */
	const char *src;			/* NULL: none */
	bool		has_seq;
	int64		seq;
	const char *who;			/* the principal, authorized to write */
	bool		creating;		/* make the document's row if it has none */
} OtSubmit;

typedef struct OtApplied
{
	int64		version;		/* the version the op applied at */
	Jsonb	   *op;				/* the edit as applied; NULL for a create or delete */
	/* with want_since: the ops from its base version up to version */
	OtOpRow    *since;
	int			nsince;
} OtApplied;

/*
 * Applies s, or raises why not.  Every rejection is raised before anything
 * is written and outside the store's statements (ot_store_busy false): a
 * caller may catch it without a subtransaction.
 */
void		ot_submit(const OtSubmit *s, bool want_since, OtApplied *out);

/*
 * Does an error of this SQLSTATE fail a whole batch (a failing system, not a
 * rejected op: classes 40, 53, 57, 58, XX)?
 */
bool		ot_fails_the_batch(int sqlerrcode);

/* The acting principal, if it may access the document; else 42501 (ot._authorize). */
char	   *ot_authorize(const char *collection, const char *name, const char *access,
						 const char *who);

/* 22023 unless collection and name are 1 to 1,024 bytes (ot._check_name). */
void		ot_check_name(const char *collection, const char *name);

#endif							/* PG_OT_SUBMIT_H */
