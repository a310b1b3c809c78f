/*
 * presence_internal.h: what the files of presence (presence.c,
 * presence_uses.c, presence_access.c, presence_update.c) share, and nobody
 * else includes.
 *
 * May include: actions/presence.h and what it may.
 */
#ifndef PG_OT_GATEWAY_PRESENCE_INTERNAL_H
#define PG_OT_GATEWAY_PRESENCE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "actions/presence.h"
#include "base/frame.h"
#include "base/table.h"
#include "docs/channel.h"

#define RICH_TEXT_URI "http://sharejs.org/types/rich-text/v1"
/* The collection whose ot.channel() a presence channel is published on. */
#define PRESENCE_COLLECTION "$presence"
/*
 * NOTIFY payloads must stay below 8,000 bytes, and ot.publish_presence adds
 * its signature and stamp (at most 138 bytes).
 */
#define NOTIFY_MAX 7800
/* The longest channel that can name a document (collection and id: 1,024 bytes each). */
#define CHANNEL_MAX 2049
#define BADLY_FORMED "ERR_MESSAGE_BADLY_FORMED"
#define REFUSED "ERR_SNAPSHOT_READS_REJECTED"

/* A presence channel as this gateway relays it: the one document it names. */
typedef struct PresenceChannel
{
	char	   *key;			/* presence_channel_key() */
	lws_dll2_owner_t subs;		/* PresenceUse.sub_link of the uses subscribed */
	Channel    *listen;			/* ("$presence", key): LISTENs for other gateways */
} PresenceChannel;

/* The last record relayed for one presence (channel, id) of a session. */
typedef struct Sent
{
	Frame	   *frame;			/* NULL: admitted, nothing relayed yet */
	double		pv;
} Sent;

/* A channel name as one session uses it: the document it named, what it sent. */
typedef struct PresenceUse
{
	Session    *session;
	char	   *name;			/* as the client names it (its key in presence_uses) */
	char	   *key;			/* presence_channel_key() of the document it names */
	size_t		collection_len; /* name is collection "." id */
	PresenceChannel *channel;	/* while subscribed */
	lws_dll2_t	sub_link;
	Table		sent;			/* presence id -> Sent; made at the first (most uses have none) */
	unsigned	epoch;			/* one more at each pu: what was on its way then is not relayed */
} PresenceUse;

typedef void (*PresenceStep) (Session *s, PresenceUse *use, json_t *request);

/* A presence request waiting for the database to say what the channel names. */
typedef struct PresenceAuth
{
	Ticket		ticket;
	json_t	   *request;
	size_t		collection_len; /* of the document a presence update named, or 0 */
	PresenceStep next;
} PresenceAuth;

/* A document presence being moved to the latest version. */
typedef struct PresenceRead
{
	Ticket		ticket;
	json_t	   *record;
	unsigned	epoch;			/* its use's when it started */
} PresenceRead;

/* A ps waiting for the other gateways' presence to be heard. */
typedef struct PresenceWait
{
	Ticket		ticket;
	DocWait		wait;
	Channel    *listen;
	json_t	   *request;
} PresenceWait;

extern Table presence_channels;
extern char presence_gateway_id[33];
extern char presence_placeholder;

/*
 * What a channel name is keyed by once it names (collection, id): the
 * collection's length in bytes and the name, "5:notes.n1", which tells
 * ("a", "b.c") from ("a.b", "c").
 */
char * presence_channel_key(const char *name, size_t collection_len);

/*
 * The partition of the document name ("collection.id") names, collection_len
 * the length of its collection (0: not known yet, the split at the first
 * dot, which is what ot.authorize_presence finds for a collection without
 * dots).  Its presence is published and LISTENed for there.
 */
int			presence_partition(const char *name, size_t collection_len);

/*
 * The hash a refused channel is remembered by, with the length of the
 * collection a document's presence named (0: none).  A collision only
 * refuses the session itself.
 */
uint64_t presence_refusal_hash(const char *name, size_t collection_len);

/* An error for request with the fields ShareDB's client routes it by, not the request itself. */
void presence_refuse(Session *s, json_t *request, const char *code, const char *message);

/*
 * Publishes m to the other gateways, on use's document ("cl" tells them
 * which), signed and stamped by the database (ot.publish_presence) so that
 * they can tell it from a forgery or a replay.  Presence is not worth a WAL
 * flush: the NOTIFY's transaction commits asynchronously.
 */
void presence_publish_remote(const json_t *m, const PresenceUse *use);

/* Sends one frame to every subscriber of the channel key but those of source src. */
void presence_relay(const char *key, Frame *f, const char *src);

void presence_sent_forget(Session *s, Sent *sent);

Sent * presence_sent_find(PresenceUse *use, const char *id);

Sent * presence_sent_add(PresenceUse *use, const char *id);

/* Keeps the newest record per presence, for its removal later; a null one ends it. */
void presence_remember(PresenceUse *use, const json_t *record, Frame *f);

/* Tells the others that each presence s sent on use is gone, and forgets them. */
void presence_remove_presences(Session *s, PresenceUse *use);

void presence_use_unsubscribe(PresenceUse *use);

void presence_use_free(Session *s, PresenceUse *use);

/* Whether s may use one more channel: under the limit, or once an unused one is forgotten. */
bool presence_room_for_channel(Session *s);

void presence_refuse_over_limit(Session *s, json_t *request);

/*
 * Runs next once the database has said which document the channel names
 * for the session's user (once per session and channel; a refusal is
 * remembered as well): presence must not leak what a user may not read,
 * and nothing is held for a request before that.  c and d: what a
 * document's presence update says it is about, or NULL.
 */
void presence_with_access(Session *s, json_t *request, const char *c, const char *d, PresenceStep next);

#endif
