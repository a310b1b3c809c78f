/*
 * channel.c: the LISTENs documents, presence and revocation need (see
 * channel.h).
 *
 * Owns: the ot.channel() lookup, the membership in the listener's channel
 * and the waiters.  May call: db (listener, pool, pg_conn, queries), base.
 */
#include "docs/channel.h"

#include <stdlib.h>

#include "base/alloc.h"
#include "db/pg_conn.h"
#include "db/partitions.h"
#include "db/pool.h"
#include "db/queries.h"

struct Channel
{
	char	   *collection;
	char	   *id;
	int			refs;
	ChannelState state;
	ListenMember member;		/* in the listener's channel of its name */
	lws_dll2_owner_t waiting;	/* DocWait.link */
};

static void
run_waiters(Channel *ch)
{
	if (ch->state == CHANNEL_WAITING)
		ch->state = CHANNEL_READY;
	while (ch->waiting.head)
	{
		DocWait    *w = lws_container_of(ch->waiting.head, DocWait, link);

		lws_dll2_remove(&w->link);
		w->fn(w);
	}
}

/* The listener: its channel LISTENs.  It is kept while its waiters run. */
static void
member_ready(ListenMember *m)
{
	Channel    *ch = lws_container_of(m, Channel, member);

	ch->refs++;
	run_waiters(ch);
	channel_unref(ch);
}

Channel *
channel_open_on(const char *collection, const char *id, int partition)
{
	Channel    *ch = xcalloc(1, sizeof(Channel));

	ch->collection = xstrdup(collection);
	ch->id = xstrdup(id);
	ch->refs = 1;
	ch->member.ready = member_ready;
	ch->member.partition = partition;
	return ch;
}

Channel *
channel_open(const char *collection, const char *id)
{
	return channel_open_on(collection, id, partition_of(collection, id));
}

void
channel_ref(Channel *ch)
{
	ch->refs++;
}

void
channel_unref(Channel *ch)
{
	if (--ch->refs > 0)
		return;
	listener_leave(&ch->member);
	free(ch->collection);
	free(ch->id);
	free(ch);
}

static void
looked_up(DbRead *read, PGresult *res)
{
	Channel    *ch = read->arg;
	char		buf[256];

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
	{
		ch->state = CHANNEL_WAITING;
		listener_join(&ch->member, PQgetvalue(res, 0, 0));
	}
	else
	{
		lwsl_err("ot.channel(%s, %s): %s\n", ch->collection, ch->id,
				 pg_result_message(res, buf, sizeof(buf)));
		ch->state = CHANNEL_NONE;
		run_waiters(ch);		/* the reads go ahead and report the error */
	}
	channel_unref(ch);
}

void
channel_when_listening(Channel *ch, DocWait *w)
{
	const char *params[2];

	if (ch->state == CHANNEL_READY)
	{
		w->fn(w);
		return;
	}
	lws_dll2_add_tail(&w->link, &ch->waiting);
	if (ch->state != CHANNEL_NONE)
		return;
	ch->state = CHANNEL_LOOKUP;
	params[0] = ch->collection;
	params[1] = ch->id;
	ch->refs++;
	pool_read(ch->member.partition, db_read_new(CHANNEL_SQL, NULL, looked_up, ch, 2, params));
}

bool
channel_listening(const Channel *ch)
{
	return ch->state == CHANNEL_READY;
}

void
channel_named(Channel *ch, const char *name)
{
	if (ch->state != CHANNEL_NONE)
		return;
	ch->state = CHANNEL_WAITING;
	listener_join(&ch->member, name);
}
