/*
 * origin.c: the Origin check of the handshake (see origin.h).
 */
#include "origin.h"

#include <string.h>
#include <strings.h>

static const char *allowed_origins;

void
origin_configure(const char *allowed)
{
	allowed_origins = allowed && *allowed ? allowed : NULL;
}

/* Whether origin is one of the comma-separated list (exact, case-insensitive). */
static bool
listed(const char *list, const char *origin)
{
	size_t		n = strlen(origin);

	while (*list)
	{
		size_t		len = strcspn(list, ",");

		while (len > 0 && *list == ' ')
		{
			list++;
			len--;
		}
		if ((len == 1 && *list == '*') || (len == n && strncasecmp(list, origin, n) == 0))
			return true;
		list += len;
		if (*list == ',')
			list++;
	}
	return false;
}

/* scheme://HOST[:port] equals the Host header. */
static bool
same_origin(const char *origin, const char *host)
{
	const char *authority = strstr(origin, "://");

	return authority && strcasecmp(authority + 3, host) == 0;
}

bool
origin_allowed(struct lws *wsi)
{
	char		origin[256];
	char		host[256];

	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return true;
	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
		return false;			/* too long to be one we would allow */
	if (allowed_origins)
		return listed(allowed_origins, origin);
	return lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) > 0 && same_origin(origin, host);
}
