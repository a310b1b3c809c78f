/*
 * ws_session.c: the lws callback of WebSocket sessions (see ws_session.h).
 *
 * Owns: a session's handshake (admission, origin, token), its timers (token
 * expiry, handshake deadline), the reassembly and running of its messages
 * under --rate, and the order of the close hooks.  May call: everything
 * below the edge (client for the queue and registry; docs, actions/presence
 * and client/reads for open and close) and edge/protocol, admission,
 * origin, auth.
 */
#include "edge/ws_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions/presence.h"
#include "actions/query.h"
#include "base/alloc.h"
#include "base/metrics.h"
#include "client/reads.h"
#include "docs/document.h"
#include "edge/admission.h"
#include "edge/auth.h"
#include "edge/origin.h"
#include "edge/protocol.h"

/* A reassembly buffer larger than this is given back after its message. */
#define RX_KEEP 65536
#define EXPIRY_STEP_S (365 * 24 * 3600)
#define HTTP_STATUS_TOO_MANY_REQUESTS 429

static bool draining;
static bool (*refusing) (void);

static void session_run_held(Session *s);

void
sessions_configure(const ClientLimits *limits)
{
	client_limits = *limits;
	reads_init(session_run_held);
	/* In this order: a waiting bulk request ends its held subscriptions after theirs. */
	client_on_close(docs_session_closed);
	client_on_close(reads_session_closed);
	client_on_close(presence_session_closed);
	client_on_close(query_session_closed);
}

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
	client_opened(s);
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


static void
pause_reading(Session *s, void *arg)
{
	lws_rx_flow_control(s->wsi, 0);
}

void
sessions_drain(void)
{
	draining = true;
	clients_each(pause_reading, NULL);
}


void
sessions_refuse_when(bool (*refuse) (void))
{
	refusing = refuse;
}

bool
sessions_draining(void)
{
	return draining;
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
	lws_sul_cancel(&s->expiry);
	lws_sul_cancel(&s->handshake_deadline);
	client_closed(s);			/* its tickets, the close hooks, its queue */
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
