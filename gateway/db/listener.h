/*
 * listener.h: the one connection that LISTENs.
 *
 * It runs nothing but LISTEN and UNLISTEN, for the channels that documents
 * with someone on this gateway hash to (reference-counted), and hands every
 * notification to the documents.  When it breaks it reconnects with backoff,
 * LISTENs again, and only then asks every document to fill its gap from the
 * op log: LISTEN first, then read, so nothing falls between.  Presence that
 * other gateways publish on the same channels goes to presence.c.
 *
 * A SELECT 1 every 2 s, with the same deadline as every command on this
 * connection, notices a server that went silent (a partition, a frozen
 * primary); the handler registered with listener_on_silence() hears of it,
 * since the query connections go to the same server.
 */
#ifndef PG_OT_GATEWAY_LISTENER_H
#define PG_OT_GATEWAY_LISTENER_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "docs/document.h"

#include "db/pg_conn.h"

void		listener_init(struct lws_context *context, struct lws_vhost *vhost, const char *conninfo,
						  const PgConnDeadlines *deadlines);
void		listener_stop(void);

/* fn runs whenever a command or the heartbeat passed its deadline. */
void		listener_on_silence(void (*fn) (void));

/* Adds doc to a channel; doc_channel_ready(doc) follows once it LISTENs. */
void		listener_join(Doc *doc, const char *channel);
void		listener_leave(Doc *doc);
bool		listener_up(void);

#endif
