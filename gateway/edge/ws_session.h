/*
 * ws_session.h: the lws protocol callback of ShareDB WebSocket sessions.
 *
 * Owns the handshake, the timers and the reading of a session's messages
 * (which go to edge/protocol.c); the session itself and its queue are
 * client/client.h's.  May include: every folder below edge.
 */
#ifndef PG_OT_GATEWAY_WS_SESSION_H
#define PG_OT_GATEWAY_WS_SESSION_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "client/client.h"

#define SHAREDB_PROTOCOL_NAME "sharedb"

int			session_callback(struct lws *wsi, enum lws_callback_reasons reason,
							 void *user, void *in, size_t len);

void		sessions_configure(const ClientLimits *limits);

/* The client sent hs: it keeps its connection past --handshake-timeout. */
void		session_handshaken(Session *s);

/* Shutdown: no new sessions, no more reading; then each goes with 1001 once its queue is out. */
void		sessions_drain(void);

/* While refuse() says so, WebSocket handshakes are answered HTTP 503 (the database is away). */
void		sessions_refuse_when(bool (*refuse) (void));
bool		sessions_draining(void);

#endif
