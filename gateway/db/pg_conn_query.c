/*
 * pg_conn_query.c: sending a query on a PgConn (see pg_conn.h): with
 * parameters, as a prepared statement (PREPAREd with the first use on each
 * database session, then Bind/Execute of it), or as a simple query.
 *
 * Owns: the statement a connection has prepared and the first query that
 * waits for its PREPARE.  May call: db/pg_conn.c (pg_conn_internal.h),
 * base/alloc.
 */
#include "db/pg_conn.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "db/pg_conn_internal.h"

static bool
sent(PgConn *conn, int ok, PgResultFn done, void *arg)
{
	if (!ok)
	{
		pg_conn_lost(conn, PQerrorMessage(conn->pg));
		return false;
	}
	conn->state = PG_CONN_BUSY;
	conn->done = done;
	conn->done_arg = arg;
	conn->result = NULL;
	pg_conn_deadline_arm(conn, conn->deadlines.query);
	pg_conn_flush(conn);				/* a failure is the callback's NULL */
	return true;
}

bool
pg_conn_query(PgConn *conn, const char *sql, int nparams,
			  const char *const *params, PgResultFn done, void *arg)
{
	if (conn->state != PG_CONN_IDLE)
		return false;
	return sent(conn, PQsendQueryParams(conn->pg, sql, nparams, NULL, params, NULL, NULL, 0),
				done, arg);
}

static void
first_free(PgConn *conn)
{
	for (int i = 0; i < conn->first.nparams; i++)
		free(conn->first.params[i]);
	free(conn->first.params);
	memset(&conn->first, 0, sizeof(conn->first));
}

/* PREPARE answered: the first query follows, or its callback gets the failure. */
static void
first_prepared(PgConn *conn, PGresult *res, void *arg)
{
	PgResultFn	done = conn->first.done;
	void	   *done_arg = conn->first.arg;
	const char *name = conn->first.name;

	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK || conn->state != PG_CONN_IDLE)
	{
		first_free(conn);
		done(conn, res, done_arg);
		return;
	}
	conn->prepared = name;
	if (!sent(conn, PQsendQueryPrepared(conn->pg, name, conn->first.nparams,
										(const char *const *) conn->first.params, NULL, NULL, 0),
			  done, done_arg))
	{
		first_free(conn);
		done(conn, NULL, done_arg);	/* lost: as if with the connection */
		return;
	}
	first_free(conn);
}

bool
pg_conn_query_prepared(PgConn *conn, const char *name, const char *sql, int nparams,
					   const char *const *params, PgResultFn done, void *arg)
{
	if (conn->state != PG_CONN_IDLE)
		return false;
	if (conn->prepared && strcmp(conn->prepared, name) == 0)
		return sent(conn, PQsendQueryPrepared(conn->pg, name, nparams, params, NULL, NULL, 0),
					done, arg);
	conn->first.name = name;
	conn->first.params = xcalloc((size_t) (nparams > 0 ? nparams : 1), sizeof(char *));
	for (int i = 0; i < nparams; i++)
		conn->first.params[i] = params[i] ? xstrdup(params[i]) : NULL;
	conn->first.nparams = nparams;
	conn->first.done = done;
	conn->first.arg = arg;
	if (!sent(conn, PQsendPrepare(conn->pg, name, sql, nparams, NULL), first_prepared, NULL))
	{
		first_free(conn);
		return false;
	}
	return true;
}

bool
pg_conn_query_simple(PgConn *conn, const char *sql, PgResultFn done, void *arg)
{
	if (conn->state != PG_CONN_IDLE)
		return false;
	return sent(conn, PQsendQuery(conn->pg, sql), done, arg);
}
