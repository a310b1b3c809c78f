/*
 * auth.c: JWT verification at the WebSocket handshake (see auth.h).
 */
#include "auth.h"

#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"

#define MAX_TOKEN 8192
#define MAX_KEY (64 * 1024)

static struct
{
	unsigned char *key;
	size_t		key_len;
	jwt_alg_t	alg;			/* the only algorithm accepted */
	const char *cookie;
	const char *query_param;	/* with the "=" lws wants, or NULL */
	bool		allow_anonymous;
} auth;

static unsigned char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	unsigned char *buf;

	if (f == NULL)
		return NULL;
	buf = xmalloc(MAX_KEY + 1);
	*len = fread(buf, 1, MAX_KEY + 1, f);
	fclose(f);
	if (*len == 0 || *len > MAX_KEY)
	{
		free(buf);
		return NULL;
	}
	/* A secret file usually ends with a newline nobody meant as key. */
	while (*len > 0 && (buf[*len - 1] == '\n' || buf[*len - 1] == '\r'))
		(*len)--;
	buf[*len] = '\0';
	return buf;
}

bool
auth_init(const GatewayOptions *opt)
{
	const char *path = opt->jwt_secret_file ? opt->jwt_secret_file : opt->jwt_public_key_file;

	auth.allow_anonymous = opt->allow_anonymous;
	auth.cookie = opt->token_cookie;
	if (opt->token_query_param)
	{
		char	   *name = xmalloc(strlen(opt->token_query_param) + 2);

		sprintf(name, "%s=", opt->token_query_param);
		auth.query_param = name;
	}
	if (opt->jwt_secret_file && opt->jwt_public_key_file)
	{
		fprintf(stderr, "pg_ot_gateway: give --jwt-secret-file or --jwt-public-key-file, not both\n");
		return false;
	}
	if (path == NULL)
		return true;
	auth.alg = opt->jwt_secret_file ? JWT_ALG_HS256 : JWT_ALG_RS256;
	auth.key = read_file(path, &auth.key_len);
	if (auth.key == NULL)
	{
		fprintf(stderr, "pg_ot_gateway: cannot read the key in \"%s\" (missing, empty or over 64 kB)\n", path);
		return false;
	}
	if (auth.alg == JWT_ALG_HS256 && auth.key_len < 32)
	{
		fprintf(stderr, "pg_ot_gateway: the secret in \"%s\" is shorter than 32 bytes\n", path);
		return false;
	}
	return true;
}

/* The token of the request: header, cookie, then query parameter. */
static bool
find_token(struct lws *wsi, char *token, size_t size)
{
	char		header[MAX_TOKEN + 16];
	size_t		len = size;

	if (lws_hdr_copy(wsi, header, sizeof(header), WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
		strncasecmp(header, "Bearer ", 7) == 0 && strlen(header + 7) < size)
	{
		memcpy(token, header + 7, strlen(header + 7) + 1);
		return true;
	}
	if (auth.cookie && lws_http_cookie_get(wsi, auth.cookie, token, &len) == 0)
		return true;
	if (auth.query_param)
	{
		/* lws copies "name=value" into token and points past the "=". */
		const char *value = lws_get_urlarg_by_name(wsi, auth.query_param, token, (int) size);

		if (value)
		{
			memmove(token, value, strlen(value) + 1);
			return true;
		}
	}
	return false;
}

static bool
verify(const char *token, Identity *who, const char **why)
{
	jwt_t	   *jwt = NULL;
	const char *sub;
	long		exp;

	if (jwt_decode(&jwt, token, auth.key, (int) auth.key_len) != 0)
	{
		*why = "bad signature or malformed token";
		return false;
	}
	/* Never the algorithm the token names: an RS256 key is no HMAC secret. */
	if (jwt_get_alg(jwt) != auth.alg)
		*why = "wrong algorithm";
	else if ((exp = jwt_get_grant_int(jwt, "exp")) <= 0)
		*why = "no exp";
	else if (exp <= (long) time(NULL))
		*why = "expired";
	else if ((sub = jwt_get_grant(jwt, "sub")) == NULL || *sub == '\0' ||
			 strlen(sub) >= sizeof(who->principal))
		*why = "no usable sub";
	else if (strcmp(sub, ANONYMOUS_PRINCIPAL) == 0 || strcmp(sub, "*") == 0)
		*why = "sub names a reserved principal";
	else
	{
		snprintf(who->principal, sizeof(who->principal), "%s", sub);
		who->expires = exp;
		*why = NULL;
	}
	jwt_free(jwt);
	return *why == NULL;
}

bool
auth_identify(struct lws *wsi, Identity *who)
{
	char		token[MAX_TOKEN];
	const char *why;

	memset(who, 0, sizeof(*who));
	if (auth.key == NULL || !find_token(wsi, token, sizeof(token)))
	{
		if (!auth.allow_anonymous)
		{
			lwsl_user("refused a connection: %s\n", auth.key ? "no token" : "anonymous clients not allowed");
			return false;
		}
		snprintf(who->principal, sizeof(who->principal), "%s", ANONYMOUS_PRINCIPAL);
		return true;
	}
	if (!verify(token, who, &why))
	{
		lwsl_user("refused a connection: token %s\n", why);
		return false;
	}
	return true;
}
