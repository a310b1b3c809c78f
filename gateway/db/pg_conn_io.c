/*
 * pg_conn_io.c: the socket of a PgConn in the lws loop (see pg_conn.h):
 * reading and flushing as libpq asks, collecting a query's results and
 * delivering them, and the lws raw-file callback.
 *
 * Owns: nothing of its own (PgConn's buffers are libpq's).  May call:
 * db/pg_conn.c (pg_conn_internal.h), base (metrics).
 */
#include "db/pg_conn.h"

#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/ext_version.h"
#include "base/metrics.h"
#include "db/queries.h"
#include "db/pg_conn_internal.h"

/* Keeps the first result, or the first error among several statements'. */
static void
collect_result(PgConn *conn, PGresult *res)
{
	ExecStatusType status = PQresultStatus(res);
	bool		failed = status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE;

	if (conn->result == NULL)
		conn->result = res;
	else if (failed && PQresultStatus(conn->result) != PGRES_FATAL_ERROR)
	{
		PQclear(conn->result);
		conn->result = res;
	}
	else
		PQclear(res);
}

/*
 * PQconsumeInput, again while TLS holds decrypted bytes that poll() cannot
 * see (a record larger than what libpq took of it).
 */
static bool
consume(PgConn *conn)
{
	SSL		   *ssl = PQsslInUse(conn->pg) ? PQsslStruct(conn->pg, "OpenSSL") : NULL;

	do
	{
		if (!PQconsumeInput(conn->pg))
		{
			pg_conn_lost(conn, PQerrorMessage(conn->pg));
			return false;
		}
	} while (ssl && SSL_pending(ssl) > 0);
	return true;
}

/* Sends what libpq still holds; false if that broke the connection. */
bool
pg_conn_flush(PgConn *conn)
{
	int			r = PQflush(conn->pg);

	if (r < 0)
	{
		pg_conn_lost(conn, PQerrorMessage(conn->pg));
		return false;
	}
	conn->flushing = r > 0;
	if (conn->flushing)
		pg_conn_want_write(conn);
	return true;
}

static bool
read_only(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return state && strcmp(state, "25006") == 0;
}

/* Hands over what libpq has parsed: results, then notifications. */
static void
deliver(PgConn *conn)
{
	PGnotify   *n;

	while (conn->state == PG_CONN_BUSY && !PQisBusy(conn->pg))
	{
		PGresult   *res = PQgetResult(conn->pg);

		if (res == NULL)
		{
			if (read_only(conn->result))
			{
				/* A standby (or a primary demoted under us): find the primary, run it there. */
				metrics.db_read_only++;
				if (conn->hosts > 1)
					conn->host_first = (conn->host_first + 1) % conn->hosts;
				pg_conn_lost(conn, "the server is read-only (SQLSTATE 25006: a standby): dropping the connection");
				return;
			}
			pg_conn_finish_query(conn, conn->result);
			break;				/* the callback may have sent the next query */
		}
		collect_result(conn, res);
	}
	/* Notifications can be absorbed while results are read: drain them after. */
	while (conn->pg && (n = PQnotifies(conn->pg)) != NULL)
	{
		conn->hooks->notify(conn, n);
		PQfreemem(n);
	}
	if (conn->pg && PQstatus(conn->pg) == CONNECTION_BAD)
		pg_conn_lost(conn, PQerrorMessage(conn->pg));
	else if (conn->state == PG_CONN_IDLE && conn->done == NULL)
		conn->hooks->ready(conn);
}

/* Whether the socket holds bytes libpq has not read yet. */
static bool
more_to_read(const PgConn *conn)
{
	int			n = 0;

	return conn->pg && ioctl(PQsocket(conn->pg), FIONREAD, &n) == 0 && n > 0;
}

/*
 * PQconsumeInput takes at most what its buffer holds (16 kB at first): a
 * burst of notifications or a batch's result is read again at once, in up
 * to READ_ROUNDS rounds, rather than one buffer per turn of the loop (a
 * turn polls every client socket, and the listener's notifications, which
 * other ops' acks wait for, would come a buffer at a time).
 */
#define READ_ROUNDS 32

static void
readable(PgConn *conn)
{
	if (conn->state == PG_CONN_CONNECTING)
	{
		if (conn->polling == PGRES_POLLING_READING)
			pg_conn_connect_step(conn);
		return;
	}
	for (int round = 0; round < READ_ROUNDS; round++)
	{
		if (!consume(conn))
			return;
		/* The server may answer (or need us to read) before it has all of a large query. */
		if (conn->flushing && !pg_conn_flush(conn))
			return;
		deliver(conn);
		if ((conn->state != PG_CONN_IDLE && conn->state != PG_CONN_BUSY) || !more_to_read(conn))
			return;
	}
}

static void
writable(PgConn *conn)
{
	if (conn->state == PG_CONN_CONNECTING)
	{
		if (conn->polling == PGRES_POLLING_WRITING)
			pg_conn_connect_step(conn);
		return;
	}
	if (conn->state == PG_CONN_BUSY && conn->flushing && pg_conn_flush(conn) && !conn->flushing)
		deliver(conn);			/* what was read while sending may be complete */
}

int
pg_conn_callback(struct lws *wsi, enum lws_callback_reasons reason,
				 void *user, void *in, size_t len)
{
	PgConn	   *conn = lws_get_opaque_user_data(wsi);

	if (conn == NULL || conn->wsi != wsi)
		return 0;				/* a released descriptor on its way out */
	switch (reason)
	{
		case LWS_CALLBACK_RAW_RX_FILE:
			readable(conn);
			break;
		case LWS_CALLBACK_RAW_WRITEABLE_FILE:
			conn->in_writable = wsi;
			writable(conn);
			conn->in_writable = NULL;
			break;
		case LWS_CALLBACK_RAW_CLOSE_FILE:
			conn->wsi = NULL;	/* lws closes it; do not kill it again */
			pg_conn_lost(conn, "the connection to the server was closed");
			break;
		default:
			break;
	}
	return 0;
}
