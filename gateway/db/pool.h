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
 * May include: db/pg_conn.
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
	void	   *arg;
};

/* A read of sql with params copied; run it with pool_read(). */
DbRead	   *db_read_new(const char *sql, const char *user, DbReadDone done, void *arg,
						int nparams, const char *const *params);
void		pool_read(DbRead *read);

/* The submit module: sends a batch on conn if any is waiting. */
typedef bool (*SubmitSource) (PgConn *conn);

void		pool_init(struct lws_context *context, struct lws_vhost *vhost, const char *conninfo,
					  const PgConnDeadlines *deadlines, int size, SubmitSource source);
void		pool_kick(void);			/* work arrived: use the idle connections */

/* Drops every connection that is up and reconnects it (the server went silent). */
void		pool_reconnect(void);
void		pool_stop(void);
int			pool_connected(void);

#endif
