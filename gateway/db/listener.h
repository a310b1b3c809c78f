/*
 * listener.h: the one connection that LISTENs.
 *
 * It runs nothing but LISTEN and UNLISTEN, for the channels that documents
 * with someone on this gateway hash to (reference-counted), and hands every
 * notification to the documents.  When it breaks it reconnects with backoff,
 * LISTENs again, and only then asks every document to fill its gap from the
 * op log: LISTEN first, then read, so nothing falls between.  Presence that
 * other gateways publish on the same channels, and revocations, go to the
 * handlers registered for their kind (listener_on): the listener names no
 * module above it.
 *
 * A SELECT 1 every 2 s, with the same deadline as every command on this
 * connection, notices a server that went silent (a partition, a frozen
 * primary); the handler registered with listener_on_silence() hears of it,
 * since the query connections go to the same server.
 *
 * On partitions (db/partitions.h) there is one such connection per
 * partition, each with its own channels, replay windows and heartbeat; a
 * member names the partition it listens on, and the silence and restored
 * handlers hear which partition it was.
 *
 * May include: base, db.
 */
#ifndef PG_OT_GATEWAY_LISTENER_H
#define PG_OT_GATEWAY_LISTENER_H

#include <libwebsockets.h>
#include <stdbool.h>

#include <jansson.h>

#include "base/notification.h"
#include "db/pg_conn.h"

/*
 * One user of a channel (a document, embedded in it): ready runs when the
 * channel LISTENs (at once if it does), and again after each reconnect.
 */
typedef struct ListenMember
{
	lws_dll2_t	link;			/* among its channel's members */
	struct ListenChannel *channel;	/* NULL: not joined */
	int			partition;		/* whose LISTEN connection (set before listener_join) */
	void		(*ready) (struct ListenMember *m);
} ListenMember;

/* What handles a signed notification: m its admitted message (NULL for NOTE_OP). */
typedef void (*ListenerHandler) (const Note *note, json_t *m);

/* conninfos[p]: partition p's; n of them (partitions_count()). */
void		listener_init(struct lws_context *context, struct lws_vhost *vhost, const char *const *conninfos,
						  int n, const PgConnDeadlines *deadlines);
void		listener_stop(void);

/* fn runs whenever a command or the heartbeat of partition's connection passed its deadline. */
void		listener_on_silence(void (*fn) (int partition));

/* fn handles the notifications of kind (up to two handlers per kind, in the order registered). */
void		listener_on(NoteKind kind, ListenerHandler fn);

/* fn runs once partition's LISTENs are back after a reconnect: its members fill their gaps. */
void		listener_on_restored(void (*fn) (int partition));

/* Adds member to a channel; member->ready follows once it LISTENs. */
void		listener_join(ListenMember *member, const char *channel);
void		listener_leave(ListenMember *member);
bool		listener_up(int partition);

#endif
