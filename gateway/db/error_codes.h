/*
 * error_codes.h: ShareDB error codes for database errors.
 *
 * The map from SQLSTATE to ShareDB code lives in one place, the database's
 * ot.sharedb_error_code(); the gateway asks it once per SQLSTATE and keeps
 * the answer.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_ERROR_CODES_H
#define PG_OT_GATEWAY_ERROR_CODES_H

#include <libpq-fe.h>
#include <stdbool.h>

typedef void (*ErrorCodeFn) (const char *code, const char *message, void *arg);

/*
 * Calls fn with the ShareDB code and the message of a failed result that
 * partition's server returned (which is the one asked).
 */
void		error_code_of(const PGresult *res, int partition, bool reading, ErrorCodeFn fn, void *arg);

#endif
