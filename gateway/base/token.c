/*
 * token.c: JWT verification (see token.h).
 *
 * May call: nothing of the gateway.
 */
#include "base/token.h"

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

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

TokenPresence
token_from_cookie(const char *header, const char *name, char *token, size_t size)
{
	size_t		nlen = strlen(name);
	const char *p = header;

	while (*p)
	{
		const char *end = p + strcspn(p, ";");
		const char *eq;
		const char *v;
		const char *vend = end;

		while (p < end && is_space(*p))
			p++;
		eq = memchr(p, '=', (size_t) (end - p));
		if (eq)
		{
			const char *nend = eq;

			while (nend > p && is_space(nend[-1]))
				nend--;
			v = eq + 1;
			while (v < vend && is_space(*v))
				v++;
			while (vend > v && is_space(vend[-1]))
				vend--;
			if (vend - v >= 2 && *v == '"' && vend[-1] == '"')
			{
				v++;
				vend--;
			}
			if ((size_t) (nend - p) == nlen && memcmp(p, name, nlen) == 0 && vend > v)
			{
				if ((size_t) (vend - v) >= size)
					return TOKEN_UNUSABLE;
				memcpy(token, v, (size_t) (vend - v));
				token[vend - v] = '\0';
				return TOKEN_PRESENT;
			}
		}
		p = *end ? end + 1 : end;
	}
	return TOKEN_ABSENT;
}
