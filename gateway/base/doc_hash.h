/*
 * doc_hash.h: the 64-bit FNV-1a hash of a document's (collection, id), the
 * one the extension's ot.channel() and ot.partition_of() use: over the
 * collection's bytes, one zero byte, the id's bytes.  A document lives on
 * partition doc_hash % N (N a power of two); every gateway and the router
 * must agree on it, so it is computed here exactly as in the extension
 * (test/gateway/unit/partition_hash.sh compares it with ot.partition_of on
 * random names, non-ASCII ones included).
 *
 * Header-only, C99.  May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_DOC_HASH_H
#define PG_OT_GATEWAY_DOC_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t
doc_hash_bytes(uint64_t hash, const char *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		hash ^= (unsigned char) bytes[i];
		hash *= UINT64_C(1099511628211);
	}
	return hash;
}

static inline uint64_t
doc_hash(const char *collection, size_t clen, const char *id, size_t ilen)
{
	uint64_t	hash = UINT64_C(14695981039346656037);

	hash = doc_hash_bytes(hash, collection, clen);
	hash = doc_hash_bytes(hash, "", 1);
	return doc_hash_bytes(hash, id, ilen);
}

/* The partition of (collection, id) among n (a power of two). */
static inline int
doc_partition(const char *collection, const char *id, int n)
{
	return n <= 1 ? 0 : (int) (doc_hash(collection, strlen(collection), id, strlen(id)) % (uint64_t) n);
}

#endif
