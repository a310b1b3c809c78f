/*
 * client.c: the clients' registry, their outbound queues and the tickets of
 * their requests (see client.h).
 *
 * Owns: the list of open sessions, each one's queue of frames and its
 * close; runs the close hooks registered with it.  May call: base (frame,
 * metrics, alloc), client/reads (a ticket's read slot).  It never names a
 * module above it: the edge opens sessions and registers the hooks.
 */
#include "client/client.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/metrics.h"
#include "client/reads.h"

#define SLOW_CLIENT_GRACE_S 5
#define CLOSE_HOOKS_MAX 8

ClientLimits client_limits;

static lws_dll2_owner_t sessions;
static void (*close_hooks[CLOSE_HOOKS_MAX]) (Session *s);
static int	close_hooks_n;

void
client_on_close(void (*fn) (Session *s))
{
	if (close_hooks_n == CLOSE_HOOKS_MAX)
	{
		lwsl_err("client_on_close: more than %d hooks\n", CLOSE_HOOKS_MAX);
		abort();
	}
	close_hooks[close_hooks_n++] = fn;
}

void
client_opened(Session *s)
{
	lws_dll2_add_tail(&s->link, &sessions);
}

void
clients_each(void (*fn) (Session *s, void *arg), void *arg)
{
	lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, sessions.head)
	{
		fn(lws_container_of(p, Session, link), arg);
	}
	lws_end_foreach_dll_safe(p, p1);
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

/*
 * Closes s with code: at once for a client too slow to read (its queue is
 * dropped), after its queue is out otherwise.  A peer that reads nothing
 * any more is cut off after a grace period.
 */
void
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

int
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

void
client_closed(Session *s)
{
	lws_dll2_remove(&s->link);
	while (s->tickets.head)
	{
		Ticket	   *t = lws_container_of(s->tickets.head, Ticket, link);

		ticket_detach(t);
		if (t->gone)
			t->gone(t);
	}
	for (int i = 0; i < close_hooks_n; i++)
		close_hooks[i] (s);
	while (s->queue_len > 0)
	{
		dequeued(s, s->queue[s->queue_head]);
		frame_unref(s->queue[s->queue_head]);
		s->queue_head = (s->queue_head + 1) % s->queue_cap;
		s->queue_len--;
	}
	free(s->queue);
	s->queue = NULL;
}
