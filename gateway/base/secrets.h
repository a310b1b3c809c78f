/*
 * secrets.h: the keys the gateway shares with the extension and with the
 * other gateways (table ot.secrets, readable by ot_gateway only).
 *
 * Read once at startup; a key changed in the table reaches a gateway when it
 * restarts.  HMAC-SHA256 over them proves that a notification was written by
 * the extension, or that a client id was issued by a gateway.  Plain C and
 * OpenSSL: no lws, no libpq (the caller hands the rows in), so fuzz harnesses
 * can use it.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_SECRETS_H
#define PG_OT_GATEWAY_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_MAC_LEN 32		/* HMAC-SHA256 */

typedef struct Secret
{
	unsigned char key[64];
	size_t		len;
} Secret;

/* Sets the key for purpose from its hex text (bytea's output); false if malformed. */
bool		secret_set_hex(const char *purpose, const char *hex);

/* The key for purpose ("notify", "session"), or NULL if none was set. */
const Secret *secret_get(const char *purpose);

/* Decodes 2n lowercase hex digits (as PostgreSQL prints them) into n bytes; false if one is not. */
bool		secret_hex_decode(const char *hex, size_t n, unsigned char *out);

/* out = HMAC-SHA256(key, data). */
void		secret_mac(const Secret *key, const void *data, size_t len,
					   unsigned char out[SECRET_MAC_LEN]);

/*
 * Whether mac (SECRET_MAC_LEN bytes) is HMAC-SHA256(key, head followed by
 * rest); constant time.  Two parts, so a caller need not copy them together.
 */
bool		secret_mac_ok(const Secret *key, const void *head, size_t head_len,
						  const void *rest, size_t rest_len, const unsigned char *mac);

#endif
