/*
 * client_id.h: the client ids the gateway issues (ShareDB's src), and the
 * proof that an id a client comes back with was issued to it.
 *
 * An id is "<public>.<mac>": public is 32 random hex digits, mac the first
 * 16 bytes, in hex, of HMAC-SHA256(the 'session' key of ot.secrets,
 * "pg_ot client id" NUL public NUL principal).  Only the client holds the
 * whole id: it is in its hs reply and its acks, nowhere else.  What others
 * see of it, in broadcasts, ot.ops, gap-fill reads and presence, and what
 * the database stores as the op's src, is the public part, from which the
 * mac cannot be derived; so nobody can claim another client's (src, seq),
 * anonymous or not.  Every gateway reads the same key, so an id issued by
 * one is proved by any other, also after a restart: a client that comes
 * back elsewhere keeps its id and its resend is recognised.
 *
 * Plain C over secrets.h and jansson (no lws), so a fuzz harness can use it.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_CLIENT_ID_H
#define PG_OT_GATEWAY_CLIENT_ID_H

#include <jansson.h>
#include <stdbool.h>

#define CLIENT_ID_RANDOM_BYTES 16
#define CLIENT_ID_PUBLIC_LEN (2 * CLIENT_ID_RANDOM_BYTES)
#define CLIENT_ID_MAC_LEN 32	/* hex digits: 16 bytes of the HMAC */
#define CLIENT_ID_LEN (CLIENT_ID_PUBLIC_LEN + 1 + CLIENT_ID_MAC_LEN)

typedef struct ClientId
{
	char		full[CLIENT_ID_LEN + 1];	/* told to the client only */
	char		public[CLIENT_ID_PUBLIC_LEN + 1];	/* the src others see and the database stores */
} ClientId;

/* A new id for principal from random bytes; false without the 'session' key. */
bool		client_id_issue(const unsigned char random[CLIENT_ID_RANDOM_BYTES],
							const char *principal, ClientId *id);

/*
 * Whether text is an id a gateway issued to principal; fills id then.
 * Anything else (the public part alone, another principal's id, a wrong
 * mac, another shape) is false, with id untouched.
 */
bool		client_id_prove(const char *text, const char *principal, ClientId *id);

/* Whether an op message's src is id's public part: the op is that client's own. */
bool		client_id_owns(const ClientId *id, const char *src);

/*
 * An op message of the client's own going back to it (in a read of ops):
 * its src becomes the whole id, by which the client knows its ops (ShareDB
 * sends an op with the src it was submitted with).
 */
void		client_id_give_back(const ClientId *id, json_t *message);

#endif
