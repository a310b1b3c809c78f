/*
 * ext_version.c: the extension versions this gateway supports (see
 * ext_version.h).
 *
 * May call: nothing of the gateway.
 */
#include "base/ext_version.h"

#include <stdio.h>
#include <string.h>

/* The extension versions whose SQL API this gateway calls. */
static const char *const supported[] = {PG_OT_VERSION};

bool
ext_version_supported(const char *version, const char *dbname, char *why, size_t size)
{
	char		list[128];

	if (version == NULL)
	{
		snprintf(why, size, "the extension pg_ot is not installed in database \"%s\" "
				 "(CREATE EXTENSION pg_ot; pg_ot_gateway %s needs pg_ot %s)",
				 dbname, PG_OT_VERSION, PG_OT_VERSION);
		return false;
	}
	for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++)
		if (strcmp(version, supported[i]) == 0)
			return true;
	list[0] = '\0';
	for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", supported[i]);
	snprintf(why, size, "pg_ot_gateway %s does not support extension pg_ot %s in database \"%s\" "
			 "(supported: %s); run ALTER EXTENSION pg_ot UPDATE",
			 PG_OT_VERSION, version, dbname, list);
	return false;
}
