/*
 * listener_notify.c: what the listener does with a notification (see
 * listener.h): only what the extension signed is acted on, each once (the
 * replay windows), and it goes to the handler registered for its kind.
 *
 * Owns: the handlers (listener_on) and the counts of what was dropped.
 * May call: db/listener.c (listener_internal.h), base (notification,
 * secrets, metrics).
 */
#include "db/listener.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/metrics.h"
#include "base/notification.h"
#include "base/secrets.h"
#include "db/pg_conn.h"
#include "db/queries.h"
#include "db/listener_internal.h"

static DropLog dropped_unsigned = {"not signed by pg_ot (forged, or another database's key)",
&metrics.notifications_forged};
static DropLog dropped_invalid = {"signed, but not one this gateway can read",
&metrics.notifications_invalid};
static DropLog dropped_replayed = {"a replay, or signed before this gateway listened",
&metrics.notifications_replayed};

#define HANDLERS_PER_KIND 2
static ListenerHandler handlers[NOTE_REVOKE + 1][HANDLERS_PER_KIND];	/* listener_on */

static void
handle(NoteKind kind, const Note *note, json_t *m)
{
	for (int i = 0; i < HANDLERS_PER_KIND && handlers[kind][i]; i++)
		handlers[kind][i] (note, m);
}

static void
drop(DropLog *log, const PGnotify *n)
{
	lws_usec_t	now = lws_now_usecs();

	(*log->counter)++;
	if (log->last != 0 && now - log->last < DROP_LOG_US)
	{
		log->unlogged++;
		return;
	}
	lwsl_warn("listener: dropped a notification on %s from server process %d: %s"
			  " (and %llu more since the last such line)\n", n->relname, n->be_pid, log->why,
			  (unsigned long long) log->unlogged);
	log->last = now;
	log->unlogged = 0;
}

/*
 * A stamped notification's message, if its channel admits the stamp (else
 * it is dropped as a replay) and it is a JSON object whose "a" is one of
 * the two actions given.
 */
static json_t *
admitted_message(const PGnotify *n, const Note *note, ReplayWindow *window,
				 const char *a1, const char *a2)
{
	json_t	   *m;
	const char *a;

	if (!replay_admit(window, note->t, note->n, note->i))
	{
		drop(&dropped_replayed, n);
		return NULL;
	}
	m = json_loadb(note->body, note->body_len, 0, NULL);
	a = json_string_value(json_object_get(m, "a"));
	if (!json_is_object(m) || a == NULL || (strcmp(a, a1) != 0 && strcmp(a, a2) != 0))
	{
		drop(&dropped_invalid, n);
		json_decref(m);
		return NULL;
	}
	return m;
}

/*
 * Only what the extension signed is acted on: ops go to their document
 * (routed by the signed header; the body is forwarded as it is), presence
 * to its channel and revocations to the sessions, each once.
 */
void
listener_notify(PgConn *conn, const PGnotify *n)
{
	ListenChannel *ch = listener_channel_find(conn, n->relname);
	Note		note;
	json_t	   *m;

	metrics.notifications++;
	switch (note_read(secret_get("notify"), n->relname, n->extra, strlen(n->extra), &note))
	{
		case NOTE_OK:
			break;
		case NOTE_UNSIGNED:
			drop(&dropped_unsigned, n);
			return;
		case NOTE_INVALID:
			drop(&dropped_invalid, n);
			return;
	}
	if (note.kind == NOTE_OP)
		handle(NOTE_OP, &note, NULL);
	else if (ch == NULL)
		;						/* just UNLISTENed: no window to admit it */
	else if (note.kind == NOTE_PRESENCE &&
			 (m = admitted_message(n, &note, &ch->presence, "p", "pr")) != NULL)
	{
		handle(NOTE_PRESENCE, &note, m);
		json_decref(m);
	}
	else if (note.kind == NOTE_REVOKE &&
			 (m = admitted_message(n, &note, &ch->revoke, "revoke", "revoke")) != NULL)
	{
		handle(NOTE_REVOKE, &note, m);
		json_decref(m);
	}
	note_clear(&note);
}

void
listener_on(NoteKind kind, ListenerHandler fn)
{
	for (int i = 0; i < HANDLERS_PER_KIND; i++)
		if (handlers[kind][i] == NULL)
		{
			handlers[kind][i] = fn;
			return;
		}
	lwsl_err("listener: more than %d handlers for one kind of notification\n", HANDLERS_PER_KIND);
	abort();
}
