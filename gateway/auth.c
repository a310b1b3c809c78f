/*
 * auth.c: JWT verification at the WebSocket handshake (see auth.h).
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "token.h"

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
		token_from_bearer(header, token, size))
		return true;
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
	why = token_verify(token, auth.key, auth.key_len, auth.alg, (int64_t) time(NULL), who);
	if (why)
	{
		lwsl_user("refused a connection: token %s\n", why);
		return false;
	}
	return true;
}
