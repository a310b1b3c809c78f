/*
 * query_reply.c: a query's first reply: the results of a qf or qs, or a
 * resubscribe's (qs with r) diff, ops and reply (see query.h).
 *
 * May call: actions (query.c, query_results.c through query_internal.h),
 * client (client), base.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/query_internal.h"
#include "base/alloc.h"
#include "base/json_text.h"
#include "base/text.h"

/* The data array of a first reply: each row's result text as it is. */
static char *
rows_array(const PGresult *res, size_t *len)
{
	Text		t = {0};

	text_add(&t, "[", 1);
	for (int i = 0; i < PQntuples(res); i++)
	{
		if (i > 0)
			text_add(&t, ",", 1);
		text_add(&t, PQgetvalue(res, i, 2), (size_t) PQgetlength(res, i, 2));
	}
	text_add(&t, "]", 1);
	*len = t.len;
	return t.buf;
}

static void
send_reply(Query *q, const char *data, size_t len, bool with_extra)
{
	JsonText	t;
	json_t	   *head = json_pack("{s:s,s:I}", "a", q->subscribe ? "qs" : "qf", "id", (json_int_t) q->qid);

	json_text_open(&t);
	json_text_members(&t, head);
	if (data)
		json_text_raw_member(&t, "data", data, len);
	if (with_extra && q->extra)
		json_text_raw_member(&t, "extra", q->extra, strlen(q->extra));
	json_decref(head);
	session_send(q->session, json_text_frame(&t));
}

/*
 * The version a resubscribe says the client has of id: -1 none (null), -2
 * not named.  named: id -> its pair's place in r, plus one (the first).
 */
static int64_t
client_version(const json_t *r, const Table *named, const char *id)
{
	uintptr_t	at = (uintptr_t) table_get(named, id, strlen(id));
	json_t	   *v;

	if (at == 0)
		return -2;
	v = json_array_get(json_array_get(r, at - 1), 1);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/*
 * A resubscribe (qs with r, after a reconnect): as ShareDB's agent, the
 * client keeps what it has; the diff from its results to the query's goes
 * first, with the snapshots of what entered; documents it holds at an older
 * version receive the ops since; the reply carries, in data (an object), the
 * snapshots of those it named without a version, then updates flow.
 */
static void
resubscribed(Query *q, const PGresult *res)
{
	size_t		nr = json_array_size(q->r);
	const char **before = xcalloc(nr + 1, sizeof(char *));
	JsonText	data;
	bool		any = false;
	size_t		i;
	json_t	   *pair;
	Table		named;

	table_init(&named);
	json_array_foreach(q->r, i, pair)
	{
		before[i] = json_string_value(json_array_get(pair, 0));
		if (!table_get(&named, before[i], strlen(before[i])))
			table_put(&named, before[i], strlen(before[i]), (void *) (uintptr_t) (i + 1));
	}
	/* Its results are the client's: the update below turns them into the query's. */
	q->ids = xcalloc(nr + 1, sizeof(char *));
	q->nids = nr;
	for (i = 0; i < nr; i++)
		q->ids[i] = xstrdup(before[i]);
	free(before);

	json_text_open(&data);
	for (int row = 0; row < PQntuples(res); row++)
	{
		const char *id = PQgetvalue(res, row, 0);
		int64_t		v = strtoll(PQgetvalue(res, row, 1), NULL, 10);
		int64_t		has = client_version(q->r, &named, id);

		if (has == -2)
			continue;			/* entering: its snapshot goes with the diff */
		if (has == -1)
		{
			json_text_raw_member(&data, id, PQgetvalue(res, row, 2), (size_t) PQgetlength(res, row, 2));
			any = true;
		}
		query_hold(q, id, has >= 0 && has < v ? has : v, PQgetvalue(res, row, 3), true);
	}
	q->active = true;
	query_update(q, res, false);	/* the diff, holding what enters */
	if (any)
	{
		size_t		len;
		char	   *text = json_text_close(&data, &len);

		send_reply(q, text, len, false);
		free(text);
	}
	else
	{
		json_text_free(&data);
		send_reply(q, NULL, 0, false);
	}
	table_free(&named);
	json_decref(q->r);
	q->r = NULL;
}

/* A query's first read came back: its reply. */
void
query_first_read(Query *q, const PGresult *res, const char *extra)
{
	size_t		len;
	char	   *data;

	ticket_detach(&q->ticket);
	free(q->extra);
	q->extra = extra ? xstrdup(extra) : NULL;
	if (q->subscribe && q->r)
	{
		/* With $count the client's extra is its old one: the update sends the new. */
		char	   *now = q->extra;

		q->extra = NULL;
		resubscribed(q, res);
		if (now)
		{
			Frame	   *f = query_message("q", q->qid, "extra", now, strlen(now));

			session_send(q->session, f);
		}
		q->extra = now;
		return;
	}
	data = rows_array(res, &len);
	send_reply(q, data, len, true);
	free(data);
	if (!q->subscribe)
	{
		query_end(q);
		return;
	}
	q->nids = (size_t) PQntuples(res);
	q->ids = xcalloc(q->nids + 1, sizeof(char *));
	for (size_t i = 0; i < q->nids; i++)
	{
		const char *id = PQgetvalue(res, (int) i, 0);

		q->ids[i] = xstrdup(id);
		query_hold(q, id, strtoll(PQgetvalue(res, (int) i, 1), NULL, 10), PQgetvalue(res, (int) i, 3),
				   query_heard(q, id));
	}
	q->active = true;
}
