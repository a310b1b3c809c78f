/*
 * query_live.c: subscribed queries stay current (see query.h): every op
 * notification of a collection marks its queries; a filter-only query
 * re-checks the documents that changed, any other re-runs; at most
 * --query-reruns reads a second per query, what arrives meanwhile merged
 * into the next (query_results.c sends what changed).
 *
 * Owns: the subscribed queries by collection, their timers, what changed.
 * May call: actions (query.c, query_channels), db (listener), base.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/query_internal.h"
#include "base/alloc.h"
#include "base/metrics.h"
#include "db/listener.h"

typedef struct LiveList
{
	lws_dll2_owner_t queries;	/* Query.live_link */
} LiveList;

static Table live;				/* collection -> LiveList */

/* ---------- what changed, and when to read ---------- */

static void run_next(Query *q);

static void
timer_fired(lws_sorted_usec_list_t *sul)
{
	run_next(lws_container_of(sul, Query, timer));
}

static void
schedule(Query *q)
{
	lws_usec_t	interval = LWS_USEC_PER_SEC / query_limits.reruns;
	lws_usec_t	wait = q->last_read + interval - lws_now_usecs();

	if (q->reading != QUERY_READ_NONE || !q->active || q->timer.list.owner)
		return;
	lws_sul_schedule(query_context, 0, &q->timer, timer_fired, wait > 0 ? wait : 1);
}

static void
dirty_clear(Query *q)
{
	table_free(&q->dirty);
	table_init(&q->dirty);
	q->ndirty = 0;
	/* (dirty_order's strings move to a re-check, or are freed by the caller) */
}

static void
run_next(Query *q)
{
	if (q->reading != QUERY_READ_NONE || !q->active || q->session == NULL)
		return;
	if (q->run_all)
	{
		q->run_all = false;
		for (size_t i = 0; i < q->ndirty; i++)
			free(q->dirty_order[i]);
		dirty_clear(q);
		metrics.query_reruns++;
		query_read_start(q, QUERY_READ_ALL, NULL, 0);
	}
	else if (q->ndirty)
	{
		size_t		n = q->ndirty;
		char	  **ids = q->dirty_order;

		q->dirty_order = NULL;
		dirty_clear(q);
		metrics.query_rechecks++;
		query_read_start(q, QUERY_READ_DOCS, (const char *const *) ids, n);
		for (size_t i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
	}
}

void
query_live_after_read(Query *q)
{
	if (q->run_all || q->ndirty)
		schedule(q);
}

void
query_heard_clear(Query *q)
{
	table_free(&q->heard);
	table_init(&q->heard);
	q->heard_all = false;
}

bool
query_heard(Query *q, const char *id)
{
	return q->heard_all || table_get(&q->heard, id, strlen(id)) != NULL;
}

/* An op of doc id in q's collection. */
static void
changed(Query *q, const char *id)
{
	size_t		len = strlen(id);

	if (q->reading != QUERY_READ_NONE && !q->heard_all && !table_get(&q->heard, id, len))
	{
		if (q->heard.count >= (size_t) query_limits.max_results)
			q->heard_all = true;
		else
			table_put(&q->heard, id, len, (void *) 1);
	}
	if (q->rerun)
		q->run_all = true;
	else if (!q->run_all && !table_get(&q->dirty, id, len))
	{
		if (q->ndirty >= (size_t) query_limits.max_results)
			q->run_all = true;	/* too many to name: read the whole query */
		else
		{
			q->dirty_order = xrealloc(q->dirty_order, (q->ndirty + 1) * sizeof(char *));
			q->dirty_order[q->ndirty++] = xstrdup(id);
			table_put(&q->dirty, id, len, (void *) 1);
		}
	}
	schedule(q);
}

/* A signed op notification (the listener's second NOTE_OP handler). */
static void
noted(const Note *note, json_t *m)
{
	LiveList   *list = table_get(&live, note->c, strlen(note->c));

	if (list == NULL)
		return;
	lws_start_foreach_dll(struct lws_dll2 *, p, list->queries.head)
	{
		changed(lws_container_of(p, Query, live_link), note->d);
	}
	lws_end_foreach_dll(p);
}

/* The listener is back: what was missed meanwhile is unknown, so every query re-runs. */
static void
restored_one(const char *key, size_t keylen, void *value, void *arg)
{
	LiveList   *list = value;

	lws_start_foreach_dll(struct lws_dll2 *, p, list->queries.head)
	{
		Query	   *q = lws_container_of(p, Query, live_link);

		q->run_all = true;
		schedule(q);
	}
	lws_end_foreach_dll(p);
}

static void
restored(void)
{
	table_each(&live, restored_one, NULL);
}

void
query_live_init(void)
{
	table_init(&live);
	listener_on(NOTE_OP, noted);
	query_channels_on_restored(restored);
}

void
query_live_add(Query *q)
{
	LiveList   *list = table_get(&live, q->collection, strlen(q->collection));

	if (list == NULL)
	{
		list = xcalloc(1, sizeof(LiveList));
		table_put(&live, q->collection, strlen(q->collection), list);
	}
	lws_dll2_add_tail(&q->live_link, &list->queries);
}

void
query_live_remove(Query *q)
{
	LiveList   *list = table_get(&live, q->collection, strlen(q->collection));

	lws_sul_cancel(&q->timer);
	if (list == NULL || q->live_link.owner != &list->queries)
		return;
	lws_dll2_remove(&q->live_link);
	if (list->queries.count == 0)
	{
		table_remove(&live, q->collection, strlen(q->collection));
		free(list);
	}
}

void
query_live_clear(Query *q)
{
	for (size_t i = 0; i < q->ndirty; i++)
		free(q->dirty_order[i]);
	free(q->dirty_order);
	q->dirty_order = NULL;
	q->ndirty = 0;
	table_free(&q->dirty);
	table_free(&q->heard);
}
