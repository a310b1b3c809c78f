/*
 * grants.c
 *	  May the acting principal read or write a document: ot._authorize for
 *	  the submit path, in C.
 *
 * Members of ot_admin may (unless a gateway acts for a user); anyone else
 * needs a row of ot.grants.  May call: principal.c, store.c.
 */
#include "postgres.h"

#include "principal.h"
#include "store.h"
#include "submit.h"

char *
ot_authorize(const char *collection, const char *name, const char *access, const char *who)
{
	char	   *principal;

	if (who == NULL && ot_is_admin())
		return ot_current_principal();
	principal = who ? pstrdup(who) : ot_current_principal();
	if (ot_store_granted(collection, name, access, principal))
		return principal;
	/* As PL/pgSQL's RAISE wrote it: a NULL name is <NULL>. */
	ereport(ERROR,
			errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			errmsg("permission denied to %s document \"%s\" of collection \"%s\"",
				   strcmp(access, "read") == 0 ? "read" : "write",
				   name ? name : "<NULL>", collection ? collection : "<NULL>"),
			errdetail("User \"%s\" has no %s grant on it.", principal, access));
	pg_unreachable();
}

void
ot_check_name(const char *collection, const char *name)
{
	if (collection == NULL || name == NULL || collection[0] == '\0' || name[0] == '\0' ||
		strlen(collection) > 1024 || strlen(name) > 1024)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("collection and id must be strings of 1 to 1024 bytes"));
}
