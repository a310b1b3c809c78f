/*
 * table.h: a hash table from byte-string keys to pointers.
 *
 * The gateway's registries (documents by collection and id, presence
 * channels by name) are looked up on every message; chaining with a
 * doubling bucket array keeps that O(1) without a dependency.  Keys are
 * copied; values are owned by the caller.  Keys are hashed with SipHash
 * under a random key per process, so that clients, who choose many of
 * them, cannot aim them at one bucket.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_TABLE_H
#define PG_OT_GATEWAY_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct TableEntry TableEntry;

typedef struct Table
{
	TableEntry **buckets;
	size_t		nbuckets;
	size_t		count;
} Table;

void		table_init(Table *t);
void		table_free(Table *t);		/* the entries, not the values */
void	   *table_get(const Table *t, const char *key, size_t keylen);
void		table_put(Table *t, const char *key, size_t keylen, void *value);
void	   *table_remove(Table *t, const char *key, size_t keylen);

/* Calls fn for every entry; fn must not change the table. */
typedef void (*TableEachFn) (const char *key, size_t keylen, void *value, void *arg);
void		table_each(const Table *t, TableEachFn fn, void *arg);

/* The hash of a key: SipHash-2-4 under this process's random key. */
uint64_t	table_hash(const char *key, size_t keylen);

/* A malloc'd snapshot of the values, to walk while the table changes. */
void	  **table_values(const Table *t, size_t *n);

#endif
