/*
 * shutdown.h: graceful shutdown (SIGTERM or SIGINT): stop reading clients,
 * let the submits already received reach the database and their acks the
 * clients, then close every session with 1001 once its queue is out.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_SHUTDOWN_H
#define PG_OT_GATEWAY_SHUTDOWN_H

#include <libwebsockets.h>
#include <stdbool.h>

void		shutdown_begin(struct lws_context *context);
bool		shutdown_started(void);
bool		shutdown_done(void);		/* the loop may end */
void		shutdown_end(void);			/* after the loop */

#endif
