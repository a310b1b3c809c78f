/*
 * principal.c
 *	  Who pg_ot acts for: the user a gateway names in pg_ot.user, or the SQL
 *	  role.
 *
 * The document functions are SECURITY DEFINER, so the caller is found with
 * GetOuterUserId(): the role of the session (after SET ROLE), which a
 * SECURITY DEFINER function does not change.
 *
 * pg_ot.user is a setting of one session, made by a gateway: its check hook
 * refuses it as a role, database or server default (such a default made
 * every session of a role outside ot_gateway fail, locking it out), and
 * refuses a SET by anyone outside ot_gateway at once.  The use-time check
 * stays for what the hook cannot see (a SET ROLE after the SET).
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "pg_ot.h"
#include "principal.h"

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

bool		pg_ot_user_loading = false;

bool
pg_ot_check_user(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (source < PGC_S_CLIENT || source == PGC_S_TEST)
	{
		GUC_check_errcode(ERRCODE_CANT_CHANGE_RUNTIME_PARAM);
		GUC_check_errmsg("pg_ot.user cannot be a role, database or server default");
		GUC_check_errdetail("A gateway sets it in its own session for the user it acts for; "
							"a default would apply to every session of the role or database.");
		GUC_check_errhint("Grant %s to the gateway's role and let it SET pg_ot.user.",
						  GATEWAY_ROLE);
		return false;
	}

	/*
	 * Membership needs the catalogs.  Outside a transaction, while the module
	 * loads (a SET made before it, honoured as given), or in a parallel
	 * worker (the leader checked), the use-time check decides.
	 */
	if (pg_ot_user_loading || InitializingParallelWorker || !IsTransactionState() ||
		caller_has_privs_of(GATEWAY_ROLE))
		return true;
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("permission denied to set pg_ot.user");
	GUC_check_errdetail("Only members of role %s may act for another user.", GATEWAY_ROLE);
	return false;
}

char *
ot_current_principal(void)
{
	if (acting_for_gateway_user())
		return pstrdup(pg_ot_user);
	return GetUserNameFromId(GetOuterUserId(), false);
}

/* Members of ot_admin bypass document grants, unless acting for a user. */
bool
ot_is_admin(void)
{
	return !acting_for_gateway_user() && caller_has_privs_of(ADMIN_ROLE);
}

PG_FUNCTION_INFO_V1(pg_ot_current_principal);
Datum
pg_ot_current_principal(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(ot_current_principal()));
}

PG_FUNCTION_INFO_V1(pg_ot_is_admin);
Datum
pg_ot_is_admin(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ot_is_admin());
}
