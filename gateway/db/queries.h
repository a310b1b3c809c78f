/*
 * queries.h: every SQL text the gateway sends, in one place.
 *
 * Each names the functions of the extension it calls (ot.*) and the
 * columns its caller reads; the callers are named beside each.  Only
 * texts: who sends them (the pool, the listener, main.c at startup) is
 * the caller's business.  May include: nothing.
 */
#ifndef PG_OT_GATEWAY_QUERIES_H
#define PG_OT_GATEWAY_QUERIES_H

/* --- startup (main.c) and every new connection (db/pg_conn.c) --- */

/* One row (the installed version) or none (not installed); base/ext_version.h judges it. */
#define EXT_VERSION_QUERY \
	"SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_ot'"

/* main.c: the keys notifications are signed with and client ids issued with. */
/* The partitions a router's PL/Proxy cluster pg_ot lists (pg_ot_router's ot.set_partitions), in order. */
#define ROUTER_PARTITIONS_SQL "SELECT partition, conninfo FROM ot.partition_conninfos()"
#define SECRETS_SQL "SELECT purpose, secret FROM ot.secrets ORDER BY purpose"

/* main.c: the gateway's role may act for others. */
#define GATEWAY_ROLE_SQL "SELECT pg_catalog.pg_has_role('ot_gateway', 'MEMBER')"

/* db/pool.c: the principal a query connection acts as. */
#define SET_USER_SQL "SELECT pg_catalog.set_config('pg_ot.user', $1, false)"

/* --- the listener (db/listener.c) --- */

/*
 * Each LISTEN batch first reads the server's clock, in the unit of the
 * stamps notify.c signs: what is stamped before it cannot be new to us.
 * Then a LISTEN or UNLISTEN per channel, its name (what the database
 * named it) quoted as an identifier by listener.c.
 */
#define CLOCK_SQL "SELECT (EXTRACT(epoch FROM pg_catalog.clock_timestamp()) * 1000000)::int8;"
#define HEARTBEAT_SQL "SELECT 1"

/* --- errors (db/error_codes.c) and metrics (edge/metrics_text.c) --- */

#define ERROR_CODE_SQL "SELECT ot.sharedb_error_code($1, $2)"
#define NOTIFICATION_QUEUE_SQL "SELECT pg_catalog.pg_notification_queue_usage()"

/* --- documents (docs/) --- */

/* The channel a document's notifications come on. */
#define CHANNEL_SQL "SELECT ot.channel($1, $2)"

/*
 * Reads of op messages return each as the text PostgreSQL printed, which is
 * forwarded as the frame and never parsed, beside what the gateway needs to
 * know of it: columns text, v, src, seq.  Nothing a row holds can make it
 * unreadable.  (collection, id, from version); docs/ and actions/fetch.c.
 */
#define OP_ROWS_COLUMNS "m::text, m->>'v', m->>'src', m->>'seq'"
#define OP_ROWS_SQL "SELECT " OP_ROWS_COLUMNS " FROM ot.messages($1, $2, $3) m"

/* --- fetch (actions/fetch.c) --- */

/*
 * Snapshots come as the text PostgreSQL prints and go into the reply as
 * they are (json_text.h): the gateway never parses document data.
 */
#define SNAPSHOT_SQL \
"SELECT (pg_catalog.jsonb_build_object('v', f.version, 'type', f.type)" \
" || CASE WHEN f.data IS NULL THEN '{}' ELSE pg_catalog.jsonb_build_object('data', f.data) END)::text," \
" f.version FROM ot.fetch($1, $2) f"

#define SNAPSHOT_AT_SQL(from) \
"SELECT (pg_catalog.jsonb_build_object('v', f.version, 'type', f.type, 'm', NULL)" \
" || CASE WHEN f.data IS NULL THEN '{}' ELSE pg_catalog.jsonb_build_object('data', f.data) END)::text" \
" FROM " from " f"
#define SNAPSHOT_AT_VERSION_SQL SNAPSHOT_AT_SQL("ot.fetch($1, $2, $3::bigint)")
#define SNAPSHOT_AT_TIME_SQL SNAPSHOT_AT_SQL("ot.fetch_at($1, $2, pg_catalog.to_timestamp($3::float8 / 1000))")

/* --- queries (actions/query*.c) --- */

/*
 * The results of a query, as the acting user may read them, in the
 * query's order: id, version, the result as ShareDB sends it ({v, data,
 * type, d}: text PostgreSQL printed, forwarded as it is) and the channel
 * of the document's notifications.  (collection, query, at most this many
 * rows: one past the gateway's bound tells it was passed.)
 */
#define QUERY_ROWS_SQL \
"SELECT q.id, q.version, pg_catalog.jsonb_build_object('v', q.version, 'data', q.data," \
" 'type', q.type, 'd', q.id)::text, ot.channel($1, q.id)" \
" FROM ot.query($1, $2::jsonb) WITH ORDINALITY AS q(id, type, version, data, ctime, mtime, n)" \
" ORDER BY q.n LIMIT $3::int8"

/* A $count query's extra (a JSON number as text, or NULL). */
#define QUERY_EXTRA_SQL "SELECT ot.query_extra($1, $2::jsonb)::text"

/*
 * The channels every document's notifications come on, pg_ot_0 ..
 * pg_ot_<pg_ot.notify_channels - 1> (ot.channel() loads the library that
 * defines the setting; the CASE has it run first): a subscribed query hears every op of its collection.
 */
#define NOTIFY_CHANNELS_SQL \
"SELECT 'pg_ot_' || n FROM pg_catalog.generate_series(0, (SELECT CASE WHEN ot.channel('', '') IS NOT NULL" \
" THEN pg_catalog.current_setting('pg_ot.notify_channels')::int END) - 1) n"

/* --- submit (actions/submit.c) --- */

/*
 * One row per op a batch's item was transformed against, in OP_ROWS_SQL's
 * columns (its text forwarded as it is, never parsed), then one row with
 * the item's result without those ops (its ack or error; k is NULL): what
 * PostgreSQL holds reaches clients whatever jansson could parse.
 */
#define SUBMIT_BATCH_SQL \
"SELECT x.t, x.v, x.src, x.seq, x.k FROM ot.submit_batch($1::jsonb) WITH ORDINALITY AS b(r, i)," \
" LATERAL (SELECT e.m::text AS t, e.m->>'v' AS v, e.m->>'src' AS src, e.m->>'seq' AS seq, e.k" \
"          FROM pg_catalog.jsonb_array_elements(b.r->'ops') WITH ORDINALITY AS e(m, k)" \
"          UNION ALL SELECT (b.r - 'ops')::text, NULL, NULL, NULL, NULL) x" \
" ORDER BY b.i, x.k NULLS LAST"

/* --- presence (actions/presence.c) --- */

#define PUBLISH_PRESENCE_SQL \
"WITH s AS MATERIALIZED (SELECT pg_catalog.set_config('synchronous_commit', 'off', true))" \
" SELECT ot.publish_presence($1, $2) FROM s"
#define AUTHORIZE_PRESENCE_SQL "SELECT collection, id FROM ot.authorize_presence($1, $2, $3)"
#define PRESENCE_AT_SQL "SELECT version, presence::text FROM ot.presence_at($1, $2, $3::jsonb, $4, $5)"

#endif
