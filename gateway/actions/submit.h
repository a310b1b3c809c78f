/*
 * submit.h: ops from clients to the database, batched.
 *
 * Each document has at most one op in a batch at a time; ops that wait when
 * a connection frees up go together as one ot.submit_batch() call, one
 * transaction (the database orders them by document, so two gateways never
 * deadlock).  A batch whose connection breaks is sent again: every op
 * carries its (src, seq), so the database acknowledges a resend instead of
 * applying it twice.  On partitions each partition has its own ready
 * list: a batch holds the ops of one partition's documents only.
 *
 * May include: db/pg_conn, client/client.
 */
#ifndef PG_OT_GATEWAY_SUBMIT_H
#define PG_OT_GATEWAY_SUBMIT_H

#include <jansson.h>
#include <stdbool.h>

#include "db/pg_conn.h"
#include "client/client.h"

void		submit_init(int batch_max);

/* Queues a validated op message; steals request. */
void		submit_op(Session *s, json_t *request);

/* The pool's submit source: sends a batch of partition's documents' ops on conn if some wait. */
bool		submit_take_batch(PgConn *conn, int partition);

/* Ops received and not answered yet (waiting or in a batch). */
int			submit_outstanding(void);

#endif
