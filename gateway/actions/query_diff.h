/*
 * query_diff.h: how one list of a query's results becomes another, as
 * ShareDB says it (npm arraydiff 0.1.3, which lib/query-emitter.js uses):
 * removes, then moves, then inserts, each index as it is once the ones
 * before it are applied.  The stock client applies them in that order to
 * its results, so its list ends equal to the gateway's.
 *
 * Plain C over arrays of strings: no lws, no libpq.
 *
 * May include: base/table.
 */
#ifndef PG_OT_GATEWAY_QUERY_DIFF_H
#define PG_OT_GATEWAY_QUERY_DIFF_H

#include <stddef.h>

typedef enum QueryDiffType
{
	QUERY_DIFF_REMOVE,			/* index, how_many */
	QUERY_DIFF_MOVE,			/* from, to, how_many */
	QUERY_DIFF_INSERT			/* index, how_many: after[first .. first + how_many) */
} QueryDiffType;

typedef struct QueryDiff
{
	QueryDiffType type;
	size_t		index;			/* remove, insert; a move's from */
	size_t		to;				/* move */
	size_t		how_many;
	size_t		first;			/* insert: its first value's index in after */
} QueryDiff;

/*
 * The diff from before (nb ids) to after (na ids), each list without
 * repeats: *n entries, the caller's to free (NULL when none).
 */
QueryDiff  *query_diff(const char *const *before, size_t nb, const char *const *after, size_t na,
					   size_t *n);

#endif
