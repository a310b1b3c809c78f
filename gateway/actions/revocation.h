/*
 * revocation.h: sessions end when a grant they relied on goes.
 *
 * Grants are checked when a client reads, subscribes or submits.  When one
 * is revoked, the database NOTIFYs it (ot._grant_gone, on
 * ot.channel('$grants', '')); every session of its principal ('*': every
 * authenticated one) holding a subscription or presence channel the grant
 * covered is closed with 4003; after TRUNCATE ot.grants, every session that
 * holds one.  A client that another grant still covers
 * subscribes again when it reconnects; one that none covers is refused.
 * On partitions, it is LISTENed for on every partition (a collection-wide
 * grant lives on each; a document's on the document's).
 * A revoke made while the listener is away is missed: see README.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_REVOCATION_H
#define PG_OT_GATEWAY_REVOCATION_H

#include <jansson.h>

/* LISTENs for revocations for as long as the gateway runs (after pool_init). */
void		revocation_init(void);

/* At shutdown, before listener_stop: the channel goes. */
void		revocation_stop(void);

/*
 * A {"a": "revoke", "c", "d" (null: the collection), "u"} notification, or
 * {"a": "revoke", "all": true} (TRUNCATE ot.grants: every grant went).  The
 * listener passes only what the extension signed, once (notification.h).
 */
void		revocation_notification(json_t *m);

#endif
