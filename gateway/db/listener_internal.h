/*
 * listener_internal.h: what listener.c and listener_notify.c share, and
 * nobody else includes.
 *
 * May include: db/listener.h and what it may.
 */
#ifndef PG_OT_GATEWAY_LISTENER_INTERNAL_H
#define PG_OT_GATEWAY_LISTENER_INTERNAL_H

#include <libwebsockets.h>

#include "base/notification.h"
#include "db/listener.h"
#include "db/pg_conn.h"

/* With the default --db-timeout of 5 s, silence shows within 7 s. */
#define HEARTBEAT_US (2 * LWS_USEC_PER_SEC)
/* At most one log line per reason in this time: a forger must not fill the log. */
#define DROP_LOG_US (10 * LWS_USEC_PER_SEC)

typedef enum ListenState
{
	CHANNEL_OFF,				/* not listened on this connection */
	CHANNEL_SENT,				/* in the LISTEN or UNLISTEN in flight */
	CHANNEL_ON
} ListenState;

typedef struct ListenChannel ListenChannel;

struct ListenChannel
{
	lws_dll2_t	link;
	char	   *name;			/* ot.channel()'s result: a plain identifier */
	struct Listener *listener;	/* the partition's LISTEN connection it is on */
	lws_dll2_owner_t docs;		/* ListenMember.link */
	ListenState state;
	bool		sent_listen;	/* the command in flight is LISTEN (or UNLISTEN) */
	bool		to_wake;		/* just turned on: its documents are told */
	ReplayWindow presence;		/* what was admitted since the channel turned on */
	ReplayWindow revoke;
};

/* Why a notification was dropped: counted, and logged now and then. */
typedef struct DropLog
{
	const char *why;
	uint64_t   *counter;
	lws_usec_t	last;			/* when it was last logged */
	uint64_t	unlogged;		/* dropped since */
} DropLog;

/* The channel of that name on conn (a listener's connection). */
ListenChannel * listener_channel_find(PgConn *conn, const char *name);

/*
 * Only what the extension signed is acted on: ops go to their document
 * (routed by the signed header; the body is forwarded as it is), presence
 * to its channel and revocations to the sessions, each once.
 */
void listener_notify(PgConn *conn, const PGnotify *n);

#endif
