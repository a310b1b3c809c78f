/*
 * error_codes.c: SQLSTATE -> ShareDB code, asked of the database once each
 * (see error_codes.h).
 *
 * May call: base/alloc, db/pg_conn, db/pool, base/table, db/queries.
 */
#include "db/error_codes.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "db/pg_conn.h"
#include "db/pool.h"
#include "base/table.h"
#include "db/queries.h"

typedef struct Pending
{
	char	   *message;
	char	   *key;
	ErrorCodeFn fn;
	void	   *arg;
} Pending;

static Table codes;				/* "r:SQLSTATE" or "w:SQLSTATE" -> code */
static bool codes_ready;

static void
looked_up(DbRead *read, PGresult *res)
{
	Pending    *p = read->arg;
	const char *code = "ERR_UNKNOWN_ERROR";

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
	{
		code = PQgetvalue(res, 0, 0);
		if (table_get(&codes, p->key, strlen(p->key)) == NULL)
			table_put(&codes, p->key, strlen(p->key), xstrdup(code));
	}
	p->fn(code, p->message, p->arg);
	free(p->message);
	free(p->key);
	free(p);
}

void
error_code_of(const PGresult *res, int partition, bool reading, ErrorCodeFn fn, void *arg)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	char		message[512];
	char		key[16];
	const char *code;
	const char *params[2];
	Pending    *p;

	pg_result_message(res, message, sizeof(message));
	if (!codes_ready)
	{
		table_init(&codes);
		codes_ready = true;
	}
	snprintf(key, sizeof(key), "%c:%.5s", reading ? 'r' : 'w', state ? state : "");
	if (state == NULL)
	{
		fn("ERR_UNKNOWN_ERROR", message, arg);
		return;
	}
	if ((code = table_get(&codes, key, strlen(key))) != NULL)
	{
		fn(code, message, arg);
		return;
	}
	p = xcalloc(1, sizeof(Pending));
	p->message = xstrdup(message);
	p->key = xstrdup(key);
	p->fn = fn;
	p->arg = arg;
	params[0] = state;
	params[1] = reading ? "true" : "false";
	pool_read(partition, db_read_new(ERROR_CODE_SQL, NULL, looked_up, p, 2, params));
}
