/*
 * session.h: one WebSocket client speaking the ShareDB protocol.
 *
 * A session owns its outbound queue (references to shared frames, written one
 * per WRITEABLE callback), its subscriptions (one Sub per document), its
 * delivery gates (gate.h: what it receives of each document) and the
 * tickets of its requests still in flight:
 * when the client goes, every ticket forgets it, so late database results
 * are dropped instead of touching a freed session.
 */
#ifndef PG_OT_GATEWAY_SESSION_H
#define PG_OT_GATEWAY_SESSION_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/bucket.h"
#include "base/client_id.h"
#include "base/frame.h"
#include "edge/options.h"
#include "base/table.h"

typedef struct Session Session;

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
	lws_dll2_owner_t tickets;
	/* The bound on its reads (reads.h). */
	int			reads;			/* database reads in flight for it */
	ReadWait   *read_wait;		/* a bulk request waiting for a slot */
	char	   *held;			/* a message waiting for a slot */
	size_t		held_len;
	bool		rx_paused;		/* its socket is not read meanwhile */
	lws_sorted_usec_list_t reads_wake;
};

#define SHAREDB_PROTOCOL_NAME "sharedb"

int			session_callback(struct lws *wsi, enum lws_callback_reasons reason,
							 void *user, void *in, size_t len);

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

void		sessions_configure(const ClientLimits *limits);

/* The client sent hs: it keeps its connection past --handshake-timeout. */
void		session_handshaken(Session *s);

/* Shutdown: no new sessions, no more reading; then each goes with 1001 once its queue is out. */
void		sessions_drain(void);
void		sessions_close_all(int code);

/* While refuse() says so, WebSocket handshakes are answered HTTP 503 (the database is away). */
void		sessions_refuse_when(bool (*refuse) (void));
int			sessions_count(void);
bool		sessions_draining(void);

/*
 * Closes (4003) the sessions of principal that hold something in collection
 * (id); collection and principal NULL: every session that holds anything.
 */
void		sessions_revoked(const char *collection, const char *id, const char *principal);

#endif
