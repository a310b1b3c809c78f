/*
 * session.c: WebSocket sessions (see session.h).
 */
#include "client/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edge/admission.h"
#include "base/alloc.h"
#include "edge/auth.h"
#include "docs/document.h"
#include "base/metrics.h"
#include "edge/origin.h"
#include "actions/presence.h"
#include "edge/protocol.h"
#include "client/reads.h"

/* A reassembly buffer larger than this is given back after its message. */
#define RX_KEEP 65536
#define SLOW_CLIENT_GRACE_S 5
#define EXPIRY_STEP_S (365 * 24 * 3600)
#define HTTP_STATUS_TOO_MANY_REQUESTS 429

ClientLimits client_limits;

static lws_dll2_owner_t sessions;
static bool draining;
static bool (*refusing) (void);

static void session_run_held(Session *s);

void
sessions_configure(const ClientLimits *limits)
{
	client_limits = *limits;
	reads_init(session_run_held);
}

void
ticket_attach(Ticket *t, Session *s)
{
	t->session = s;
	lws_dll2_add_tail(&t->link, &s->tickets);
}

void
ticket_detach(Ticket *t)
{
	if (t->session)
	{
		lws_dll2_remove(&t->link);
		if (t->read)
			reads_give(t->session);
	}
	t->session = NULL;
	t->read = false;
}

static void session_close(Session *s, int code);

static void token_expired(lws_sorted_usec_list_t *sul);

/*
 * Wakes s up at its token's exp, or a year from now if that is later: any
 * exp a token may carry (up to 2^63 s) would overflow lws's microseconds.
 */
static void
expiry_schedule(Session *s)
{
	int64_t		left = s->expires - (int64_t) time(NULL);

	if (left > EXPIRY_STEP_S)
		left = EXPIRY_STEP_S;
	if (left < 0)
		left = 0;
	lws_sul_schedule(lws_get_context(s->wsi), 0, &s->expiry, token_expired,
					 (lws_usec_t) left * LWS_USEC_PER_SEC);
}

static void
token_expired(lws_sorted_usec_list_t *sul)
{
	Session    *s = lws_container_of(sul, Session, expiry);

	if ((int64_t) time(NULL) < s->expires)
	{
		expiry_schedule(s);		/* a step of a far exp */
		return;
	}
	lwsl_user("session %s: token expired, closing it (%d)\n", s->id, CLOSE_TOKEN_EXPIRED);
	session_close(s, CLOSE_TOKEN_EXPIRED);
}

static void
handshake_missing(lws_sorted_usec_list_t *sul)
{
	Session    *s = lws_container_of(sul, Session, handshake_deadline);

	lwsl_user("session %s: no handshake within %d s, closing it (%d)\n", s->id,
			  client_limits.handshake_timeout, CLOSE_NO_HANDSHAKE);
	metrics.closed_no_handshake++;
	session_close(s, CLOSE_NO_HANDSHAKE);
}

void
session_handshaken(Session *s)
{
	lws_sul_cancel(&s->handshake_deadline);
}

static void
session_open(Session *s, struct lws *wsi)
{
	unsigned char random[CLIENT_ID_RANDOM_BYTES];

	/* lws zeroed s; its handshake (FILTER_PROTOCOL_CONNECTION) set who it is. */
	s->wsi = wsi;
	lws_dll2_add_tail(&s->link, &sessions);
	metrics.connections_total++;
	lws_get_random(lws_get_context(wsi), random, sizeof(random));
	if (!client_id_issue(random, s->principal, &s->client))
	{
		lwsl_err("no 'session' key to issue client ids with\n");	/* main.c checked it */
		abort();
	}
	memcpy(s->id, s->client.public, sizeof(s->id));
	s->src = s->client.public;
	s->user = s->principal;
	bucket_fill(&s->messages, client_limits.rate, lws_now_usecs());
	bucket_fill(&s->presence_updates, client_limits.presence_rate, lws_now_usecs());
	lws_sul_schedule(lws_get_context(wsi), 0, &s->handshake_deadline, handshake_missing,
					 (lws_usec_t) client_limits.handshake_timeout * LWS_USEC_PER_SEC);
	if (s->expires)
		expiry_schedule(s);
	table_init(&s->subs);
	table_init(&s->gates);
	presence_session_opened(s);
}

/*
 * Closes s with code: at once for a client too slow to read (its queue is
 * dropped), after its queue is out otherwise.  A peer that reads nothing
 * any more is cut off after a grace period.
 */
static void
session_close(Session *s, int code)
{
	if (s->close_code)
		return;
	s->close_code = code;
	lws_callback_on_writable(s->wsi);
	lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_REASON_BASE, SLOW_CLIENT_GRACE_S);
}

/* The client is too slow to take what it is sent: it goes, and resumes by version. */
static void
session_overflow(Session *s)
{
	lwsl_warn("session %s: %d frames (%zu bytes) queued, closing it (%d)\n", s->id, s->queue_len,
			  s->queue_bytes, CLOSE_TOO_SLOW);
	metrics.closed_lagging++;
	session_close(s, CLOSE_TOO_SLOW);
}

void
sessions_drain(void)
{
	draining = true;
	lws_start_foreach_dll(struct lws_dll2 *, p, sessions.head)
	{
		lws_rx_flow_control(lws_container_of(p, Session, link)->wsi, 0);
	}
	lws_end_foreach_dll(p);
}

void
sessions_close_all(int code)
{
	lws_start_foreach_dll(struct lws_dll2 *, p, sessions.head)
	{
		Session    *s = lws_container_of(p, Session, link);

		if (code == CLOSE_TRY_AGAIN_LATER && s->close_code == 0)
			metrics.closed_db_unavailable++;
		session_close(s, code);
	}
	lws_end_foreach_dll(p);
}

void
sessions_refuse_when(bool (*refuse) (void))
{
	refusing = refuse;
}

/* What sessions_revoked looks for in a session's tables. */
typedef struct Covered
{
	const char *collection;
	const char *id;				/* NULL: any in the collection */
	char		sep;			/* between collection and id in the key */
	bool		found;
} Covered;

static void
covers(const char *key, size_t keylen, void *value, void *arg)
{
	Covered    *c = arg;
	size_t		clen = strlen(c->collection);

	if (keylen > clen && memcmp(key, c->collection, clen) == 0 && key[clen] == c->sep &&
		(c->id == NULL || (keylen - clen - 1 == strlen(c->id) &&
						   memcmp(key + clen + 1, c->id, keylen - clen - 1) == 0)))
		c->found = true;
}

/* Whether s holds a subscription or presence channel in collection (id; NULL: any). */
static bool
holds(Session *s, const char *collection, const char *id)
{
	Covered		doc = {collection, id, '\0', false};

	if (collection == NULL)
		return s->subs.count > 0 || s->presence_uses.count > 0;
	table_each(&s->subs, covers, &doc);
	return doc.found || presence_covers(s, collection, id);
}

void
sessions_revoked(const char *collection, const char *id, const char *principal)
{
	bool		everyone = principal != NULL && strcmp(principal, "*") == 0;

	lws_start_foreach_dll(struct lws_dll2 *, p, sessions.head)
	{
		Session    *s = lws_container_of(p, Session, link);

		if ((principal == NULL ||
			 (everyone ? strcmp(s->principal, ANONYMOUS_PRINCIPAL) != 0 : strcmp(s->principal, principal) == 0)) &&
			holds(s, collection, id))
		{
			lwsl_user("session %s: a grant of %s on %s went, closing it (%d)\n", s->id,
					  principal ? principal : "everyone", collection ? collection : "every collection",
					  CLOSE_GRANT_REVOKED);
			metrics.closed_revoked++;
			session_close(s, CLOSE_GRANT_REVOKED);
		}
	}
	lws_end_foreach_dll(p);
}

bool
sessions_draining(void)
{
	return draining;
}

int
sessions_count(void)
{
	return (int) sessions.count;
}

/*
 * The frame (shared or not: a subscriber that lags keeps it alive after
 * the others let go), its headroom and its slot in the ring, which may be
 * half empty after it doubled.
 */
size_t
session_frame_cost(const Frame *f)
{
	return sizeof(Frame) + LWS_PRE + f->len + 1 + 2 * sizeof(Frame *);
}

/* Takes f off the queue's account. */
static void
dequeued(Session *s, const Frame *f)
{
	size_t		cost = session_frame_cost(f);

	s->queue_bytes -= cost;
	metrics.queued_bytes -= cost;
}

void
session_send(Session *s, Frame *f)
{
	size_t		cost = session_frame_cost(f);

	if (s->close_code == CLOSE_TOO_SLOW)
	{
		frame_unref(f);
		return;
	}
	/* A frame alone always fits: a large snapshot is no sign of lagging. */
	if (s->queue_len == client_limits.queue_max ||
		(s->queue_len > 0 && s->queue_bytes + cost > (size_t) client_limits.queue_max_bytes))
	{
		frame_unref(f);
		session_overflow(s);
		return;
	}
	if (s->queue_len == s->queue_cap)
	{
		int			cap = s->queue_cap ? s->queue_cap * 2 : 16;
		Frame	  **queue = xmalloc((size_t) cap * sizeof(Frame *));

		for (int i = 0; i < s->queue_len; i++)
			queue[i] = s->queue[(s->queue_head + i) % s->queue_cap];
		free(s->queue);
		s->queue = queue;
		s->queue_cap = cap;
		s->queue_head = 0;
	}
	s->queue[(s->queue_head + s->queue_len) % s->queue_cap] = f;
	s->queue_len++;
	s->queue_bytes += cost;
	metrics.queued_bytes += cost;
	lws_callback_on_writable(s->wsi);
}

void
session_send_json(Session *s, json_t *message)
{
	session_send(s, frame_from_json(message));
	json_decref(message);
}

void
session_send_error(Session *s, json_t *request, const char *code, const char *message)
{
	json_object_set_new(request, "error", json_pack("{s:s,s:s}", "code", code ? code : "ERR_UNKNOWN_ERROR",
													"message", message ? message : ""));
	session_send_json(s, request);
}

static int
session_writeable(Session *s)
{
	Frame	   *f;
	int			n;

	if (s->close_code == CLOSE_TOO_SLOW || (s->close_code && s->queue_len == 0))
	{
		const char *why = s->close_code == CLOSE_TOO_SLOW ? "too slow" :
			s->close_code == CLOSE_TOKEN_EXPIRED ? "token expired" :
			s->close_code == CLOSE_NO_HANDSHAKE ? "no handshake" :
			s->close_code == CLOSE_GRANT_REVOKED ? "grant revoked" :
			s->close_code == CLOSE_TRY_AGAIN_LATER ? "database unavailable" : "going away";

		lws_close_reason(s->wsi, (enum lws_close_status) s->close_code,
						 (unsigned char *) why, strlen(why));
		return -1;
	}
	if (s->queue_len == 0)
		return 0;				/* lws sends spurious WRITEABLE callbacks */
	f = s->queue[s->queue_head];
	s->queue_head = (s->queue_head + 1) % s->queue_cap;
	s->queue_len--;
	dequeued(s, f);
	n = lws_write(s->wsi, f->data, f->len, LWS_WRITE_TEXT);
	frame_unref(f);
	metrics.frames_sent++;
	if (n < 0)
		return -1;
	/* Closing: the close frame follows the last queued frame. */
	if (s->queue_len > 0 || s->close_code)
		lws_callback_on_writable(s->wsi);
	return 0;
}

/*
 * The fields ShareDB's client routes a reply by (its request's callback),
 * from a message refused unread.
 */
static json_t *
reply_stub(const char *text, size_t len)
{
	static const char *const keys[] = {"a", "c", "d", "v", "src", "seq", "id", "ch", "pv", "b", NULL};
	json_t	   *request = json_loadb(text, len, JSON_DECODE_ANY, NULL);
	json_t	   *stub = json_object();

	for (int i = 0; json_is_object(request) && keys[i]; i++)
	{
		json_t	   *v = json_object_get(request, keys[i]);

		if (v)
			json_object_set(stub, keys[i], v);
	}
	json_decref(request);
	return stub;
}

/* Runs one client message (or answers it ERR_RATE_LIMITED, over --rate). */
static void
session_run(Session *s, const char *text, size_t len)
{
	if (bucket_take(&s->messages, client_limits.rate, lws_now_usecs()))
		protocol_message(s, text, len);
	else
	{
		metrics.rate_limited++;
		session_send_error(s, reply_stub(text, len), "ERR_RATE_LIMITED",
						   "too many messages: wait and send again");
	}
}

/* The message that waited for a read slot (reads.h). */
static void
session_run_held(Session *s)
{
	char	   *text = s->held;

	s->held = NULL;
	if (!draining && !s->close_code)
		session_run(s, text, s->held_len);
	free(text);
}

static int
session_receive(Session *s, const char *in, size_t len)
{
	if (lws_is_first_fragment(s->wsi))
		s->rx_len = 0;
	if (s->rx_len + len > (size_t) client_limits.max_message)
	{
		lws_close_reason(s->wsi, CLOSE_TOO_BIG, (unsigned char *) "message too large", 17);
		return -1;
	}
	if (s->rx_len + len + 1 > s->rx_cap)
	{
		s->rx_cap = s->rx_len + len + 1 > 2 * s->rx_cap ? s->rx_len + len + 1 : 2 * s->rx_cap;
		s->rx = xrealloc(s->rx, s->rx_cap);
	}
	memcpy(s->rx + s->rx_len, in, len);
	s->rx_len += len;
	if (!lws_is_final_fragment(s->wsi) || lws_remaining_packet_payload(s->wsi) > 0)
		return 0;
	if (reads_gate_open(s))
		session_run(s, s->rx, s->rx_len);
	else if (reads_hold_message(s))
	{
		/* It waits for a read slot; the socket is not read meanwhile. */
		s->held = s->rx;
		s->held_len = s->rx_len;
		s->rx = NULL;
		s->rx_cap = 0;
	}
	else
	{
		metrics.rate_limited++;
		session_send_error(s, reply_stub(s->rx, s->rx_len), "ERR_RATE_LIMITED",
						   "too many requests in flight: wait and send again");
	}
	s->rx_len = 0;
	if (s->rx_cap > RX_KEEP)
	{
		free(s->rx);
		s->rx = NULL;
		s->rx_cap = 0;
	}
	return 0;
}

static void
session_closed(Session *s)
{
	if (s->wsi == NULL)
		return;					/* refused at its handshake: it never opened */
	lws_dll2_remove(&s->link);
	lws_sul_cancel(&s->expiry);
	lws_sul_cancel(&s->handshake_deadline);
	while (s->tickets.head)
	{
		Ticket	   *t = lws_container_of(s->tickets.head, Ticket, link);

		ticket_detach(t);
		if (t->gone)
			t->gone(t);
	}
	docs_session_closed(s);
	reads_session_closed(s);	/* after: a waiting bulk request ends its held subscriptions */
	presence_session_closed(s);
	while (s->queue_len > 0)
	{
		dequeued(s, s->queue[s->queue_head]);
		frame_unref(s->queue[s->queue_head]);
		s->queue_head = (s->queue_head + 1) % s->queue_cap;
		s->queue_len--;
	}
	free(s->queue);
	free(s->rx);
	table_free(&s->subs);
}

int
session_callback(struct lws *wsi, enum lws_callback_reasons reason,
				 void *user, void *in, size_t len)
{
	Session    *s = user;

	switch (reason)
	{
		case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		{
			/* Every accepted connection, before it may send a byte (admission.h). */
			char		address[64];

			static lws_usec_t logged;

			lws_get_peer_simple(wsi, address, sizeof(address));
			if (admission_accept(wsi, address, client_limits.max_connections,
								 client_limits.max_pending_per_ip))
				return 0;
			metrics.refused_pending++;
			if (lws_now_usecs() - logged > 10 * LWS_USEC_PER_SEC)
			{
				/* Once in 10 s at most: a flood must not fill the log (the metric counts them all). */
				lwsl_user("closed a connection from %s at accept: %d that are no sessions from it, "
						  "or %d connections in all, already\n", address,
						  client_limits.max_pending_per_ip, client_limits.max_connections);
				logged = lws_now_usecs();
			}
			return -1;
		}
		case LWS_CALLBACK_WSI_DESTROY:
			admission_forget(wsi);
			return 0;
		case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		{
			Identity	who;

			if (draining)
			{
				/* Going away: a client that came back now would only be closed again. */
				lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, NULL);
				return 1;
			}
			if (refusing && refusing())
			{
				/* PostgreSQL is away: a session would only hold its requests. */
				metrics.refused_db_unavailable++;
				lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, NULL);
				return 1;
			}
			lws_get_peer_simple(wsi, s->address, sizeof(s->address));
			/* From here on the connection counts as a session (admission.h). */
			if (!admission_upgrade(wsi, s->address, client_limits.max_connections_per_ip))
			{
				lwsl_user("refused a connection from %s: %d connections already\n", s->address,
						  client_limits.max_connections_per_ip);
				metrics.refused_per_ip++;
				lws_return_http_status(wsi, HTTP_STATUS_TOO_MANY_REQUESTS, NULL);
				return 1;
			}
			if (!origin_allowed(wsi))
			{
				lwsl_user("refused a connection from %s: its page's origin is not allowed\n", s->address);
				metrics.refused_origin++;
				lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, NULL);
				return 1;
			}
			if (!auth_identify(wsi, &who))
			{
				metrics.refused_auth++;
				/* Refused at the handshake, with a status a client can read. */
				lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, NULL);
				return 1;
			}
			memcpy(s->principal, who.principal, sizeof(s->principal));
			s->expires = who.expires;
			return 0;
		}
		case LWS_CALLBACK_ESTABLISHED:
			session_open(s, wsi);
			if (draining)
				session_close(s, CLOSE_GOING_AWAY);
			return 0;
		case LWS_CALLBACK_RECEIVE:
			if (draining || s->close_code)
				return 0;		/* what it sends now is resent where it reconnects */
			return session_receive(s, in, len);
		case LWS_CALLBACK_SERVER_WRITEABLE:
			return session_writeable(s);
		case LWS_CALLBACK_CLOSED:
			session_closed(s);
			return 0;
		default:
			return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
