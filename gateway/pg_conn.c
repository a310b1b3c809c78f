/*
 * pg_conn.c: asynchronous libpq inside the lws loop (see pg_conn.h).
 *
 * The connection is a small state machine: DOWN -> CONNECTING (driven by
 * PQconnectPoll on the readiness it asks for) -> IDLE <-> BUSY, and back to
 * DOWN when anything breaks, with a reconnect scheduled on an lws timer.
 */
#include "pg_conn.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const uint32_t backoff_ms[] = {100, 250, 500, 1000, 2000, 5000};
static const lws_retry_bo_t backoff = {
	.retry_ms_table = backoff_ms,
	.retry_ms_table_count = LWS_ARRAY_SIZE(backoff_ms),
	.conceal_count = LWS_RETRY_CONCEAL_ALWAYS,
	.jitter_percent = 30,
};

static void connect_step(PgConn *conn);
static void lost(PgConn *conn, const char *why);

static bool
adopt_socket(PgConn *conn)
{
	lws_sock_file_fd_type fd;
	int			sock = PQsocket(conn->pg);

	if (sock < 0)
		return false;
	fd.filefd = dup(sock);
	if (fd.filefd < 0)
		return false;
	conn->wsi = lws_adopt_descriptor_vhost(conn->vhost, LWS_ADOPT_RAW_FILE_DESC, fd,
										   PG_CONN_PROTOCOL_NAME, NULL);
	if (conn->wsi == NULL)
	{
		close(fd.filefd);
		return false;
	}
	lws_set_opaque_user_data(conn->wsi, conn);
	conn->adopted_socket = sock;
	return true;
}

/* Detaches the adopted descriptor; lws closes it on its next turn. */
static void
release_socket(PgConn *conn)
{
	if (conn->wsi == NULL)
		return;
	lws_set_opaque_user_data(conn->wsi, NULL);
	lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	conn->wsi = NULL;
	conn->adopted_socket = -1;
}

static void
retry_due(lws_sorted_usec_list_t *sul)
{
	PgConn	   *conn = lws_container_of(sul, PgConn, retry_timer);

	pg_conn_start(conn);
}

void
pg_conn_init(PgConn *conn, struct lws_context *context, struct lws_vhost *vhost,
			 const char *conninfo,
			 const char *name, const PgConnHooks *hooks, void *owner)
{
	memset(conn, 0, sizeof(*conn));
	conn->context = context;
	conn->vhost = vhost;
	conn->conninfo = conninfo;
	conn->name = name;
	conn->hooks = hooks;
	conn->owner = owner;
	conn->adopted_socket = -1;
	conn->state = PG_CONN_DOWN;
}

void
pg_conn_start(PgConn *conn)
{
	/* Defaults first: the conninfo in dbname overrides them. */
	const char *keys[] = {"keepalives_idle", "keepalives_interval", "keepalives_count",
	"dbname", "fallback_application_name", NULL};
	const char *values[] = {"30", "10", "3", conn->conninfo, conn->name, NULL};

	if (conn->stopped || conn->state != PG_CONN_DOWN)
		return;
	conn->pg = PQconnectStartParams(keys, values, 1);
	if (conn->pg == NULL || PQstatus(conn->pg) == CONNECTION_BAD)
	{
		lost(conn, conn->pg ? PQerrorMessage(conn->pg) : "out of memory");
		return;
	}
	conn->state = PG_CONN_CONNECTING;
	conn->polling = PGRES_POLLING_WRITING;	/* as libpq's documentation says to begin */
	if (!adopt_socket(conn))
	{
		lost(conn, "could not watch the connection's socket");
		return;
	}
	lws_callback_on_writable(conn->wsi);
}

static void
connect_step(PgConn *conn)
{
	conn->polling = PQconnectPoll(conn->pg);
	if (PQsocket(conn->pg) != conn->adopted_socket && conn->polling != PGRES_POLLING_FAILED)
	{
		release_socket(conn);
		if (!adopt_socket(conn))
		{
			lost(conn, "could not watch the connection's socket");
			return;
		}
	}
	switch (conn->polling)
	{
		case PGRES_POLLING_WRITING:
			lws_callback_on_writable(conn->wsi);
			break;
		case PGRES_POLLING_OK:
			if (PQsetnonblocking(conn->pg, 1) != 0)
			{
				lost(conn, PQerrorMessage(conn->pg));
				return;
			}
			conn->state = PG_CONN_IDLE;
			if (conn->retries)
				lwsl_user("%s: connected again\n", conn->name);
			conn->retries = 0;
			conn->hooks->ready(conn);
			break;
		case PGRES_POLLING_FAILED:
			lost(conn, PQerrorMessage(conn->pg));
			break;
		default:				/* READING: the RX callback comes */
			break;
	}
}

static void
finish_query(PgConn *conn, PGresult *res)
{
	PgResultFn	done = conn->done;
	void	   *arg = conn->done_arg;

	conn->done = NULL;
	conn->done_arg = NULL;
	conn->result = NULL;
	conn->flushing = false;
	if (conn->state == PG_CONN_BUSY)
		conn->state = PG_CONN_IDLE;
	if (done)
		done(conn, res, arg);
	PQclear(res);
}

static void
lost(PgConn *conn, const char *why)
{
	char		conceal;
	unsigned int delay;

	lwsl_warn("%s: %.*s\n", conn->name, (int) strcspn(why, "\n"), why);
	release_socket(conn);
	if (conn->pg)
		PQfinish(conn->pg);
	conn->pg = NULL;
	conn->state = PG_CONN_DOWN;
	if (conn->done)
	{
		PQclear(conn->result);
		conn->result = NULL;
		finish_query(conn, NULL);
	}
	conn->hooks->lost(conn);
	if (conn->stopped)
		return;
	delay = lws_retry_get_delay_ms(conn->context, &backoff, &conn->retries, &conceal);
	lws_sul_schedule(conn->context, 0, &conn->retry_timer, retry_due, (lws_usec_t) delay * LWS_US_PER_MS);
}

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

static void
readable(PgConn *conn)
{
	PGnotify   *n;

	if (conn->state == PG_CONN_CONNECTING)
	{
		if (conn->polling == PGRES_POLLING_READING)
			connect_step(conn);
		return;
	}
	if (!PQconsumeInput(conn->pg))
	{
		lost(conn, PQerrorMessage(conn->pg));
		return;
	}
	while (conn->state == PG_CONN_BUSY && !conn->flushing && !PQisBusy(conn->pg))
	{
		PGresult   *res = PQgetResult(conn->pg);

		if (res == NULL)
		{
			finish_query(conn, conn->result);
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
		lost(conn, PQerrorMessage(conn->pg));
	else if (conn->state == PG_CONN_IDLE && conn->done == NULL)
		conn->hooks->ready(conn);
}

static void
writable(PgConn *conn)
{
	if (conn->state == PG_CONN_CONNECTING)
	{
		if (conn->polling == PGRES_POLLING_WRITING)
			connect_step(conn);
		return;
	}
	if (conn->state == PG_CONN_BUSY && conn->flushing)
	{
		int			r = PQflush(conn->pg);

		if (r < 0)
			lost(conn, PQerrorMessage(conn->pg));
		else if (r > 0)
			lws_callback_on_writable(conn->wsi);
		else
			conn->flushing = false;
	}
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
			writable(conn);
			break;
		case LWS_CALLBACK_RAW_CLOSE_FILE:
			conn->wsi = NULL;	/* lws closes it; do not kill it again */
			lost(conn, "the connection to the server was closed");
			break;
		default:
			break;
	}
	return 0;
}

static bool
sent(PgConn *conn, int ok, PgResultFn done, void *arg)
{
	int			r;

	if (!ok)
	{
		lost(conn, PQerrorMessage(conn->pg));
		return false;
	}
	conn->state = PG_CONN_BUSY;
	conn->done = done;
	conn->done_arg = arg;
	conn->result = NULL;
	r = PQflush(conn->pg);
	conn->flushing = r > 0;
	if (r > 0)
		lws_callback_on_writable(conn->wsi);
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

bool
pg_conn_query_simple(PgConn *conn, const char *sql, PgResultFn done, void *arg)
{
	if (conn->state != PG_CONN_IDLE)
		return false;
	return sent(conn, PQsendQuery(conn->pg, sql), done, arg);
}

void
pg_conn_stop(PgConn *conn)
{
	conn->stopped = true;
	lws_sul_cancel(&conn->retry_timer);
	release_socket(conn);
	if (conn->pg)
		PQfinish(conn->pg);
	conn->pg = NULL;
	conn->state = PG_CONN_DOWN;
}

const char *
pg_result_message(const PGresult *res, char *buf, size_t size)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	snprintf(buf, size, "%s", m ? m : "the connection to the database was lost");
	return buf;
}
