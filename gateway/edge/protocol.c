/*
 * protocol.c: ShareDB protocol 1.2 requests (see protocol.h), checked by
 * request.c and dispatched here.
 *
 * May call: base/client_id, docs/document, actions/fetch, base/metrics,
 * actions/presence, actions/query, client/request, actions/submit,
 * edge/ws_session.
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
#include "actions/query.h"
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

	if (sub && sub->query_refs > 0)
		sub->asked = false;		/* a subscribed query's results hold it: its ops still come */
	else if (sub)
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
handle_f(Session *s, json_t *r)
{
	fetch_doc(s, r, false, request_is_version(json_object_get(r, "v")) ?
			  json_integer_value(json_object_get(r, "v")) : -1);
}

static void
handle_s(Session *s, json_t *r)
{
	fetch_doc(s, r, true, request_is_version(json_object_get(r, "v")) ?
			  json_integer_value(json_object_get(r, "v")) : -1);
}

static void
handle_bf(Session *s, json_t *r)
{
	fetch_bulk(s, r, false);
}

static void
handle_bs(Session *s, json_t *r)
{
	fetch_bulk(s, r, true);
}

static void
handle_nf(Session *s, json_t *r)
{
	fetch_snapshot_at(s, r, false);
}

static void
handle_nt(Session *s, json_t *r)
{
	fetch_snapshot_at(s, r, true);
}

static void
handle_qf(Session *s, json_t *r)
{
	query_request(s, r, false);
}

static void
handle_qs(Session *s, json_t *r)
{
	query_request(s, r, true);
}

#define handle_qu query_unsubscribe
#define handle_hs handshake
#define handle_pp pong
#define handle_u unsubscribe_request
#define handle_bu unsubscribe_request
#define handle_op submit_op
#define handle_p presence_update
#define handle_ps presence_subscribe
#define handle_pu presence_unsubscribe
#define handle_pr presence_request

/* Each request's handler, in request.h's REQUEST_LIST: one for every check. */
static void (*const handlers[REQUEST_ACTIONS]) (Session *s, json_t *r) = {
#define REQUEST_HANDLER(a, needs, check) [REQUEST_##a] = handle_##a,
	REQUEST_LIST(REQUEST_HANDLER)
#undef REQUEST_HANDLER
};

void
protocol_message(Session *s, const char *text, size_t len)
{
	const char *problem;
	json_t	   *request = request_parse(text, len, &problem);

	metrics.messages_received++;
	if (problem)
		session_send_error(s, request ? request : json_object(), BADLY_FORMED, problem);
	else
		handlers[request_action(request)] (s, request);
}
