/*
 * options.h: the gateway's command line.
 *
 * Every flag has an environment fallback (PG_OT_GATEWAY_*); the database
 * connection follows libpq's conventions (a conninfo string or URI in --db,
 * and the PG* variables for whatever it leaves out).
 *
 * --partition, given once per partition in order (or PG_OT_GATEWAY_PARTITION_0,
 * _1, ...), replaces --db: documents are spread over them (db/partitions.h);
 * --router names a router whose PL/Proxy cluster lists them (read at startup).
 *
 * May include: client/client, actions/query, db/partitions.
 */
#ifndef PG_OT_GATEWAY_OPTIONS_H
#define PG_OT_GATEWAY_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "actions/query.h"
#include "client/client.h"
#include "db/partitions.h"

typedef struct GatewayOptions
{
	const char *db;				/* libpq conninfo; "" = PG* environment only */
	const char *partitions[PARTITIONS_MAX];	/* --partition, in order; without: db alone */
	int			npartitions;	/* how many (1 without --partition) */
	bool		partitioned;	/* --partition (or --router) was given */
	const char *router;			/* --router: partitions read from its cluster (startup.c); NULL = none */
	const char *listen;			/* address to bind; NULL = all interfaces */
	int			port;
	const char *www;			/* static files, NULL = none */
	bool		allow_anonymous;
	const char *jwt_secret_file;	/* HS256 */
	const char *jwt_public_key_file;	/* RS256 (PEM) */
	const char *token_cookie;	/* cookie holding the token */
	const char *token_query_param;	/* NULL: tokens never come in the URL */
	const char *allowed_origins;	/* pages that may connect; NULL = same origin */
	const char *tls_cert;		/* PEM certificate (chain); NULL = plain ws:// */
	const char *tls_key;		/* its PEM private key */
	int			pool_size;		/* query connections */
	int			batch_max;		/* ops per submit transaction; 1 = no batching */
	int			db_timeout;		/* seconds: connecting, LISTEN, the heartbeat */
	int			db_query_timeout;	/* seconds: a read or a submit batch */
	int			db_grace;		/* seconds unreachable before clients are sent away */
	int			doc_log_bytes;	/* op frames a document keeps behind its newest */
	ClientLimits limits;
	QueryLimits queries;
} GatewayOptions;

/* Parses argv; on --help prints usage and exits 0, on a bad flag exits 2. */
void		options_parse(int argc, char **argv, GatewayOptions *opt);

#endif
