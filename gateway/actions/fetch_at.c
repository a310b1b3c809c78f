/*
 * fetch_at.c: nf and nt, a snapshot at a version or a time (see fetch.h).
 *
 * Owns: SnapshotRead.  May call: actions/fetch.c (fetch_internal.h),
 * db (pool, error codes, queries), client, base.
 */
#include "actions/fetch.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "docs/document.h"
#include "db/error_codes.h"
#include "base/json_text.h"
#include "base/metrics.h"
#include "db/partitions.h"
#include "db/pool.h"
#include "client/reads.h"
#include "db/queries.h"
#include "actions/fetch_internal.h"

/* The reply: a and id, then the members of snapshot (JSON text), or the error. */
static void
snapshot_reply(SnapshotRead *r, const char *snapshot, const char *code, const char *message)
{
	Session    *s = r->ticket.session;

	ticket_detach(&r->ticket);
	if (s && code)
		session_send_error(s, json_incref(r->request), code, message);
	else if (s && snapshot)
	{
		json_t	   *head = json_pack("{s:O,s:O}", "a", json_object_get(r->request, "a"),
									 "id", json_object_get(r->request, "id"));
		JsonText	t;

		json_text_open(&t);
		json_text_members(&t, head);
		json_text_raw_members(&t, snapshot, strlen(snapshot));
		session_send(s, json_text_frame(&t));
		json_decref(head);
	}
	json_decref(r->request);
	free(r);
}

static void
snapshot_failed(const char *code, const char *message, void *arg)
{
	snapshot_reply(arg, NULL, code, message);
}

static void
snapshot_at_done(DbRead *read, PGresult *res)
{
	SnapshotRead *r = read->arg;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		error_code_of(res, read->partition, true, snapshot_failed, r);
		return;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		snapshot_reply(r, NULL, "ERR_UNKNOWN_ERROR", "the snapshot could not be read");
	else
		snapshot_reply(r, PQgetvalue(res, 0, 0), NULL, NULL);
}

void
fetch_snapshot_at(Session *s, json_t *request, bool by_time)
{
	SnapshotRead *r = xcalloc(1, sizeof(SnapshotRead));
	json_t	   *at = json_object_get(request, by_time ? "ts" : "v");
	char		buf[32];
	const char *params[3] = {json_string_value(json_object_get(request, "c")),
	json_string_value(json_object_get(request, "d")), NULL};

	r->request = fetch_reply_fields(request);
	ticket_attach_read(&r->ticket, s);
	if (json_is_number(at))
	{
		snprintf(buf, sizeof(buf), "%.17g", json_number_value(at));
		params[2] = buf;
	}
	if (by_time && params[2])
		pool_read(partition_of(params[0], params[1]),
				  db_read_new(SNAPSHOT_AT_TIME_SQL, s->user, snapshot_at_done, r, 3, params));
	else
		pool_read(partition_of(params[0], params[1]),
				  db_read_new(SNAPSHOT_AT_VERSION_SQL, s->user, snapshot_at_done, r, 3, params));
	json_decref(request);
}
