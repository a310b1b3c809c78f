/*
 * fuzz_gateway_request.c
 *	  libFuzzer target for gateway/client/request.c: the text of a client's
 *	  WebSocket message, parsed and checked as protocol_message does.
 *
 *	 - request_parse returns NULL exactly for "Invalid JSON" and "A message
 *	   must be a JSON object", and otherwise a JSON object;
 *	 - a well-formed request has an action the dispatcher knows, and the
 *	   fields its handler reads without checking: a collection and id that
 *	   are names (strings without NUL, not "__proto__"), an op's seq and
 *	   exactly one of op, create and del, a bulk's b, a presence channel;
 *	 - the outcome depends on the JSON value only: the request serialised
 *	   and parsed again is equal and gets the same problem;
 *	 - the ERR_MESSAGE_BADLY_FORMED reply is built and serialised as
 *	   session_send_error does, and carries the problem.
 *
 * libFuzzer's buffer is exactly the input's size and holds no terminator,
 * as a WebSocket message does, so any read past it is caught by
 * AddressSanitizer; everything is freed, so leaks are caught too.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/request.h"
#include "fuzz_require.h"

static bool
same_problem(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

static bool
is_one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static bool
is_name(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && strlen(s) == json_string_length(v) && strcmp(s, "__proto__") != 0;
}

/* What the handlers of a well-formed request take for granted. */
static void
check_well_formed(const json_t *r)
{
	static const char *const known[] = {"hs", "pp", "f", "s", "u", "bf", "bs", "bu", "op",
		"nf", "nt", "p", "ps", "pu", "pr", NULL};
	static const char *const collection[] = {"f", "s", "u", "bf", "bs", "bu", "op", "nf", "nt", NULL};
	static const char *const one_doc[] = {"f", "s", "u", "op", "nf", "nt", NULL};
	static const char *const presence[] = {"p", "ps", "pu", "pr", NULL};
	const char *a = json_string_value(json_object_get(r, "a"));
	json_t	   *b = json_object_get(r, "b");

	REQUIRE(a && is_one_of(a, known), "well formed with action %s", a ? a : "(none)");
	if (is_one_of(a, collection))
		REQUIRE(is_name(json_object_get(r, "c")), "%s without a usable collection", a);
	if (is_one_of(a, one_doc))
		REQUIRE(is_name(json_object_get(r, "d")), "%s without a usable id", a);
	if (is_one_of(a, presence))
		REQUIRE(is_name(json_object_get(r, "ch")), "%s without a usable channel", a);
	if (a[0] == 'b')
		REQUIRE(json_is_array(b) || json_is_object(b), "%s without b", a);
	if (strcmp(a, "op") == 0)
	{
		REQUIRE(json_is_integer(json_object_get(r, "seq")) &&
				json_integer_value(json_object_get(r, "seq")) >= 0, "op without a seq");
		REQUIRE((json_object_get(r, "op") != NULL) + (json_object_get(r, "create") != NULL) +
				(json_object_get(r, "del") != NULL) == 1, "op without exactly one body");
	}
	if (strcmp(a, "p") == 0)
		REQUIRE(json_is_string(json_object_get(r, "id")), "p without a presence id");
	/* dispatch's version for f and s */
	if (request_is_version(json_object_get(r, "v")))
		REQUIRE(json_integer_value(json_object_get(r, "v")) >= 0, "negative version");
}

/* Serialised and parsed again: an equal request with the same problem. */
static void
check_round_trip(const json_t *r, const char *problem)
{
	char	   *text = json_dumps(r, JSON_COMPACT);
	const char *again_problem;
	json_t	   *again;

	REQUIRE(text, "json_dumps failed");
	again = request_parse(text, strlen(text), &again_problem);
	REQUIRE(again && json_equal(r, again), "the request does not survive serialising: %s", text);
	REQUIRE(same_problem(problem, again_problem), "problem \"%s\", then \"%s\" for %s",
			problem ? problem : "(none)", again_problem ? again_problem : "(none)", text);
	json_decref(again);
	free(text);
}

/* The reply protocol_message sends for a badly formed request; steals r. */
static void
check_reply(json_t *r, const char *problem)
{
	json_t	   *reply = r ? r : json_object();
	char	   *text;
	json_t	   *parsed;

	json_object_set_new(reply, "error", json_pack("{s:s,s:s}", "code", "ERR_MESSAGE_BADLY_FORMED",
												  "message", problem));
	text = json_dumps(reply, JSON_COMPACT);
	REQUIRE(text, "the reply cannot be serialised");
	parsed = json_loads(text, 0, NULL);
	REQUIRE(parsed, "the reply is no JSON object: %s", text);
	REQUIRE(strcmp(json_string_value(json_object_get(json_object_get(parsed, "error"), "message")),
				   problem) == 0, "the reply lost its message: %s", text);
	json_decref(parsed);
	free(text);
	json_decref(reply);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *problem = "unset";
	json_t	   *r = request_parse((const char *) data, size, &problem);

	if (r == NULL)
	{
		REQUIRE(problem && (strcmp(problem, "Invalid JSON") == 0 ||
							strcmp(problem, "A message must be a JSON object") == 0),
				"no request, problem \"%s\"", problem ? problem : "(none)");
		check_reply(NULL, problem);
		return 0;
	}
	REQUIRE(json_is_object(r), "the request is no object");
	REQUIRE(problem == NULL || (strcmp(problem, "Invalid JSON") != 0 &&
								strcmp(problem, "A message must be a JSON object") != 0),
			"an object, yet \"%s\"", problem);
	check_round_trip(r, problem);
	if (problem == NULL)
	{
		check_well_formed(r);
		json_decref(r);
	}
	else
		check_reply(r, problem);
	return 0;
}
