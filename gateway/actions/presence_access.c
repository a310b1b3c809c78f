/*
 * presence_access.c: which document a presence channel names for a
 * session's user (ot.authorize_presence), asked once per session and
 * channel; refusals remembered (--max-refusals).  See presence.h.
 *
 * Owns: PresenceAuth and the session's refusal cache.  May call:
 * actions/presence*.c (presence_internal.h), db (pool, error codes,
 * queries), client, base.
 */
#include "actions/presence.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "docs/document.h"
#include "db/error_codes.h"
#include "base/metrics.h"
#include "db/listener.h"
#include "db/partitions.h"
#include "db/pool.h"
#include "actions/presence_rate.h"
#include "client/reads.h"
#include "base/table.h"
#include "db/queries.h"
#include "actions/presence_internal.h"

/* ---------- access ---------- */

static void
remember_refusal(Session *s, const char *name, size_t collection_len)
{
	uint64_t	h = presence_refusal_hash(name, collection_len);

	if (s->presence_refused.count < (size_t) client_limits.max_refusals)
		table_put(&s->presence_refused, (const char *) &h, sizeof(h), &presence_placeholder);
}

static bool
refused_before(Session *s, const char *name, size_t collection_len)
{
	uint64_t	h = presence_refusal_hash(name, collection_len);

	return table_get(&s->presence_refused, (const char *) &h, sizeof(h)) != NULL;
}

static void
access_refused(const char *code, const char *message, void *arg)
{
	PresenceAuth *a = arg;

	if (a->ticket.session)
		presence_refuse(a->ticket.session, json_incref(a->request), code, message);
	ticket_detach(&a->ticket);
	json_decref(a->request);
	free(a);
}

/* The document the database named for the channel becomes the session's use of it. */
static PresenceUse *
use_bind(Session *s, const char *name, const char *collection, const char *id)
{
	size_t		clen = strlen(collection);
	PresenceUse *use;

	/* Data from the database is checked like any other. */
	if (strlen(name) != clen + 1 + strlen(id) || memcmp(name, collection, clen) != 0 || name[clen] != '.' ||
		strcmp(name + clen + 1, id) != 0)
		return NULL;
	use = xcalloc(1, sizeof(PresenceUse));
	use->session = s;
	use->name = xstrdup(name);
	use->key = presence_channel_key(name, clen);
	use->collection_len = clen;
	table_put(&s->presence_uses, use->name, strlen(name), use);
	return use;
}

static void
access_checked(DbRead *read, PGresult *res)
{
	PresenceAuth *a = read->arg;
	Session    *s = a->ticket.session;
	const char *name = json_string_value(json_object_get(a->request, "ch"));
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	PresenceUse *use;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
	{
		if (s && state && strcmp(state, "42501") == 0)
			remember_refusal(s, name, a->collection_len);
		error_code_of(res, read->partition, true, access_refused, a);
		return;
	}
	ticket_detach(&a->ticket);
	if (s == NULL)
		;						/* the client went meanwhile */
	else if ((use = table_get(&s->presence_uses, name, strlen(name))) != NULL)
	{
		/* Bound meanwhile, by a request sent with it. */
		if (a->collection_len && use->collection_len != a->collection_len)
			presence_refuse(s, a->request, BADLY_FORMED, "this connection uses the presence channel for another document");
		else
			a->next(s, use, a->request);
	}
	else if (!presence_room_for_channel(s))
		presence_refuse_over_limit(s, a->request);
	else if ((use = use_bind(s, name, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1))) == NULL)
		presence_refuse(s, a->request, "ERR_UNKNOWN_ERROR", "the database named another presence channel");
	else
		a->next(s, use, a->request);
	if (s == NULL)
		json_decref(a->request);
	free(a);
}

/*
 * Runs next once the database has said which document the channel names
 * for the session's user (once per session and channel; a refusal is
 * remembered as well): presence must not leak what a user may not read,
 * and nothing is held for a request before that.  c and d: what a
 * document's presence update says it is about, or NULL.
 */
void
presence_with_access(Session *s, json_t *request, const char *c, const char *d, PresenceStep next)
{
	const char *name = json_string_value(json_object_get(request, "ch"));
	PresenceUse *use = table_get(&s->presence_uses, name, strlen(name));
	const char *params[3] = {name, c, d};
	PresenceAuth *a;

	if (use)
	{
		if (c && use->collection_len != strlen(c))
			presence_refuse(s, request, BADLY_FORMED, "this connection uses the presence channel for another document");
		else
			next(s, use, request);
		return;
	}
	if (refused_before(s, name, c ? strlen(c) : 0) || s->presence_refused.count >= (size_t) client_limits.max_refusals ||
		strlen(name) > CHANNEL_MAX)
	{
		/* Asked before, or asked too often: the database is not asked again. */
		metrics.refusals_cached++;
		presence_refuse(s, request, REFUSED, "permission denied to the presence channel");
		return;
	}
	if (!presence_room_for_channel(s))
	{
		presence_refuse_over_limit(s, request);
		return;
	}
	a = xcalloc(1, sizeof(PresenceAuth));
	a->request = request;
	a->collection_len = c ? strlen(c) : 0;
	a->next = next;
	ticket_attach_read(&a->ticket, s);
	pool_read(c && d ? partition_of(c, d) : presence_partition(name, 0),
			  db_read_new(AUTHORIZE_PRESENCE_SQL, s->user,
						  access_checked, a, 3, params));
}
