/*
 * presence.c: presence channels and their relay (see presence.h).
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
#include "db/pool.h"
#include "actions/presence_rate.h"
#include "client/reads.h"
#include "base/table.h"
#include "db/queries.h"

#define RICH_TEXT_URI "http://sharejs.org/types/rich-text/v1"
/* The collection whose ot.channel() a presence channel is published on. */
#define PRESENCE_COLLECTION "$presence"
/*
 * NOTIFY payloads must stay below 8,000 bytes, and ot.publish_presence adds
 * its signature and stamp (at most 138 bytes).
 */
#define NOTIFY_MAX 7800
/* The longest channel that can name a document (collection and id: 1,024 bytes each). */
#define CHANNEL_MAX 2049
#define BADLY_FORMED "ERR_MESSAGE_BADLY_FORMED"
#define REFUSED "ERR_SNAPSHOT_READS_REJECTED"

/* A presence channel as this gateway relays it: the one document it names. */
typedef struct PresenceChannel
{
	char	   *key;			/* channel_key() */
	lws_dll2_owner_t subs;		/* PresenceUse.sub_link of the uses subscribed */
	Channel    *listen;			/* ("$presence", key): LISTENs for other gateways */
} PresenceChannel;

/* The last record relayed for one presence (channel, id) of a session. */
typedef struct Sent
{
	Frame	   *frame;			/* NULL: admitted, nothing relayed yet */
	double		pv;
} Sent;

/* A channel name as one session uses it: the document it named, what it sent. */
typedef struct PresenceUse
{
	Session    *session;
	char	   *name;			/* as the client names it (its key in presence_uses) */
	char	   *key;			/* channel_key() of the document it names */
	size_t		collection_len; /* name is collection "." id */
	PresenceChannel *channel;	/* while subscribed */
	lws_dll2_t	sub_link;
	Table		sent;			/* presence id -> Sent; made at the first (most uses have none) */
	unsigned	epoch;			/* one more at each pu: what was on its way then is not relayed */
} PresenceUse;

typedef void (*PresenceStep) (Session *s, PresenceUse *use, json_t *request);

/* A presence request waiting for the database to say what the channel names. */
typedef struct PresenceAuth
{
	Ticket		ticket;
	json_t	   *request;
	size_t		collection_len; /* of the document a presence update named, or 0 */
	PresenceStep next;
} PresenceAuth;

/* A document presence being moved to the latest version. */
typedef struct PresenceRead
{
	Ticket		ticket;
	json_t	   *record;
	unsigned	epoch;			/* its use's when it started */
} PresenceRead;

/* A ps waiting for the other gateways' presence to be heard. */
typedef struct PresenceWait
{
	Ticket		ticket;
	DocWait		wait;
	Channel    *listen;
	json_t	   *request;
} PresenceWait;

static Table channels;			/* key -> PresenceChannel */
static char gateway_id[33];		/* tells this gateway's own NOTIFYs apart */
static char placeholder;		/* presence_refused values */

/* Presence another gateway published (the listener's NOTE_PRESENCE handler). */
static void
presence_noted(const Note *note, json_t *m)
{
	presence_notification(m);
}

void
presence_init(struct lws_context *context)
{
	unsigned char random[16];

	table_init(&channels);
	listener_on(NOTE_PRESENCE, presence_noted);
	lws_get_random(context, random, sizeof(random));
	for (size_t i = 0; i < sizeof(random); i++)
		snprintf(gateway_id + 2 * i, 3, "%02x", random[i]);
}

/*
 * What a channel name is keyed by once it names (collection, id): the
 * collection's length in bytes and the name, "5:notes.n1", which tells
 * ("a", "b.c") from ("a.b", "c").
 */
static char *
channel_key(const char *name, size_t collection_len)
{
	size_t		len = strlen(name) + 24;
	char	   *key = xmalloc(len);

	snprintf(key, len, "%zu:%s", collection_len, name);
	return key;
}

/*
 * The hash a refused channel is remembered by, with the length of the
 * collection a document's presence named (0: none).  A collision only
 * refuses the session itself.
 */
static uint64_t
refusal_hash(const char *name, size_t collection_len)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *name; name++)
	{
		h ^= (unsigned char) *name;
		h *= 1099511628211ULL;
	}
	h ^= (uint64_t) collection_len;
	h *= 1099511628211ULL;
	return h;
}

/* ---------- replies ---------- */

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

/* An error for request with the fields ShareDB's client routes it by, not the request itself. */
static void
refuse(Session *s, json_t *request, const char *code, const char *message)
{
	static const char *const keys[] = {"a", "ch", "id", "pv", "seq", "c", "d", NULL};
	json_t	   *stub = json_object();

	for (int i = 0; keys[i]; i++)
		if (json_object_get(request, keys[i]))
			json_object_set(stub, keys[i], json_object_get(request, keys[i]));
	json_decref(request);
	session_send_error(s, stub, code, message);
}

/* ---------- the relay ---------- */

static void
published(DbRead *read, PGresult *res)
{
	char		buf[256];

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		lwsl_warn("presence NOTIFY: %s\n", pg_result_message(res, buf, sizeof(buf)));
}

/*
 * Publishes m to the other gateways, on use's document ("cl" tells them
 * which), signed and stamped by the database (ot.publish_presence) so that
 * they can tell it from a forgery or a replay.  Presence is not worth a WAL
 * flush: the NOTIFY's transaction commits asynchronously.
 */
static void
publish_remote(const json_t *m, const PresenceUse *use)
{
	json_t	   *copy = json_copy((json_t *) m);
	char	   *payload;
	const char *params[2];

	json_object_set_new(copy, "gw", json_string(gateway_id));
	json_object_set_new(copy, "cl", json_integer((json_int_t) use->collection_len));
	payload = json_dumps(copy, JSON_COMPACT);
	json_decref(copy);
	if (payload == NULL)
		out_of_memory();
	params[0] = use->key;
	params[1] = payload;
	if (strlen(payload) <= NOTIFY_MAX)
		pool_read(db_read_new(PUBLISH_PRESENCE_SQL, NULL, published, NULL, 2, params));
	else
		lwsl_warn("presence on %s too large for other gateways (%zu bytes)\n", use->name, strlen(payload));
	free(payload);
}

/* Sends one frame to every subscriber of the channel key but those of source src. */
static void
relay(const char *key, Frame *f, const char *src)
{
	PresenceChannel *ch = table_get(&channels, key, strlen(key));

	if (ch)
	{
		lws_start_foreach_dll(struct lws_dll2 *, p, ch->subs.head)
		{
			PresenceUse *sub = lws_container_of(p, PresenceUse, sub_link);

			if (strcmp(sub->session->src, src) != 0)
				session_send(sub->session, frame_ref(f));
		}
		lws_end_foreach_dll(p);
	}
	frame_unref(f);
}

/* Asks every other subscriber of the channel, here and elsewhere, to send theirs. */
static void
relay_request(Session *s, PresenceUse *use)
{
	json_t	   *pr = json_pack("{s:s,s:s}", "a", "pr", "ch", use->name);

	relay(use->key, frame_from_json(pr), s->src);
	json_object_set_new(pr, "src", json_string(s->src));
	publish_remote(pr, use);
	json_decref(pr);
}

/* ---------- what a session holds ---------- */

static void
sent_forget(Session *s, Sent *sent)
{
	if (sent->frame)
	{
		s->presence_bytes -= sent->frame->len;
		metrics.presence_bytes -= (int64_t) sent->frame->len;
		frame_unref(sent->frame);
	}
	s->presences--;
	metrics.presences--;
	free(sent);
}

static Sent *
sent_find(PresenceUse *use, const char *id)
{
	return use->sent.nbuckets ? table_get(&use->sent, id, strlen(id)) : NULL;
}

static Sent *
sent_add(PresenceUse *use, const char *id)
{
	Sent	   *sent = xcalloc(1, sizeof(Sent));

	if (use->sent.nbuckets == 0)
		table_init(&use->sent);
	table_put(&use->sent, id, strlen(id), sent);
	use->session->presences++;
	metrics.presences++;
	return sent;
}

/* Keeps the newest record per presence, for its removal later; a null one ends it. */
static void
remember(PresenceUse *use, const json_t *record, Frame *f)
{
	Session    *s = use->session;
	const char *id = json_string_value(json_object_get(record, "id"));
	double		pv = json_number_value(json_object_get(record, "pv"));
	Sent	   *sent = sent_find(use, id);
	bool		gone = json_is_null(json_object_get(record, "p"));

	if (sent && sent->frame && sent->pv > pv)
		return;
	if (gone)
	{
		if (sent)
			sent_forget(s, table_remove(&use->sent, id, strlen(id)));
		return;
	}
	if (sent == NULL)
		sent = sent_add(use, id);	/* (a late transform after pu: removed again at the end) */
	if (sent->frame)
	{
		s->presence_bytes -= sent->frame->len;
		metrics.presence_bytes -= (int64_t) sent->frame->len;
		frame_unref(sent->frame);
	}
	sent->frame = frame_ref(f);
	sent->pv = pv;
	s->presence_bytes += f->len;
	metrics.presence_bytes += (int64_t) f->len;
}

/* Tells the others that each presence s sent on use is gone, and forgets them. */
static void
remove_presences(Session *s, PresenceUse *use)
{
	size_t		n;
	void	  **all = table_values(&use->sent, &n);

	for (size_t i = 0; i < n; i++)
	{
		Sent	   *sent = all[i];
		json_t	   *record = sent->frame ? json_loadb((const char *) sent->frame->data, sent->frame->len, 0, NULL) : NULL;

		if (record)
		{
			json_object_set_new(record, "p", json_null());
			relay(use->key, frame_from_json(record), s->src);
			publish_remote(record, use);
			json_decref(record);
		}
		sent_forget(s, sent);
	}
	free(all);
	table_free(&use->sent);
}

static void
unsubscribe(PresenceUse *use)
{
	PresenceChannel *ch = use->channel;

	if (ch == NULL)
		return;
	lws_dll2_remove(&use->sub_link);
	use->channel = NULL;
	if (ch->subs.count == 0)
	{
		table_remove(&channels, ch->key, strlen(ch->key));
		channel_unref(ch->listen);
		free(ch->key);
		free(ch);
	}
}

static void
use_free(Session *s, PresenceUse *use)
{
	remove_presences(s, use);
	unsubscribe(use);
	table_remove(&s->presence_uses, use->name, strlen(use->name));
	table_free(&use->sent);
	free(use->name);
	free(use->key);
	free(use);
}

static void
find_unused(const char *key, size_t keylen, void *value, void *arg)
{
	PresenceUse *use = value;
	PresenceUse **unused = arg;

	if (*unused == NULL && use->channel == NULL && use->sent.count == 0)
		*unused = use;
}

/* Whether s may use one more channel: under the limit, or once an unused one is forgotten. */
static bool
room_for_channel(Session *s)
{
	PresenceUse *unused = NULL;

	if (s->presence_uses.count < (size_t) client_limits.max_subscriptions)
		return true;
	table_each(&s->presence_uses, find_unused, &unused);
	if (unused == NULL)
		return false;
	use_free(s, unused);
	return true;
}

static void
refuse_over_limit(Session *s, json_t *request)
{
	metrics.subscriptions_refused++;
	refuse(s, request, "ERR_TOO_MANY_SUBSCRIPTIONS",
		   "this connection uses as many presence channels as the gateway allows");
}

/* ---------- access ---------- */

static void
remember_refusal(Session *s, const char *name, size_t collection_len)
{
	uint64_t	h = refusal_hash(name, collection_len);

	if (s->presence_refused.count < (size_t) client_limits.max_refusals)
		table_put(&s->presence_refused, (const char *) &h, sizeof(h), &placeholder);
}

static bool
refused_before(Session *s, const char *name, size_t collection_len)
{
	uint64_t	h = refusal_hash(name, collection_len);

	return table_get(&s->presence_refused, (const char *) &h, sizeof(h)) != NULL;
}

static void
access_refused(const char *code, const char *message, void *arg)
{
	PresenceAuth *a = arg;

	if (a->ticket.session)
		refuse(a->ticket.session, json_incref(a->request), code, message);
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
	use->key = channel_key(name, clen);
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
		error_code_of(res, true, access_refused, a);
		return;
	}
	ticket_detach(&a->ticket);
	if (s == NULL)
		;						/* the client went meanwhile */
	else if ((use = table_get(&s->presence_uses, name, strlen(name))) != NULL)
	{
		/* Bound meanwhile, by a request sent with it. */
		if (a->collection_len && use->collection_len != a->collection_len)
			refuse(s, a->request, BADLY_FORMED, "this connection uses the presence channel for another document");
		else
			a->next(s, use, a->request);
	}
	else if (!room_for_channel(s))
		refuse_over_limit(s, a->request);
	else if ((use = use_bind(s, name, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1))) == NULL)
		refuse(s, a->request, "ERR_UNKNOWN_ERROR", "the database named another presence channel");
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
static void
with_access(Session *s, json_t *request, const char *c, const char *d, PresenceStep next)
{
	const char *name = json_string_value(json_object_get(request, "ch"));
	PresenceUse *use = table_get(&s->presence_uses, name, strlen(name));
	const char *params[3] = {name, c, d};
	PresenceAuth *a;

	if (use)
	{
		if (c && use->collection_len != strlen(c))
			refuse(s, request, BADLY_FORMED, "this connection uses the presence channel for another document");
		else
			next(s, use, request);
		return;
	}
	if (refused_before(s, name, c ? strlen(c) : 0) || s->presence_refused.count >= (size_t) client_limits.max_refusals ||
		strlen(name) > CHANNEL_MAX)
	{
		/* Asked before, or asked too often: the database is not asked again. */
		metrics.refusals_cached++;
		refuse(s, request, REFUSED, "permission denied to the presence channel");
		return;
	}
	if (!room_for_channel(s))
	{
		refuse_over_limit(s, request);
		return;
	}
	a = xcalloc(1, sizeof(PresenceAuth));
	a->request = request;
	a->collection_len = c ? strlen(c) : 0;
	a->next = next;
	ticket_attach_read(&a->ticket, s);
	pool_read(db_read_new(AUTHORIZE_PRESENCE_SQL, s->user,
						  access_checked, a, 3, params));
}

/* ---------- ps, pu, pr ---------- */

/* The channel is heard from the other gateways: ask for presence, reply. */
static void
subscribed(DocWait *w)
{
	PresenceWait *pw = lws_container_of(w, PresenceWait, wait);
	Session    *s = pw->ticket.session;
	const char *name = json_string_value(json_object_get(pw->request, "ch"));
	PresenceUse *use = s ? table_get(&s->presence_uses, name, strlen(name)) : NULL;

	ticket_detach(&pw->ticket);
	if (s && !channel_listening(pw->listen))
		refuse(s, pw->request, "ERR_UNKNOWN_ERROR", "the presence channel could not be listened to");
	else if (s)
	{
		if (use && use->channel)
			relay_request(s, use);
		reply(s, pw->request, "ps");
	}
	else
		json_decref(pw->request);
	channel_unref(pw->listen);
	free(pw);
}

static void
subscribe_allowed(Session *s, PresenceUse *use, json_t *request)
{
	PresenceWait *pw;

	if (use->channel == NULL)
	{
		PresenceChannel *ch = table_get(&channels, use->key, strlen(use->key));

		if (ch == NULL)
		{
			ch = xcalloc(1, sizeof(PresenceChannel));
			ch->key = xstrdup(use->key);
			ch->listen = channel_open(PRESENCE_COLLECTION, ch->key);
			table_put(&channels, ch->key, strlen(ch->key), ch);
		}
		use->channel = ch;
		lws_dll2_add_tail(&use->sub_link, &ch->subs);
	}
	pw = xcalloc(1, sizeof(PresenceWait));
	pw->listen = use->channel->listen;
	channel_ref(pw->listen);
	pw->request = request;
	pw->wait.fn = subscribed;
	ticket_attach_read(&pw->ticket, s);
	channel_when_listening(pw->listen, &pw->wait);
}

void
presence_subscribe(Session *s, json_t *request)
{
	with_access(s, request, NULL, NULL, subscribe_allowed);
}

void
presence_unsubscribe(Session *s, json_t *request)
{
	const char *name = json_string_value(json_object_get(request, "ch"));
	PresenceUse *use = table_get(&s->presence_uses, name, strlen(name));

	if (use)
	{
		presence_rate_drop_channel(s, name);
		remove_presences(s, use);
		unsubscribe(use);
		use->epoch++;
	}
	reply(s, request, "pu");
}

static void
request_allowed(Session *s, PresenceUse *use, json_t *request)
{
	relay_request(s, use);
	json_object_del(request, "ch");
	reply(s, request, "pr");
}

void
presence_request(Session *s, json_t *request)
{
	with_access(s, request, NULL, NULL, request_allowed);
}

/* ---------- p ---------- */

/* The record to the others and, as its reply, to the sender. */
static void
publish(Session *s, PresenceUse *use, json_t *record)
{
	Frame	   *f = frame_from_json(record);

	remember(use, record, f);
	relay(use->key, frame_ref(f), s->src);
	session_send(s, f);
	publish_remote(record, use);
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
	Sent	   *sent = use ? sent_find(use, id) : NULL;

	if (sent && sent->frame == NULL)
		sent_forget(s, table_remove(&use->sent, id, strlen(id)));
}

static void
presence_failed(const char *code, const char *message, void *arg)
{
	PresenceRead *r = arg;
	Session    *s = r->ticket.session;

	if (s)
	{
		unadmit(s, r->record);
		refuse(s, json_incref(r->record), code, message);
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
		error_code_of(res, true, presence_failed, r);
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
	pool_read(db_read_new(PRESENCE_AT_SQL,
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
		refuse(s, record, "ERR_TYPE_DOES_NOT_SUPPORT_PRESENCE", "only rich-text documents support presence");
		return;
	}
	if (sent_find(use, id) == NULL)
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
			refuse(s, record, "ERR_TOO_MANY_PRESENCES",
				   "this connection has as many presences as the gateway allows (destroy one first)");
			return;
		}
		sent_add(use, id);
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
		refuse(s, record, BADLY_FORMED, "Invalid presence ID");
		return;
	}
	if (c && d && (strlen(name) != strlen(c) + 1 + strlen(d) || strncmp(name, c, strlen(c)) != 0 ||
				   name[strlen(c)] != '.' || strcmp(name + strlen(c) + 1, d) != 0))
	{
		refuse(s, record, BADLY_FORMED, "the presence channel of a document is \"<collection>.<id>\"");
		return;
	}
	if (bytes > names + (size_t) client_limits.max_presence)
	{
		/* Checked before anything else: it costs nothing to refuse. */
		metrics.presence_refused++;
		refuse(s, record, "ERR_PRESENCE_TOO_LARGE", "this presence is larger than the gateway allows");
		return;
	}
	with_access(s, record, c && d ? c : NULL, c && d ? d : NULL, update_admitted);
}

/* ---------- sessions ---------- */

void
presence_session_opened(Session *s)
{
	table_init(&s->presence_uses);
	table_init(&s->presence_refused);
	table_init(&s->presence_held);
}

void
presence_session_closed(Session *s)
{
	size_t		n;
	void	  **uses = table_values(&s->presence_uses, &n);

	presence_rate_forget(s);
	for (size_t i = 0; i < n; i++)
		use_free(s, uses[i]);
	free(uses);
	table_free(&s->presence_uses);
	table_free(&s->presence_refused);
}

bool
presence_covers(Session *s, const char *collection, const char *id)
{
	size_t		n;
	void	  **uses = table_values(&s->presence_uses, &n);
	size_t		clen = strlen(collection);
	bool		found = false;

	for (size_t i = 0; i < n && !found; i++)
	{
		PresenceUse *use = uses[i];

		found = use->collection_len == clen && memcmp(use->name, collection, clen) == 0 &&
			(id == NULL || strcmp(use->name + clen + 1, id) == 0);
	}
	free(uses);
	return found;
}

void
presence_notification(json_t *m)
{
	const char *gw = json_string_value(json_object_get(m, "gw"));
	const char *ch = json_string_value(json_object_get(m, "ch"));
	const char *src = json_string_value(json_object_get(m, "src"));
	const char *a = json_string_value(json_object_get(m, "a"));
	json_t	   *cl = json_object_get(m, "cl");
	json_t	   *out;
	char	   *key;

	if (gw == NULL || ch == NULL || src == NULL || strcmp(gw, gateway_id) == 0)
		return;					/* ours went to our clients directly */
	/* The document it is about: collection "." id, the collection cl bytes long. */
	if (!json_is_integer(cl) || json_integer_value(cl) < 1 ||
		(size_t) json_integer_value(cl) + 1 >= strlen(ch) || ch[json_integer_value(cl)] != '.')
		return;
	out = json_copy(m);			/* src (m's) must outlive the relay */
	json_object_del(out, "gw");
	json_object_del(out, "cl");
	if (strcmp(a, "pr") == 0)
		json_object_del(out, "src");
	key = channel_key(ch, (size_t) json_integer_value(cl));
	relay(key, frame_from_json(out), src);
	free(key);
	json_decref(out);
}
