/*
 * presence.c: presence channels and their relay (see presence.h): the
 * channels this gateway relays, replies, the relay here and to the other
 * gateways (NOTIFY), ps/pu/pr, sessions opening and closing, and the
 * presence other gateways publish.
 *
 * Owns: the channels (PresenceChannel) and the gateway's id.  May call:
 * actions/presence_*.c (presence_internal.h), actions/presence_rate, docs
 * (channel, document), db (pool, listener, error codes, queries), client,
 * base.
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

Table presence_channels;			/* key -> PresenceChannel */
char presence_gateway_id[33];		/* tells this gateway's own NOTIFYs apart */
char presence_placeholder;		/* presence_refused values */

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

	table_init(&presence_channels);
	listener_on(NOTE_PRESENCE, presence_noted);
	lws_get_random(context, random, sizeof(random));
	for (size_t i = 0; i < sizeof(random); i++)
		snprintf(presence_gateway_id + 2 * i, 3, "%02x", random[i]);
}

/*
 * What a channel name is keyed by once it names (collection, id): the
 * collection's length in bytes and the name, "5:notes.n1", which tells
 * ("a", "b.c") from ("a.b", "c").
 */
char *
presence_channel_key(const char *name, size_t collection_len)
{
	size_t		len = strlen(name) + 24;
	char	   *key = xmalloc(len);

	snprintf(key, len, "%zu:%s", collection_len, name);
	return key;
}

int
presence_partition(const char *name, size_t collection_len)
{
	size_t		len = strlen(name);
	const char *dot = collection_len ? (collection_len < len ? name + collection_len : NULL) : strchr(name, '.');
	char	   *collection;
	int			p;

	if (partitions_count() == 1 || dot == NULL || *dot != '.')
		return 0;
	collection = xmalloc((size_t) (dot - name) + 1);
	memcpy(collection, name, (size_t) (dot - name));
	collection[dot - name] = '\0';
	p = partition_of(collection, dot + 1);
	free(collection);
	return p;
}

/*
 * The hash a refused channel is remembered by, with the length of the
 * collection a document's presence named (0: none).  A collision only
 * refuses the session itself.
 */
uint64_t
presence_refusal_hash(const char *name, size_t collection_len)
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
void
presence_refuse(Session *s, json_t *request, const char *code, const char *message)
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
void
presence_publish_remote(const json_t *m, const PresenceUse *use)
{
	json_t	   *copy = json_copy((json_t *) m);
	char	   *payload;
	const char *params[2];

	json_object_set_new(copy, "gw", json_string(presence_gateway_id));
	json_object_set_new(copy, "cl", json_integer((json_int_t) use->collection_len));
	payload = json_dumps(copy, JSON_COMPACT);
	json_decref(copy);
	if (payload == NULL)
		out_of_memory();
	params[0] = use->key;
	params[1] = payload;
	if (strlen(payload) <= NOTIFY_MAX)
		pool_read(presence_partition(use->name, use->collection_len),
				  db_read_new(PUBLISH_PRESENCE_SQL, NULL, published, NULL, 2, params));
	else
		lwsl_warn("presence on %s too large for other gateways (%zu bytes)\n", use->name, strlen(payload));
	free(payload);
}

/* Sends one frame to every subscriber of the channel key but those of source src. */
void
presence_relay(const char *key, Frame *f, const char *src)
{
	PresenceChannel *ch = table_get(&presence_channels, key, strlen(key));

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

	presence_relay(use->key, frame_from_json(pr), s->src);
	json_object_set_new(pr, "src", json_string(s->src));
	presence_publish_remote(pr, use);
	json_decref(pr);
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
		presence_refuse(s, pw->request, "ERR_UNKNOWN_ERROR", "the presence channel could not be listened to");
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
		PresenceChannel *ch = table_get(&presence_channels, use->key, strlen(use->key));

		if (ch == NULL)
		{
			ch = xcalloc(1, sizeof(PresenceChannel));
			ch->key = xstrdup(use->key);
			ch->listen = channel_open_on(PRESENCE_COLLECTION, ch->key,
										 presence_partition(use->name, use->collection_len));
			table_put(&presence_channels, ch->key, strlen(ch->key), ch);
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
	presence_with_access(s, request, NULL, NULL, subscribe_allowed);
}

void
presence_unsubscribe(Session *s, json_t *request)
{
	const char *name = json_string_value(json_object_get(request, "ch"));
	PresenceUse *use = table_get(&s->presence_uses, name, strlen(name));

	if (use)
	{
		presence_rate_drop_channel(s, name);
		presence_remove_presences(s, use);
		presence_use_unsubscribe(use);
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
	presence_with_access(s, request, NULL, NULL, request_allowed);
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
		presence_use_free(s, uses[i]);
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

bool
presence_on_partition(Session *s, int partition)
{
	size_t		n;
	void	  **uses = table_values(&s->presence_uses, &n);
	bool		found = false;

	for (size_t i = 0; i < n && !found; i++)
	{
		PresenceUse *use = uses[i];

		found = presence_partition(use->name, use->collection_len) == partition;
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

	if (gw == NULL || ch == NULL || src == NULL || strcmp(gw, presence_gateway_id) == 0)
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
	key = presence_channel_key(ch, (size_t) json_integer_value(cl));
	presence_relay(key, frame_from_json(out), src);
	free(key);
	json_decref(out);
}
