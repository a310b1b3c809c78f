/*
 * reads.h: the database reads one session has in flight (--max-reads).
 *
 * A request that reads for a session (a fetch or subscribe of one
 * document, nf/nt, a presence channel's access check, a presence transform,
 * a presence subscription waiting for its LISTEN) holds one of the
 * session's read slots from its start to its answer: its Ticket is attached
 * with ticket_attach_read, and ticket_detach gives the slot back.
 *
 * The session runs its next message only while a slot is free and no bulk
 * request waits for one.  Otherwise the message, already assembled, waits
 * and the session stops reading its socket (TCP pushes back on the client)
 * until a slot frees: requests over the bound wait rather than fail, since
 * the stock client does not retry a failed fetch, and nothing is held but
 * that one message.  A bulk request (bf, bs) starts its documents' reads as
 * slots free.  Over HTTP/2, where lws cannot pause one stream, a message
 * that arrives while another waits is answered ERR_RATE_LIMITED.
 *
 * May call: session.h (the message runner it is given), metrics.
 */
#ifndef PG_OT_GATEWAY_READS_H
#define PG_OT_GATEWAY_READS_H

#include <stdbool.h>

#include "client/client.h"

/* Runs a message that waited (the session's own runner, set once). */
void		reads_init(void (*run_held) (Session *s));

/* t belongs to s and holds one of its read slots until ticket_detach. */
void		ticket_attach_read(Ticket *t, Session *s);

/* Whether s may run a new message now. */
bool		reads_gate_open(const Session *s);

/* Whether a bulk request of s may start one more read now. */
bool		reads_slot_free(const Session *s);

/* s's assembled message (s->rx) waits for a slot; false: one waits already (HTTP/2). */
bool		reads_hold_message(Session *s);

/* fn runs once a slot of s frees, or with w's session gone when s closes (one per session). */
void		reads_when_free(Session *s, ReadWait *w);

/* For ticket_detach and session close. */
void		reads_give(Session *s);
void		reads_session_closed(Session *s);

#endif
