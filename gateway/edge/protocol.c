/*
 * protocol.c: ShareDB protocol 1.2 requests (see protocol.h), checked by
 * request.c and dispatched here.
 *
 * May call: base/client_id, docs/document, actions/fetch, base/metrics,
 * actions/presence, client/request, actions/submit, edge/ws_session.
 */
#include "edge/protocol.h"

#include <stdlib.h>
#include <string.h>

#include "base/client_id.h"
#include "docs/document.h"
#include "actions/fetch.h"
#include "base/metrics.h"
#include "actions/presence.h"
#include "client/request.h"
#include "actions/submit.h"
#include "edge/ws_session.h"

#define BADLY_FORMED "ERR_MESSAGE_BADLY_FORMED"
#define JSON0_URI "http://sharejs.org/types/JSONv0"

static void
handshake(Session *s, json_t *request)
{
	const char *id = json_string_value(json_object_get(request, "id"));

	/*
	 * A returning client keeps its id, so that its resent op is recognised,
	 * only if a gateway issued that id to its principal; else it gets the
	 * one issued at connect, and an op naming the old id is refused.
	 */
	client_id_prove(id, s->principal, &s->client);
	session_handshaken(s);
	session_send_json(s, json_pack("{s:s,s:i,s:i,s:s,s:s}", "a", "hs", "protocol", 1,
								   "protocolMinor", 2, "id", s->client.full, "type", JSON0_URI));
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

static void
dispatch(Session *s, json_t *r, const char *a)
{
	if (strcmp(a, "hs") == 0)
		handshake(s, r);
	else if (strcmp(a, "pp") == 0)
		pong(s, r);
	else if (strcmp(a, "f") == 0 || strcmp(a, "s") == 0)
		fetch_doc(s, r, a[0] == 's', request_is_version(json_object_get(r, "v")) ?
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
	const char *problem;
	json_t	   *request = request_parse(text, len, &problem);

	metrics.messages_received++;
	if (problem)
		session_send_error(s, request ? request : json_object(), BADLY_FORMED, problem);
	else
		dispatch(s, request, json_string_value(json_object_get(request, "a")));
}
