/*
 * ot_error.c
 *	  Filling an OtError.
 */
#include "ot_error.h"

#include <stdarg.h>
#include <stdio.h>

OtStatus
ot_error_set(OtError *err, OtStatus status, const char *detail,
			 const char *fmt,...)
{
	va_list		args;

	err->status = status;
	va_start(args, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, args);
	va_end(args);
	snprintf(err->detail, sizeof(err->detail), "%s", detail ? detail : "");
	return status;
}

void
ot_error_detail(OtError *err, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, args);
	va_end(args);
}
