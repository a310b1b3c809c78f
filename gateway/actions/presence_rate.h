/*
 * presence_rate.h: presence updates over --presence-rate are merged.
 *
 * Presence is a state, not a log: when a client sends updates faster than
 * its rate, the latest one per (channel, presence id) waits for the rate to
 * allow it and every update it replaces is acknowledged to its sender
 * without being relayed.  The client's callbacks all run; the others see
 * fewer, fresher updates.  Only updates whose access was checked, for a
 * presence the session may have (presence.h), come here: what is held is
 * bounded by --max-presences updates of at most --max-presence bytes.
 *
 * May include: client/client.
 */
#ifndef PG_OT_GATEWAY_PRESENCE_RATE_H
#define PG_OT_GATEWAY_PRESENCE_RATE_H

#include <jansson.h>
#include <stddef.h>

#include "client/client.h"

typedef void (*PresenceSend) (Session *s, json_t *record);

/* Sends record (a "p" of bytes bytes) through send now, or holds it; steals record. */
void		presence_rate_admit(Session *s, json_t *record, size_t bytes, PresenceSend send);

/* The updates s holds on channel ch are acknowledged and dropped (it unsubscribed). */
void		presence_rate_drop_channel(Session *s, const char *ch);

/* Drops what s holds (it is closing). */
void		presence_rate_forget(Session *s);

#endif
