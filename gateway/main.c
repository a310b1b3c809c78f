/*
 * main.c: pg_ot_gateway, the ShareDB protocol over WebSockets for pg_ot.
 *
 * One process, one lws event loop, no threads: WebSocket sessions, the
 * LISTEN connection and the query connections are all served by it.
 *
 * May call: edge/auth, docs/document, base/ext_version, edge/http,
 * db/listener, base/metrics, edge/metrics_text, edge/options, edge/origin,
 * edge/outage, db/pg_conn, db/pool, actions/presence, actions/revocation,
 * base/secrets, client/client, edge/ws_session, actions/submit, db/queries.
 */
#include <libpq-fe.h>
#include <libwebsockets.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "edge/auth.h"
#include "docs/document.h"
#include "base/ext_version.h"
#include "edge/http.h"
#include "db/listener.h"
#include "base/metrics.h"
#include "edge/metrics_text.h"
#include "edge/options.h"
#include "edge/origin.h"
#include "edge/outage.h"
#include "db/pg_conn.h"
#include "db/pool.h"
#include "actions/presence.h"
#include "actions/revocation.h"
#include "base/secrets.h"
#include "client/client.h"
#include "edge/ws_session.h"
#include "actions/submit.h"
#include "db/queries.h"

/* How long a shutdown waits for submits in flight, then for queues to go out. */
#define DRAIN_SUBMITS_US (10 * LWS_USEC_PER_SEC)
#define DRAIN_SESSIONS_US (5 * LWS_USEC_PER_SEC)

static volatile sig_atomic_t interrupted;
static struct lws_context *context;

/*
 * Graceful shutdown (SIGTERM or SIGINT): stop reading clients, let the
 * submits already received reach the database and their acks the clients,
 * then close every session with 1001 once its queue is out; clients
 * reconnect elsewhere and resume by version.
 */
static struct
{
	enum { RUNNING, DRAINING_SUBMITS, CLOSING_SESSIONS, DONE } phase;
	lws_usec_t	deadline;
	lws_sorted_usec_list_t tick;
} shutdown_state;

static void
shutdown_step(lws_sorted_usec_list_t *sul)
{
	lws_usec_t	now = lws_now_usecs();

	if (shutdown_state.phase == DRAINING_SUBMITS &&
		(submit_outstanding() == 0 || now > shutdown_state.deadline))
	{
		if (submit_outstanding() > 0)
			lwsl_warn("shutdown: %d ops still unanswered; their clients resend them elsewhere\n",
					  submit_outstanding());
		sessions_close_all(CLOSE_GOING_AWAY);
		shutdown_state.phase = CLOSING_SESSIONS;
		shutdown_state.deadline = now + DRAIN_SESSIONS_US;
	}
	if (shutdown_state.phase == CLOSING_SESSIONS &&
		(sessions_count() == 0 || now > shutdown_state.deadline))
		shutdown_state.phase = DONE;
	else
		lws_sul_schedule(context, 0, &shutdown_state.tick, shutdown_step, 50 * LWS_US_PER_MS);
}

static void
shutdown_begin(void)
{
	lwsl_user("stopping: draining %d sessions, %d ops in flight\n", sessions_count(), submit_outstanding());
	sessions_drain();
	shutdown_state.phase = DRAINING_SUBMITS;
	shutdown_state.deadline = lws_now_usecs() + DRAIN_SUBMITS_US;
	shutdown_step(&shutdown_state.tick);
}

static const struct lws_protocols protocols[] = {
	/* First: WebSocket upgrades without a subprotocol (the stock client) land here. */
	{SHAREDB_PROTOCOL_NAME, session_callback, sizeof(Session), 0, 0, NULL, 0},
	{HTTP_PROTOCOL_NAME, http_callback, sizeof(HttpResponse), 0, 0, NULL, 0},
	{PG_CONN_PROTOCOL_NAME, pg_conn_callback, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}
};

/*
 * Security headers on every HTTP response (lws's own best-practice set
 * would do, but it cannot be combined with headers of our own).
 */
static const struct lws_protocol_vhost_options security_headers[] = {
	{&security_headers[1], NULL, "content-security-policy:",
	 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	 "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
	{&security_headers[2], NULL, "x-content-type-options:", "nosniff"},
	{&security_headers[3], NULL, "x-frame-options:", "DENY"},
	{NULL, NULL, "referrer-policy:", "no-referrer"},
};

/* Ping a client that said nothing for 25 s; hang up 35 s later. */
static const lws_retry_bo_t client_validity = {
	.secs_since_valid_ping = 25,
	.secs_since_valid_hangup = 60,
};

static void
on_signal(int sig)
{
	interrupted = 1;
	if (context)
		lws_cancel_service(context);
}

static void
fail(PGconn *conn, const char *fmt, const char *arg)
{
	fprintf(stderr, "pg_ot_gateway: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	PQfinish(conn);
	exit(1);
}

static const char *
single_value(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	static char value[256];

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail(conn, "%s", PQresultErrorMessage(res));
	snprintf(value, sizeof(value), "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return value;
}

/*
 * --listen must name an address of this host or an interface: lws would
 * otherwise log it and serve nowhere (or, for some, everywhere).
 */
static void
check_listen(const char *listen)
{
	struct in6_addr a6;
	struct in_addr a4;
	struct sockaddr_storage sa;
	socklen_t	len;
	int			fd,
				ok;

	if (listen == NULL)
		return;
	memset(&sa, 0, sizeof(sa));
	if (inet_pton(AF_INET, listen, &a4) == 1)
	{
		((struct sockaddr_in *) &sa)->sin_family = AF_INET;
		((struct sockaddr_in *) &sa)->sin_addr = a4;
		len = sizeof(struct sockaddr_in);
	}
	else if (inet_pton(AF_INET6, listen, &a6) == 1)
	{
		((struct sockaddr_in6 *) &sa)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *) &sa)->sin6_addr = a6;
		len = sizeof(struct sockaddr_in6);
	}
	else if (if_nametoindex(listen) != 0)
		return;
	else
		fail(NULL, "--listen %s is neither an IP address nor an interface of this host", listen);
	/* Port 0: only whether the address is this host's. */
	fd = socket(sa.ss_family, SOCK_STREAM, 0);
	ok = fd >= 0 && bind(fd, (struct sockaddr *) &sa, len) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok)
		fail(NULL, "--listen %s is not an address of this host", listen);
}

/* The keys shared with the extension and the other gateways (secrets.h). */
static void
load_secrets(PGconn *conn)
{
	PGresult   *res = PQexec(conn, SECRETS_SQL);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail(conn, "could not read ot.secrets: %s", PQresultErrorMessage(res));
	for (int i = 0; i < PQntuples(res); i++)
		if (!secret_set_hex(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1)))
			fail(conn, "ot.secrets: the key for \"%s\" is not one this gateway can use",
				 PQgetvalue(res, i, 0));
	PQclear(res);
	if (secret_get("notify") == NULL || secret_get("session") == NULL)
		fail(conn, "%s", "ot.secrets lacks the 'notify' or 'session' key (reinstall the extension)");
}

/* Says at once, and plainly, what keeps the gateway from working. */
static void
check_database(const GatewayOptions *opt)
{
	char		timeout[16];
	const char *keys[] = {"connect_timeout", "dbname", "fallback_application_name", NULL};
	const char *values[] = {timeout, opt->db, "pg_ot_gateway", NULL};
	PGconn	   *conn;
	char		version[64];
	char		why[256];

	snprintf(timeout, sizeof(timeout), "%d", opt->db_timeout);	/* the conninfo's own wins */
	conn = PQconnectdbParams(keys, values, 1);

	if (PQstatus(conn) != CONNECTION_OK)
		fail(conn, "could not connect to the database: %s", PQerrorMessage(conn));
	snprintf(version, sizeof(version), "%s",
			 single_value(conn, EXT_VERSION_QUERY));
	if (!ext_version_supported(*version ? version : NULL, PQdb(conn), why, sizeof(why)))
		fail(conn, "%s", why);
	if (strcmp(single_value(conn, GATEWAY_ROLE_SQL), "t") != 0)
		fail(conn, "role \"%s\" is not a member of ot_gateway (GRANT ot_gateway TO it)", PQuser(conn));
	load_secrets(conn);
	lwsl_user("database \"%s\" on %s, pg_ot %s\n", PQdb(conn), PQhost(conn), version);
	PQfinish(conn);
}

int
main(int argc, char **argv)
{
	GatewayOptions opt;
	struct lws_context_creation_info info;
	struct lws_vhost *vhost;
	char		why[256];
	int			n = 0;
	PgConnDeadlines listener_deadlines,
				pool_deadlines;

	options_parse(argc, argv, &opt);
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_USER, NULL);
	if (!opt.allow_anonymous && !opt.jwt_secret_file && !opt.jwt_public_key_file)
	{
		fprintf(stderr, "pg_ot_gateway: no way to authenticate clients is configured: give "
				"--jwt-secret-file or --jwt-public-key-file, or --allow-anonymous to let them act "
				"as the principal 'anonymous'\n");
		return 1;
	}
	if (!auth_init(&opt))
		return 1;
	if (!origin_configure(opt.allowed_origins, opt.listen, opt.port, opt.tls_cert != NULL,
						  why, sizeof(why)))
	{
		fprintf(stderr, "pg_ot_gateway: --allowed-origins: %s\n", why);
		return 2;
	}
	check_listen(opt.listen);
	check_database(&opt);

	memset(&info, 0, sizeof(info));
	info.port = opt.port;
	info.iface = opt.listen;
	info.protocols = protocols;
	info.vhost_name = "pg_ot";
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	/* lws binds an IPv4 address given to an IPv6 socket as "any": keep it IPv4. */
	if (opt.listen && strchr(opt.listen, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.headers = security_headers;
	info.retry_and_idle_policy = &client_validity;
	/* Also bounds a connection's HTTP request, upgrade included (slow headers). */
	info.timeout_secs = (unsigned int) opt.limits.handshake_timeout;
	info.timeout_secs_ah_idle = (unsigned int) opt.limits.handshake_timeout;
	if (opt.tls_cert)
	{
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = opt.tls_cert;
		info.ssl_private_key_filepath = opt.tls_key;
	}
	info.mounts = http_mounts(opt.www);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	context = lws_create_context(&info);
	if (context == NULL || (vhost = lws_get_vhost_by_name(context, "pg_ot")) == NULL)
	{
		fprintf(stderr, "pg_ot_gateway: could not listen on %s port %d\n",
				opt.listen ? opt.listen : "*", opt.port);
		return 1;
	}
	http_confine_files(context);
	sessions_configure(&opt.limits);
	documents_init((size_t) opt.doc_log_bytes);
	presence_init(context);
	submit_init(opt.batch_max);
	/* The listener's commands are all short: the heartbeat's deadline for each. */
	listener_deadlines.connect = (lws_usec_t) opt.db_timeout * LWS_USEC_PER_SEC;
	listener_deadlines.query = listener_deadlines.connect;
	pool_deadlines.connect = listener_deadlines.connect;
	pool_deadlines.query = (lws_usec_t) opt.db_query_timeout * LWS_USEC_PER_SEC;
	listener_init(context, vhost, opt.db, &listener_deadlines);
	pool_init(context, vhost, opt.db, &pool_deadlines, opt.pool_size, submit_take_batch);
	/* The query connections go to the server the listener found silent. */
	listener_on_silence(pool_reconnect);
	outage_init(context, opt.db_grace);
	revocation_init();
	metrics_start_sampling(context);
	lwsl_user("listening on %s port %d%s (pool %d, batches of up to %d ops)\n",
			  opt.listen ? opt.listen : "*", opt.port, opt.tls_cert ? " with TLS" : "",
			  opt.pool_size, opt.batch_max);
	lwsl_user("pages may connect from %s%s\n", origin_list(),
			  opt.allowed_origins ? "" : " (--allowed-origins for others)");

	while (n >= 0 && shutdown_state.phase != DONE)
	{
		n = lws_service(context, 0);
		if (interrupted && shutdown_state.phase == RUNNING)
			shutdown_begin();
	}
	lws_sul_cancel(&shutdown_state.tick);
	lwsl_user("stopped\n");
	outage_stop();
	revocation_stop();
	listener_stop();
	pool_stop();
	lws_context_destroy(context);
	return 0;
}
