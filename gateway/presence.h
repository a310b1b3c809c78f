/*
 * presence.h: ShareDB presence (p, ps, pu, pr), across gateways.
 *
 * A presence is relayed, never stored: the sender gets the record back as
 * its reply, every other subscriber of the channel gets the same frame, on
 * this gateway directly and on the others through a NOTIFY on the channel's
 * pg_ot channel (ot.channel('$presence', name)), which every gateway with a
 * subscriber LISTENs to.  A document presence made at an old version is
 * first moved through the ops since by the database (ot.presence_at).  A
 * client that leaves or unsubscribes has each of its presences removed
 * (p: null) from the others.
 */
#ifndef PG_OT_GATEWAY_PRESENCE_H
#define PG_OT_GATEWAY_PRESENCE_H

#include <jansson.h>

#include "session.h"

void		presence_init(struct lws_context *context);
void		presence_subscribe(Session *s, json_t *request);	/* these steal request */
void		presence_unsubscribe(Session *s, json_t *request);
void		presence_request(Session *s, json_t *request);
void		presence_update(Session *s, json_t *request);
void		presence_session_closed(Session *s);

/* A presence message another gateway published (the listener hands it over). */
void		presence_notification(json_t *m);

#endif
