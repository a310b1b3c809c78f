/*
 * request.h: the text of one ShareDB message from a client, parsed and
 * checked.
 *
 * The checks are ShareDB's own (_checkRequest and the op shape): what fails
 * them is answered with the request plus error ERR_MESSAGE_BADLY_FORMED and
 * never reaches the database; what passes them is the database's to judge.
 * Only jansson and libc here, so test/fuzz/fuzz_gateway_request.c runs the
 * checks without lws or libpq.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_REQUEST_H
#define PG_OT_GATEWAY_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Bytes of a collection or document id (as ot.documents allows). */
#define REQUEST_NAME_MAX 1024

/*
 * The protocol's requests: X(a, what it needs besides its own fields, its
 * check in request.c).  request.c builds its table of checks from this
 * list and edge/protocol.c its table of handlers (handle_<a>), so a
 * request cannot be checked without a handler, nor handled unchecked.
 */
#define REQUEST_LIST(X) \
	X(hs, NOTHING, check_nothing) \
	X(pp, NOTHING, check_nothing) \
	X(f, COLLECTION, check_doc_v) \
	X(s, COLLECTION, check_doc_v) \
	X(u, COLLECTION, check_doc_v) \
	X(bf, COLLECTION, check_bulk) \
	X(bs, COLLECTION, check_bulk) \
	X(bu, COLLECTION, check_bulk) \
	X(op, COLLECTION, check_op) \
	X(nf, COLLECTION, check_snapshot_at_version) \
	X(nt, COLLECTION, check_snapshot_at_time) \
	X(p, NOTHING, check_presence_update) \
	X(ps, NOTHING, check_presence_channel) \
	X(pu, NOTHING, check_presence_channel) \
	X(pr, NOTHING, check_presence_channel) \
	X(qf, COLLECTION, check_query) \
	X(qs, COLLECTION, check_query) \
	X(qu, NOTHING, check_query_id)

typedef enum RequestAction
{
#define REQUEST_ENUM(a, needs, check) REQUEST_##a,
	REQUEST_LIST(REQUEST_ENUM)
#undef REQUEST_ENUM
	REQUEST_ACTIONS				/* how many */
} RequestAction;

/* The action of a request request_parse found well formed. */
RequestAction request_action(const json_t *request);

/*
 * Parses len bytes of text.  Returns the request, a JSON object (the
 * caller's to free), or NULL when the text is no JSON object.  *problem is
 * NULL when the request is well formed, else the message of its
 * ERR_MESSAGE_BADLY_FORMED reply: with NULL, the reply is an empty object
 * with the error; otherwise it is the request with the error.
 */
json_t	   *request_parse(const char *text, size_t len, const char **problem);

/* A query's id: a JSON integer (the stock client counts them from 1). */
bool		request_is_query_id(const json_t *id);

/* A version: a JSON integer >= 0 (ShareDB takes any number; ours are integers). */
bool		request_is_version(const json_t *v);

#endif
