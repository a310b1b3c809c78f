/*
 * query_diff.c: arraydiff 0.1.3's algorithm (see query_diff.h), step for
 * step; only the search of an item of before in after is a table lookup
 * (ids do not repeat, so the first unmarked equal item is the only one).
 *
 * May call: base (alloc, table).
 */
#include "actions/query_diff.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/table.h"

typedef struct Move
{
	long		from;
	long		to;
	long		how_many;
} Move;

static QueryDiff *
push(QueryDiff *out, size_t *n, size_t *cap, QueryDiff d)
{
	if (*n == *cap)
		out = xrealloc(out, (*cap = *cap ? *cap * 2 : 8) * sizeof(QueryDiff));
	out[(*n)++] = d;
	return out;
}

QueryDiff *
query_diff(const char *const *before, size_t nb, const char *const *after, size_t na, size_t *n)
{
	Table		where;
	bool	   *bm = xcalloc(nb + 1, 1);
	bool	   *am = xcalloc(na + 1, 1);
	Move	   *moves = xcalloc(nb + 1, sizeof(Move));
	size_t		nmoves = 0;
	QueryDiff  *removes = NULL,
			   *inserts = NULL,
			   *out = NULL;
	size_t		nr = 0,
				cr = 0,
				ni = 0,
				ci = 0,
				cap = 0;

	*n = 0;
	table_init(&where);
	for (size_t i = 0; i < na; i++)
		table_put(&where, after[i], strlen(after[i]), (void *) (uintptr_t) (i + 1));

	/* Every item in both, as a move of the longest run from it. */
	for (size_t b = 0; b < nb; b++)
	{
		uintptr_t	at = (uintptr_t) table_get(&where, before[b], strlen(before[b]));
		size_t		a;
		Move		m;

		if (at == 0 || am[at - 1])
			continue;
		a = at - 1;
		m.from = (long) b;
		m.to = (long) a;
		m.how_many = 0;
		do
		{
			bm[b++] = am[a++] = true;
			m.how_many++;
		} while (b < nb && a < na && strcmp(before[b], after[a]) == 0 && !am[a]);
		moves[nmoves++] = m;
		b--;
	}
	/* Removes: the runs of before not matched. */
	for (size_t b = 0; b < nb;)
	{
		QueryDiff	d = {QUERY_DIFF_REMOVE, b, 0, 0, 0};

		if (bm[b])
		{
			b++;
			continue;
		}
		while (b < nb && !bm[b++])
			d.how_many++;
		removes = push(removes, &nr, &cr, d);
	}
	/* Inserts: the runs of after not matched. */
	for (size_t a = 0; a < na;)
	{
		QueryDiff	d = {QUERY_DIFF_INSERT, a, 0, 0, a};

		if (am[a])
		{
			a++;
			continue;
		}
		while (a < na && !am[a++])
			d.how_many++;
		inserts = push(inserts, &ni, &ci, d);
	}

	/* Offset later removes and the moves by the removes. */
	{
		size_t		count = 0;

		for (size_t i = 0; i < nr; i++)
		{
			removes[i].index -= count;
			count += removes[i].how_many;
			for (size_t j = 0; j < nmoves; j++)
				if (moves[j].from >= (long) removes[i].index)
					moves[j].from -= (long) removes[i].how_many;
		}
	}
	/* Offset the moves by the inserts. */
	for (size_t i = ni; i-- > 0;)
		for (size_t j = nmoves; j-- > 0;)
			if (moves[j].to >= (long) inserts[i].index)
				moves[j].to -= (long) inserts[i].how_many;
	/* Offset the to of moves by later moves. */
	for (size_t i = nmoves; i-- > 1;)
	{
		Move	   *m = &moves[i];

		if (m->to == m->from)
			continue;
		for (size_t j = i; j-- > 0;)
		{
			Move	   *e = &moves[j];

			if (e->to >= m->to)
				e->to -= m->how_many;
			if (e->to >= m->from)
				e->to += m->how_many;
		}
	}

	for (size_t i = 0; i < nr; i++)
		out = push(out, n, &cap, removes[i]);
	/* Only the moves that still move, each offsetting the later ones' from. */
	for (size_t i = 0; i < nmoves; i++)
	{
		Move	   *m = &moves[i];

		if (m->to == m->from)
			continue;
		out = push(out, n, &cap, (QueryDiff) {QUERY_DIFF_MOVE, (size_t) m->from, (size_t) m->to,
					   (size_t) m->how_many, 0});
		for (size_t j = i + 1; j < nmoves; j++)
		{
			Move	   *l = &moves[j];

			if (l->from >= m->from)
				l->from -= m->how_many;
			if (l->from >= m->to)
				l->from += m->how_many;
		}
	}
	for (size_t i = 0; i < ni; i++)
		out = push(out, n, &cap, inserts[i]);

	table_free(&where);
	free(bm);
	free(am);
	free(moves);
	free(removes);
	free(inserts);
	return out;
}
