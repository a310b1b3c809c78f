/*
 * options.c: command line and environment (see options.h).
 */
#include "options.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"pg_ot_gateway: the ShareDB protocol over WebSockets, for documents in PostgreSQL (pg_ot)\n"
"\n"
"Usage: pg_ot_gateway [OPTION]...\n"
"\n"
"  --db CONNINFO         libpq connection string or URI (env PG_OT_GATEWAY_DB;\n"
"                        PGHOST, PGPORT, PGDATABASE, PGUSER, ... fill the rest)\n"
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
"  --pool N              query connections to PostgreSQL (env PG_OT_GATEWAY_POOL; default 4)\n"
"  --batch-max N         ops submitted per transaction, 1..64; 1 turns batching off\n"
"                        (env PG_OT_GATEWAY_BATCH_MAX; default 64)\n"
"  --max-message BYTES   largest client message (env PG_OT_GATEWAY_MAX_MESSAGE;\n"
"                        default 1048576); larger ones close the connection (1009)\n"
"  --queue-max N         frames queued to one client before it is closed as too\n"
"                        slow (env PG_OT_GATEWAY_QUEUE_MAX; default 10000)\n"
"  --rate N              messages per second one client may send, in bursts of up to\n"
"                        2N; more are answered ERR_RATE_LIMITED (env PG_OT_GATEWAY_RATE;\n"
"                        default 500)\n"
"  --help                this text\n"
"\n"
"The database role needs membership in ot_gateway (CREATE EXTENSION pg_ot makes it).\n";

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

void
options_parse(int argc, char **argv, GatewayOptions *opt)
{
	enum { O_DB = 1, O_LISTEN, O_PORT, O_WWW, O_ANON, O_POOL, O_BATCH, O_MAXMSG, O_QUEUE, O_HELP,
		O_SECRET, O_PUBKEY, O_COOKIE, O_QUERY, O_RATE };
	static const struct option longopts[] = {
		{"db", required_argument, NULL, O_DB},
		{"listen", required_argument, NULL, O_LISTEN},
		{"port", required_argument, NULL, O_PORT},
		{"www", required_argument, NULL, O_WWW},
		{"allow-anonymous", no_argument, NULL, O_ANON},
		{"pool", required_argument, NULL, O_POOL},
		{"batch-max", required_argument, NULL, O_BATCH},
		{"max-message", required_argument, NULL, O_MAXMSG},
		{"queue-max", required_argument, NULL, O_QUEUE},
		{"help", no_argument, NULL, O_HELP},
		{"jwt-secret-file", required_argument, NULL, O_SECRET},
		{"jwt-public-key-file", required_argument, NULL, O_PUBKEY},
		{"token-cookie", required_argument, NULL, O_COOKIE},
		{"token-query-param", required_argument, NULL, O_QUERY},
		{"rate", required_argument, NULL, O_RATE},
		{NULL, 0, NULL, 0}
	};
	const char *anon = env_or("PG_OT_GATEWAY_ALLOW_ANONYMOUS", "0");
	int			c;

	opt->db = env_or("PG_OT_GATEWAY_DB", "");
	opt->listen = env_or("PG_OT_GATEWAY_LISTEN", NULL);
	opt->port = (int) number("port", env_or("PG_OT_GATEWAY_PORT", "8080"), 1, 65535);
	opt->www = env_or("PG_OT_GATEWAY_WWW", NULL);
	opt->allow_anonymous = strcmp(anon, "0") != 0 && strcmp(anon, "false") != 0;
	opt->pool_size = (int) number("pool size", env_or("PG_OT_GATEWAY_POOL", "4"), 1, 64);
	opt->batch_max = (int) number("batch size", env_or("PG_OT_GATEWAY_BATCH_MAX", "64"), 1, 64);
	opt->max_message = (size_t) number("maximum message size",
									   env_or("PG_OT_GATEWAY_MAX_MESSAGE", "1048576"), 1024, INT_MAX);
	opt->queue_max = (int) number("queue size", env_or("PG_OT_GATEWAY_QUEUE_MAX", "10000"), 16, 10000000);
	opt->rate = (int) number("rate", env_or("PG_OT_GATEWAY_RATE", "500"), 1, 1000000);
	opt->jwt_secret_file = env_or("PG_OT_GATEWAY_JWT_SECRET_FILE", NULL);
	opt->jwt_public_key_file = env_or("PG_OT_GATEWAY_JWT_PUBLIC_KEY_FILE", NULL);
	opt->token_cookie = env_or("PG_OT_GATEWAY_TOKEN_COOKIE", "pg_ot_token");
	opt->token_query_param = env_or("PG_OT_GATEWAY_TOKEN_QUERY_PARAM", NULL);

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case O_DB: opt->db = optarg; break;
			case O_LISTEN: opt->listen = optarg; break;
			case O_PORT: opt->port = (int) number("port", optarg, 1, 65535); break;
			case O_WWW: opt->www = optarg; break;
			case O_ANON: opt->allow_anonymous = true; break;
			case O_POOL: opt->pool_size = (int) number("pool size", optarg, 1, 64); break;
			case O_BATCH: opt->batch_max = (int) number("batch size", optarg, 1, 64); break;
			case O_MAXMSG: opt->max_message = (size_t) number("maximum message size", optarg, 1024, INT_MAX); break;
			case O_QUEUE: opt->queue_max = (int) number("queue size", optarg, 16, 10000000); break;
			case O_SECRET: opt->jwt_secret_file = optarg; break;
			case O_PUBKEY: opt->jwt_public_key_file = optarg; break;
			case O_COOKIE: opt->token_cookie = optarg; break;
			case O_QUERY: opt->token_query_param = optarg; break;
			case O_RATE: opt->rate = (int) number("rate", optarg, 1, 1000000); break;
			case O_HELP: fputs(usage, stdout); exit(0);
			default:
				fputs("Try \"pg_ot_gateway --help\".\n", stderr);
				exit(2);
		}
	}
	if (optind < argc)
		bad("argument", argv[optind]);
}
