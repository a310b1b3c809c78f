/*
 * token.h: a JWT checked against the gateway's key (auth.h finds it).
 *
 * Only the configured algorithm is accepted; "exp" is required and must be
 * in the future; "sub", the principal, must fit and must not name a reserved
 * principal.  Only libjwt and libc here, so test/fuzz/fuzz_gateway_token.c
 * runs the checks without lws.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_TOKEN_H
#define PG_OT_GATEWAY_TOKEN_H

#include <jwt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ANONYMOUS_PRINCIPAL "anonymous"

typedef struct Identity
{
	char		principal[256];
	int64_t		expires;		/* seconds since 1970, 0 = never (anonymous) */
} Identity;

/*
 * Fills who from token if key (key_len bytes) verifies it with alg and it
 * has not expired at now (seconds since 1970); returns NULL then, else why
 * not, with who untouched.
 */
const char *token_verify(const char *token, const unsigned char *key, size_t key_len,
						 jwt_alg_t alg, int64_t now, Identity *who);

/*
 * Copies the token of an Authorization header "Bearer <token>" into token;
 * false if header is no bearer token or the token does not fit in size bytes.
 */
bool		token_from_bearer(const char *header, char *token, size_t size);

/* What one place a token may come in holds. */
typedef enum TokenPresence
{
	TOKEN_ABSENT,				/* nothing: the client presents no token there */
	TOKEN_PRESENT,				/* a token, copied out */
	TOKEN_UNUSABLE				/* something that is no token one could check: refuse */
} TokenPresence;

/*
 * The value of the cookie name in a Cookie header's value ("a=1; name=v"),
 * exact name, surrounding double quotes dropped, copied into token.  An
 * empty value is no token (a cookie cleared on logout); one that does not
 * fit in size bytes is unusable.
 */
TokenPresence token_from_cookie(const char *header, const char *name, char *token, size_t size);

#endif
