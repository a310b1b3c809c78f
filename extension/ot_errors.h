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

/* OT003: the op's version is past the document's (ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT). */
#define ERRCODE_OT_VERSION_NEWER		MAKE_SQLSTATE('O','T','0','0','3')
/* OT004: no such document (ERR_DOC_DOES_NOT_EXIST). */
#define ERRCODE_OT_NOT_FOUND			MAKE_SQLSTATE('O','T','0','0','4')
/* OT005: the document exists already (ERR_DOC_ALREADY_CREATED). */
#define ERRCODE_OT_EXISTS				MAKE_SQLSTATE('O','T','0','0','5')
/* OT006: the document was deleted (ERR_DOC_WAS_DELETED). */
#define ERRCODE_OT_DELETED				MAKE_SQLSTATE('O','T','0','0','6')
/* OT007: the version was compacted away (ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND). */
#define ERRCODE_OT_COMPACTED			MAKE_SQLSTATE('O','T','0','0','7')

/* Raises err (which is not OT_OK) as an ERROR with its SQLSTATE. */
void		pg_ot_raise(const OtError *err) pg_attribute_noreturn();

#endif							/* PG_OT_ERRORS_H */
