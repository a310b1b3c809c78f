/*
 * auth.c: JWT verification at the WebSocket handshake (see auth.h).
 *
 * May call: base/alloc, base/token.
 */
#include "edge/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/token.h"

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

/* The token cookie in any of the request's Cookie headers (one fragment each). */
static TokenPresence
cookie_token(struct lws *wsi, char *token, size_t size)
{
	int			total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE);
	char	   *header;
	TokenPresence found = TOKEN_ABSENT;

	if (total <= 0)
		return TOKEN_ABSENT;
	header = xmalloc((size_t) total + 1);
	for (int i = 0; found == TOKEN_ABSENT && lws_hdr_copy_fragment(wsi, header, total + 1,
																	WSI_TOKEN_HTTP_COOKIE, i) >= 0; i++)
		found = token_from_cookie(header, auth.cookie, token, size);
	free(header);
	return found;
}

/* The query parameter (lws keeps each "name=value" of the URL, decoded, as a fragment). */
static TokenPresence
query_token(struct lws *wsi, char *token, size_t size)
{
	int			total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
	size_t		nlen = strlen(auth.query_param);	/* with its "=" */
	char	   *arg;
	TokenPresence found = TOKEN_ABSENT;

	if (total <= 0)
		return TOKEN_ABSENT;
	arg = xmalloc((size_t) total + 1);
	for (int i = 0; found == TOKEN_ABSENT &&
		 lws_hdr_copy_fragment(wsi, arg, total + 1, WSI_TOKEN_HTTP_URI_ARGS, i) >= 0; i++)
	{
		if (strncmp(arg, auth.query_param, nlen) != 0 || arg[nlen] == '\0')
			continue;
		if (strlen(arg + nlen) >= size)
			found = TOKEN_UNUSABLE;
		else
		{
			memcpy(token, arg + nlen, strlen(arg + nlen) + 1);
			found = TOKEN_PRESENT;
		}
	}
	free(arg);
	return found;
}

/*
 * The token of the request: the Authorization header, else the cookie,
 * else (if enabled) the query parameter.  Whatever is there must be a
 * token we can check: an Authorization header of another scheme, or a
 * value too long, is no reason to treat the client as one without a token.
 */
static TokenPresence
find_token(struct lws *wsi, char *token, size_t size)
{
	char		header[MAX_TOKEN + 16];
	TokenPresence found;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0)
		return lws_hdr_copy(wsi, header, sizeof(header), WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
			token_from_bearer(header, token, size) ? TOKEN_PRESENT : TOKEN_UNUSABLE;
	if (auth.cookie && (found = cookie_token(wsi, token, size)) != TOKEN_ABSENT)
		return found;
	if (auth.query_param)
		return query_token(wsi, token, size);
	return TOKEN_ABSENT;
}

bool
auth_identify(struct lws *wsi, Identity *who)
{
	char		token[MAX_TOKEN];
	const char *why;

	memset(who, 0, sizeof(*who));
	switch (find_token(wsi, token, sizeof(token)))
	{
		case TOKEN_ABSENT:
			if (!auth.allow_anonymous)
			{
				lwsl_user("refused a connection: no token\n");
				return false;
			}
			snprintf(who->principal, sizeof(who->principal), "%s", ANONYMOUS_PRINCIPAL);
			return true;
		case TOKEN_UNUSABLE:
			lwsl_user("refused a connection: an Authorization header that is no Bearer token, "
					  "or a token too long\n");
			return false;
		case TOKEN_PRESENT:
			break;
	}
	/* Never anonymous instead: a client that presents a token means to be someone. */
	if (auth.key == NULL)
	{
		lwsl_user("refused a connection: it presents a token, and this gateway has no key to check it\n");
		return false;
	}
	why = token_verify(token, auth.key, auth.key_len, auth.alg, (int64_t) time(NULL), who);
	if (why)
	{
		lwsl_user("refused a connection: token %s\n", why);
		return false;
	}
	return true;
}
