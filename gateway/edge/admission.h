/*
 * admission.h: what each client address holds, from accept to close.
 *
 * Every accepted connection counts from its accept (lws's
 * SERVER_NEW_CLIENT_INSTANTIATED) until lws destroys it (WSI_DESTROY),
 * whatever it carries: as pending (HTTP, a TLS handshake, an upgrade on
 * its way, or nothing yet) until its WebSocket upgrade is admitted, then
 * as a session.  Each slot is released exactly once, by the connection
 * that took it, however it ends (a handshake refused with 403 or 429
 * included).  Connections are told apart by an opaque key (the wsi);
 * behind a proxy every client has the proxy's address: limits are then 0
 * (none).
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_ADMISSION_H
#define PG_OT_GATEWAY_ADMISSION_H

#include <stdbool.h>

/*
 * A new connection from address: false (it is to be closed) if the gateway
 * holds max_total connections, or address max_pending (0: no limit).
 */
bool		admission_accept(const void *conn, const char *address, int max_total, int max_pending);

/*
 * conn's WebSocket upgrade: false (429) if address holds max_sessions
 * sessions (0: no limit); else conn counts as a session from now on.
 */
bool		admission_upgrade(const void *conn, const char *address, int max_sessions);

/* conn is gone: whatever it held is released (nothing, for a connection never admitted). */
void		admission_forget(const void *conn);

/* Connections that are not sessions, on the whole gateway (a gauge). */
int			admission_pending(void);

#endif
