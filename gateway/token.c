/*
 * token.c: JWT verification (see token.h).
 */
#include "token.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *
token_verify(const char *token, const unsigned char *key, size_t key_len,
			 jwt_alg_t alg, int64_t now, Identity *who)
{
	jwt_t	   *jwt = NULL;
	const char *sub;
	const char *why = NULL;
	long		exp;

	if (jwt_decode(&jwt, token, key, (int) key_len) != 0)
		return "bad signature or malformed token";
	/* Never the algorithm the token names: an RS256 key is no HMAC secret. */
	if (jwt_get_alg(jwt) != alg)
		why = "wrong algorithm";
	else if ((exp = jwt_get_grant_int(jwt, "exp")) <= 0)
		why = "no exp";
	else if (exp <= now)
		why = "expired";
	else if ((sub = jwt_get_grant(jwt, "sub")) == NULL || *sub == '\0' ||
			 strlen(sub) >= sizeof(who->principal))
		why = "no usable sub";
	else if (strcmp(sub, ANONYMOUS_PRINCIPAL) == 0 || strcmp(sub, "*") == 0)
		why = "sub names a reserved principal";
	else
	{
		snprintf(who->principal, sizeof(who->principal), "%s", sub);
		who->expires = exp;
	}
	jwt_free(jwt);
	return why;
}

bool
token_from_bearer(const char *header, char *token, size_t size)
{
	if (strncasecmp(header, "Bearer ", 7) != 0 || strlen(header + 7) >= size)
		return false;
	memcpy(token, header + 7, strlen(header + 7) + 1);
	return true;
}
