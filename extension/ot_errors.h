/*
 * ot_errors.h
 *	  pg_ot's SQLSTATEs and the raising of core errors.
 *
 * pg_ot has its own SQLSTATE class "OT" (as TimescaleDB has "TS") so that
 * callers can tell a rejected op from any other failure.  The mapping from
 * each SQLSTATE to ShareDB's error code is the table in README.md.
 */
#ifndef PG_OT_ERRORS_H
#define PG_OT_ERRORS_H

#include "postgres.h"

#include "ot/ot_error.h"

/* OT001: the op is malformed (ShareDB ERR_OT_OP_BADLY_FORMED). */
#define ERRCODE_OT_BAD_OP				MAKE_SQLSTATE('O','T','0','0','1')
/* OT002: the op does not fit the document (ShareDB ERR_OT_OP_NOT_APPLIED). */
#define ERRCODE_OT_NOT_APPLIED			MAKE_SQLSTATE('O','T','0','0','2')

/* Raises err (which is not OT_OK) as an ERROR with its SQLSTATE. */
void		pg_ot_raise(const OtError *err) pg_attribute_noreturn();

#endif							/* PG_OT_ERRORS_H */
