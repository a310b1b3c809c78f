/*
 * query_merge.c: one answer from the answers of every partition a query
 * read went to (see query_internal.h).
 *
 * Only queries without $sort, $skip and $limit are read on more than one
 * partition (query.c refuses those), so merging needs no MongoDB value
 * order: the database gives their results in id order, JavaScript's string
 * order (UTF-16 code units, extension/query_match.c's query_utf16_cmp), and
 * the union of the partitions' results is put in that same order here; a
 * $count's extra is the sum of theirs.
 *
 * May call: base.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/query_internal.h"
#include "base/alloc.h"

/* The code point at s (valid UTF-8, as the database sends), and its length in *len. */
static uint32_t
utf8_next(const unsigned char *s, size_t left, size_t *len)
{
	int			n = s[0] < 0x80 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	uint32_t	c = n == 1 ? s[0] : (uint32_t) (s[0] & (0x7F >> n));

	if ((size_t) n > left)
		n = (int) left;
	for (int i = 1; i < n; i++)
		c = (c << 6) | (s[i] & 0x3F);
	*len = (size_t) n;
	return c;
}

/* The first UTF-16 unit of code point c, and (for one above U+FFFF) the second. */
static uint32_t
utf16_unit(uint32_t c, int which)
{
	if (c < 0x10000)
		return c;
	return which == 0 ? 0xD800 + ((c - 0x10000) >> 10) : 0xDC00 + ((c - 0x10000) & 0x3FF);
}

int
query_id_cmp(const char *a, const char *b)
{
	size_t		alen = strlen(a),
				blen = strlen(b),
				i = 0,
				j = 0;

	while (i < alen && j < blen)
	{
		size_t		la,
					lb;
		uint32_t	ca = utf8_next((const unsigned char *) a + i, alen - i, &la);
		uint32_t	cb = utf8_next((const unsigned char *) b + j, blen - j, &lb);

		if (ca != cb)
		{
			if (utf16_unit(ca, 0) != utf16_unit(cb, 0))
				return utf16_unit(ca, 0) < utf16_unit(cb, 0) ? -1 : 1;
			return utf16_unit(ca, 1) < utf16_unit(cb, 1) ? -1 : 1;
		}
		i += la;
		j += lb;
	}
	return (i < alen) - (j < blen);
}

typedef struct RowRef
{
	const PGresult *res;
	int			row;
} RowRef;

static int
row_cmp(const void *pa, const void *pb)
{
	const RowRef *a = pa;
	const RowRef *b = pb;

	return query_id_cmp(PQgetvalue(a->res, a->row, 0), PQgetvalue(b->res, b->row, 0));
}

PGresult *
query_merge_rows(PGresult *const *res, int n)
{
	size_t		total = 0,
				k = 0;
	const PGresult *first = NULL;
	RowRef	   *rows;
	PGresult   *merged;

	for (int p = 0; p < n; p++)
		if (res[p])
		{
			total += (size_t) PQntuples(res[p]);
			if (first == NULL)
				first = res[p];
		}
	rows = xcalloc(total + 1, sizeof(RowRef));
	for (int p = 0; p < n; p++)
		for (int r = 0; res[p] && r < PQntuples(res[p]); r++)
			rows[k++] = (RowRef) {res[p], r};
	qsort(rows, total, sizeof(RowRef), row_cmp);
	merged = PQcopyResult(first, PG_COPYRES_ATTRS);
	if (merged == NULL)
		out_of_memory();
	for (size_t i = 0; i < total; i++)
		for (int f = 0; f < PQnfields(rows[i].res); f++)
			if (!PQsetvalue(merged, (int) i, f, PQgetvalue(rows[i].res, rows[i].row, f),
							PQgetisnull(rows[i].res, rows[i].row, f) ? -1 :
							PQgetlength(rows[i].res, rows[i].row, f)))
				out_of_memory();
	free(rows);
	return merged;
}

char *
query_merge_count(PGresult *const *res, int n)
{
	long long	sum = 0;
	bool		any = false;
	char		buf[32];

	for (int p = 0; p < n; p++)
	{
		if (res[p] == NULL || PQntuples(res[p]) != 1 || PQgetisnull(res[p], 0, 0))
			continue;
		sum += strtoll(PQgetvalue(res[p], 0, 0), NULL, 10);
		any = true;
	}
	if (!any)
		return NULL;
	snprintf(buf, sizeof(buf), "%lld", sum);
	return xstrdup(buf);
}
