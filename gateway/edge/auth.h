/*
 * auth.h: who a WebSocket client is, decided at its handshake.
 *
 * A signed JWT (HS256 with a shared secret, or RS256 with a public key,
 * never the algorithm the token names for itself) from an Authorization:
 * Bearer header, a cookie, or, only when configured, a query parameter.
 * "exp" is required; "sub" becomes the principal every database request of
 * the session acts as (pg_ot.user).  Without a token the client is the
 * principal "anonymous" if --allow-anonymous, else it is refused.  A token
 * that is there but is no valid one (an Authorization header of another
 * scheme, a cookie of any length, a gateway without a key) is refused,
 * never taken for none.
 *
 * May include: edge/options, base/token.
 */
#ifndef PG_OT_GATEWAY_AUTH_H
#define PG_OT_GATEWAY_AUTH_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "edge/options.h"
#include "base/token.h"

/* Reads the key files; false (with a message on stderr) if one is unusable. */
bool		auth_init(const GatewayOptions *opt);

/* Fills who for the upgrade request on wsi; false: refuse it (reason logged). */
bool		auth_identify(struct lws *wsi, Identity *who);

#endif
