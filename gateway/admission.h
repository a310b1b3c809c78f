/*
 * admission.h: how many WebSocket sessions each client address holds.
 *
 * The handshake asks admission_full before a session opens; the session
 * enters when it opens and leaves when it closes.  Behind a proxy every
 * client has the proxy's address: the limit is then 0 (none).
 */
#ifndef PG_OT_GATEWAY_ADMISSION_H
#define PG_OT_GATEWAY_ADMISSION_H

#include <stdbool.h>

/* Whether address already holds limit sessions (never, for limit 0). */
bool		admission_full(const char *address, int limit);
void		admission_enter(const char *address);
void		admission_leave(const char *address);

#endif
