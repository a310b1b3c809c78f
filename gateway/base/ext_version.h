/*
 * ext_version.h: which versions of the pg_ot extension this gateway works
 * with, and the one check of a database's version against them.
 *
 * PG_OT_VERSION, the gateway's own version, is the extension's
 * default_version in extension/pg_ot.control, passed by gateway/gateway.mk
 * (-DPG_OT_VERSION); the gateway speaks the SQL API of that version alone.
 * Used by main.c (the check at startup, which exits) and pg_conn.c (every new
 * or reconnected connection, which drops a server that fails it).  Calls
 * nothing.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_EXT_VERSION_H
#define PG_OT_GATEWAY_EXT_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#ifndef PG_OT_VERSION
#error "PG_OT_VERSION comes from extension/pg_ot.control (gateway/gateway.mk)"
#endif

/*
 * Whether version (NULL: the extension is not installed) is one this gateway
 * supports; if not, why (naming both versions and the database) goes in why.
 */
bool		ext_version_supported(const char *version, const char *dbname, char *why, size_t size);

#endif
