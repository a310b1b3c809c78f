/*
 * pool.c: query connections shared by reads and submit batches (see pool.h).
 *
 * May call: base/alloc, base/metrics, db/queries.
 */
#include "db/pool.h"

#include <string.h>

#include "base/alloc.h"
#include "base/metrics.h"
#include "db/queries.h"

typedef struct PoolSlot
{
	PgConn		conn;
	char	   *user;			/* pg_ot.user as set on this connection */
	DbRead	   *read;			/* the read in flight */
	bool		prefer_reads;
} PoolSlot;

static struct
{
	PoolSlot   *slots;
	int			size;
	lws_dll2_owner_t reads;
	SubmitSource submits;
	bool		dropping;		/* pool_reconnect: no work for the next victims */
} pool;

static void slot_ready(PgConn *conn);
static void slot_lost(PgConn *conn);
static void slot_notify(PgConn *conn, const PGnotify *n);

static const PgConnHooks slot_hooks = {slot_ready, slot_lost, slot_notify, NULL};

DbRead *
db_read_new(const char *sql, const char *user, DbReadDone done, void *arg,
			int nparams, const char *const *params)
{
	DbRead	   *r = xcalloc(1, sizeof(DbRead));

	r->sql = sql;
	r->user = user ? xstrdup(user) : NULL;	/* its session may be gone when it runs */
	r->done = done;
	r->arg = arg;
	r->nparams = nparams;
	for (int i = 0; i < nparams; i++)
		r->params[i] = params[i] ? xstrdup(params[i]) : NULL;
	return r;
}

static void
db_read_free(DbRead *r)
{
	for (int i = 0; i < r->nparams; i++)
		free(r->params[i]);
	free(r->user);
	free(r);
}

void
pool_read(DbRead *read)
{
	lws_dll2_add_tail(&read->queue, &pool.reads);
	pool_kick();
}

/* Back to the front of the queue, to run on the next free connection. */
static void
requeue(PoolSlot *slot, DbRead *read)
{
	slot->read = NULL;
	lws_dll2_add_head(&read->queue, &pool.reads);
}

static void
read_done(PgConn *conn, PGresult *res, void *arg)
{
	PoolSlot   *slot = conn->owner;
	DbRead	   *read = arg;

	if (res == NULL)
	{
		requeue(slot, read);
		return;
	}
	slot->read = NULL;
	read->done(read, res);
	db_read_free(read);
}

static void
send_read(PoolSlot *slot, DbRead *read)
{
	slot->read = read;
	if (!pg_conn_query(&slot->conn, read->sql, read->nparams,
					   (const char *const *) read->params, read_done, read))
		requeue(slot, read);
}

/* pg_ot.user is set once per connection and principal, not per read. */
static void
user_set(PgConn *conn, PGresult *res, void *arg)
{
	PoolSlot   *slot = conn->owner;
	DbRead	   *read = arg;

	if (res == NULL)
	{
		requeue(slot, read);
		return;
	}
	slot->read = NULL;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		read->done(read, res);	/* e.g. the role is not a member of ot_gateway */
		db_read_free(read);
		return;
	}
	free(slot->user);
	slot->user = xstrdup(read->user);
	send_read(slot, read);
}

static bool
run_read(PoolSlot *slot)
{
	DbRead	   *read;
	const char *param[1];

	if (pool.reads.head == NULL)
		return false;
	read = lws_container_of(pool.reads.head, DbRead, queue);
	lws_dll2_remove(&read->queue);
	if (read->user == NULL || (slot->user && strcmp(slot->user, read->user) == 0))
	{
		send_read(slot, read);
		return true;
	}
	param[0] = read->user;
	slot->read = read;
	if (!pg_conn_query(&slot->conn, SET_USER_SQL,
					   1, param, user_set, read))
		requeue(slot, read);
	return true;
}

static void
slot_ready(PgConn *conn)
{
	PoolSlot   *slot = conn->owner;

	if (!pg_conn_idle(conn))
		return;
	if (slot->prefer_reads && run_read(slot))
		slot->prefer_reads = false;
	else if (pool.submits(conn))
		slot->prefer_reads = true;
	else
		run_read(slot);
}

static void
slot_lost(PgConn *conn)
{
	PoolSlot   *slot = conn->owner;

	metrics.pool_reconnects++;
	free(slot->user);			/* a new session has no settings */
	slot->user = NULL;
	pool_kick();				/* its read, if any, went back to the queue */
}

static void
slot_notify(PgConn *conn, const PGnotify *n)
{
	/* Query connections LISTEN to nothing. */
}

void
pool_init(struct lws_context *context, struct lws_vhost *vhost, const char *conninfo,
		  const PgConnDeadlines *deadlines, int size, SubmitSource source)
{
	pool.size = size;
	pool.submits = source;
	pool.slots = xcalloc((size_t) size, sizeof(PoolSlot));
	for (int i = 0; i < size; i++)
	{
		pg_conn_init(&pool.slots[i].conn, context, vhost, conninfo, deadlines, "pg_ot_gateway query",
					 &slot_hooks, &pool.slots[i]);
		pg_conn_start(&pool.slots[i].conn);
	}
}

void
pool_kick(void)
{
	if (pool.dropping)
		return;
	for (int i = 0; i < pool.size; i++)
		if (pg_conn_idle(&pool.slots[i].conn))
			slot_ready(&pool.slots[i].conn);
}

void
pool_reconnect(void)
{
	pool.dropping = true;
	for (int i = 0; i < pool.size; i++)
		pg_conn_drop(&pool.slots[i].conn, "dropped: the database went silent");
	pool.dropping = false;
	pool_kick();
}

int
pool_connected(void)
{
	int			n = 0;

	for (int i = 0; i < pool.size; i++)
		n += pool.slots[i].conn.state >= PG_CONN_IDLE;
	return n;
}

void
pool_stop(void)
{
	/*
	 * At exit: reads still queued or running are dropped (a presence
	 * published as the last sessions went, say); their callers are gone.
	 */
	while (pool.reads.head)
	{
		DbRead	   *read = lws_container_of(pool.reads.head, DbRead, queue);

		lws_dll2_remove(&read->queue);
		db_read_free(read);
	}
	for (int i = 0; i < pool.size; i++)
	{
		pg_conn_stop(&pool.slots[i].conn);
		if (pool.slots[i].read)
			db_read_free(pool.slots[i].read);
		free(pool.slots[i].user);
	}
	free(pool.slots);
	pool.slots = NULL;
	pool.size = 0;
}
