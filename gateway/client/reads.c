/*
 * reads.c: the read slots of each session (see reads.h).
 *
 * May call: base/metrics.
 */
#include "client/reads.h"

#include <stdlib.h>

#include "base/metrics.h"

/* The rx flow control reason of the read bound (lws_rx_flow_control, b5..b0). */
#define RXFLOW_READS (1 << 1)

static void (*run_held_message) (Session *s);

void
reads_init(void (*run_held) (Session *s))
{
	run_held_message = run_held;
}

void
ticket_attach_read(Ticket *t, Session *s)
{
	ticket_attach(t, s);
	t->read = true;
	s->reads++;
	metrics.reads_in_flight++;
}

bool
reads_slot_free(const Session *s)
{
	return s->reads < client_limits.max_reads;
}

bool
reads_gate_open(const Session *s)
{
	return reads_slot_free(s) && s->read_wait == NULL && s->held == NULL;
}

static void
rx_pause(Session *s, bool pause)
{
	if (s->rx_paused == pause)
		return;
	s->rx_paused = pause;
	lws_rx_flow_control(s->wsi, (pause ? LWS_RXFLOW_REASON_APPLIES_DISABLE : LWS_RXFLOW_REASON_APPLIES_ENABLE) |
						RXFLOW_READS | (pause ? 0 : LWS_RXFLOW_REASON_FLAG_PROCESS_NOW));
}

bool
reads_hold_message(Session *s)
{
	if (s->held)
		return false;
	metrics.reads_waited++;
	rx_pause(s, true);
	return true;
}

void
reads_when_free(Session *s, ReadWait *w)
{
	s->read_wait = w;
	rx_pause(s, true);
}

/*
 * A slot freed (or a message ran): the waiting bulk request first, then
 * the waiting message, then the socket again.  Runs from the event loop,
 * never inside the callback of the read that ended.
 */
static void
wake(lws_sorted_usec_list_t *sul)
{
	Session    *s = lws_container_of(sul, Session, reads_wake);

	if (s->read_wait && reads_slot_free(s))
	{
		ReadWait   *w = s->read_wait;

		s->read_wait = NULL;
		w->fn(w);
	}
	if (s->held && reads_slot_free(s) && s->read_wait == NULL)
		run_held_message(s);
	if (reads_gate_open(s))
		rx_pause(s, false);
}

void
reads_give(Session *s)
{
	s->reads--;
	metrics.reads_in_flight--;
	if (s->read_wait || s->held || s->rx_paused)
		lws_sul_schedule(lws_get_context(s->wsi), 0, &s->reads_wake, wake, 1);
}

void
reads_session_closed(Session *s)
{
	ReadWait   *w = s->read_wait;

	lws_sul_cancel(&s->reads_wake);
	s->read_wait = NULL;
	free(s->held);
	s->held = NULL;
	if (w)
		w->fn(w);				/* its session is gone: it finishes */
}
