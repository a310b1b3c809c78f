/*
 * query_results.c: what a subscribed query's read changed in its results:
 * the diffs, as ShareDB's (query_diff.h), and the documents that enter or
 * leave, held or let go for its session (see query.h).
 *
 * May call: actions (query.c, query_live.c through query_internal.h,
 * query_diff), docs (document), client, base.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/query_diff.h"
#include "actions/query_internal.h"
#include "base/alloc.h"
#include "base/json_text.h"
#include "base/metrics.h"
#include "base/text.h"
#include "docs/document.h"

/* {"a":"q","id":qid,"diff":[items]} to q's session. */
static void
send_diff(Query *q, Text *items)
{
	JsonText	t;
	json_t	   *head = json_pack("{s:s,s:I}", "a", "q", "id", (json_int_t) q->qid);
	Text		diff = {0};

	text_add(&diff, "[", 1);
	text_add(&diff, items->buf, items->len);
	text_add(&diff, "]", 1);
	json_text_open(&t);
	json_text_members(&t, head);
	json_text_raw_member(&t, "diff", diff.buf, diff.len);
	json_decref(head);
	text_free(&diff);
	session_send(q->session, json_text_frame(&t));
	metrics.query_diffs++;
}

void
query_hold(Query *q, const char *id, int64_t v, const char *channel, bool behind)
{
	Doc		   *doc = doc_acquire(q->collection, id);
	Sub		   *sub = sub_find(q->session, doc);

	if (sub)
		sub->query_refs++;
	else
		sub_open_at(q->session, doc, channel, v, behind);
	doc_release(doc);
}

void
query_let_go(Query *q, const char *id)
{
	Doc		   *doc = doc_find(q->collection, id);
	Sub		   *sub = doc ? sub_find(q->session, doc) : NULL;

	if (sub && sub->query_refs > 0 && --sub->query_refs == 0 && !sub->asked)
		sub_drop(sub);
}

void
query_update(Query *q, const PGresult *res, bool release)
{
	size_t		na = (size_t) PQntuples(res);
	const char **after = xcalloc(na + 1, sizeof(char *));
	size_t		nd;
	QueryDiff  *diff;
	Table		in_after,
				in_before;
	Text		items = {0};

	table_init(&in_after);
	table_init(&in_before);
	for (size_t i = 0; i < na; i++)
	{
		after[i] = PQgetvalue(res, (int) i, 0);
		table_put(&in_after, after[i], strlen(after[i]), (void *) (uintptr_t) (i + 1));
	}
	for (size_t i = 0; i < q->nids; i++)
		table_put(&in_before, q->ids[i], strlen(q->ids[i]), (void *) 1);
	diff = query_diff((const char *const *) q->ids, q->nids, after, na, &nd);
	for (size_t i = 0; i < nd; i++)
	{
		QueryDiff  *d = &diff[i];

		if (items.len)
			text_add(&items, ",", 1);
		if (d->type == QUERY_DIFF_REMOVE)
			text_addf(&items, "{\"type\":\"remove\",\"index\":%zu,\"howMany\":%zu}", d->index,
					  d->how_many);
		else if (d->type == QUERY_DIFF_MOVE)
			text_addf(&items, "{\"type\":\"move\",\"from\":%zu,\"to\":%zu,\"howMany\":%zu}", d->index,
					  d->to, d->how_many);
		else
		{
			text_addf(&items, "{\"type\":\"insert\",\"index\":%zu,\"values\":[", d->index);
			for (size_t j = 0; j < d->how_many; j++)
			{
				int			row = (int) (d->first + j);

				if (j)
					text_add(&items, ",", 1);
				text_add(&items, PQgetvalue(res, row, 2), (size_t) PQgetlength(res, row, 2));
			}
			text_add(&items, "]}", 2);
		}
	}
	if (nd)
		send_diff(q, &items);
	/* What left is let go, what entered held (after the client has it). */
	for (size_t i = 0; i < q->nids; i++)
	{
		if (release && !table_get(&in_after, q->ids[i], strlen(q->ids[i])))
			query_let_go(q, q->ids[i]);
		free(q->ids[i]);
	}
	free(q->ids);
	q->ids = xcalloc(na + 1, sizeof(char *));
	q->nids = na;
	for (size_t i = 0; i < na; i++)
	{
		q->ids[i] = xstrdup(after[i]);
		if (!table_get(&in_before, after[i], strlen(after[i])))
			query_hold(q, after[i], strtoll(PQgetvalue(res, (int) i, 1), NULL, 10),
					   PQgetvalue(res, (int) i, 3), query_heard(q, after[i]));
	}
	table_free(&in_after);
	table_free(&in_before);
	free(diff);
	free(after);
	text_free(&items);
}

static size_t
index_of(const Query *q, const char *id)
{
	size_t		i = 0;

	while (strcmp(q->ids[i], id) != 0)
		i++;					/* (the caller knows it is there) */
	return i;
}

/*
 * A re-check: of ids (in the order they changed), the rows are those that
 * match.  As ShareDB's queryPollDoc: one that matches and was not in the
 * results is appended; one that no longer matches is removed.
 */
void
query_checked(Query *q, const PGresult *res, char **ids, size_t nids)
{
	Table		match,
				member;
	Text		items = {0};
	size_t		nholds = 0;
	int		   *holds = xcalloc(nids + 1, sizeof(int));

	table_init(&match);
	table_init(&member);
	for (size_t i = 0; i < q->nids; i++)
		table_put(&member, q->ids[i], strlen(q->ids[i]), (void *) 1);
	for (int i = 0; i < PQntuples(res); i++)
		table_put(&match, PQgetvalue(res, i, 0), (size_t) PQgetlength(res, i, 0),
				  (void *) (uintptr_t) (i + 1));
	for (size_t k = 0; k < nids; k++)
	{
		uintptr_t	row = (uintptr_t) table_get(&match, ids[k], strlen(ids[k]));
		bool		in = table_get(&member, ids[k], strlen(ids[k])) != NULL;

		if (row && !in)
		{
			if (q->nids >= (size_t) query_limits.max_results)
			{
				char		buf[160];

				metrics.queries_refused++;
				snprintf(buf, sizeof(buf), "a query may have at most %d results (--query-max-results)",
						 query_limits.max_results);
				if (items.len)
					send_diff(q, &items);
				query_send_error(q, "ERR_QUERY_TOO_MANY_RESULTS", buf);
				text_free(&items);
				items = (Text) {0};
				nholds = 0;
				query_end(q);
				break;
			}
			q->ids = xrealloc(q->ids, (q->nids + 1) * sizeof(char *));
			q->ids[q->nids++] = xstrdup(ids[k]);
			table_put(&member, ids[k], strlen(ids[k]), (void *) 1);
			if (items.len)
				text_add(&items, ",", 1);
			text_addf(&items, "{\"type\":\"insert\",\"index\":%zu,\"values\":[", q->nids - 1);
			text_add(&items, PQgetvalue(res, (int) row - 1, 2), (size_t) PQgetlength(res, (int) row - 1, 2));
			text_add(&items, "]}", 2);
			holds[nholds++] = (int) row - 1;
		}
		else if (!row && in)
		{
			size_t		at = index_of(q, ids[k]);

			if (items.len)
				text_add(&items, ",", 1);
			text_addf(&items, "{\"type\":\"remove\",\"index\":%zu,\"howMany\":1}", at);
			query_let_go(q, q->ids[at]);
			free(q->ids[at]);
			table_remove(&member, ids[k], strlen(ids[k]));
			memmove(q->ids + at, q->ids + at + 1, (q->nids - at - 1) * sizeof(char *));
			q->nids--;
		}
	}
	if (items.len)
		send_diff(q, &items);
	for (size_t i = 0; i < nholds; i++)
	{
		const char *id = PQgetvalue(res, holds[i], 0);

		query_hold(q, id, strtoll(PQgetvalue(res, holds[i], 1), NULL, 10), PQgetvalue(res, holds[i], 3),
				   query_heard(q, id));
	}
	table_free(&match);
	table_free(&member);
	free(holds);
	text_free(&items);
}
