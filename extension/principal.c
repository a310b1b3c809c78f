/*
 * principal.c
 *	  Who pg_ot acts for: the user a gateway names in pg_ot.user, or the SQL
 *	  role.
 *
 * The document functions are SECURITY DEFINER, so the caller is found with
 * GetOuterUserId(): the role of the session (after SET ROLE), which a
 * SECURITY DEFINER function does not change.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "pg_ot.h"

/* Roles the install script creates. */
#define GATEWAY_ROLE "ot_gateway"
#define ADMIN_ROLE "ot_admin"

static bool
caller_has_privs_of(const char *role)
{
	Oid			oid = get_role_oid(role, true);

	return OidIsValid(oid) && has_privs_of_role(GetOuterUserId(), oid);
}

static bool
acting_for_gateway_user(void)
{
	if (pg_ot_user == NULL || pg_ot_user[0] == '\0')
		return false;
	if (!caller_has_privs_of(GATEWAY_ROLE))
		ereport(ERROR,
				errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				errmsg("permission denied to act as user \"%s\"", pg_ot_user),
				errdetail("Only members of role %s may set pg_ot.user.", GATEWAY_ROLE));
	return true;
}

PG_FUNCTION_INFO_V1(pg_ot_current_principal);
Datum
pg_ot_current_principal(PG_FUNCTION_ARGS)
{
	if (acting_for_gateway_user())
		PG_RETURN_TEXT_P(cstring_to_text(pg_ot_user));
	PG_RETURN_TEXT_P(cstring_to_text(GetUserNameFromId(GetOuterUserId(), false)));
}

/* Members of ot_admin bypass document grants, unless acting for a user. */
PG_FUNCTION_INFO_V1(pg_ot_is_admin);
Datum
pg_ot_is_admin(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!acting_for_gateway_user() && caller_has_privs_of(ADMIN_ROLE));
}
