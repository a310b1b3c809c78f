/*
 * presence_rate.h: presence updates over --presence-rate are merged.
 *
 * Presence is a state, not a log: when a client sends updates faster than
 * its rate, the latest one per (channel, presence id) waits for the rate to
 * allow it and every update it replaces is acknowledged to its sender
 * without being relayed.  The client's callbacks all run; the others see
 * fewer, fresher updates.
 */
#ifndef PG_OT_GATEWAY_PRESENCE_RATE_H
#define PG_OT_GATEWAY_PRESENCE_RATE_H

#include <jansson.h>

#include "session.h"

typedef void (*PresenceSend) (Session *s, json_t *request);

/* Sends request (a "p") through send now, or holds it; steals request. */
void		presence_rate_admit(Session *s, json_t *request, PresenceSend send);

/* Drops what s holds (it is closing). */
void		presence_rate_forget(Session *s);

#endif
