/*
 * pg_conn.c: asynchronous libpq inside the lws loop (see pg_conn.h): the
 * connection's state machine, its deadlines, reconnects and queries.
 *
 * The connection is a small state machine: DOWN -> CONNECTING (driven by
 * PQconnectPoll on the readiness it asks for) -> IDLE <-> BUSY, and back to
 * DOWN when anything breaks or a deadline passes, with a reconnect scheduled
 * on an lws timer.
 *
 * Write readiness: lws's raw-file role runs the WRITEABLE callback and then
 * clears its POLLOUT request, so a request made inside that callback (libpq
 * still has bytes to send, or PQconnectPoll wants to write again) would be
 * lost and the connection would wait for ever.  want_write() therefore
 * re-arms such a request from a zero-delay timer, which runs once the
 * callback has returned.  While PQflush has bytes left, read readiness is
 * served too, as libpq asks: PQconsumeInput, then PQflush again.
 *
 * Owns: PgConn's state.  May call: db/pg_hosts.c, db/pg_conn_io.c, db/pg_conn_query.c
 * (pg_conn_internal.h), base (ext_version, metrics, alloc), db/queries.
 */
#include "db/pg_conn.h"

#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/ext_version.h"
#include "base/metrics.h"
#include "db/queries.h"
#include "db/pg_conn_internal.h"

static const uint32_t backoff_ms[] = {100, 250, 500, 1000, 2000, 5000};
static const lws_retry_bo_t backoff = {
	.retry_ms_table = backoff_ms,
	.retry_ms_table_count = LWS_ARRAY_SIZE(backoff_ms),
	.conceal_count = LWS_RETRY_CONCEAL_ALWAYS,
	.jitter_percent = 30,
};

static void version_checked(PgConn *conn, PGresult *res, void *arg);
static void deadline_due(lws_sorted_usec_list_t *sul);

/*
 * Scheduling an lws timer walks the sorted list of every timer (one per
 * client connection, for its pings) to its place, and a query's deadline
 * goes near the end: per query, that walk was a twentieth of the gateway's
 * time with 2,000 clients.  So the timer is moved only to come earlier; one
 * already set to fire no later stays, and deadline_due sets it again for
 * the time left.  deadline_disarm leaves it in place for the next query.
 */
void
pg_conn_deadline_arm(PgConn *conn, lws_usec_t us)
{
	conn->deadline_at = lws_now_usecs() + us;
	if (lws_dll2_is_detached(&conn->deadline.list) || conn->deadline_fires > conn->deadline_at)
	{
		conn->deadline_fires = conn->deadline_at;
		lws_sul_schedule(conn->context, 0, &conn->deadline, deadline_due, us);
	}
}

static void
deadline_disarm(PgConn *conn)
{
	conn->deadline_at = 0;
}

/* Whether libpq waits to write: a query's bytes, or a connection step. */
static bool
wants_write(const PgConn *conn)
{
	return conn->flushing ||
		(conn->state == PG_CONN_CONNECTING && conn->polling == PGRES_POLLING_WRITING);
}

static void
rearm_due(lws_sorted_usec_list_t *sul)
{
	PgConn	   *conn = lws_container_of(sul, PgConn, rearm);

	if (conn->wsi && wants_write(conn))
		lws_callback_on_writable(conn->wsi);
}

/* Asks for write readiness in a way lws keeps (see the header comment). */
void
pg_conn_want_write(PgConn *conn)
{
	if (conn->wsi == NULL)
		return;
	if (conn->wsi == conn->in_writable)
		lws_sul_schedule(conn->context, 0, &conn->rearm, rearm_due, 0);
	else
		lws_callback_on_writable(conn->wsi);
}

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
	lws_sul_cancel(&conn->rearm);
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
			 const char *conninfo, const PgConnDeadlines *deadlines,
			 const char *name, const PgConnHooks *hooks, void *owner)
{
	memset(conn, 0, sizeof(*conn));
	conn->context = context;
	conn->vhost = vhost;
	conn->conninfo = conninfo;
	conn->deadlines = *deadlines;
	conn->options = pg_conn_options_value(conninfo);
	conn->name = name;
	conn->hooks = hooks;
	conn->owner = owner;
	conn->adopted_socket = -1;
	conn->state = PG_CONN_DOWN;
	pg_conn_hosts_parse(conn);
}

void
pg_conn_start(PgConn *conn)
{
	/*
	 * Defaults first: the conninfo in dbname overrides them; options
	 * includes its own.  A multi-host conninfo looks for the primary unless
	 * it says otherwise (target_session_attrs, passed only then).
	 */
	const char *keys[11] = {"target_session_attrs", "keepalives_idle", "keepalives_interval",
	"keepalives_count", "dbname", "options", "fallback_application_name"};
	const char *values[11] = {"read-write", "30", "10", "3", conn->conninfo, conn->options, conn->name};
	int			n = 7;

	if (conn->stopped || conn->state != PG_CONN_DOWN)
		return;
	/* Several hosts: the lists begin at host_first (later keywords override the conninfo's). */
	for (int k = 0; k < 3 && conn->hosts > 1; k++)
	{
		free(conn->host_values[k]);
		conn->host_values[k] = pg_conn_list_turned(conn->host_lists[k], conn->hosts, conn->host_first);
		if (conn->host_values[k])
		{
			keys[n] = pg_conn_host_keys[k];
			values[n++] = conn->host_values[k];
		}
	}
	keys[n] = values[n] = NULL;
	conn->host_tried = 0;
	/* One host: no default, so PGTARGETSESSIONATTRS still applies. */
	conn->pg = PQconnectStartParams(conn->hosts > 1 ? keys : keys + 1, conn->hosts > 1 ? values : values + 1, 1);
	if (conn->pg == NULL || PQstatus(conn->pg) == CONNECTION_BAD)
	{
		pg_conn_lost(conn, conn->pg ? PQerrorMessage(conn->pg) : "out of memory");
		return;
	}
	conn->state = PG_CONN_CONNECTING;
	conn->prepared = NULL;		/* a new session has no prepared statements */
	conn->polling = PGRES_POLLING_WRITING;	/* as libpq's documentation says to begin */
	pg_conn_deadline_arm(conn, conn->deadlines.connect);
	if (!adopt_socket(conn))
	{
		pg_conn_lost(conn, "could not watch the connection's socket");
		return;
	}
	pg_conn_want_write(conn);
}

void
pg_conn_connect_step(PgConn *conn)
{
	conn->polling = PQconnectPoll(conn->pg);
	if (PQsocket(conn->pg) != conn->adopted_socket && conn->polling != PGRES_POLLING_FAILED)
	{
		/* libpq tries the next address: it gets a deadline of its own, as in libpq's connect_timeout */
		release_socket(conn);
		if (!adopt_socket(conn))
		{
			pg_conn_lost(conn, "could not watch the connection's socket");
			return;
		}
		pg_conn_deadline_arm(conn, conn->deadlines.connect);
		conn->host_tried++;
	}
	switch (conn->polling)
	{
		case PGRES_POLLING_WRITING:
			pg_conn_want_write(conn);
			break;
		case PGRES_POLLING_OK:
			if (PQsetnonblocking(conn->pg, 1) != 0)
			{
				pg_conn_lost(conn, PQerrorMessage(conn->pg));
				return;
			}
			lws_sul_cancel(&conn->deadline);
			conn->state = PG_CONN_IDLE;
			if (conn->hosts > 1)
			{
				int			reached = pg_conn_host_reached(conn);

				if (reached >= 0)
					conn->host_first = reached; /* the next attempt begins there */
			}
			/* Not ready until the server's pg_ot is one this gateway speaks: version_checked(). */
			if (!pg_conn_query(conn, EXT_VERSION_QUERY, 0, NULL, version_checked, NULL))
				return;			/* lost() ran */
			break;
		case PGRES_POLLING_FAILED:
			pg_conn_lost(conn, PQerrorMessage(conn->pg));
			break;
		default:				/* READING: the RX callback comes */
			break;
	}
}

/*
 * The first query of every connection, before the owner hears it is ready:
 * a server whose pg_ot is missing or of another version (a failover or a
 * restore onto a server not yet updated) is dropped as if it broke, so the
 * owner never sends it a statement, the outage counters see it down, and the
 * reconnect (with backoff, beginning at the next host of a multi-host
 * conninfo) tries again until one that passes is found.  No exit: the other
 * hosts, or an ALTER EXTENSION pg_ot UPDATE, may end it.
 */
static void
version_checked(PgConn *conn, PGresult *res, void *arg)
{
	char		why[512];
	char		message[256];
	const char *version;

	if (res == NULL)
		return;					/* lost() ran */
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		snprintf(why, sizeof(why), "could not read the pg_ot version: %s",
				 pg_result_message(res, message, sizeof(message)));
		pg_conn_lost(conn, why);
		return;
	}
	version = PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : NULL;
	if (!ext_version_supported(version, PQdb(conn->pg), message, sizeof(message)))
	{
		metrics.db_version_refused++;
		if (conn->hosts > 1)
			conn->host_first = (conn->host_first + 1) % conn->hosts;
		snprintf(why, sizeof(why), "%s port %s refused: %s", PQhost(conn->pg), PQport(conn->pg), message);
		lwsl_err("%s: %s\n", conn->name, why);
		pg_conn_lost(conn, why);
		return;
	}
	if (conn->retries)
		lwsl_user("%s: connected again (%s port %s)\n", conn->name, PQhost(conn->pg), PQport(conn->pg));
	conn->retries = 0;
	/* deliver() calls the ready hook once this returns (idle, no query waited on). */
}

void
pg_conn_finish_query(PgConn *conn, PGresult *res)
{
	PgResultFn	done = conn->done;
	void	   *arg = conn->done_arg;

	conn->done = NULL;
	conn->done_arg = NULL;
	conn->result = NULL;
	conn->flushing = false;
	deadline_disarm(conn);
	if (conn->state == PG_CONN_BUSY)
		conn->state = PG_CONN_IDLE;
	if (done)
		done(conn, res, arg);
	PQclear(res);
}

void
pg_conn_lost(PgConn *conn, const char *why)
{
	char		conceal;
	unsigned int delay;
	bool		busy = conn->state == PG_CONN_BUSY;

	lwsl_warn("%s: %.*s\n", conn->name, (int) strcspn(why, "\n"), why);
	lws_sul_cancel(&conn->deadline);
	release_socket(conn);
	if (conn->pg)
		PQfinish(conn->pg);
	conn->pg = NULL;
	conn->state = PG_CONN_DOWN;
	PQclear(conn->result);
	conn->result = NULL;
	if (busy)
		pg_conn_finish_query(conn, NULL);
	conn->flushing = false;
	conn->hooks->lost(conn);
	if (conn->stopped)
		return;
	delay = lws_retry_get_delay_ms(conn->context, &backoff, &conn->retries, &conceal);
	lws_sul_schedule(conn->context, 0, &conn->retry_timer, retry_due, (lws_usec_t) delay * LWS_US_PER_MS);
}

static void
deadline_due(lws_sorted_usec_list_t *sul)
{
	PgConn	   *conn = lws_container_of(sul, PgConn, deadline);
	bool		querying = conn->state == PG_CONN_BUSY;
	lws_usec_t	us = querying ? conn->deadlines.query : conn->deadlines.connect;
	lws_usec_t	now = lws_now_usecs();
	char		why[128];

	if (conn->deadline_at == 0)
		return;					/* answered since it was set */
	if (now < conn->deadline_at)
	{
		/* Set for an earlier round trip, answered: the time this one has left. */
		conn->deadline_fires = conn->deadline_at;
		lws_sul_schedule(conn->context, 0, &conn->deadline, deadline_due, conn->deadline_at - now);
		return;
	}
	conn->deadline_at = 0;

	metrics.db_timeouts++;
	/* The host that did not answer: the next attempt begins at the one after it. */
	if (!querying && conn->hosts > 1)
		conn->host_first = (conn->host_first + conn->host_tried + 1) % conn->hosts;
	snprintf(why, sizeof(why), "the server did not answer within %g s (%s): dropping the connection",
			 (double) us / LWS_US_PER_SEC, querying ? "a query" : "connecting");
	pg_conn_lost(conn, why);
	if (querying && conn->hooks->silent)
		conn->hooks->silent(conn);
}

void
pg_conn_drop(PgConn *conn, const char *why)
{
	if (conn->state == PG_CONN_IDLE || conn->state == PG_CONN_BUSY)
		pg_conn_lost(conn, why);
}

void
pg_conn_stop(PgConn *conn)
{
	conn->stopped = true;
	lws_sul_cancel(&conn->retry_timer);
	lws_sul_cancel(&conn->deadline);
	release_socket(conn);
	if (conn->pg)
		PQfinish(conn->pg);
	conn->pg = NULL;
	conn->state = PG_CONN_DOWN;
	PQclear(conn->result);
	conn->result = NULL;
	free(conn->options);
	conn->options = NULL;
	pg_conn_hosts_free(conn);
}

const char *
pg_result_message(const PGresult *res, char *buf, size_t size)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	snprintf(buf, size, "%s", m ? m : "the connection to the database was lost");
	return buf;
}
