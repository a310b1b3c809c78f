/*
 * channel.h: a LISTEN of this gateway's, by what ot.channel() names it.
 *
 * A channel is what a document (docs/document.h), a presence channel
 * (actions/presence.c) or the revoked grants (actions/revocation.c) needs
 * to hear notifications: it asks the database for the channel's name once,
 * joins the listener's channel of that name (db/listener.h) and runs the
 * waiters queued on it once the LISTEN is confirmed, and again whenever the
 * listener says so after a reconnect.  Reference-counted: whoever holds it,
 * and a lookup in flight, keep it; the last reference leaves the listener.
 *
 * May include: base, db, client.
 */
#ifndef PG_OT_GATEWAY_CHANNEL_H
#define PG_OT_GATEWAY_CHANNEL_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "db/listener.h"

typedef enum ChannelState
{
	CHANNEL_NONE,				/* not asked yet (or the lookup failed) */
	CHANNEL_LOOKUP,				/* asking the database for its name */
	CHANNEL_WAITING,			/* LISTEN sent, not confirmed */
	CHANNEL_READY				/* notifications flow */
} ChannelState;

/* Runs fn(w) once the channel's notifications flow (at once if they do). */
typedef struct DocWait
{
	lws_dll2_t	link;
	void		(*fn) (struct DocWait *w);
} DocWait;

typedef struct Channel Channel;

/*
 * A channel for (collection, id) as ot.channel() takes them, on the
 * partition of (collection, id); one reference.  channel_open_on: on the
 * partition given (a presence channel goes to its document's partition; the
 * revoked grants are heard on every partition).
 */
Channel    *channel_open(const char *collection, const char *id);
Channel    *channel_open_on(const char *collection, const char *id, int partition);
void		channel_ref(Channel *ch);
void		channel_unref(Channel *ch);

/*
 * Runs w once the channel listens: at once if it does; else after its
 * lookup and LISTEN, or after a failed lookup (channel_listening false).
 */
void		channel_when_listening(Channel *ch, DocWait *w);
bool		channel_listening(const Channel *ch);

/*
 * The channel's name is known (a query's read returned it beside the
 * document): it joins the listener's channel of that name without asking
 * the database, if it has not asked already.
 */
void		channel_named(Channel *ch, const char *name);

#endif
