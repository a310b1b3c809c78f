/*
 * pg_conn.c: asynchronous libpq inside the lws loop (see pg_conn.h).
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
 */
#include "pg_conn.h"

#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "alloc.h"
#include "ext_version.h"
#include "metrics.h"

/*
 * A backend checks this often whether its client is still there while it
 * runs a query, so one whose gateway dropped it (a deadline) rolls back
 * instead of holding row locks.  A conninfo that names the setting in its
 * options wins (0 turns it off, as a server without POLLRDHUP requires).
 */
#define CONNECTION_CHECK_OPTION "-c client_connection_check_interval=2000"

static const uint32_t backoff_ms[] = {100, 250, 500, 1000, 2000, 5000};
static const lws_retry_bo_t backoff = {
	.retry_ms_table = backoff_ms,
	.retry_ms_table_count = LWS_ARRAY_SIZE(backoff_ms),
	.conceal_count = LWS_RETRY_CONCEAL_ALWAYS,
	.jitter_percent = 30,
};

static void connect_step(PgConn *conn);
static void version_checked(PgConn *conn, PGresult *res, void *arg);
static void lost(PgConn *conn, const char *why);
static void deadline_due(lws_sorted_usec_list_t *sul);

/*
 * Scheduling an lws timer walks the sorted list of every timer (one per
 * client connection, for its pings) to its place, and a query's deadline
 * goes near the end: per query, that walk was a twentieth of the gateway's
 * time with 2,000 clients.  So the timer is moved only to come earlier; one
 * already set to fire no later stays, and deadline_due sets it again for
 * the time left.  deadline_disarm leaves it in place for the next query.
 */
static void
deadline_arm(PgConn *conn, lws_usec_t us)
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
static void
want_write(PgConn *conn)
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

/*
 * The options conninfo value: the connection check, then the user's own
 * options (the conninfo's, else PGOPTIONS), which PostgreSQL applies after
 * ours.  Naming the setting there leaves ours out.
 */
static char *
options_value(const char *conninfo)
{
	PQconninfoOption *parsed = PQconninfoParse(conninfo, NULL);
	const char *user = getenv("PGOPTIONS");
	char	   *value;

	for (PQconninfoOption *o = parsed; o && o->keyword; o++)
		if (strcmp(o->keyword, "options") == 0 && o->val)
			user = o->val;
	if (user && strstr(user, "client_connection_check_interval"))
		value = xstrdup(user);
	else
	{
		value = xmalloc(strlen(CONNECTION_CHECK_OPTION) + 2 + (user ? strlen(user) : 0));
		sprintf(value, "%s%s%s", CONNECTION_CHECK_OPTION, user ? " " : "", user ? user : "");
	}
	PQconninfoFree(parsed);
	return value;
}

/* The conninfo keywords of a multi-host list, in PgConn.host_lists' order. */
static const char *const host_keys[3] = {"host", "hostaddr", "port"};

static int
list_length(const char *list)
{
	int			n = 1;

	for (const char *c = list; *c; c++)
		n += *c == ',';
	return n;
}

/* Entry i of a comma-separated list, copied (lists are short: a conninfo). */
static char *
list_entry(const char *list, int i)
{
	const char *start = list;
	size_t		len;
	char	   *out;

	while (i-- > 0)
		start = strchr(start, ',') + 1;
	len = strcspn(start, ",");
	out = xmalloc(len + 1);
	memcpy(out, start, len);
	out[len] = '\0';
	return out;
}

/* The list begun at entry first; one of another length (one port for all) as it is. */
static char *
list_turned(const char *list, int n, int first)
{
	char	   *out;
	size_t		len = 0;

	if (list == NULL || list_length(list) != n)
		return list ? xstrdup(list) : NULL;
	out = xmalloc(strlen(list) + 2);
	for (int k = 0; k < n; k++)
	{
		char	   *e = list_entry(list, (first + k) % n);

		len += (size_t) sprintf(out + len, "%s%s", k ? "," : "", e);
		free(e);
	}
	return out;
}

static void
hosts_parse(PgConn *conn)
{
	PQconninfoOption *parsed = PQconninfoParse(conn->conninfo, NULL);

	for (PQconninfoOption *o = parsed; o && o->keyword; o++)
		for (int k = 0; k < 3; k++)
			if (strcmp(o->keyword, host_keys[k]) == 0 && o->val && o->val[0])
				conn->host_lists[k] = xstrdup(o->val);
	PQconninfoFree(parsed);
	conn->hosts = conn->host_lists[0] ? list_length(conn->host_lists[0]) :
		conn->host_lists[1] ? list_length(conn->host_lists[1]) : 0;
}

/* Which entry of the lists a connection that is up reached (-1: not found). */
static int
host_reached(const PgConn *conn)
{
	const char *host = PQhost(conn->pg);
	const char *port = PQport(conn->pg);
	const char *names = conn->host_lists[0] ? conn->host_lists[0] : conn->host_lists[1];
	bool		ports = conn->host_lists[2] && list_length(conn->host_lists[2]) == conn->hosts;

	for (int i = 0; i < conn->hosts && host; i++)
	{
		char	   *h = list_entry(names, i);
		char	   *p = ports ? list_entry(conn->host_lists[2], i) : NULL;
		bool		same = strcmp(h, host) == 0 && (p == NULL || (port && strcmp(p, port) == 0));

		free(h);
		free(p);
		if (same)
			return i;
	}
	return -1;
}

static void
hosts_free(PgConn *conn)
{
	for (int k = 0; k < 3; k++)
	{
		free(conn->host_lists[k]);
		free(conn->host_values[k]);
		conn->host_lists[k] = conn->host_values[k] = NULL;
	}
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
	conn->options = options_value(conninfo);
	conn->name = name;
	conn->hooks = hooks;
	conn->owner = owner;
	conn->adopted_socket = -1;
	conn->state = PG_CONN_DOWN;
	hosts_parse(conn);
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
		conn->host_values[k] = list_turned(conn->host_lists[k], conn->hosts, conn->host_first);
		if (conn->host_values[k])
		{
			keys[n] = host_keys[k];
			values[n++] = conn->host_values[k];
		}
	}
	keys[n] = values[n] = NULL;
	conn->host_tried = 0;
	/* One host: no default, so PGTARGETSESSIONATTRS still applies. */
	conn->pg = PQconnectStartParams(conn->hosts > 1 ? keys : keys + 1, conn->hosts > 1 ? values : values + 1, 1);
	if (conn->pg == NULL || PQstatus(conn->pg) == CONNECTION_BAD)
	{
		lost(conn, conn->pg ? PQerrorMessage(conn->pg) : "out of memory");
		return;
	}
	conn->state = PG_CONN_CONNECTING;
	conn->prepared = NULL;		/* a new session has no prepared statements */
	conn->polling = PGRES_POLLING_WRITING;	/* as libpq's documentation says to begin */
	deadline_arm(conn, conn->deadlines.connect);
	if (!adopt_socket(conn))
	{
		lost(conn, "could not watch the connection's socket");
		return;
	}
	want_write(conn);
}

static void
connect_step(PgConn *conn)
{
	conn->polling = PQconnectPoll(conn->pg);
	if (PQsocket(conn->pg) != conn->adopted_socket && conn->polling != PGRES_POLLING_FAILED)
	{
		/* libpq tries the next address: it gets a deadline of its own, as in libpq's connect_timeout */
		release_socket(conn);
		if (!adopt_socket(conn))
		{
			lost(conn, "could not watch the connection's socket");
			return;
		}
		deadline_arm(conn, conn->deadlines.connect);
		conn->host_tried++;
	}
	switch (conn->polling)
	{
		case PGRES_POLLING_WRITING:
			want_write(conn);
			break;
		case PGRES_POLLING_OK:
			if (PQsetnonblocking(conn->pg, 1) != 0)
			{
				lost(conn, PQerrorMessage(conn->pg));
				return;
			}
			lws_sul_cancel(&conn->deadline);
			conn->state = PG_CONN_IDLE;
			if (conn->hosts > 1)
			{
				int			reached = host_reached(conn);

				if (reached >= 0)
					conn->host_first = reached; /* the next attempt begins there */
			}
			/* Not ready until the server's pg_ot is one this gateway speaks: version_checked(). */
			if (!pg_conn_query(conn, EXT_VERSION_QUERY, 0, NULL, version_checked, NULL))
				return;			/* lost() ran */
			break;
		case PGRES_POLLING_FAILED:
			lost(conn, PQerrorMessage(conn->pg));
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
		lost(conn, why);
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
		lost(conn, why);
		return;
	}
	if (conn->retries)
		lwsl_user("%s: connected again (%s port %s)\n", conn->name, PQhost(conn->pg), PQport(conn->pg));
	conn->retries = 0;
	/* deliver() calls the ready hook once this returns (idle, no query waited on). */
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
	deadline_disarm(conn);
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
		finish_query(conn, NULL);
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
	lost(conn, why);
	if (querying && conn->hooks->silent)
		conn->hooks->silent(conn);
}

void
pg_conn_drop(PgConn *conn, const char *why)
{
	if (conn->state == PG_CONN_IDLE || conn->state == PG_CONN_BUSY)
		lost(conn, why);
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
			lost(conn, PQerrorMessage(conn->pg));
			return false;
		}
	} while (ssl && SSL_pending(ssl) > 0);
	return true;
}

/* Sends what libpq still holds; false if that broke the connection. */
static bool
flush(PgConn *conn)
{
	int			r = PQflush(conn->pg);

	if (r < 0)
	{
		lost(conn, PQerrorMessage(conn->pg));
		return false;
	}
	conn->flushing = r > 0;
	if (conn->flushing)
		want_write(conn);
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
				lost(conn, "the server is read-only (SQLSTATE 25006: a standby): dropping the connection");
				return;
			}
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
			connect_step(conn);
		return;
	}
	for (int round = 0; round < READ_ROUNDS; round++)
	{
		if (!consume(conn))
			return;
		/* The server may answer (or need us to read) before it has all of a large query. */
		if (conn->flushing && !flush(conn))
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
			connect_step(conn);
		return;
	}
	if (conn->state == PG_CONN_BUSY && conn->flushing && flush(conn) && !conn->flushing)
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
	if (!ok)
	{
		lost(conn, PQerrorMessage(conn->pg));
		return false;
	}
	conn->state = PG_CONN_BUSY;
	conn->done = done;
	conn->done_arg = arg;
	conn->result = NULL;
	deadline_arm(conn, conn->deadlines.query);
	flush(conn);				/* a failure is the callback's NULL */
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
	hosts_free(conn);
}

const char *
pg_result_message(const PGresult *res, char *buf, size_t size)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	snprintf(buf, size, "%s", m ? m : "the connection to the database was lost");
	return buf;
}
