/*
 * op_rows.c: the rows of reads of op messages (OP_ROWS_SQL's columns, see
 * document.h) and the op messages' meta (v, src, seq).
 *
 * Owns: the check that rows hold the versions asked for, in order.  May
 * call: base (metrics).
 */
#include "docs/document.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/metrics.h"
#include "docs/doc_internal.h"

bool
op_message_meta(const json_t *m, int64_t *v, const char **src, int64_t *seq)
{
	json_t	   *jv = json_object_get(m, "v");

	if (!json_is_integer(jv))
		return false;
	*v = json_integer_value(jv);
	*src = json_string_value(json_object_get(m, "src"));
	*seq = json_is_integer(json_object_get(m, "seq")) ?
		json_integer_value(json_object_get(m, "seq")) : -1;
	return true;
}

/* An integer column of a row; false when NULL or not an integer. */
static bool
row_integer(const PGresult *res, int row, int col, int64_t *out)
{
	const char *text = PQgetvalue(res, row, col);
	char	   *end;

	if (PQgetisnull(res, row, col))
		return false;
	errno = 0;
	*out = strtoll(text, &end, 10);
	return errno == 0 && end != text && *end == '\0';
}

bool
op_rows_each(const Doc *doc, const PGresult *res, int first, int n, int64_t from, OpRowFn fn,
			 void *arg, int64_t *failed_v)
{
	for (int i = first; i < first + n; i++)
	{
		int64_t		v,
					seq = -1;
		const char *src = PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2);
		int64_t		expected = from + (i - first);

		if (!row_integer(res, i, 1, &v) || v != expected ||
			(!PQgetisnull(res, i, 3) && !row_integer(res, i, 3, &seq)))
		{
			metrics.op_rows_unusable++;
			if (row_integer(res, i, 1, &v) && v > expected)
				lwsl_err("%s/%s: version %lld is missing from the op log (the read from %lld went on "
						 "at %lld): it and what follows are not delivered\n", doc->collection, doc->id,
						 (long long) expected, (long long) from, (long long) v);
			else
				lwsl_err("%s/%s: the op row read for version %lld has no usable version or seq: "
						 "it and what follows are not delivered\n", doc->collection, doc->id,
						 (long long) expected);
			*failed_v = expected;
			return false;
		}
		if (!fn(PQgetvalue(res, i, 0), (size_t) PQgetlength(res, i, 0), v, src, seq, arg))
			break;
	}
	return true;
}

/* The message of a version that cannot be delivered. */
void
unreadable_message(char *buf, size_t size, int64_t v)
{
	snprintf(buf, size, "version %lld of the document cannot be read from the op log; "
			 "this subscription receives nothing more", (long long) v);
}

/* The version a read of op messages started from (its third parameter). */
int64_t
read_from(const DbRead *read)
{
	return strtoll(read->params[2], NULL, 10);
}
