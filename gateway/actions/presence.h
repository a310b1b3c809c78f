/*
 * presence.h: ShareDB presence (p, ps, pu, pr), across gateways.
 *
 * A presence is relayed, never stored: the sender gets the record back as
 * its reply, every other subscriber of the channel gets the same frame, on
 * this gateway directly and on the others through a NOTIFY on the channel's
 * pg_ot channel (ot.channel('$presence', key)), which every gateway with a
 * subscriber LISTENs to.  A document presence made at an old version is
 * first moved through the ops since by the database (ot.presence_at).  A
 * client that leaves or unsubscribes has each of its presences removed
 * (p: null) from the others.
 *
 * Access comes first: before anything is held or relayed for a channel,
 * the database says which one document (collection, id) the channel names
 * for the session's user (ot.authorize_presence), once per session and
 * channel; a refusal is remembered too (--max-refusals).  Presence is
 * relayed only between sessions whose channel named the same document (the
 * channel's key), so a grant on one collection never shows or reaches the
 * presence of a document of another that the dot split makes look alike.
 *
 * Bounds per session: --max-subscriptions channels in use (subscribed, or
 * sent on; unused ones make room), --max-presences presences (channel and
 * presence id) with one last record and one update waiting for
 * --presence-rate each, --max-presence bytes per update, --max-refusals
 * channels refused.
 *
 * May include: client/client.
 */
#ifndef PG_OT_GATEWAY_PRESENCE_H
#define PG_OT_GATEWAY_PRESENCE_H

#include <jansson.h>
#include <stdbool.h>

#include "client/client.h"

void		presence_init(struct lws_context *context);
void		presence_subscribe(Session *s, json_t *request);	/* these steal request */
void		presence_unsubscribe(Session *s, json_t *request);
void		presence_request(Session *s, json_t *request);
void		presence_update(Session *s, json_t *request);
void		presence_session_opened(Session *s);
void		presence_session_closed(Session *s);

/* Whether s uses a presence channel that names a document of collection (id; NULL: any). */
bool		presence_covers(Session *s, const char *collection, const char *id);

/* Whether s uses a presence channel of a document of partition (db/partitions.h). */
bool		presence_on_partition(Session *s, int partition);

/* A presence message another gateway published (the listener hands it over). */
void		presence_notification(json_t *m);

#endif
