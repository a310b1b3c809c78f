/*
 * startup.c: what keeps the gateway from working, said at once and plainly
 * (see startup.h): --listen names an address of this host, the database
 * answers, has a supported pg_ot, the role may act for others, and the
 * keys are there.
 *
 * Owns: the checks; each returns false with why in the caller's buffer,
 * which main.c prints once.  May call: base (ext_version, secrets),
 * db/queries, edge/options.
 */
#include "startup.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/ext_version.h"
#include "base/secrets.h"
#include "db/queries.h"

/* Lets conn go, why already said: false. */
static bool
finished(PGconn *conn)
{
	PQfinish(conn);
	return false;
}

/* Says why in err (and lets conn go): false. */
static bool
failed(PGconn *conn, char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	PQfinish(conn);
	return false;
}

/* The one value a query returns ("" for no row) into value; false with why. */
static bool
single_value(PGconn *conn, const char *sql, char *value, size_t size, char *err, size_t errlen)
{
	PGresult   *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		PQclear(res);
		return false;
	}
	snprintf(value, size, "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return true;
}

bool
startup_check_listen(const char *listen, char *err, size_t errlen)
{
	struct in6_addr a6;
	struct in_addr a4;
	struct sockaddr_storage sa;
	socklen_t	len;
	int			fd,
				ok;

	if (listen == NULL)
		return true;
	memset(&sa, 0, sizeof(sa));
	if (inet_pton(AF_INET, listen, &a4) == 1)
	{
		((struct sockaddr_in *) &sa)->sin_family = AF_INET;
		((struct sockaddr_in *) &sa)->sin_addr = a4;
		len = sizeof(struct sockaddr_in);
	}
	else if (inet_pton(AF_INET6, listen, &a6) == 1)
	{
		((struct sockaddr_in6 *) &sa)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *) &sa)->sin6_addr = a6;
		len = sizeof(struct sockaddr_in6);
	}
	else if (if_nametoindex(listen) != 0)
		return true;
	else
		return failed(NULL, err, errlen, "--listen %s is neither an IP address nor an interface of this host",
					  listen);
	/* Port 0: only whether the address is this host's. */
	fd = socket(sa.ss_family, SOCK_STREAM, 0);
	ok = fd >= 0 && bind(fd, (struct sockaddr *) &sa, len) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok)
		return failed(NULL, err, errlen, "--listen %s is not an address of this host", listen);
	return true;
}

/*
 * The keys shared with the extension and the other gateways (secrets.h).
 * On partitions every partition must have the same (a notification is
 * checked with the notify key, a client id with the session key, whichever
 * partition it came from): partition 0's are loaded, the others' compared
 * with them (*digest: the rows as text, "" for partition 0 to fill).
 */
static bool
load_secrets(PGconn *conn, const char *partition, char **digest, char *err, size_t errlen)
{
	PGresult   *res = PQexec(conn, SECRETS_SQL);
	size_t		len = 1;
	char	   *mine;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		snprintf(err, errlen, "could not read ot.secrets%s: %s", partition, PQresultErrorMessage(res));
		PQclear(res);
		return false;
	}
	for (int i = 0; i < PQntuples(res); i++)
		len += strlen(PQgetvalue(res, i, 0)) + strlen(PQgetvalue(res, i, 1)) + 2;
	mine = calloc(1, len);
	for (int i = 0; mine && i < PQntuples(res); i++)
		sprintf(mine + strlen(mine), "%s=%s;", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	if (mine == NULL || (*digest && strcmp(*digest, mine) != 0))
	{
		snprintf(err, errlen, "ot.secrets%s differ from partition 0's: every partition needs the same keys "
				 "(copy partition 0's rows of ot.secrets to it, then restart its other gateways)", partition);
		free(mine);
		PQclear(res);
		return false;
	}
	if (*digest)
	{
		free(mine);
		PQclear(res);
		return true;			/* the same as partition 0's, which are loaded */
	}
	*digest = mine;
	for (int i = 0; i < PQntuples(res); i++)
		if (!secret_set_hex(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1)))
		{
			snprintf(err, errlen, "ot.secrets: the key for \"%s\" is not one this gateway can use",
					 PQgetvalue(res, i, 0));
			PQclear(res);
			return false;
		}
	PQclear(res);
	if (secret_get("notify") == NULL || secret_get("session") == NULL)
	{
		snprintf(err, errlen, "%s", "ot.secrets lacks the 'notify' or 'session' key (reinstall the extension)");
		return false;
	}
	return true;
}

/* One database (a partition's: which, for the messages, or ""): see startup_check_database. */
static bool
check_one(const GatewayOptions *opt, const char *conninfo, const char *which, char **digest,
		  char *err, size_t errlen)
{
	char		timeout[16];
	const char *keys[] = {"connect_timeout", "dbname", "fallback_application_name", NULL};
	const char *values[] = {timeout, conninfo, "pg_ot_gateway", NULL};
	PGconn	   *conn;
	char		version[64];
	char		member[8];
	char		why[256];
	char		msg[512];
	size_t		n;

	snprintf(timeout, sizeof(timeout), "%d", opt->db_timeout);	/* the conninfo's own wins */
	conn = PQconnectdbParams(keys, values, 1);

	if (PQstatus(conn) != CONNECTION_OK)
	{
		snprintf(msg, sizeof(msg), "could not connect to the database%s: %%s", which);
		return failed(conn, err, errlen, msg, PQerrorMessage(conn));
	}
	if (!single_value(conn, EXT_VERSION_QUERY, version, sizeof(version), err, errlen))
		return finished(conn);
	if (!ext_version_supported(*version ? version : NULL, PQdb(conn), why, sizeof(why)))
	{
		n = strlen(why);
		snprintf(why + n, sizeof(why) - n, "%s", which);
		return failed(conn, err, errlen, "%s", why);
	}
	if (!single_value(conn, GATEWAY_ROLE_SQL, member, sizeof(member), err, errlen))
		return finished(conn);
	if (strcmp(member, "t") != 0)
	{
		snprintf(msg, sizeof(msg), "role \"%%s\"%s is not a member of ot_gateway (GRANT ot_gateway TO it)", which);
		return failed(conn, err, errlen, msg, PQuser(conn));
	}
	if (!load_secrets(conn, which, digest, err, errlen))
		return finished(conn);
	lwsl_user("database \"%s\" on %s port %s%s, pg_ot %s\n", PQdb(conn), PQhost(conn), PQport(conn), which,
			  version);
	PQfinish(conn);
	return true;
}

/* The router's partitions, kept for the process's life. */
static char *router_partitions[PARTITIONS_MAX];

bool
startup_read_router(GatewayOptions *opt, char *err, size_t errlen)
{
	char		timeout[16];
	const char *keys[] = {"connect_timeout", "dbname", "fallback_application_name", NULL};
	const char *values[] = {timeout, opt->router, "pg_ot_gateway", NULL};
	PGconn	   *conn;
	PGresult   *res;
	int			n;

	if (opt->router == NULL)
		return true;
	snprintf(timeout, sizeof(timeout), "%d", opt->db_timeout);
	conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(conn) != CONNECTION_OK)
		return failed(conn, err, errlen, "could not connect to the router (--router): %s", PQerrorMessage(conn));
	res = PQexec(conn, ROUTER_PARTITIONS_SQL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		snprintf(err, errlen, "could not read the router's partitions: %s", PQresultErrorMessage(res));
		PQclear(res);
		return finished(conn);
	}
	n = PQntuples(res);
	if (n == 0 || n > PARTITIONS_MAX || (n & (n - 1)) != 0)
	{
		snprintf(err, errlen, "the router's cluster pg_ot lists %d partitions: this gateway takes a power of two, "
				 "1 to %d (ot.set_partitions on the router)", n, PARTITIONS_MAX);
		PQclear(res);
		return finished(conn);
	}
	for (int i = 0; i < n; i++)
		if (atoi(PQgetvalue(res, i, 0)) != i)
		{
			snprintf(err, errlen, "the router's cluster pg_ot has no option p%d: its partitions are not "
					 "p0 to p%d (ot.set_partitions on the router)", i, n - 1);
			PQclear(res);
			return finished(conn);
		}
	for (int i = 0; i < n; i++)
	{
		free(router_partitions[i]);
		router_partitions[i] = strdup(PQgetvalue(res, i, 1));
		if (router_partitions[i] == NULL)
		{
			snprintf(err, errlen, "out of memory");
			PQclear(res);
			return finished(conn);
		}
		opt->partitions[i] = router_partitions[i];
	}
	opt->npartitions = n;
	lwsl_user("router \"%s\" on %s port %s: %d partitions\n", PQdb(conn), PQhost(conn), PQport(conn), n);
	PQclear(res);
	PQfinish(conn);
	return true;
}

bool
startup_check_database(const GatewayOptions *opt, char *err, size_t errlen)
{
	char	   *digest = NULL;
	bool		ok = true;

	for (int p = 0; p < opt->npartitions && ok; p++)
	{
		char		which[48] = "";

		if (opt->partitioned)
			snprintf(which, sizeof(which), " (partition %d)", p);
		ok = check_one(opt, opt->partitions[p], which, &digest, err, errlen);
	}
	free(digest);
	return ok;
}
