/*
 * ot_error.h
 *	  How the OT core reports a rejected input.
 *
 * Every core function that can reject its input returns an OtStatus and fills
 * an OtError.  The binding maps the status onto a SQLSTATE (see
 * extension/ot_errors.c) and the gateway onto a ShareDB error code, so the
 * categories below are the contract; the message and detail are for people.
 */
#ifndef OT_ERROR_H
#define OT_ERROR_H

typedef enum OtStatus
{
	OT_OK = 0,
	OT_ERR_BAD_OP,				/* the op is malformed whatever the document */
	OT_ERR_NOT_APPLIED,			/* a well-formed op that does not fit the document */
	OT_ERR_BAD_ARGUMENT			/* another argument is invalid (side, data) */
} OtStatus;

typedef struct OtError
{
	OtStatus	status;
	char		message[192];
	char		detail[256];
} OtError;

/* Fills err and returns status; detail may be NULL. */
OtStatus	ot_error_set(OtError *err, OtStatus status, const char *detail,
						 const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

/* Sets the detail of an error already set, printf-style. */
void		ot_error_detail(OtError *err, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

#endif							/* OT_ERROR_H */
