/*
 * ot_errors.c
 *	  Raising the OT core's errors with pg_ot's SQLSTATEs.
 */
#include "ot_errors.h"

static int
sqlstate_of(OtStatus status)
{
	switch (status)
	{
		case OT_ERR_BAD_OP:
			return ERRCODE_OT_BAD_OP;
		case OT_ERR_NOT_APPLIED:
			return ERRCODE_OT_NOT_APPLIED;
		case OT_ERR_BAD_ARGUMENT:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case OT_OK:
			break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

void
pg_ot_raise(const OtError *err)
{
	ereport(ERROR,
			errcode(sqlstate_of(err->status)),
			errmsg("%s", err->message),
			err->detail[0] ? errdetail("%s", err->detail) : 0);
	pg_unreachable();
}
