/*
 * shutdown.c: the gateway's graceful shutdown (see shutdown.h).
 *
 * Owns: its phases and their deadlines.  May call: client (the sessions'
 * registry and close), edge/ws_session (stop reading), actions/submit (what
 * is in flight).
 */
#include "shutdown.h"

#include "actions/submit.h"
#include "client/client.h"
#include "edge/ws_session.h"

/* How long a shutdown waits for submits in flight, then for queues to go out. */
#define DRAIN_SUBMITS_US (10 * LWS_USEC_PER_SEC)
#define DRAIN_SESSIONS_US (5 * LWS_USEC_PER_SEC)

/*
 * Graceful shutdown (SIGTERM or SIGINT): stop reading clients, let the
 * submits already received reach the database and their acks the clients,
 * then close every session with 1001 once its queue is out; clients
 * reconnect elsewhere and resume by version.
 */
static struct
{
	enum { RUNNING, DRAINING_SUBMITS, CLOSING_SESSIONS, DONE } phase;	/* zero: RUNNING */
	lws_usec_t	deadline;
	lws_sorted_usec_list_t tick;
	struct lws_context *context;
} shutdown_state;

static void
shutdown_step(lws_sorted_usec_list_t *sul)
{
	lws_usec_t	now = lws_now_usecs();

	if (shutdown_state.phase == DRAINING_SUBMITS &&
		(submit_outstanding() == 0 || now > shutdown_state.deadline))
	{
		if (submit_outstanding() > 0)
			lwsl_warn("shutdown: %d ops still unanswered; their clients resend them elsewhere\n",
					  submit_outstanding());
		sessions_close_all(CLOSE_GOING_AWAY);
		shutdown_state.phase = CLOSING_SESSIONS;
		shutdown_state.deadline = now + DRAIN_SESSIONS_US;
	}
	if (shutdown_state.phase == CLOSING_SESSIONS &&
		(sessions_count() == 0 || now > shutdown_state.deadline))
		shutdown_state.phase = DONE;
	else
		lws_sul_schedule(shutdown_state.context, 0, &shutdown_state.tick, shutdown_step, 50 * LWS_US_PER_MS);
}

void
shutdown_begin(struct lws_context *context)
{
	shutdown_state.context = context;
	lwsl_user("stopping: draining %d sessions, %d ops in flight\n", sessions_count(), submit_outstanding());
	sessions_drain();
	shutdown_state.phase = DRAINING_SUBMITS;
	shutdown_state.deadline = lws_now_usecs() + DRAIN_SUBMITS_US;
	shutdown_step(&shutdown_state.tick);
}

bool
shutdown_started(void)
{
	return shutdown_state.phase != RUNNING;
}

bool
shutdown_done(void)
{
	return shutdown_state.phase == DONE;
}

void
shutdown_end(void)
{
	lws_sul_cancel(&shutdown_state.tick);
}
