/*
 * origin.h: which web pages may open a WebSocket to the gateway.
 *
 * A browser sends its page's Origin with the handshake, and the token
 * cookie with it whatever the page: without this check any site a user
 * visits could edit as that user (cross-site WebSocket hijacking).  By
 * default only the gateway's own origin (Origin's host equal to the Host
 * header) may; --allowed-origins lists others ("*": any).  A handshake
 * without Origin is no browser's and passes.
 */
#ifndef PG_OT_GATEWAY_ORIGIN_H
#define PG_OT_GATEWAY_ORIGIN_H

#include <libwebsockets.h>
#include <stdbool.h>

/* allowed: comma-separated origins, "*", or NULL for the same origin only. */
void		origin_configure(const char *allowed);
bool		origin_allowed(struct lws *wsi);

#endif
