/*
 * presence_rate.c: merging presence updates over the rate (see presence_rate.h).
 *
 * May call: base/alloc, base/metrics.
 */
#include "actions/presence_rate.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/metrics.h"

typedef struct Held
{
	json_t	   *record;
	size_t		bytes;
} Held;

static PresenceSend sender;		/* the same for every session */

static bool
take(Session *s)
{
	return bucket_take(&s->presence_updates, client_limits.presence_rate, lws_now_usecs());
}

static void flush(lws_sorted_usec_list_t *sul);

static void
schedule_flush(Session *s)
{
	lws_sul_schedule(lws_get_context(s->wsi), 0, &s->presence_flush, flush,
					 bucket_wait(&s->presence_updates, client_limits.presence_rate));
}

static void
collect_key(const char *key, size_t keylen, void *value, void *arg)
{
	json_array_append_new(arg, json_stringn(key, keylen));
}

/* The record of held (freed), its bytes no longer counted. */
static json_t *
release(Session *s, Held *held)
{
	json_t	   *record = held->record;

	s->presence_bytes -= held->bytes;
	metrics.presence_bytes -= (int64_t) held->bytes;
	free(held);
	return record;
}

/* Sends what the rate allows of what s holds; the rest waits for the next token. */
static void
flush(lws_sorted_usec_list_t *sul)
{
	Session    *s = lws_container_of(sul, Session, presence_flush);
	json_t	   *keys = json_array();
	size_t		i;
	json_t	   *key;

	table_each(&s->presence_held, collect_key, keys);
	json_array_foreach(keys, i, key)
	{
		if (!take(s))
			break;
		sender(s, release(s, table_remove(&s->presence_held, json_string_value(key), json_string_length(key))));
	}
	json_decref(keys);
	if (s->presence_held.count > 0)
		schedule_flush(s);
}

void
presence_rate_admit(Session *s, json_t *record, size_t bytes, PresenceSend send)
{
	const char *ch = json_string_value(json_object_get(record, "ch"));
	const char *id = json_string_value(json_object_get(record, "id"));
	size_t		keylen = strlen(ch) + 1 + strlen(id);
	char	   *key;
	Held	   *older;
	Held	   *held;

	sender = send;
	/* Behind something held, an update waits too: the latest must stay last. */
	if (s->presence_held.count == 0 && take(s))
	{
		send(s, record);
		return;
	}
	/* channel NUL presence id: neither holds a NUL */
	key = xmalloc(keylen + 1);
	memcpy(key, ch, strlen(ch) + 1);
	memcpy(key + strlen(ch) + 1, id, strlen(id) + 1);
	older = table_remove(&s->presence_held, key, keylen);
	if (older)
	{
		/* Its sender gets it back: ShareDB's client takes that as the ack. */
		metrics.presence_merged++;
		session_send_json(s, release(s, older));
	}
	held = xmalloc(sizeof(Held));
	held->record = record;
	held->bytes = bytes;
	s->presence_bytes += bytes;
	metrics.presence_bytes += (int64_t) bytes;
	table_put(&s->presence_held, key, keylen, held);
	free(key);
	if (s->presence_held.count == 1)
		schedule_flush(s);
}

void
presence_rate_drop_channel(Session *s, const char *ch)
{
	json_t	   *keys = json_array();
	size_t		len = strlen(ch);
	size_t		i;
	json_t	   *key;

	table_each(&s->presence_held, collect_key, keys);
	json_array_foreach(keys, i, key)
	{
		const char *k = json_string_value(key);

		if (json_string_length(key) > len && memcmp(k, ch, len) == 0 && k[len] == '\0')
			session_send_json(s, release(s, table_remove(&s->presence_held, k, json_string_length(key))));
	}
	json_decref(keys);
	if (s->presence_held.count == 0)
		lws_sul_cancel(&s->presence_flush);
}

void
presence_rate_forget(Session *s)
{
	size_t		n;
	Held	  **held = (Held **) table_values(&s->presence_held, &n);

	lws_sul_cancel(&s->presence_flush);
	for (size_t i = 0; i < n; i++)
		json_decref(release(s, held[i]));
	free(held);
	table_free(&s->presence_held);
}
