/*
 * client.h: one WebSocket client speaking the ShareDB protocol (Session),
 * its outbound queue, the tickets of its requests and the registry of them.
 *
 * A session owns its outbound queue (references to shared frames, written one
 * per WRITEABLE callback), its subscriptions (one Sub per document), its
 * delivery gates (gate.h: what it receives of each document) and the
 * tickets of its requests still in flight:
 * when the client goes, every ticket forgets it, so late database results
 * are dropped instead of touching a freed session.
 *
 * The edge (edge/ws_session.c) opens and closes sessions and runs their
 * messages; every layer above this one queues frames with session_send.
 * The modules that keep something per session register a close hook
 * (client_on_close) rather than being named here.
 *
 * May include: base.
 */
#ifndef PG_OT_GATEWAY_CLIENT_H
#define PG_OT_GATEWAY_CLIENT_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/bucket.h"
#include "base/client_id.h"
#include "base/frame.h"
#include "base/table.h"

typedef struct Session Session;

/* What one client may do; 0 in a count means no limit where said. */
typedef struct ClientLimits
{
	int			max_message;	/* bytes of one reassembled client message */
	int			queue_max;		/* frames queued to one client before it is closed */
	int			queue_max_bytes;	/* bytes of frames queued to one client, likewise */
	int			ops_waiting_max_bytes;	/* bytes of one client's ops not answered yet */
	int			rate;			/* messages per second (bursts of twice that) */
	int			presence_rate;	/* presence updates per second; more are merged */
	int			max_subscriptions;	/* documents, and presence channels, per connection */
	int			max_connections;	/* accepted connections on the gateway, sessions or not */
	int			max_connections_per_ip; /* WebSocket sessions per address; 0 = any */
	int			max_pending_per_ip; /* connections per address that are not sessions; 0 = any
									 * (-1 on the command line: as max_connections_per_ip) */
	int			handshake_timeout;	/* seconds from accept to the ShareDB hs */
	int			max_reads;		/* database reads in flight per connection */
	int			max_presence;	/* bytes of one presence update, names aside */
	int			max_presences;	/* (channel, presence id) one connection sends on */
	int			max_refusals;	/* presence channels refused, remembered per connection */
} ClientLimits;

/* Links a request in flight to the session that asked for it. */
typedef struct Ticket
{
	lws_dll2_t	link;
	Session    *session;		/* NULL once the session is gone */
	void		(*gone) (struct Ticket *t); /* if set, called (detached) when it goes */
	bool		read;			/* it holds one of the session's read slots (reads.h) */
} Ticket;

/* A request waiting for one of its session's read slots (reads.h). */
typedef struct ReadWait
{
	void		(*fn) (struct ReadWait *w);
} ReadWait;

/* WebSocket close codes of the gateway (README "Gateway"). */
#define CLOSE_GOING_AWAY 1001	/* the gateway shuts down: reconnect elsewhere */
#define CLOSE_TOO_BIG 1009		/* a message over --max-message */
#define CLOSE_TRY_AGAIN_LATER 1013	/* PostgreSQL unreachable past --db-grace: reconnect, resend */
#define CLOSE_TOO_SLOW 4008		/* over --queue-max(-bytes) unread: resume by version */
#define CLOSE_TOKEN_EXPIRED 4001	/* the token's exp passed: come back with a new one */
#define CLOSE_NO_HANDSHAKE 4002	/* no hs within --handshake-timeout */
#define CLOSE_GRANT_REVOKED 4003	/* a grant its subscriptions relied on was revoked */

struct Session
{
	lws_dll2_t	link;			/* among all sessions */
	struct lws *wsi;
	char		id[33];			/* this connection's name in the log */
	ClientId	client;			/* the id the client holds: issued here, or proved at hs */
	const char *src;			/* client.public: its ops' src as stored and broadcast */
	const char *user;			/* the principal its requests act as (principal) */
	char		principal[256];	/* from its token, or "anonymous" */
	int64_t		expires;		/* the token's exp, 0 = none */
	lws_sorted_usec_list_t expiry;	/* closes it with 4001 at expires */
	lws_sorted_usec_list_t handshake_deadline;	/* closes it with 4002 unless hs came */
	char		address[64];	/* the peer's IP address */
	Bucket		messages;		/* --rate */
	Bucket		presence_updates;	/* --presence-rate */
	Table		presence_held;	/* channel NUL presence id -> a "p" over the rate */
	lws_sorted_usec_list_t presence_flush;	/* sends what is held when the rate allows */
	Frame	  **queue;			/* ring of queued frames */
	int			queue_head;
	int			queue_len;
	int			queue_cap;
	size_t		queue_bytes;	/* what the queued frames cost (session_frame_cost) */
	size_t		ops_waiting_bytes;	/* its ops not answered yet (submit.c) */
	int			close_code;		/* 0, or the code it is being closed with */
	char	   *rx;				/* a message being reassembled */
	size_t		rx_len;
	size_t		rx_cap;
	bool		rx_too_big;
	Table		subs;			/* document key -> Sub */
	Table		gates;			/* document key -> Gate: what it receives of each */
	lws_dll2_owner_t idle_gates;	/* Gate.idle_link, oldest first */
	/* Presence (presence.h). */
	Table		presence_uses;	/* presence channel -> PresenceUse: the document it names, ... */
	Table		presence_refused;	/* hashes of the presence channels refused to it */
	int			presences;		/* (channel, presence id) it has, on all its channels */
	size_t		presence_bytes; /* of the updates kept for them */
	/* Queries (actions/query.h). */
	lws_dll2_owner_t queries;	/* its subscribed queries and fetches in flight (Query.session_link) */
	lws_dll2_owner_t tickets;
	/* The bound on its reads (reads.h). */
	int			reads;			/* database reads in flight for it */
	ReadWait   *read_wait;		/* a bulk request waiting for a slot */
	char	   *held;			/* a message waiting for a slot */
	size_t		held_len;
	bool		rx_paused;		/* its socket is not read meanwhile */
	lws_sorted_usec_list_t reads_wake;
};

/* What a queued frame counts against --queue-max-bytes. */
size_t		session_frame_cost(const Frame *f);

/* Queues a frame; takes over the caller's reference. */
void		session_send(Session *s, Frame *f);
void		session_send_json(Session *s, json_t *message);	/* steals message */

/* Replies to a request with it, plus error: {code, message} (steals request). */
void		session_send_error(Session *s, json_t *request, const char *code, const char *message);

void		ticket_attach(Ticket *t, Session *s);
void		ticket_detach(Ticket *t);

/* The limits every session keeps (set once at startup). */
extern ClientLimits client_limits;

/*
 * Closes s with code: at once for a client too slow to read (its queue is
 * dropped), after its queue is out otherwise.
 */
void		session_close(Session *s, int code);
void		sessions_close_all(int code);
int			sessions_count(void);

/* The socket may take a frame: writes the next, or the close once the queue is out. -1: close it. */
int			session_writeable(Session *s);

/* The registry: the edge adds an opened session and removes it at its close. */
void		client_opened(Session *s);
void		clients_each(void (*fn) (Session *s, void *arg), void *arg);

/*
 * A session closes: its tickets forget it (each one's gone runs), then
 * every hook registered with client_on_close, in order, then its queue goes.
 */
void		client_on_close(void (*fn) (Session *s));
void		client_closed(Session *s);

#endif
