/*
 * options.c: command line and environment (see options.h).
 *
 * May call: nothing of the gateway.
 */
#include "edge/options.h"

#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage[] =
"pg_ot_gateway: the ShareDB protocol over WebSockets, for documents in PostgreSQL (pg_ot)\n"
"\n"
"Usage: pg_ot_gateway [OPTION]...\n"
"\n"
"  --db CONNINFO         libpq connection string or URI (env PG_OT_GATEWAY_DB;\n"
"                        PGHOST, PGPORT, PGDATABASE, PGUSER, ... fill the rest)\n"
"  --partition CONNINFO  a partition's database, given once per partition in order\n"
"                        (partition 0 first; their number a power of two, at most 64):\n"
"                        instead of --db, documents are spread over them by\n"
"                        ot.partition_of (env PG_OT_GATEWAY_PARTITION_0, _1, ...)\n"
"  --router CONNINFO     instead of --partition: read the partitions from this router's\n"
"                        PL/Proxy cluster pg_ot (its options p0, p1, ...) at startup\n"
"                        (env PG_OT_GATEWAY_ROUTER)\n"
"  --listen ADDR         address to listen on (env PG_OT_GATEWAY_LISTEN; default all)\n"
"  --port N              TCP port (env PG_OT_GATEWAY_PORT; default 8080)\n"
"  --www DIR             serve static files from DIR at / (env PG_OT_GATEWAY_WWW)\n"
"  --jwt-secret-file F   verify HS256 tokens with the secret in F (at least 32 bytes)\n"
"                        (env PG_OT_GATEWAY_JWT_SECRET_FILE)\n"
"  --jwt-public-key-file F  verify RS256 tokens with the PEM public key in F\n"
"                        (env PG_OT_GATEWAY_JWT_PUBLIC_KEY_FILE)\n"
"  --token-cookie NAME   the cookie a token may come in (env PG_OT_GATEWAY_TOKEN_COOKIE;\n"
"                        default pg_ot_token); also: Authorization: Bearer TOKEN\n"
"  --token-query-param NAME  also accept ?NAME=TOKEN (off by default: URLs get logged)\n"
"                        (env PG_OT_GATEWAY_TOKEN_QUERY_PARAM)\n"
"  --allow-anonymous     let clients without a token act as the principal\n"
"                        'anonymous' (env PG_OT_GATEWAY_ALLOW_ANONYMOUS=1)\n"
"  --allowed-origins LIST  web origins (scheme://host[:port], comma-separated, or *)\n"
"                        whose pages may connect, by scheme, host and port, never by\n"
"                        Host (env PG_OT_GATEWAY_ALLOWED_ORIGINS; default: what the\n"
"                        gateway serves, its scheme and port on localhost, 127.0.0.1\n"
"                        and [::1] and on the --listen address)\n"
"  --tls-cert F          serve wss:// and https:// with the PEM certificate (chain) in F\n"
"                        (env PG_OT_GATEWAY_TLS_CERT); needs --tls-key\n"
"  --tls-key F           the PEM private key of --tls-cert (env PG_OT_GATEWAY_TLS_KEY)\n"
"  --pool N              query connections to PostgreSQL (env PG_OT_GATEWAY_POOL; default 4)\n"
"  --batch-max N         ops submitted per transaction, 1..64; 1 turns batching off\n"
"                        (env PG_OT_GATEWAY_BATCH_MAX; default 64)\n"
"  --db-timeout S        seconds PostgreSQL has to accept a connection, answer a\n"
"                        LISTEN or the listener's heartbeat (sent every 2 s); then\n"
"                        the connection is dropped and made again\n"
"                        (env PG_OT_GATEWAY_DB_TIMEOUT; default 5)\n"
"  --db-query-timeout S  seconds a read or a submit batch may take; then its\n"
"                        connection is dropped, the read run again and the batch\n"
"                        sent again (env PG_OT_GATEWAY_DB_QUERY_TIMEOUT; default 30)\n"
"  --db-grace S          seconds PostgreSQL may stay unreachable before every\n"
"                        session is closed (1013) and handshakes get 503 until it\n"
"                        is back (env PG_OT_GATEWAY_DB_GRACE; default 15)\n"
"\n"
"  --doc-log-bytes BYTES op frames each open document keeps for subscribers that\n"
"                        fall behind (env PG_OT_GATEWAY_DOC_LOG_BYTES; default\n"
"                        1048576); one further behind reads the op log\n"
"\n"
"Limits per client (each also PG_OT_GATEWAY_<NAME>, e.g. PG_OT_GATEWAY_MAX_MESSAGE):\n"
"  --max-message BYTES   largest message, 1024..67108864 (default 1048576); larger\n"
"                        ones close the connection (1009)\n"
"  --queue-max N         frames queued to a client before it is closed as too slow\n"
"                        (4008; default 10000)\n"
"  --queue-max-bytes BYTES  bytes of frames queued to a client before it is closed\n"
"                        as too slow (4008; default 8388608); a frame alone always fits\n"
"  --ops-waiting-max-bytes BYTES  bytes of a client's ops received and not answered\n"
"                        yet (default 4194304); an op past it is answered\n"
"                        ERR_TOO_MANY_OPS_WAITING; an op alone always fits\n"
"  --rate N              messages per second, in bursts of up to 2N; more are answered\n"
"                        ERR_RATE_LIMITED (default 500)\n"
"  --presence-rate N     presence updates per second, in bursts of up to 2N; more are\n"
"                        merged, the latest per presence id sent when the rate allows\n"
"                        (default 20)\n"
"  --max-subscriptions N documents a connection may subscribe to, and presence\n"
"                        channels (default 1000); more get ERR_TOO_MANY_SUBSCRIPTIONS\n"
"  --max-connections N   connections the gateway holds, sessions or not (default\n"
"                        10000); more are closed as they are accepted\n"
"  --max-connections-per-ip N  WebSocket connections from one address (default 256;\n"
"                        0: no limit, as behind a proxy); more are refused with 429\n"
"  --max-pending-per-ip N  connections from one address that are not WebSocket\n"
"                        sessions: HTTP, TLS handshakes, idle sockets (default: as\n"
"                        --max-connections-per-ip; 0: no limit); more are closed\n"
"                        as they are accepted\n"
"  --handshake-timeout S seconds a connection has from accept to its HTTP request,\n"
"                        then from its upgrade to the ShareDB handshake (hs)\n"
"                        (default 10); then it is closed (4002 after the upgrade)\n"
"  --max-reads N         database reads one connection may have in flight (default\n"
"                        16); its next message waits until one is answered\n"
"  --max-presence BYTES  size of one presence update, its channel and document\n"
"                        names aside (default 1024); larger ones are refused\n"
"  --max-presences N     presences (channel and presence id) one connection may have\n"
"                        (default 32); a new one past it is refused\n"
"  --max-refusals N      presence channels refused to a connection that it\n"
"                        remembers and refuses again without asking the database\n"
"                        (default 64); past it, every new channel is refused\n"
"  --max-queries N       queries one connection may have, subscribed or being\n"
"                        fetched (default 16); more get ERR_TOO_MANY_QUERIES\n"
"  --query-max-results N documents in one query's results (default 1000); a query\n"
"                        with more, or a subscribed one that grows past it, gets\n"
"                        ERR_QUERY_TOO_MANY_RESULTS (and ends)\n"
"  --query-reruns N      reads of one subscribed query per second to stay current:\n"
"                        re-runs (with $sort, $skip, $limit, $count) or re-checks of\n"
"                        the documents that changed (default 5); changes meanwhile\n"
"                        wait and go together\n"
"\n"
"  --help                this text\n"
"  --version             print the version (" PG_OT_VERSION ") and exit\n"
"\n"
"The database role needs membership in ot_gateway (CREATE EXTENSION pg_ot makes it).\n"
"pg_ot_gateway " PG_OT_VERSION " works with the extension pg_ot " PG_OT_VERSION " and refuses a\n"
"database with another version (ALTER EXTENSION pg_ot UPDATE).\n";

static void
bad(const char *what, const char *value)
{
	fprintf(stderr, "pg_ot_gateway: invalid %s: \"%s\"\nTry \"pg_ot_gateway --help\".\n", what, value);
	exit(2);
}

static long
number(const char *what, const char *text, long min, long max)
{
	char	   *end;
	long		n = strtol(text, &end, 10);

	if (*text == '\0' || *end != '\0' || n < min || n > max)
		bad(what, text);
	return n;
}

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

/* 1/true/yes/on or 0/false/no/off (PostgreSQL's spellings); anything else is an error. */
static bool
boolean(const char *what, const char *text)
{
	const char *const yes[] = {"1", "true", "yes", "on", "t", "y", NULL};
	const char *const no[] = {"0", "false", "no", "off", "f", "n", NULL};

	for (int i = 0; yes[i]; i++)
	{
		if (strcasecmp(text, yes[i]) == 0)
			return true;
		if (strcasecmp(text, no[i]) == 0)
			return false;
	}
	bad(what, text);
	return false;
}

/* The numeric flags: where each goes in GatewayOptions, its bounds and its default. */
typedef struct NumericFlag
{
	const char *name;			/* the flag without "--"; env PG_OT_GATEWAY_ + upper case */
	int			min;
	int			max;
	const char *fallback;
	size_t		field;			/* offsetof an int in GatewayOptions */
} NumericFlag;

#define LIMIT(f) offsetof(GatewayOptions, limits.f)
/* 64 MiB: an op that size still fits a jsonb value (256 MiB) in a batch of one. */
#define MAX_MESSAGE_LIMIT (64 * 1024 * 1024)
static const NumericFlag numeric_flags[] = {
	{"port", 1, 65535, "8080", offsetof(GatewayOptions, port)},
	{"pool", 1, 64, "4", offsetof(GatewayOptions, pool_size)},
	{"batch-max", 1, 64, "64", offsetof(GatewayOptions, batch_max)},
	{"db-timeout", 1, 3600, "5", offsetof(GatewayOptions, db_timeout)},
	{"db-query-timeout", 1, 86400, "30", offsetof(GatewayOptions, db_query_timeout)},
	{"db-grace", 1, 86400, "15", offsetof(GatewayOptions, db_grace)},
	{"doc-log-bytes", 0, INT_MAX, "1048576", offsetof(GatewayOptions, doc_log_bytes)},
	{"max-message", 1024, MAX_MESSAGE_LIMIT, "1048576", LIMIT(max_message)},
	{"queue-max", 16, 10000000, "10000", LIMIT(queue_max)},
	{"queue-max-bytes", 65536, INT_MAX, "8388608", LIMIT(queue_max_bytes)},
	{"ops-waiting-max-bytes", 1024, INT_MAX, "4194304", LIMIT(ops_waiting_max_bytes)},
	{"rate", 1, 1000000, "500", LIMIT(rate)},
	{"presence-rate", 1, 1000000, "20", LIMIT(presence_rate)},
	{"max-subscriptions", 1, 10000000, "1000", LIMIT(max_subscriptions)},
	{"max-connections", 1, 10000000, "10000", LIMIT(max_connections)},
	{"max-connections-per-ip", 0, 10000000, "256", LIMIT(max_connections_per_ip)},
	{"max-pending-per-ip", -1, 10000000, "-1", LIMIT(max_pending_per_ip)},
	{"handshake-timeout", 1, 3600, "10", LIMIT(handshake_timeout)},
	{"max-reads", 1, 100000, "16", LIMIT(max_reads)},
	{"max-presence", 256, 4096, "1024", LIMIT(max_presence)},
	{"max-presences", 1, 100000, "32", LIMIT(max_presences)},
	{"max-refusals", 1, 100000, "64", LIMIT(max_refusals)},
	{"max-queries", 1, 100000, "16", offsetof(GatewayOptions, queries.max_queries)},
	{"query-max-results", 1, 1000000, "1000", offsetof(GatewayOptions, queries.max_results)},
	{"query-reruns", 1, 1000, "5", offsetof(GatewayOptions, queries.reruns)},
};
#define NUMERIC_FLAGS (sizeof(numeric_flags) / sizeof(numeric_flags[0]))

static void
set_numeric(GatewayOptions *opt, const NumericFlag *f, const char *text)
{
	char		what[64];

	snprintf(what, sizeof(what), "--%s", f->name);
	*(int *) ((char *) opt + f->field) = (int) number(what, text, f->min, f->max);
}

/* PG_OT_GATEWAY_ and the flag's name in upper case, '-' as '_'. */
static const char *
env_of(const char *flag, const char *fallback)
{
	char		name[64] = "PG_OT_GATEWAY_";
	size_t		n = strlen(name);

	for (; *flag && n < sizeof(name) - 1; flag++)
		name[n++] = *flag == '-' ? '_' : (char) toupper((unsigned char) *flag);
	name[n] = '\0';
	return env_or(name, fallback);
}

void
options_parse(int argc, char **argv, GatewayOptions *opt)
{
	enum { O_DB = 1, O_LISTEN, O_WWW, O_ANON, O_HELP, O_SECRET, O_PUBKEY, O_COOKIE, O_QUERY,
		O_TLS_CERT, O_TLS_KEY, O_ORIGINS, O_VERSION, O_PARTITION, O_ROUTER, O_NUMERIC };
	struct option longopts[16 + NUMERIC_FLAGS + 1] = {
		{"db", required_argument, NULL, O_DB},
		{"listen", required_argument, NULL, O_LISTEN},
		{"www", required_argument, NULL, O_WWW},
		{"allow-anonymous", no_argument, NULL, O_ANON},
		{"help", no_argument, NULL, O_HELP},
		{"jwt-secret-file", required_argument, NULL, O_SECRET},
		{"jwt-public-key-file", required_argument, NULL, O_PUBKEY},
		{"token-cookie", required_argument, NULL, O_COOKIE},
		{"token-query-param", required_argument, NULL, O_QUERY},
		{"tls-cert", required_argument, NULL, O_TLS_CERT},
		{"tls-key", required_argument, NULL, O_TLS_KEY},
		{"allowed-origins", required_argument, NULL, O_ORIGINS},
		{"version", no_argument, NULL, O_VERSION},
		{"partition", required_argument, NULL, O_PARTITION},
		{"router", required_argument, NULL, O_ROUTER},
	};
	const char *anon = env_or("PG_OT_GATEWAY_ALLOW_ANONYMOUS", "0");
	int			nopts = 15;
	bool		cli_partitions = false;
	bool		cli_db = false;
	int			c;

	memset(opt, 0, sizeof(*opt));
	for (size_t i = 0; i < NUMERIC_FLAGS; i++)
	{
		const NumericFlag *f = &numeric_flags[i];

		set_numeric(opt, f, env_of(f->name, f->fallback));
		longopts[nopts++] = (struct option) {f->name, required_argument, NULL, O_NUMERIC + (int) i};
	}
	opt->db = env_or("PG_OT_GATEWAY_DB", "");
	opt->listen = env_or("PG_OT_GATEWAY_LISTEN", NULL);
	opt->www = env_or("PG_OT_GATEWAY_WWW", NULL);
	opt->allow_anonymous = boolean("PG_OT_GATEWAY_ALLOW_ANONYMOUS", anon);
	opt->jwt_secret_file = env_or("PG_OT_GATEWAY_JWT_SECRET_FILE", NULL);
	opt->jwt_public_key_file = env_or("PG_OT_GATEWAY_JWT_PUBLIC_KEY_FILE", NULL);
	opt->token_cookie = env_or("PG_OT_GATEWAY_TOKEN_COOKIE", "pg_ot_token");
	opt->token_query_param = env_or("PG_OT_GATEWAY_TOKEN_QUERY_PARAM", NULL);
	opt->allowed_origins = env_or("PG_OT_GATEWAY_ALLOWED_ORIGINS", NULL);
	opt->tls_cert = env_or("PG_OT_GATEWAY_TLS_CERT", NULL);
	opt->tls_key = env_or("PG_OT_GATEWAY_TLS_KEY", NULL);
	opt->router = env_or("PG_OT_GATEWAY_ROUTER", NULL);
	for (int p = 0; p < PARTITIONS_MAX; p++)
	{
		char		name[40];
		const char *v;

		snprintf(name, sizeof(name), "PG_OT_GATEWAY_PARTITION_%d", p);
		if ((v = env_or(name, NULL)) == NULL)
			break;
		opt->partitions[opt->npartitions++] = v;
	}

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case O_DB: opt->db = optarg; cli_db = true; break;
			case O_ROUTER: opt->router = optarg; break;
			case O_PARTITION:
				if (!cli_partitions)
					opt->npartitions = 0;	/* the command line's replace the environment's */
				cli_partitions = true;
				if (opt->npartitions == PARTITIONS_MAX)
					bad("--partition (more than 64)", optarg);
				opt->partitions[opt->npartitions++] = optarg;
				break;
			case O_LISTEN: opt->listen = optarg; break;
			case O_WWW: opt->www = optarg; break;
			case O_ANON: opt->allow_anonymous = true; break;
			case O_SECRET: opt->jwt_secret_file = optarg; break;
			case O_PUBKEY: opt->jwt_public_key_file = optarg; break;
			case O_COOKIE: opt->token_cookie = optarg; break;
			case O_QUERY: opt->token_query_param = optarg; break;
			case O_TLS_CERT: opt->tls_cert = optarg; break;
			case O_TLS_KEY: opt->tls_key = optarg; break;
			case O_ORIGINS: opt->allowed_origins = optarg; break;
			case O_HELP: fputs(usage, stdout); exit(0);
			case O_VERSION: puts("pg_ot_gateway " PG_OT_VERSION); exit(0);
			default:
				if (c >= O_NUMERIC && c < O_NUMERIC + (int) NUMERIC_FLAGS)
				{
					set_numeric(opt, &numeric_flags[c - O_NUMERIC], optarg);
					break;
				}
				fputs("Try \"pg_ot_gateway --help\".\n", stderr);
				exit(2);
		}
	}
	if (optind < argc)
		bad("argument", argv[optind]);
	/* Behind a proxy both limits per address go (--max-connections-per-ip 0). */
	if (opt->limits.max_pending_per_ip < 0)
		opt->limits.max_pending_per_ip = opt->limits.max_connections_per_ip;
	if ((opt->tls_cert == NULL) != (opt->tls_key == NULL))
		bad("TLS setting", "--tls-cert and --tls-key go together");
	if (opt->router && (opt->npartitions > 0 || cli_db || *opt->db))
		bad("database setting", "--router excludes --db and --partition (the router names every partition)");
	if (opt->router)
		opt->partitioned = true;	/* the list: startup_read_router */
	else if (opt->npartitions > 0)
	{
		if (cli_db || (!cli_partitions && *opt->db))
			bad("database setting", "--db and --partition exclude each other (--partition names every database)");
		if ((opt->npartitions & (opt->npartitions - 1)) != 0)
		{
			char		n[16];

			snprintf(n, sizeof(n), "%d", opt->npartitions);
			bad("number of --partition (a power of two: 1, 2, 4, ...)", n);
		}
		opt->partitioned = true;
	}
	else
	{
		opt->partitions[0] = opt->db;
		opt->npartitions = 1;
	}
}
