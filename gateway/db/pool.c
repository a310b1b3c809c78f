/*
 * pool.c: query connections shared by reads and submit batches, a pool
 * per partition (see pool.h).
 *
 * May call: base/alloc, base/metrics, db/queries.
 */
#include "db/pool.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/metrics.h"
#include "db/queries.h"

typedef struct Pool Pool;

typedef struct PoolSlot
{
	PgConn		conn;
	Pool	   *pool;
	char	   *user;			/* pg_ot.user as set on this connection */
	DbRead	   *read;			/* the read in flight */
	bool		prefer_reads;
} PoolSlot;

/* One partition's connections and reads. */
struct Pool
{
	int			partition;
	char		name[64];		/* its connections' application_name (kept: pg_conn holds it) */
	PoolSlot   *slots;
	int			size;
	lws_dll2_owner_t reads;
	bool		dropping;		/* pool_reconnect: no work for the next victims */
};

static Pool *pools;
static int	npools;
static SubmitSource submits;

static void pool_kick_one(Pool *pool);

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
pool_read(int partition, DbRead *read)
{
	Pool	   *pool = &pools[partition >= 0 && partition < npools ? partition : 0];

	read->partition = pool->partition;
	lws_dll2_add_tail(&read->queue, &pool->reads);
	pool_kick_one(pool);
}

/* Back to the front of the queue, to run on the next free connection. */
static void
requeue(PoolSlot *slot, DbRead *read)
{
	slot->read = NULL;
	lws_dll2_add_head(&read->queue, &slot->pool->reads);
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

	if (slot->pool->reads.head == NULL)
		return false;
	read = lws_container_of(slot->pool->reads.head, DbRead, queue);
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
	else if (submits(conn, slot->pool->partition))
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
	pool_kick_one(slot->pool);	/* its read, if any, went back to the queue */
}

static void
slot_notify(PgConn *conn, const PGnotify *n)
{
	/* Query connections LISTEN to nothing. */
}

void
pool_init(struct lws_context *context, struct lws_vhost *vhost, const char *const *conninfos,
		  int n, const PgConnDeadlines *deadlines, int size, SubmitSource source)
{
	submits = source;
	npools = n;
	pools = xcalloc((size_t) n, sizeof(Pool));
	for (int p = 0; p < n; p++)
	{
		Pool	   *pool = &pools[p];

		pool->partition = p;
		pool->size = size;
		pool->slots = xcalloc((size_t) size, sizeof(PoolSlot));
		if (n > 1)
			snprintf(pool->name, sizeof(pool->name), "pg_ot_gateway query p%d", p);
		else
			snprintf(pool->name, sizeof(pool->name), "pg_ot_gateway query");
		for (int i = 0; i < size; i++)
		{
			pool->slots[i].pool = pool;
			pg_conn_init(&pool->slots[i].conn, context, vhost, conninfos[p], deadlines, pool->name,
						 &slot_hooks, &pool->slots[i]);
			pg_conn_start(&pool->slots[i].conn);
		}
	}
}

static void
pool_kick_one(Pool *pool)
{
	if (pool->dropping)
		return;
	for (int i = 0; i < pool->size; i++)
		if (pg_conn_idle(&pool->slots[i].conn))
			slot_ready(&pool->slots[i].conn);
}

void
pool_kick(void)
{
	for (int p = 0; p < npools; p++)
		pool_kick_one(&pools[p]);
}

void
pool_reconnect(int partition)
{
	Pool	   *pool = &pools[partition];

	pool->dropping = true;
	for (int i = 0; i < pool->size; i++)
		pg_conn_drop(&pool->slots[i].conn, "dropped: the database went silent");
	pool->dropping = false;
	pool_kick_one(pool);
}

int
pool_connected(int partition)
{
	Pool	   *pool = &pools[partition];
	int			n = 0;

	for (int i = 0; i < pool->size; i++)
		n += pool->slots[i].conn.state >= PG_CONN_IDLE;
	return n;
}

void
pool_stop(void)
{
	/*
	 * At exit: reads still queued or running are dropped (a presence
	 * published as the last sessions went, say); their callers are gone.
	 */
	for (int p = 0; p < npools; p++)
	{
		Pool	   *pool = &pools[p];

		while (pool->reads.head)
		{
			DbRead	   *read = lws_container_of(pool->reads.head, DbRead, queue);

			lws_dll2_remove(&read->queue);
			db_read_free(read);
		}
		for (int i = 0; i < pool->size; i++)
		{
			pg_conn_stop(&pool->slots[i].conn);
			if (pool->slots[i].read)
				db_read_free(pool->slots[i].read);
			free(pool->slots[i].user);
		}
		free(pool->slots);
	}
	free(pools);
	pools = NULL;
	npools = 0;
}
