/*
 * protocol.c: ShareDB protocol 1.2 requests (see protocol.h).
 *
 * Each check_* returns NULL when the request is well formed, else the
 * message of its ERR_MESSAGE_BADLY_FORMED reply.
 */
#include "protocol.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "document.h"
#include "fetch.h"
#include "metrics.h"
#include "presence.h"
#include "submit.h"

#define BADLY_FORMED "ERR_MESSAGE_BADLY_FORMED"
#define JSON0_URI "http://sharejs.org/types/JSONv0"
#define MAX_CLIENT_ID 128

/* A version: a JSON integer >= 0 (ShareDB takes any number; ours are integers). */
static bool
is_version(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0;
}

static bool
is_version_or_null(const json_t *v)
{
	return v == NULL || json_is_null(v) || is_version(v);
}

/* A collection or id: a string without NUL that cannot reach Object.prototype. */
static bool
is_name(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && strcmp(s, "__proto__") != 0 && strlen(s) == json_string_length(v);
}

static const char *
check_doc(const json_t *r, const char *at)
{
	if (!is_name(json_object_get(r, "d")))
		return "Invalid id";
	if (!is_version_or_null(json_object_get(r, at)))
		return "Invalid version";
	return NULL;
}

static const char *
check_bulk(const json_t *r)
{
	json_t	   *b = json_object_get(r, "b");
	size_t		i;
	const char *key;
	json_t	   *item;

	if (!json_is_array(b) && !json_is_object(b))
		return "Invalid bulk subscribe data";
	json_array_foreach(b, i, item)
	{
		if (!is_name(item))
			return "Invalid id";
	}
	json_object_foreach(b, key, item)
	{
		if (!is_version_or_null(item) || strcmp(key, "__proto__") == 0)
			return "Invalid version";
	}
	return NULL;
}

static const char *
check_op(const json_t *r)
{
	json_t	   *src = json_object_get(r, "src");
	json_t	   *seq = json_object_get(r, "seq");
	int			bodies = (json_object_get(r, "op") != NULL) +
		(json_object_get(r, "create") != NULL) + (json_object_get(r, "del") != NULL);
	const char *problem = check_doc(r, "v");

	if (problem)
		return problem;
	if (!json_is_integer(seq) || json_integer_value(seq) < 0)
		return "Invalid seq";
	if (src && !(is_name(src) && json_string_length(src) > 0))
		return "Invalid src";
	if (bodies != 1)
		return "Invalid op message: it needs exactly one of op, create and del";
	return NULL;
}

static const char *
check_snapshot_at(const json_t *r, bool by_time)
{
	json_t	   *ts = json_object_get(r, "ts");

	if (!by_time)
		return check_doc(r, "v");
	if (!is_name(json_object_get(r, "d")))
		return "Invalid id";
	if (ts && !json_is_null(ts) && !(json_is_number(ts) && isfinite(json_number_value(ts))))
		return "Invalid timestamp";
	return NULL;
}

static const char *
check_presence(const json_t *r, bool update)
{
	json_t	   *c = json_object_get(r, "c");
	json_t	   *d = json_object_get(r, "d");

	if (!is_name(json_object_get(r, "ch")))
		return "Invalid presence channel";
	if (!update)
		return NULL;
	if (!json_is_string(json_object_get(r, "id")))
		return "Invalid presence ID";
	if (!is_version_or_null(json_object_get(r, "v")))
		return "Invalid version";
	if ((c || d) && !(is_name(c) && is_name(d)))
		return "Invalid collection or id";
	return NULL;
}

static void
handshake(Session *s, json_t *request)
{
	const char *id = json_string_value(json_object_get(request, "id"));

	/* A returning client keeps its id, so its (src, seq) stay its own. */
	if (id && *id && strlen(id) <= MAX_CLIENT_ID)
	{
		free(s->src);
		s->src = xstrdup(id);
	}
	session_handshaken(s);
	session_send_json(s, json_pack("{s:s,s:i,s:i,s:s,s:s}", "a", "hs", "protocol", 1,
								   "protocolMinor", 2, "id", s->src, "type", JSON0_URI));
	json_decref(request);
}

static void
unsubscribe(Session *s, const char *collection, const char *id)
{
	Doc		   *doc = doc_find(collection, id);
	Sub		   *sub = doc ? sub_find(s, doc) : NULL;

	if (sub)
		sub_drop(sub);
}

/* The reply that is the request's a, c, d and b. */
static void
reply_echo(Session *s, json_t *request)
{
	json_t	   *reply = json_object();
	static const char *const keys[] = {"a", "c", "d", "b"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(request, keys[i]))
			json_object_set(reply, keys[i], json_object_get(request, keys[i]));
	session_send_json(s, reply);
	json_decref(request);
}

static void
unsubscribe_request(Session *s, json_t *request)
{
	const char *c = json_string_value(json_object_get(request, "c"));
	json_t	   *b = json_object_get(request, "b");
	size_t		i;
	const char *key;
	json_t	   *item;

	if (b == NULL)
		unsubscribe(s, c, json_string_value(json_object_get(request, "d")));
	json_array_foreach(b, i, item)
		unsubscribe(s, c, json_string_value(item));
	json_object_foreach(b, key, item)
		unsubscribe(s, c, key);
	reply_echo(s, request);
}

static void
pong(Session *s, json_t *request)
{
	session_send_json(s, json_pack("{s:s}", "a", "pp"));
	json_decref(request);
}

typedef enum
{
	NEEDS_NOTHING,
	NEEDS_COLLECTION
} Needs;

static const char *
check_request(const json_t *r, const char *a, Needs *needs)
{
	*needs = NEEDS_COLLECTION;
	if (strcmp(a, "f") == 0 || strcmp(a, "s") == 0 || strcmp(a, "u") == 0)
		return check_doc(r, "v");
	if (strcmp(a, "bf") == 0 || strcmp(a, "bs") == 0 || strcmp(a, "bu") == 0)
		return check_bulk(r);
	if (strcmp(a, "op") == 0)
		return check_op(r);
	if (strcmp(a, "nf") == 0 || strcmp(a, "nt") == 0)
		return check_snapshot_at(r, a[1] == 't');
	*needs = NEEDS_NOTHING;
	if (strcmp(a, "p") == 0)
		return check_presence(r, true);
	if (strcmp(a, "ps") == 0 || strcmp(a, "pu") == 0 || strcmp(a, "pr") == 0)
		return check_presence(r, false);
	if (strcmp(a, "hs") == 0 || strcmp(a, "pp") == 0)
		return NULL;
	return "Invalid or unknown message";
}

static void
dispatch(Session *s, json_t *r, const char *a)
{
	if (strcmp(a, "hs") == 0)
		handshake(s, r);
	else if (strcmp(a, "pp") == 0)
		pong(s, r);
	else if (strcmp(a, "f") == 0 || strcmp(a, "s") == 0)
		fetch_doc(s, r, a[0] == 's', is_version(json_object_get(r, "v")) ?
				  json_integer_value(json_object_get(r, "v")) : -1);
	else if (strcmp(a, "bf") == 0 || strcmp(a, "bs") == 0)
		fetch_bulk(s, r, a[1] == 's');
	else if (strcmp(a, "u") == 0 || strcmp(a, "bu") == 0)
		unsubscribe_request(s, r);
	else if (strcmp(a, "op") == 0)
		submit_op(s, r);
	else if (strcmp(a, "nf") == 0 || strcmp(a, "nt") == 0)
		fetch_snapshot_at(s, r, a[1] == 't');
	else if (strcmp(a, "p") == 0)
		presence_update(s, r);
	else if (strcmp(a, "ps") == 0)
		presence_subscribe(s, r);
	else if (strcmp(a, "pu") == 0)
		presence_unsubscribe(s, r);
	else
		presence_request(s, r);
}

void
protocol_message(Session *s, const char *text, size_t len)
{
	json_t	   *request = json_loadb(text, len, JSON_DECODE_ANY, NULL);
	const char *a = json_string_value(json_object_get(request, "a"));
	const char *problem;
	Needs		needs;

	metrics.messages_received++;
	if (request == NULL)
	{
		session_send_error(s, json_object(), BADLY_FORMED, "Invalid JSON");
		return;
	}
	if (!json_is_object(request))
	{
		json_decref(request);
		session_send_error(s, json_object(), BADLY_FORMED, "A message must be a JSON object");
		return;
	}
	problem = a ? check_request(request, a, &needs) : "Invalid or unknown message";
	if (problem == NULL && a && needs == NEEDS_COLLECTION && !is_name(json_object_get(request, "c")))
		problem = "Invalid collection";
	if (problem)
		session_send_error(s, request, BADLY_FORMED, problem);
	else
		dispatch(s, request, a);
}
