/*
 * protocol.h: one ShareDB message from a client, checked and dispatched.
 *
 * The checks are ShareDB's own (_checkRequest and the op shape): what fails
 * them is answered with the request plus error ERR_MESSAGE_BADLY_FORMED and
 * never reaches the database; what passes them is the database's to judge.
 *
 * May include: client/client.
 */
#ifndef PG_OT_GATEWAY_PROTOCOL_H
#define PG_OT_GATEWAY_PROTOCOL_H

#include <stddef.h>

#include "client/client.h"

/* Handles the text of one complete WebSocket message. */
void		protocol_message(Session *s, const char *text, size_t len);

#endif
