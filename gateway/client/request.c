/*
 * request.c: parsing and checking ShareDB protocol 1.2 requests (see
 * request.h).
 *
 * Each check_* returns NULL when the request is well formed, else the
 * message of its ERR_MESSAGE_BADLY_FORMED reply.
 *
 * May call: nothing of the gateway.
 */
#include "client/request.h"

#include <math.h>
#include <string.h>

typedef enum
{
	NEEDS_NOTHING,
	NEEDS_COLLECTION
} Needs;

bool
request_is_version(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0;
}

static bool
is_version_or_null(const json_t *v)
{
	return v == NULL || json_is_null(v) || request_is_version(v);
}

/*
 * A collection or id: a string without NUL that cannot reach
 * Object.prototype, of at most the 1,024 bytes ot.documents allows (the
 * gateway holds the names of what a connection subscribes to: longer ones
 * would only cost it memory before the database refused them).
 */
static bool
is_name(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && strcmp(s, "__proto__") != 0 && strlen(s) == json_string_length(v) &&
		json_string_length(v) <= REQUEST_NAME_MAX;
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

bool
request_is_query_id(const json_t *id)
{
	return json_is_integer(id);
}

/*
 * ShareDB's checks of a query message (_checkRequest): a numeric id, and r,
 * if there, an array of [id, version or null] pairs.  The query itself (q)
 * must be an object: the database judges the rest of it.
 */
static const char *
check_query_id(const json_t *r)
{
	return request_is_query_id(json_object_get(r, "id")) ? NULL : "Missing query ID";
}

static const char *
check_query(const json_t *r)
{
	json_t	   *results = json_object_get(r, "r");
	size_t		i;
	json_t	   *pair;

	if (check_query_id(r))
		return check_query_id(r);
	if (!json_is_object(json_object_get(r, "q")))
		return "Invalid query";
	if (results == NULL || json_is_null(results))
		return NULL;
	if (!json_is_array(results))
		return "Invalid query results";
	json_array_foreach(results, i, pair)
	{
		if (!json_is_array(pair) || json_array_size(pair) < 1)
			return "Invalid query results";
		if (!is_name(json_array_get(pair, 0)))
			return "Invalid id";
		if (!is_version_or_null(json_array_get(pair, 1)))
			return "Invalid version";
	}
	return NULL;
}

static const char *
check_nothing(const json_t *r)
{
	return NULL;
}

static const char *
check_doc_v(const json_t *r)
{
	return check_doc(r, "v");
}

static const char *
check_snapshot_at_version(const json_t *r)
{
	return check_snapshot_at(r, false);
}

static const char *
check_snapshot_at_time(const json_t *r)
{
	return check_snapshot_at(r, true);
}

static const char *
check_presence_update(const json_t *r)
{
	return check_presence(r, true);
}

static const char *
check_presence_channel(const json_t *r)
{
	return check_presence(r, false);
}

/* Each request's check, in REQUEST_LIST's order. */
static const struct
{
	const char *a;
	Needs		needs;
	const char *(*check) (const json_t *r);
}			requests[REQUEST_ACTIONS] = {
#define REQUEST_ENTRY(a, needs, check) {#a, NEEDS_##needs, check},
	REQUEST_LIST(REQUEST_ENTRY)
#undef REQUEST_ENTRY
};

/* The entry of a, or -1 for no request of the protocol. */
static int
request_find(const char *a)
{
	for (int i = 0; i < REQUEST_ACTIONS; i++)
		if (strcmp(requests[i].a, a) == 0)
			return i;
	return -1;
}

RequestAction
request_action(const json_t *request)
{
	return (RequestAction) request_find(json_string_value(json_object_get(request, "a")));
}

static const char *
check_request(const json_t *r, const char *a, Needs *needs)
{
	int			i = request_find(a);

	if (i < 0)
		return "Invalid or unknown message";
	*needs = requests[i].needs;
	return requests[i].check(r);
}

/* An integral double a client wrote where the protocol counts: an integer. */
static void
count_as_integer(json_t *holder, const char *key, json_t *value)
{
	double		d = json_real_value(value);

	if (json_is_real(value) && d == floor(d) && fabs(d) <= 9007199254740991.0)
		json_object_set_new(holder, key, json_integer((json_int_t) d));
}

/*
 * JavaScript writes integers up to 1e21 out in full, and jansson holds none
 * past 2^63: an op with 1e19 in it would go unanswered, its client waiting
 * forever.  Such a message is read with its numbers as doubles, as
 * JavaScript reads it, and its counts (v, seq, ...; the versions of a bulk
 * request) back as integers; the database then refuses the number (OT001).
 */
static json_t *
parse_as_doubles(const char *text, size_t len)
{
	json_t	   *request = json_loadb(text, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
	const char *key;
	json_t	   *value;
	void	   *tmp;

	json_object_foreach_safe(request, tmp, key, value)
		count_as_integer(request, key, value);
	json_object_foreach_safe(json_object_get(request, "b"), tmp, key, value)
		count_as_integer(json_object_get(request, "b"), key, value);
	return request;
}

json_t *
request_parse(const char *text, size_t len, const char **problem)
{
	json_error_t error;
	json_t	   *request = json_loadb(text, len, JSON_DECODE_ANY, &error);
	const char *a;
	Needs		needs;

	if (request == NULL && json_error_code(&error) == json_error_numeric_overflow)
		request = parse_as_doubles(text, len);
	a = json_string_value(json_object_get(request, "a"));

	if (request == NULL)
	{
		*problem = "Invalid JSON";
		return NULL;
	}
	if (!json_is_object(request))
	{
		json_decref(request);
		*problem = "A message must be a JSON object";
		return NULL;
	}
	*problem = a ? check_request(request, a, &needs) : "Invalid or unknown message";
	if (*problem == NULL && a && needs == NEEDS_COLLECTION && !is_name(json_object_get(request, "c")))
		*problem = "Invalid collection";
	return request;
}
