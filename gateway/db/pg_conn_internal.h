/*
 * pg_conn_internal.h: what pg_conn.c, pg_hosts.c, pg_conn_io.c and
 * pg_conn_query.c share, and nobody else includes.
 *
 * May include: db/pg_conn.h and what it may.
 */
#ifndef PG_OT_GATEWAY_PG_CONN_INTERNAL_H
#define PG_OT_GATEWAY_PG_CONN_INTERNAL_H

#include <libpq-fe.h>
#include <libwebsockets.h>

#include "db/pg_conn.h"

/*
 * A backend checks this often whether its client is still there while it
 * runs a query, so one whose gateway dropped it (a deadline) rolls back
 * instead of holding row locks.  A conninfo that names the setting in its
 * options wins (0 turns it off, as a server without POLLRDHUP requires).
 */
#define CONNECTION_CHECK_OPTION "-c client_connection_check_interval=2000"

/* The conninfo keywords of a multi-host list, in PgConn.host_lists' order. */
extern const char *const pg_conn_host_keys[3];

/* Asks for write readiness in a way lws keeps (see the header comment). */
void pg_conn_want_write(PgConn *conn);

/*
 * The options conninfo value: the connection check, then the user's own
 * options (the conninfo's, else PGOPTIONS), which PostgreSQL applies after
 * ours.  Naming the setting there leaves ours out.
 */
char * pg_conn_options_value(const char *conninfo);

/* The list begun at entry first; one of another length (one port for all) as it is. */
char * pg_conn_list_turned(const char *list, int n, int first);

void pg_conn_hosts_parse(PgConn *conn);

/* Which entry of the lists a connection that is up reached (-1: not found). */
int pg_conn_host_reached(const PgConn *conn);

void pg_conn_hosts_free(PgConn *conn);

void pg_conn_connect_step(PgConn *conn);

void pg_conn_finish_query(PgConn *conn, PGresult *res);

void pg_conn_lost(PgConn *conn, const char *why);

/* The deadline of the connection step or query begun now (--db-*-timeout). */
void pg_conn_deadline_arm(PgConn *conn, lws_usec_t us);

/* Sends what libpq still holds; false if that broke the connection. */
bool pg_conn_flush(PgConn *conn);

#endif
