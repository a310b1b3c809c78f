/*
 * pg_hosts.c: the hosts of a multi-host conninfo (see pg_conn.h): which
 * one a connection reached, and the order the next attempt tries them in
 * (the one that answered first).
 *
 * Owns: PgConn's host lists.  May call: base (alloc).
 */
#include "db/pg_conn.h"

#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/ext_version.h"
#include "base/metrics.h"
#include "db/queries.h"
#include "db/pg_conn_internal.h"

/*
 * The options conninfo value: the connection check, then the user's own
 * options (the conninfo's, else PGOPTIONS), which PostgreSQL applies after
 * ours.  Naming the setting there leaves ours out.
 */
char *
pg_conn_options_value(const char *conninfo)
{
	PQconninfoOption *parsed = PQconninfoParse(conninfo, NULL);
	const char *user = getenv("PGOPTIONS");
	char	   *value;

	for (PQconninfoOption *o = parsed; o && o->keyword; o++)
		if (strcmp(o->keyword, "options") == 0 && o->val)
			user = o->val;
	if (user && strstr(user, "client_connection_check_interval"))
		value = xstrdup(user);
	else
	{
		value = xmalloc(strlen(CONNECTION_CHECK_OPTION) + 2 + (user ? strlen(user) : 0));
		sprintf(value, "%s%s%s", CONNECTION_CHECK_OPTION, user ? " " : "", user ? user : "");
	}
	PQconninfoFree(parsed);
	return value;
}

/* The conninfo keywords of a multi-host list, in PgConn.host_lists' order. */
const char *const pg_conn_host_keys[3] = {"host", "hostaddr", "port"};

static int
list_length(const char *list)
{
	int			n = 1;

	for (const char *c = list; *c; c++)
		n += *c == ',';
	return n;
}

/* Entry i of a comma-separated list, copied (lists are short: a conninfo). */
static char *
list_entry(const char *list, int i)
{
	const char *start = list;
	size_t		len;
	char	   *out;

	while (i-- > 0)
		start = strchr(start, ',') + 1;
	len = strcspn(start, ",");
	out = xmalloc(len + 1);
	memcpy(out, start, len);
	out[len] = '\0';
	return out;
}

/* The list begun at entry first; one of another length (one port for all) as it is. */
char *
pg_conn_list_turned(const char *list, int n, int first)
{
	char	   *out;
	size_t		len = 0;

	if (list == NULL || list_length(list) != n)
		return list ? xstrdup(list) : NULL;
	out = xmalloc(strlen(list) + 2);
	for (int k = 0; k < n; k++)
	{
		char	   *e = list_entry(list, (first + k) % n);

		len += (size_t) sprintf(out + len, "%s%s", k ? "," : "", e);
		free(e);
	}
	return out;
}

void
pg_conn_hosts_parse(PgConn *conn)
{
	PQconninfoOption *parsed = PQconninfoParse(conn->conninfo, NULL);

	for (PQconninfoOption *o = parsed; o && o->keyword; o++)
		for (int k = 0; k < 3; k++)
			if (strcmp(o->keyword, pg_conn_host_keys[k]) == 0 && o->val && o->val[0])
				conn->host_lists[k] = xstrdup(o->val);
	PQconninfoFree(parsed);
	conn->hosts = conn->host_lists[0] ? list_length(conn->host_lists[0]) :
		conn->host_lists[1] ? list_length(conn->host_lists[1]) : 0;
}

/* Which entry of the lists a connection that is up reached (-1: not found). */
int
pg_conn_host_reached(const PgConn *conn)
{
	const char *host = PQhost(conn->pg);
	const char *port = PQport(conn->pg);
	const char *names = conn->host_lists[0] ? conn->host_lists[0] : conn->host_lists[1];
	bool		ports = conn->host_lists[2] && list_length(conn->host_lists[2]) == conn->hosts;

	for (int i = 0; i < conn->hosts && host; i++)
	{
		char	   *h = list_entry(names, i);
		char	   *p = ports ? list_entry(conn->host_lists[2], i) : NULL;
		bool		same = strcmp(h, host) == 0 && (p == NULL || (port && strcmp(p, port) == 0));

		free(h);
		free(p);
		if (same)
			return i;
	}
	return -1;
}

void
pg_conn_hosts_free(PgConn *conn)
{
	for (int k = 0; k < 3; k++)
	{
		free(conn->host_lists[k]);
		free(conn->host_values[k]);
		conn->host_lists[k] = conn->host_values[k] = NULL;
	}
}
