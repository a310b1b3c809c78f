/*
 * fetch.h: f, s, bf, bs, nf and nt: snapshots and op catch-up for clients.
 *
 * A subscription first makes sure the document's notifications flow
 * (LISTEN), then reads, then replies, and only then opens its gate at the
 * version it read: ops committed meanwhile arrive by notification, and the
 * gate drops what the read already covered.
 *
 * May include: client/client.
 */
#ifndef PG_OT_GATEWAY_FETCH_H
#define PG_OT_GATEWAY_FETCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "client/client.h"

/* f or s on one document; version < 0: the snapshot, else the ops from it. */
void		fetch_doc(Session *s, json_t *request, bool subscribe, int64_t version);

/* bf or bs: b is an array of ids (snapshots) or an object {id: version}. */
void		fetch_bulk(Session *s, json_t *request, bool subscribe);

/* nf (at a version, or the latest) or nt (at a timestamp in ms). */
void		fetch_snapshot_at(Session *s, json_t *request, bool by_time);

#endif
