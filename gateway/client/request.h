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
 * Parses len bytes of text.  Returns the request, a JSON object (the
 * caller's to free), or NULL when the text is no JSON object.  *problem is
 * NULL when the request is well formed, else the message of its
 * ERR_MESSAGE_BADLY_FORMED reply: with NULL, the reply is an empty object
 * with the error; otherwise it is the request with the error.
 */
json_t	   *request_parse(const char *text, size_t len, const char **problem);

/* A version: a JSON integer >= 0 (ShareDB takes any number; ours are integers). */
bool		request_is_version(const json_t *v);

#endif
