/*
 * origin.c: the Origin check of the handshake (see origin.h).
 *
 * May call: nothing of the gateway.
 */
#include "edge/origin.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>


#define MAX_ORIGINS 64

typedef struct Origin
{
	char		scheme[16];		/* lower case */
	char		host[256];		/* lower case; an IPv6 address in brackets */
	int			port;			/* -1: none given and the scheme has no default */
} Origin;

static struct
{
	bool		any;
	Origin		list[MAX_ORIGINS];
	int			n;
	char		text[MAX_ORIGINS * 300];
} allowed;

static int
default_port(const char *scheme)
{
	if (strcmp(scheme, "http") == 0 || strcmp(scheme, "ws") == 0)
		return 80;
	if (strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0)
		return 443;
	return -1;
}

/*
 * Parses "scheme://host[:port]" (len bytes of text; a trailing "/" too if
 * slash_ok) into o; false if it is not one.
 */
static bool
parse(const char *text, size_t len, bool slash_ok, Origin *o)
{
	const char *p = text,
			   *end = text + len;
	size_t		n = 0;

	if (slash_ok && len > 0 && end[-1] == '/')
		end--;
	while (p < end && (isalnum((unsigned char) *p) || (n > 0 && strchr("+-.", *p))))
	{
		if (n + 1 >= sizeof(o->scheme))
			return false;
		o->scheme[n++] = (char) tolower((unsigned char) *p++);
	}
	o->scheme[n] = '\0';
	if (n == 0 || !isalpha((unsigned char) o->scheme[0]) || end - p < 3 || strncmp(p, "://", 3) != 0)
		return false;
	p += 3;
	n = 0;
	if (p < end && *p == '[')
	{
		const char *close = memchr(p, ']', (size_t) (end - p));

		if (close == NULL)
			return false;
		for (; p <= close; p++)
		{
			if (n + 1 >= sizeof(o->host) || !(isxdigit((unsigned char) *p) || strchr("[]:.", *p)))
				return false;
			o->host[n++] = (char) tolower((unsigned char) *p);
		}
	}
	else
		for (; p < end && *p != ':'; p++)
		{
			if (n + 1 >= sizeof(o->host) || !(isalnum((unsigned char) *p) || strchr("-._~", *p)))
				return false;
			o->host[n++] = (char) tolower((unsigned char) *p);
		}
	o->host[n] = '\0';
	if (n == 0)
		return false;
	o->port = default_port(o->scheme);
	if (p < end && *p == ':')
	{
		long		port = 0;

		if (++p == end)
			return false;
		for (; p < end; p++)
		{
			if (!isdigit((unsigned char) *p) || (port = port * 10 + (*p - '0')) > 65535)
				return false;
		}
		if (port == 0)
			return false;
		o->port = (int) port;
	}
	return p == end;
}

static bool
same(const Origin *a, const Origin *b)
{
	return strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0 && a->port == b->port;
}

static void
add(const Origin *o)
{
	size_t		used = strlen(allowed.text);

	for (int i = 0; i < allowed.n; i++)
		if (same(&allowed.list[i], o))
			return;
	allowed.list[allowed.n++] = *o;
	snprintf(allowed.text + used, sizeof(allowed.text) - used, "%s%s://%s:%d", used ? ", " : "",
			 o->scheme, o->host, o->port);
}

static void
add_own(const char *scheme, const char *host, int port)
{
	Origin		o;

	snprintf(o.scheme, sizeof(o.scheme), "%s", scheme);
	snprintf(o.host, sizeof(o.host), "%s", host);
	o.port = port;
	add(&o);
}

/* What the gateway serves: its loopback names if it listens there, and its address. */
static void
own_origins(const char *listen, int port, bool tls)
{
	const char *scheme = tls ? "https" : "http";
	struct in_addr a4;
	struct in6_addr a6;
	bool		v4 = listen && inet_pton(AF_INET, listen, &a4) == 1;
	bool		v6 = listen && inet_pton(AF_INET6, listen, &a6) == 1;
	bool		loopback = listen == NULL || (!v4 && !v6) ||	/* all, or an interface */
		(v4 && ((ntohl(a4.s_addr) >> 24) == 127 || a4.s_addr == INADDR_ANY)) ||
		(v6 && (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6)));
	char		host[INET6_ADDRSTRLEN + 2];

	if (loopback)
	{
		add_own(scheme, "localhost", port);
		add_own(scheme, "127.0.0.1", port);
		add_own(scheme, "[::1]", port);
	}
	if (v4 && a4.s_addr != INADDR_ANY)
	{
		inet_ntop(AF_INET, &a4, host, sizeof(host));
		add_own(scheme, host, port);
	}
	if (v6 && !IN6_IS_ADDR_UNSPECIFIED(&a6))
	{
		host[0] = '[';
		inet_ntop(AF_INET6, &a6, host + 1, sizeof(host) - 2);
		strcat(host, "]");
		add_own(scheme, host, port);
	}
}

bool
origin_configure(const char *list, const char *listen, int port, bool tls, char *why, size_t why_size)
{
	memset(&allowed, 0, sizeof(allowed));
	if (list == NULL || *list == '\0')
	{
		own_origins(listen, port, tls);
		return true;
	}
	while (*list)
	{
		size_t		len = strcspn(list, ",");
		const char *item = list;
		Origin		o;

		list += len;
		if (*list == ',')
			list++;
		while (len > 0 && isspace((unsigned char) *item))
		{
			item++;
			len--;
		}
		while (len > 0 && isspace((unsigned char) item[len - 1]))
			len--;
		if (len == 0)
			continue;
		if (len == 1 && *item == '*')
		{
			allowed.any = true;
			snprintf(allowed.text, sizeof(allowed.text), "*");
			continue;
		}
		if (!parse(item, len, true, &o))
		{
			snprintf(why, why_size, "\"%.*s\" is no origin (scheme://host[:port])", (int) len, item);
			return false;
		}
		if (allowed.n == MAX_ORIGINS)
		{
			snprintf(why, why_size, "more than %d origins", MAX_ORIGINS);
			return false;
		}
		add(&o);
	}
	if (allowed.any)
		snprintf(allowed.text, sizeof(allowed.text), "*");
	return true;
}

const char *
origin_list(void)
{
	return allowed.text;
}

bool
origin_matches(const char *origin)
{
	Origin		o;

	if (allowed.any)
		return true;
	if (!parse(origin, strlen(origin), false, &o))
		return false;			/* "null" (a sandboxed or file: page), or no origin at all */
	for (int i = 0; i < allowed.n; i++)
		if (same(&allowed.list[i], &o))
			return true;
	return false;
}

bool
origin_allowed(struct lws *wsi)
{
	char		origin[512];

	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return true;
	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
		return false;			/* too long to be one we would allow */
	return origin_matches(origin);
}
