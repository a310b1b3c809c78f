/*
 * presence_update.c: p, a presence update (see presence.h): admitted under
 * --presence-rate and the limits, moved to the document's latest version
 * by the database when made at an older one (ot.presence_at), then relayed
 * and published.
 *
 * Owns: PresenceRead.  May call: actions/presence*.c (presence_internal.h),
 * actions/presence_rate, docs (document), db (pool, error codes, queries),
 * client, base.
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

/* ---------- p ---------- */

/* The record to the others and, as its reply, to the sender. */
static void
publish(Session *s, PresenceUse *use, json_t *record)
{
	Frame	   *f = frame_from_json(record);

	presence_remember(use, record, f);
	presence_relay(use->key, frame_ref(f), s->src);
	session_send(s, f);
	presence_publish_remote(record, use);
}

static void
presence_read_free(PresenceRead *r)
{
	ticket_detach(&r->ticket);
	json_decref(r->record);
	free(r);
}

/* A presence that never went out: its admission is undone. */
static void
unadmit(Session *s, json_t *record)
{
	const char *name = json_string_value(json_object_get(record, "ch"));
	const char *id = json_string_value(json_object_get(record, "id"));
	PresenceUse *use = table_get(&s->presence_uses, name, strlen(name));
	Sent	   *sent = use ? presence_sent_find(use, id) : NULL;

	if (sent && sent->frame == NULL)
		presence_sent_forget(s, table_remove(&use->sent, id, strlen(id)));
}

static void
presence_failed(const char *code, const char *message, void *arg)
{
	PresenceRead *r = arg;
	Session    *s = r->ticket.session;

	if (s)
	{
		unadmit(s, r->record);
		presence_refuse(s, json_incref(r->record), code, message);
	}
	presence_read_free(r);
}

static void
transformed(DbRead *read, PGresult *res)
{
	PresenceRead *r = read->arg;
	Session    *s = r->ticket.session;
	const char *name = json_string_value(json_object_get(r->record, "ch"));
	PresenceUse *use = s ? table_get(&s->presence_uses, name, strlen(name)) : NULL;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
	{
		error_code_of(res, read->partition, true, presence_failed, r);
		return;
	}
	if (s)
	{
		/*
		 * PostgreSQL writes a number the client sent as 1e300 out in full,
		 * an integer jansson cannot hold: read it as a double, as the
		 * clients will.
		 */
		const char *text = PQgetvalue(res, 0, 1);
		json_t	   *p = PQgetisnull(res, 0, 1) ? json_null() : json_loads(text, JSON_DECODE_ANY, NULL);

		if (p == NULL)
			p = json_loads(text, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
		if (p == NULL)
		{
			lwsl_err("presence moved by the database could not be read: %.200s\n", text);
			presence_failed("ERR_PRESENCE_TRANSFORM_FAILED", "the presence could not be moved to the "
							"document's latest version", r);
			return;
		}
		json_object_set_new(r->record, "v", json_integer(strtoll(PQgetvalue(res, 0, 0), NULL, 10)));
		json_object_set_new(r->record, "p", p);
		if (use && use->epoch == r->epoch)
			publish(s, use, r->record);
		else
			session_send_json(s, json_incref(r->record));	/* unsubscribed meanwhile: only the ack */
	}
	presence_read_free(r);
}

/* Moves a document presence made at an old version to the latest one. */
static void
transform_then_publish(Session *s, PresenceUse *use, json_t *record)
{
	PresenceRead *r = xcalloc(1, sizeof(PresenceRead));
	char	   *p = json_dumps(json_object_get(record, "p"), JSON_COMPACT | JSON_ENCODE_ANY);
	char		v[24];
	const char *params[5];

	snprintf(v, sizeof(v), "%lld", (long long) json_integer_value(json_object_get(record, "v")));
	params[0] = json_string_value(json_object_get(record, "c"));
	params[1] = json_string_value(json_object_get(record, "d"));
	params[2] = p;
	params[3] = v;
	params[4] = s->src;
	r->record = record;
	r->epoch = use->epoch;
	ticket_attach_read(&r->ticket, s);
	pool_read(partition_of(params[0], params[1]), db_read_new(PRESENCE_AT_SQL,
						  s->user, transformed, r, 5, params));
	free(p);
}

/* The rate allows it: to the others now, or once moved to the latest version. */
static void
update_allowed(Session *s, json_t *record)
{
	const char *name = json_string_value(json_object_get(record, "ch"));
	const char *c = json_string_value(json_object_get(record, "c"));
	const char *d = json_string_value(json_object_get(record, "d"));
	json_t	   *v = json_object_get(record, "v");
	PresenceUse *use = table_get(&s->presence_uses, name, strlen(name));
	Doc		   *doc = c && d ? doc_find(c, d) : NULL;

	json_object_set_new(record, "src", json_string(s->src));
	if (use == NULL)
		session_send_json(s, record);	/* unsubscribed meanwhile: only the ack */
	else if (c && d && json_is_integer(v) && !json_is_null(json_object_get(record, "p")) &&
			 !(doc && doc->known && json_integer_value(v) == doc->head))
		transform_then_publish(s, use, record);
	else
	{
		publish(s, use, record);
		json_decref(record);
	}
}

/* Access is known: the presence is admitted (--max-presences), then the rate decides when. */
static void
update_admitted(Session *s, PresenceUse *use, json_t *record)
{
	const char *id = json_string_value(json_object_get(record, "id"));
	const char *t = json_string_value(json_object_get(record, "t"));

	if (t && strcmp(t, RICH_TEXT_URI) != 0 && strcmp(t, "rich-text") != 0)
	{
		presence_refuse(s, record, "ERR_TYPE_DOES_NOT_SUPPORT_PRESENCE", "only rich-text documents support presence");
		return;
	}
	if (presence_sent_find(use, id) == NULL)
	{
		if (json_is_null(json_object_get(record, "p")))
		{
			/* Ends a presence the others do not have: only the ack. */
			json_object_set_new(record, "src", json_string(s->src));
			session_send_json(s, record);
			return;
		}
		if (s->presences >= client_limits.max_presences)
		{
			metrics.presence_refused++;
			presence_refuse(s, record, "ERR_TOO_MANY_PRESENCES",
				   "this connection has as many presences as the gateway allows (destroy one first)");
			return;
		}
		presence_sent_add(use, id);
	}
	presence_rate_admit(s, record, json_dumpb(record, NULL, 0, JSON_COMPACT), update_allowed);
}

/* The fields of a ShareDB presence (its _createPresence); src is the gateway's. */
static json_t *
record_of(const json_t *request)
{
	static const char *const keys[] = {"a", "ch", "id", "p", "pv", "c", "d", "v", "t", NULL};
	json_t	   *record = json_object();

	for (int i = 0; keys[i]; i++)
		if (json_object_get(request, keys[i]))
			json_object_set(record, keys[i], json_object_get(request, keys[i]));
	return record;
}

void
presence_update(Session *s, json_t *request)
{
	json_t	   *record = record_of(request);
	const char *name = json_string_value(json_object_get(record, "ch"));
	json_t	   *id = json_object_get(record, "id");
	const char *c = json_string_value(json_object_get(record, "c"));
	const char *d = json_string_value(json_object_get(record, "d"));
	size_t		names = strlen(name) + (c ? strlen(c) : 0) + (d ? strlen(d) : 0);
	size_t		bytes = json_dumpb(record, NULL, 0, JSON_COMPACT);

	json_decref(request);
	if (strlen(json_string_value(id)) != json_string_length(id))
	{
		presence_refuse(s, record, BADLY_FORMED, "Invalid presence ID");
		return;
	}
	if (c && d && (strlen(name) != strlen(c) + 1 + strlen(d) || strncmp(name, c, strlen(c)) != 0 ||
				   name[strlen(c)] != '.' || strcmp(name + strlen(c) + 1, d) != 0))
	{
		presence_refuse(s, record, BADLY_FORMED, "the presence channel of a document is \"<collection>.<id>\"");
		return;
	}
	if (bytes > names + (size_t) client_limits.max_presence)
	{
		/* Checked before anything else: it costs nothing to refuse. */
		metrics.presence_refused++;
		presence_refuse(s, record, "ERR_PRESENCE_TOO_LARGE", "this presence is larger than the gateway allows");
		return;
	}
	presence_with_access(s, record, c && d ? c : NULL, c && d ? d : NULL, update_admitted);
}
