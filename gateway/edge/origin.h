/*
 * origin.h: which web pages may open a WebSocket to the gateway.
 *
 * A browser sends its page's Origin with the handshake, and the token
 * cookie with it whatever the page: without this check any site a user
 * visits could edit as that user (cross-site WebSocket hijacking).  An
 * Origin passes only if its scheme, host and port (the scheme's default
 * port when it names none) are those of an allowed origin: the ones
 * --allowed-origins lists ("*": any), or by default the origins the gateway
 * itself serves, its scheme (https with TLS) and port on the loopback names
 * (localhost, 127.0.0.1, [::1]) unless it listens on another address only,
 * and on the --listen address.  The request's Host header is never what a
 * page is compared with: a page that rebinds its own name to the gateway's
 * address (DNS rebinding) sends a Host of that name.  A handshake without
 * Origin is no browser's and passes.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_ORIGIN_H
#define PG_OT_GATEWAY_ORIGIN_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * allowed: comma-separated origins, "*", or NULL for the gateway's own
 * (listen, port, tls as configured).  False, with why, if an entry is no
 * origin.
 */
bool		origin_configure(const char *allowed, const char *listen, int port, bool tls,
							 char *why, size_t why_size);

/* The allowed origins, comma-separated, for the log. */
const char *origin_list(void);

/* Whether origin (an Origin header's value) is allowed. */
bool		origin_matches(const char *origin);

bool		origin_allowed(struct lws *wsi);

#endif
