/*
 * partitions.h: which PostgreSQL primary a document lives on.
 *
 * Documents are spread over N partitions (N a power of two, 1 without
 * --partition): a document's is doc_hash(collection, id) % N, as the
 * extension's ot.partition_of() says (base/doc_hash.h).  Each partition has
 * its own LISTEN connection (db/listener.h) and its own pool (db/pool.h);
 * the layers above name a partition by its number, 0..N-1.
 *
 * May include: base.
 */
#ifndef PG_OT_GATEWAY_PARTITIONS_H
#define PG_OT_GATEWAY_PARTITIONS_H

#include <stdbool.h>

/* At most this many --partition flags. */
#define PARTITIONS_MAX 64

/* n partitions (a power of two, 1..PARTITIONS_MAX); before the pool and the listener start. */
void		partitions_init(int n);
int			partitions_count(void);

/* Whether the gateway was given partitions (--partition), rather than one database (--db). */
bool		partitions_named(void);
void		partitions_set_named(bool named);

/* The partition of document (collection, id); 0 if either is NULL. */
int			partition_of(const char *collection, const char *id);

#endif
