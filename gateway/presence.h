/*
 * presence.h: ShareDB presence (p, ps, pu, pr) among this gateway's clients.
 *
 * A presence is relayed, never stored: the sender gets the record back as
 * its reply, every other subscriber of the channel gets the same frame.  A
 * document presence made at an old version is first moved through the ops
 * since by the database (ot.presence_at), so receivers get it at the
 * version they have.  A client that leaves or unsubscribes has each of its
 * presences removed (p: null) from the others.
 */
#ifndef PG_OT_GATEWAY_PRESENCE_H
#define PG_OT_GATEWAY_PRESENCE_H

#include <jansson.h>

#include "session.h"

void		presence_init(void);
void		presence_subscribe(Session *s, json_t *request);	/* these steal request */
void		presence_unsubscribe(Session *s, json_t *request);
void		presence_request(Session *s, json_t *request);
void		presence_update(Session *s, json_t *request);
void		presence_session_closed(Session *s);

#endif
