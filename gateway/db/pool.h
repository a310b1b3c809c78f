/*
 * pool.h: the query connections.
 *
 * Reads wait in one FIFO; submits are taken from the submit module whenever
 * a connection is free, so ops that arrive while every connection is busy
 * go out together in the next transaction.  A connection alternates between
 * the two kinds of work so neither starves.  A read whose connection breaks
 * is run again (reads change nothing), and so is one whose connection
 * passed its deadline (--db-query-timeout).
 *
 * On partitions (db/partitions.h) there is one such pool per partition,
 * each with its own connections and its own queue of reads: a read names
 * the partition it goes to, and a partition that is down holds only its
 * own reads back.
 *
 * May include: db/pg_conn, db/partitions.
 */
#ifndef PG_OT_GATEWAY_POOL_H
#define PG_OT_GATEWAY_POOL_H

#include <libpq-fe.h>
#include <libwebsockets.h>
#include <stdbool.h>

#include "db/pg_conn.h"

typedef struct DbRead DbRead;
typedef void (*DbReadDone) (DbRead *read, PGresult *res);

#define DB_READ_MAX_PARAMS 5

struct DbRead
{
	lws_dll2_t	queue;
	const char *sql;			/* static text */
	int			nparams;
	char	   *params[DB_READ_MAX_PARAMS];	/* owned; NULL = SQL NULL */
	char	   *user;			/* pg_ot.user to act as (owned); NULL = the role itself */
	DbReadDone	done;			/* always called once, with a result */
	int			partition;		/* where it runs (set by pool_read) */
	void	   *arg;
};

/* A read of sql with params copied; run it with pool_read(). */
DbRead	   *db_read_new(const char *sql, const char *user, DbReadDone done, void *arg,
						int nparams, const char *const *params);
/* Runs read on partition's pool (0 without partitions). */
void		pool_read(int partition, DbRead *read);

/* The submit module: sends a batch for partition on conn if any is waiting. */
typedef bool (*SubmitSource) (PgConn *conn, int partition);

/* conninfos[p]: partition p's; n of them (partitions_count()); size connections each. */
void		pool_init(struct lws_context *context, struct lws_vhost *vhost, const char *const *conninfos,
					  int n, const PgConnDeadlines *deadlines, int size, SubmitSource source);
void		pool_kick(void);			/* work arrived: use the idle connections */

/* Drops every connection of partition that is up and reconnects it (its server went silent). */
void		pool_reconnect(int partition);
void		pool_stop(void);
/* Query connections up, of partition. */
int			pool_connected(int partition);

#endif
