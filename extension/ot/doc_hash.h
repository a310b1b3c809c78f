/*
 * doc_hash.h
 *	  The one hash of a document's name (collection, id): which NOTIFY
 *	  channel announces it and which partition holds it.
 *
 * 64-bit FNV-1a over the collection's bytes, one zero byte and the id's
 * bytes.  It is stable across versions and platforms and cheap to compute
 * outside the database: the extension (ot.channel, ot.partition_of), the
 * router (pg_ot_router: RUN ON) and the gateway must all compute exactly
 * this, so they all include this header.
 *
 *	   channel   = hash % pg_ot.notify_channels
 *	   partition = hash % N, N a power of two (= hash & (N - 1))
 *
 * PL/Proxy takes an int4 hash and maps it with hash & (N - 1); the low 32
 * bits of this hash (ot_doc_hash32) give the same partition for every N up
 * to 2^31.
 *
 * Plain C99, no PostgreSQL headers; calls nothing.
 */
#ifndef OT_DOC_HASH_H
#define OT_DOC_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OT_FNV1A64_OFFSET UINT64_C(14695981039346656037)
#define OT_FNV1A64_PRIME UINT64_C(1099511628211)

static inline uint64_t
ot_fnv1a64(uint64_t hash, const char *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		hash ^= (unsigned char) bytes[i];
		hash *= OT_FNV1A64_PRIME;
	}
	return hash;
}

/* The hash of document (collection, id), each given with its length in bytes. */
static inline uint64_t
ot_doc_hash(const char *collection, size_t clen, const char *id, size_t ilen)
{
	uint64_t	hash = OT_FNV1A64_OFFSET;

	hash = ot_fnv1a64(hash, collection, clen);
	hash = ot_fnv1a64(hash, "", 1);
	return ot_fnv1a64(hash, id, ilen);
}

/* Partition counts: a power of two from 1 to 2^30 (the largest an int holds). */
#define OT_PARTITIONS_MAX (INT32_C(1) << 30)

static inline bool
ot_partitions_valid(int64_t partitions)
{
	return partitions >= 1 && partitions <= OT_PARTITIONS_MAX && (partitions & (partitions - 1)) == 0;
}

/*
 * Its low 32 bits as a signed 32-bit integer (two's complement), for
 * PL/Proxy's RUN ON: (int32) h & (N - 1) == h % N for N = 2^k, k <= 31.
 */
static inline int32_t
ot_doc_hash32(uint64_t hash)
{
	uint32_t	low = (uint32_t) (hash & UINT32_MAX);

	return low <= INT32_MAX ? (int32_t) low : (int32_t) (low - UINT32_C(2147483648)) + INT32_MIN;
}

#endif							/* OT_DOC_HASH_H */
