/*
 * main.c: pg_ot_gateway, the ShareDB protocol over WebSockets for pg_ot.
 *
 * One process, one lws event loop, no threads: WebSocket sessions, the
 * LISTEN connection and the query connections are all served by it.
 *
 * Reads as an lws server does: the options, the checks (startup.c), the
 * context, every layer's init, the loop, the shutdown (shutdown.c).
 *
 * May call: every layer's init and stop; startup.c, shutdown.c.
 */
#include <libpq-fe.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "db/partitions.h"
#include "db/pool.h"
#include "actions/presence.h"
#include "actions/query.h"
#include "actions/revocation.h"
#include "base/secrets.h"
#include "client/client.h"
#include "edge/ws_session.h"
#include "actions/submit.h"
#include "db/queries.h"
#include "shutdown.h"
#include "startup.h"

static volatile sig_atomic_t interrupted;
static struct lws_context *context;


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



int
main(int argc, char **argv)
{
	GatewayOptions opt;
	struct lws_context_creation_info info;
	struct lws_vhost *vhost;
	char		why[256];
	char		err[2048];
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
	if (!startup_check_listen(opt.listen, err, sizeof(err)) || !startup_read_router(&opt, err, sizeof(err)) ||
		!startup_check_database(&opt, err, sizeof(err)))
	{
		fprintf(stderr, "pg_ot_gateway: %s\n", err);
		return 1;
	}

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
	partitions_init(opt.npartitions);
	partitions_set_named(opt.partitioned);
	sessions_configure(&opt.limits);
	documents_init((size_t) opt.doc_log_bytes);
	presence_init(context);
	query_init(context, &opt.queries);
	submit_init(opt.batch_max);
	/* The listener's commands are all short: the heartbeat's deadline for each. */
	listener_deadlines.connect = (lws_usec_t) opt.db_timeout * LWS_USEC_PER_SEC;
	listener_deadlines.query = listener_deadlines.connect;
	pool_deadlines.connect = listener_deadlines.connect;
	pool_deadlines.query = (lws_usec_t) opt.db_query_timeout * LWS_USEC_PER_SEC;
	listener_init(context, vhost, opt.partitions, opt.npartitions, &listener_deadlines);
	pool_init(context, vhost, opt.partitions, opt.npartitions, &pool_deadlines, opt.pool_size,
			  submit_take_batch);
	/* The query connections go to the server the listener found silent. */
	listener_on_silence(pool_reconnect);
	outage_init(context, opt.db_grace);
	revocation_init();
	metrics_start_sampling(context);
	lwsl_user("listening on %s port %d%s (pool %d, batches of up to %d ops)\n",
			  opt.listen ? opt.listen : "*", opt.port, opt.tls_cert ? " with TLS" : "",
			  opt.pool_size, opt.batch_max);
	if (opt.partitioned)
		lwsl_user("documents on %d partitions (pool of %d connections each)\n", opt.npartitions, opt.pool_size);
	lwsl_user("pages may connect from %s%s\n", origin_list(),
			  opt.allowed_origins ? "" : " (--allowed-origins for others)");

	while (n >= 0 && !shutdown_done())
	{
		n = lws_service(context, 0);
		if (interrupted && !shutdown_started())
			shutdown_begin(context);
	}
	shutdown_end();
	lwsl_user("stopped\n");
	outage_stop();
	revocation_stop();
	listener_stop();
	pool_stop();
	query_stop();
	lws_context_destroy(context);
	return 0;
}
