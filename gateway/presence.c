/*
 * presence.c: presence channels and their relay (see presence.h).
 */
#include "presence.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "document.h"
#include "error_codes.h"
#include "metrics.h"
#include "pool.h"
#include "presence_rate.h"
#include "table.h"

#define RICH_TEXT_URI "http://sharejs.org/types/rich-text/v1"
/* The collection whose ot.channel() a presence channel is published on. */
#define PRESENCE_COLLECTION "$presence"
/*
 * NOTIFY payloads must stay below 8,000 bytes, and ot.publish_presence adds
 * its signature and stamp (at most 138 bytes).
 */
#define NOTIFY_MAX 7800

typedef struct PresenceChannel
{
	char	   *name;
	lws_dll2_owner_t subs;		/* PresenceSub.link */
	Doc		   *doc;			/* ("$presence", name): LISTENs for other gateways */
} PresenceChannel;

typedef struct PresenceSub
{
	lws_dll2_t	link;
	Session    *session;
	PresenceChannel *channel;
} PresenceSub;

typedef struct PresenceRead
{
	Ticket		ticket;
	json_t	   *request;
	json_t	   *record;
} PresenceRead;

/* A ps waiting for the other gateways' presence to be heard. */
typedef struct PresenceWait
{
	Ticket		ticket;
	DocWait		wait;
	Doc		   *doc;
	json_t	   *request;
} PresenceWait;

/* A presence request waiting for the database to say the user may. */
typedef void (*PresenceStep) (Session *s, json_t *request);
typedef struct PresenceAuth
{
	Ticket		ticket;
	json_t	   *request;
	PresenceStep next;
} PresenceAuth;

static Table channels;
static char gateway_id[33];		/* tells this gateway's own NOTIFYs apart */

void
presence_init(struct lws_context *context)
{
	unsigned char random[16];

	table_init(&channels);
	lws_get_random(context, random, sizeof(random));
	for (size_t i = 0; i < sizeof(random); i++)
		snprintf(gateway_id + 2 * i, 3, "%02x", random[i]);
}

static void
published(DbRead *read, PGresult *res)
{
	char		buf[256];

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		lwsl_warn("presence NOTIFY: %s\n", pg_result_message(res, buf, sizeof(buf)));
}

/*
 * Publishes m to the other gateways, signed and stamped by the database
 * (ot.publish_presence) so that they can tell it from a forgery or a
 * replay.  Presence is not worth a WAL flush: the NOTIFY's transaction
 * commits asynchronously.
 */
static void
publish_remote(const json_t *m)
{
	json_t	   *copy = json_copy((json_t *) m);
	char	   *payload;
	const char *params[2];

	json_object_set_new(copy, "gw", json_string(gateway_id));
	payload = json_dumps(copy, JSON_COMPACT);
	json_decref(copy);
	if (payload == NULL)
		out_of_memory();
	params[0] = json_string_value(json_object_get(m, "ch"));
	params[1] = payload;
	if (strlen(payload) <= NOTIFY_MAX)
		pool_read(db_read_new(
			"WITH s AS MATERIALIZED (SELECT pg_catalog.set_config('synchronous_commit', 'off', true))"
			" SELECT ot.publish_presence($1, $2) FROM s",
			NULL, published, NULL, 2, params));
	else
		lwsl_warn("presence on %s too large for other gateways (%zu bytes)\n", params[0], strlen(payload));
	free(payload);
}

static PresenceChannel *
channel_get(const char *name, bool create)
{
	PresenceChannel *ch = table_get(&channels, name, strlen(name));

	if (ch == NULL && create)
	{
		ch = xcalloc(1, sizeof(PresenceChannel));
		ch->name = xstrdup(name);
		ch->doc = doc_acquire(PRESENCE_COLLECTION, name);
		table_put(&channels, ch->name, strlen(name), ch);
	}
	return ch;
}

/* Sends one frame to every subscriber of ch but those of source src. */
static void
relay(const char *name, Frame *f, const char *src)
{
	PresenceChannel *ch = channel_get(name, false);

	if (ch)
	{
		lws_start_foreach_dll(struct lws_dll2 *, p, ch->subs.head)
		{
			PresenceSub *sub = lws_container_of(p, PresenceSub, link);

			if (strcmp(sub->session->src, src) != 0)
				session_send(sub->session, frame_ref(f));
		}
		lws_end_foreach_dll(p);
	}
	frame_unref(f);
}

/* Asks every other subscriber of ch, here and elsewhere, to send theirs. */
static void
relay_request(Session *s, const char *ch)
{
	json_t	   *pr = json_pack("{s:s,s:s}", "a", "pr", "ch", ch);

	relay(ch, frame_from_json(pr), s->src);
	json_object_set_new(pr, "src", json_string(s->src));
	publish_remote(pr);
	json_decref(pr);
}

static void
reply(Session *s, json_t *request, const char *a)
{
	json_t	   *m = json_pack("{s:s}", "a", a);

	if (json_object_get(request, "ch"))
		json_object_set(m, "ch", json_object_get(request, "ch"));
	if (json_object_get(request, "seq"))
		json_object_set(m, "seq", json_object_get(request, "seq"));
	session_send_json(s, m);
	json_decref(request);
}

/* The channel is heard from the other gateways: ask for presence, reply. */
static void
subscribed(DocWait *w)
{
	PresenceWait *pw = lws_container_of(w, PresenceWait, wait);
	Session    *s = pw->ticket.session;

	ticket_detach(&pw->ticket);
	if (s && pw->doc->channel_state != DOC_CHANNEL_READY)
		session_send_error(s, pw->request, "ERR_UNKNOWN_ERROR",
						   "the presence channel could not be listened to");
	else if (s)
	{
		relay_request(s, json_string_value(json_object_get(pw->request, "ch")));
		reply(s, pw->request, "ps");
	}
	else
		json_decref(pw->request);
	doc_release(pw->doc);
	free(pw);
}

static void
access_refused(const char *code, const char *message, void *arg)
{
	PresenceAuth *a = arg;

	if (a->ticket.session)
		session_send_error(a->ticket.session, json_incref(a->request), code, message);
	ticket_detach(&a->ticket);
	json_decref(a->request);
	free(a);
}

static void
access_checked(DbRead *read, PGresult *res)
{
	PresenceAuth *a = read->arg;
	Session    *s = a->ticket.session;
	const char *ch = json_string_value(json_object_get(a->request, "ch"));

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		error_code_of(res, true, access_refused, a);
		return;
	}
	ticket_detach(&a->ticket);
	if (s)
	{
		table_put(&s->presence_ok, ch, strlen(ch), s);
		a->next(s, a->request);
	}
	else
		json_decref(a->request);
	free(a);
}

/*
 * Runs next once the database has said the session's user may use the
 * channel (once per session and channel): presence must not leak what a
 * user may not read.
 */
static void
with_access(Session *s, json_t *request, PresenceStep next)
{
	const char *ch = json_string_value(json_object_get(request, "ch"));
	PresenceAuth *a;

	if (table_get(&s->presence_ok, ch, strlen(ch)))
	{
		next(s, request);
		return;
	}
	a = xcalloc(1, sizeof(PresenceAuth));
	a->request = request;
	a->next = next;
	ticket_attach(&a->ticket, s);
	pool_read(db_read_new("SELECT ot.authorize_presence($1)", s->user, access_checked, a, 1, &ch));
}

/* Answers ERR_TOO_MANY_SUBSCRIPTIONS if a new channel would pass the limit. */
static bool
refuse_over_limit(Session *s, json_t *request)
{
	const char *ch = json_string_value(json_object_get(request, "ch"));

	if (table_get(&s->presence_subs, ch, strlen(ch)) != NULL ||
		s->presence_subs.count < (size_t) client_limits.max_subscriptions)
		return false;
	metrics.subscriptions_refused++;
	session_send_error(s, request, "ERR_TOO_MANY_SUBSCRIPTIONS",
					   "this connection has as many presence subscriptions as the gateway allows");
	return true;
}

static void
subscribe_allowed(Session *s, json_t *request)
{
	const char *name = json_string_value(json_object_get(request, "ch"));
	PresenceChannel *ch;
	PresenceWait *pw;

	/* Again: subscriptions sent together all passed before any was made. */
	if (refuse_over_limit(s, request))
		return;
	ch = channel_get(name, true);
	pw = xcalloc(1, sizeof(PresenceWait));

	if (table_get(&s->presence_subs, name, strlen(name)) == NULL)
	{
		PresenceSub *sub = xcalloc(1, sizeof(PresenceSub));

		sub->session = s;
		sub->channel = ch;
		lws_dll2_add_tail(&sub->link, &ch->subs);
		table_put(&s->presence_subs, ch->name, strlen(name), sub);
	}
	pw->doc = ch->doc;
	pw->doc->refs++;
	pw->request = request;
	pw->wait.fn = subscribed;
	ticket_attach(&pw->ticket, s);
	doc_when_listening(pw->doc, &pw->wait);
}

void
presence_subscribe(Session *s, json_t *request)
{
	if (!refuse_over_limit(s, request))
		with_access(s, request, subscribe_allowed);
}

/* Tells the others that each presence s sent on ch is gone. */
static void
remove_presences(Session *s, const char *ch)
{
	json_t	   *records = table_remove(&s->presence_sent, ch, strlen(ch));
	const char *id;
	json_t	   *record;

	json_object_foreach(records, id, record)
	{
		json_object_set_new(record, "p", json_null());
		relay(ch, frame_from_json(record), s->src);
		publish_remote(record);
	}
	json_decref(records);
}

static void
unsubscribe(Session *s, const char *name)
{
	PresenceSub *sub = table_remove(&s->presence_subs, name, strlen(name));
	PresenceChannel *ch = sub ? sub->channel : NULL;

	if (sub == NULL)
		return;
	lws_dll2_remove(&sub->link);
	free(sub);
	if (ch->subs.count == 0)
	{
		table_remove(&channels, ch->name, strlen(ch->name));
		doc_release(ch->doc);
		free(ch->name);
		free(ch);
	}
}

void
presence_unsubscribe(Session *s, json_t *request)
{
	const char *name = json_string_value(json_object_get(request, "ch"));

	remove_presences(s, name);
	unsubscribe(s, name);
	reply(s, request, "pu");
}

void
presence_request(Session *s, json_t *request)
{
	relay_request(s, json_string_value(json_object_get(request, "ch")));
	json_object_del(request, "ch");
	reply(s, request, "pr");
}

/* Keeps the newest record per (channel, presence id), for removal later. */
static void
remember(Session *s, json_t *record)
{
	const char *ch = json_string_value(json_object_get(record, "ch"));
	const char *id = json_string_value(json_object_get(record, "id"));
	json_t	   *records = table_get(&s->presence_sent, ch, strlen(ch));
	json_t	   *previous;

	if (records == NULL)
	{
		records = json_object();
		table_put(&s->presence_sent, ch, strlen(ch), records);
	}
	previous = json_object_get(records, id);
	if (previous && json_number_value(json_object_get(previous, "pv")) >
		json_number_value(json_object_get(record, "pv")))
		return;
	json_object_set_new(records, id, json_deep_copy(record));
}

/* The record to the others and, as its reply, to the sender. */
static void
publish(Session *s, json_t *record)
{
	Frame	   *f = frame_from_json(record);
	const char *ch = json_string_value(json_object_get(record, "ch"));

	remember(s, record);
	relay(ch, frame_ref(f), s->src);
	session_send(s, f);
	publish_remote(record);
}

static void
presence_read_free(PresenceRead *r)
{
	ticket_detach(&r->ticket);
	json_decref(r->request);
	json_decref(r->record);
	free(r);
}

static void
presence_failed(const char *code, const char *message, void *arg)
{
	PresenceRead *r = arg;

	if (r->ticket.session)
		session_send_error(r->ticket.session, json_incref(r->request), code, message);
	presence_read_free(r);
}

static void
transformed(DbRead *read, PGresult *res)
{
	PresenceRead *r = read->arg;
	Session    *s = r->ticket.session;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
	{
		error_code_of(res, true, presence_failed, r);
		return;
	}
	if (s)
	{
		json_object_set_new(r->record, "v", json_integer(strtoll(PQgetvalue(res, 0, 0), NULL, 10)));
		json_object_set_new(r->record, "p", PQgetisnull(res, 0, 1) ? json_null() :
							json_loads(PQgetvalue(res, 0, 1), JSON_DECODE_ANY, NULL));
		publish(s, r->record);
	}
	presence_read_free(r);
}

/* Moves a document presence made at an old version to the latest one. */
static void
transform_then_publish(Session *s, json_t *request, json_t *record)
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
	r->request = request;
	r->record = record;
	ticket_attach(&r->ticket, s);
	pool_read(db_read_new("SELECT version, presence::text FROM ot.presence_at($1, $2, $3::jsonb, $4, $5)",
						  s->user, transformed, r, 5, params));
	free(p);
}

static void
update_allowed(Session *s, json_t *request)
{
	json_t	   *record = json_deep_copy(request);
	const char *c = json_string_value(json_object_get(request, "c"));
	const char *d = json_string_value(json_object_get(request, "d"));
	const char *t = json_string_value(json_object_get(request, "t"));
	json_t	   *v = json_object_get(request, "v");
	Doc		   *doc;

	json_object_set_new(record, "a", json_string("p"));
	json_object_set_new(record, "src", json_string(s->src));
	if (t && strcmp(t, RICH_TEXT_URI) != 0 && strcmp(t, "rich-text") != 0)
	{
		json_decref(record);
		session_send_error(s, request, "ERR_TYPE_DOES_NOT_SUPPORT_PRESENCE",
						   "only rich-text documents support presence");
		return;
	}
	doc = c && d ? doc_find(c, d) : NULL;
	if (c && d && json_is_integer(v) && !json_is_null(json_object_get(record, "p")) &&
		!(doc && doc->known && json_integer_value(v) == doc->head))
	{
		transform_then_publish(s, request, record);
		return;
	}
	publish(s, record);
	json_decref(record);
	json_decref(request);
}

static void
update_admitted(Session *s, json_t *request)
{
	with_access(s, request, update_allowed);
}

void
presence_update(Session *s, json_t *request)
{
	presence_rate_admit(s, request, update_admitted);
}

static void
collect_key(const char *key, size_t keylen, void *value, void *arg)
{
	json_array_append_new(arg, json_stringn(key, keylen));
}

void
presence_session_closed(Session *s)
{
	json_t	   *sent = json_array();
	json_t	   *subscribed = json_array();
	size_t		i;
	json_t	   *name;

	/* Collected first: the walk must not change the tables. */
	table_each(&s->presence_sent, collect_key, sent);
	table_each(&s->presence_subs, collect_key, subscribed);
	json_array_foreach(sent, i, name)
		remove_presences(s, json_string_value(name));
	json_array_foreach(subscribed, i, name)
		unsubscribe(s, json_string_value(name));
	json_decref(sent);
	json_decref(subscribed);
	presence_rate_forget(s);
}

void
presence_notification(json_t *m)
{
	const char *gw = json_string_value(json_object_get(m, "gw"));
	const char *ch = json_string_value(json_object_get(m, "ch"));
	const char *src = json_string_value(json_object_get(m, "src"));
	const char *a = json_string_value(json_object_get(m, "a"));
	json_t	   *out;

	if (gw == NULL || ch == NULL || src == NULL || strcmp(gw, gateway_id) == 0)
		return;					/* ours went to our clients directly */
	out = json_copy(m);			/* src (m's) must outlive the relay */
	json_object_del(out, "gw");
	if (strcmp(a, "pr") == 0)
		json_object_del(out, "src");
	relay(ch, frame_from_json(out), src);
	json_decref(out);
}
