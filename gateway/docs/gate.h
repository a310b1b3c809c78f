/*
 * gate.h: what one session receives of one document.
 *
 * Every op message a session gets for a document, whatever brought it (a
 * notification, a catch-up read, a subscribe or fetch read, a submit's
 * result), passes its gate, which is the only place that decides: each
 * version is sent once, in order (next_v is the version the session lacks
 * first), and an op the session submitted, under whatever src, reaches it
 * only as its ack, in its place in the stream.  The gate knows the
 * session's ops by (src, seq) from the moment they arrive until their acks
 * are out, so an op of the session's already in the log (a resend of an
 * op applied before a reconnect) waits there for its ack.
 *
 * A session has a gate for each document it subscribes to, has ops in
 * flight on, or was sent ops of lately; gates with nothing left to wait for
 * are kept (at most --max-subscriptions, the oldest forgotten first) so
 * that a resubscription just after a submit's reply gets none of what the
 * reply carried again.  Calls only the session's send functions.
 *
 * May include: base/frame, client/client.
 */
#ifndef PG_OT_GATEWAY_GATE_H
#define PG_OT_GATEWAY_GATE_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/frame.h"
#include "client/client.h"

struct Sub;

/* An op the session submitted: until its ack is out. */
typedef struct OwnOp
{
	lws_dll2_t	link;			/* Gate.own, in the order submitted */
	char	   *src;
	int64_t		seq;
	int64_t		v;				/* the version it was applied at; -1 until answered */
	Frame	   *ack;			/* its ack, until the gate reaches v */
} OwnOp;

typedef struct Gate
{
	char	   *key;			/* the document's key (collection NUL id) */
	size_t		keylen;
	bool		positioned;		/* next_v is known */
	int64_t		next_v;			/* every version before it was sent, as an op or an ack */
	lws_dll2_owner_t own;		/* OwnOp.link */
	bool		held;			/* an op of its own at next_v awaits its ack */
	struct Sub *sub;			/* its subscription; NULL: it follows no stream */
	lws_dll2_t	idle_link;		/* among the session's idle gates, oldest first */
} Gate;

typedef enum GateResult
{
	GATE_HAD,					/* sent before: dropped */
	GATE_SENT,					/* sent (as the op, or as the session's ack) */
	GATE_GAP,					/* versions before it are missing: not yet */
	GATE_HOLD					/* the session's own op, awaiting its ack: stop here */
} GateResult;

Gate	   *gate_get(Session *s, const char *key, size_t keylen);	/* made if need be */
Gate	   *gate_find(Session *s, const char *key, size_t keylen);
void		gates_free(Session *s);

/* Its subscription begins or ends; held acks are sent when it ends (if deliver). */
void		gate_attach(Session *s, Gate *g, struct Sub *sub);
void		gate_detach(Session *s, Gate *g, bool deliver);

/* The session submitted (src, seq); it was refused. */
void		gate_submitted(Session *s, Gate *g, const char *src, int64_t seq);
void		gate_refused(Session *s, Gate *g, const char *src, int64_t seq);

/*
 * The op (src, seq) was applied at v; ack is its reply (taken over).
 * Without a subscription the ack goes at once; with one, when the gate
 * reaches v (or at once if it passed v).
 */
void		gate_answered(Session *s, Gate *g, const char *src, int64_t seq, int64_t v, Frame *ack);

/* Version v, op (src, seq), frame f (borrowed): sends it if it is next. */
GateResult	gate_offer(Session *s, Gate *g, int64_t v, const char *src, int64_t seq, Frame *f);

/* Whether the gate stands before an op of its own that awaits its ack. */
bool		gate_held(const Gate *g);

/* Sends a held ack the gate has reached (advancing it) or passed; false if none. */
bool		gate_ack_next(Session *s, Gate *g);

/* The session holds every version before v (it asked for the ops from v). */
void		gate_expect(Session *s, Gate *g, int64_t v);

/* The session was sent the snapshot at version v: the next op is v. */
void		gate_reset(Session *s, Gate *g, int64_t v);

#endif
