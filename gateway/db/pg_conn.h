/*
 * pg_conn.h: one asynchronous libpq connection inside the lws event loop.
 *
 * libpq never blocks the loop: the connection's socket is watched through an
 * lws RAW file adoption of a dup() of it (lws closes what it adopts, and the
 * socket can change while connecting, so libpq keeps its own descriptor).
 * One query at a time; its result reaches the caller's callback.  A broken
 * connection reconnects by itself with jittered backoff.
 *
 * Every round trip has a deadline: connecting (PQconnectPoll has none of its
 * own), and each query from its sending to its last result.  A connection
 * that passes one is dropped (PQfinish) as if it broke: its query's callback
 * gets NULL and the reconnect follows, so a silent server is never waited on
 * for ever.
 *
 * Failover: a conninfo may name several hosts (host=a,b port=p,q
 * target_session_attrs=read-write), which libpq tries in turn.  Each new
 * attempt begins at the host that answered last, and one whose connecting
 * passed its deadline moves on to the next, so a host that swallows packets
 * does not hide the others.  A query that fails with SQLSTATE 25006
 * (read_only_sql_transaction: the node is, or has become, a standby) drops
 * the connection as if it broke: its callback gets NULL, and what it carried
 * is run again on the primary the reconnect finds.
 *
 * A new connection's first query asks for the server's pg_ot version
 * (ext_version.h); the owner's ready hook runs only once it is one this
 * gateway supports.  A server without pg_ot, or with another version, is
 * dropped the same way (logged, counted), and retried with backoff from the
 * next host.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_PG_CONN_H
#define PG_OT_GATEWAY_PG_CONN_H

#include <libpq-fe.h>
#include <libwebsockets.h>
#include <stdbool.h>

typedef struct PgConn PgConn;

/*
 * The result of a query, or NULL when the connection broke before it
 * finished (the query may or may not have run).  The callback must not keep
 * res; it is cleared afterwards.
 */
typedef void (*PgResultFn) (PgConn *conn, PGresult *res, void *arg);

typedef struct PgConnHooks
{
	void		(*ready) (PgConn *conn);	/* connected, or a query finished: idle */
	void		(*lost) (PgConn *conn); /* broke; a reconnect is scheduled */
	void		(*notify) (PgConn *conn, const PGnotify *notification);
	/* Optional: a query passed its deadline (after lost() ran for it). */
	void		(*silent) (PgConn *conn);
} PgConnHooks;

/* How long a round trip may take, in microseconds. */
typedef struct PgConnDeadlines
{
	lws_usec_t	connect;		/* from PQconnectStart (or a new address) to ready */
	lws_usec_t	query;			/* from sending a query to its last result */
} PgConnDeadlines;

typedef enum PgConnState
{
	PG_CONN_DOWN,
	PG_CONN_CONNECTING,
	PG_CONN_IDLE,
	PG_CONN_BUSY
} PgConnState;

struct PgConn
{
	struct lws_context *context;
	struct lws_vhost *vhost;
	const char *conninfo;
	const char *name;			/* for logs and application_name */
	const PgConnHooks *hooks;
	void	   *owner;
	PgConnDeadlines deadlines;
	char	   *options;		/* the options conninfo value it connects with */

	PGconn	   *pg;
	struct lws *wsi;			/* the adopted dup() of PQsocket(pg) */
	int			adopted_socket; /* PQsocket() value it duplicates */
	PgConnState state;
	PostgresPollingStatusType polling;
	bool		flushing;		/* query bytes still to send */
	PgResultFn	done;
	void	   *done_arg;
	PGresult   *result;
	lws_sorted_usec_list_t retry_timer;
	lws_sorted_usec_list_t deadline;	/* the round trip waited on */
	lws_usec_t	deadline_at;	/* when it passes (lws_now_usecs); 0: none */
	lws_usec_t	deadline_fires; /* when the timer is set to fire */
	const char *prepared;		/* the statement prepared on this session (its name), or NULL */
	struct
	{							/* pg_conn_query_prepared's first query, while PREPARE runs */
		const char *name;
		char	  **params;
		int			nparams;
		PgResultFn	done;
		void	   *arg;
	}			first;
	lws_sorted_usec_list_t rearm;	/* a write wanted inside WRITEABLE */
	struct lws *in_writable;	/* the wsi whose WRITEABLE callback runs */
	uint16_t	retries;
	bool		stopped;
	/* A multi-host conninfo: its host, hostaddr and port lists, from the first to try. */
	char	   *host_lists[3];	/* as in the conninfo (NULL: not given) */
	int			hosts;			/* entries in the host list (0 or 1: nothing to turn) */
	int			host_first;		/* the entry each attempt starts at */
	int			host_tried;		/* addresses this attempt moved past */
	char	   *host_values[3]; /* the lists turned to begin at host_first */
};

/* The lws protocol the adopted sockets use; put it in the vhost's list. */
#define PG_CONN_PROTOCOL_NAME "pg_ot-libpq"
int			pg_conn_callback(struct lws *wsi, enum lws_callback_reasons reason,
							 void *user, void *in, size_t len);

void		pg_conn_init(PgConn *conn, struct lws_context *context, struct lws_vhost *vhost,
						 const char *conninfo, const PgConnDeadlines *deadlines,
						 const char *name, const PgConnHooks *hooks, void *owner);
void		pg_conn_start(PgConn *conn);
void		pg_conn_stop(PgConn *conn);

/* Drops a connection that is up (as if it broke) and reconnects it. */
void		pg_conn_drop(PgConn *conn, const char *why);

static inline bool
pg_conn_idle(const PgConn *conn)
{
	return conn->state == PG_CONN_IDLE;
}

/* Sends one parameterised statement; false if the connection is not idle. */
bool		pg_conn_query(PgConn *conn, const char *sql, int nparams,
						  const char *const *params, PgResultFn done, void *arg);

/*
 * The same for a statement prepared once per session under name (sql
 * always the same for a name; one name per connection): the first call on
 * a session sends PREPARE, then the statement; done gets PREPARE's error if
 * it fails.
 */
bool		pg_conn_query_prepared(PgConn *conn, const char *name, const char *sql, int nparams,
								   const char *const *params, PgResultFn done, void *arg);

/* Sends a simple-protocol query string (several statements allowed). */
bool		pg_conn_query_simple(PgConn *conn, const char *sql, PgResultFn done, void *arg);

/* The error message of a failed result, without its trailing newline. */
const char *pg_result_message(const PGresult *res, char *buf, size_t size);

#endif
