/*
 * table.c: chained hash table (see table.h).
 *
 * Clients choose many of the keys (document ids, presence channels and
 * ids), so the hash is SipHash-2-4 under a key drawn from the kernel once
 * per process: without it, one client could make every key land in one
 * bucket and each lookup walk them all.  (Unseeded FNV-1a did that; and
 * FNV's low bits, which pick the bucket, depend only on the low bits of
 * its input, whatever the seed.)
 *
 * May call: base/alloc.
 */
#include "base/table.h"

#include "base/alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct TableEntry
{
	TableEntry *next;
	uint64_t	hash;
	void	   *value;
	size_t		keylen;
	char		key[];
};

static uint64_t sip_key[2];
static bool sip_keyed;

/* The process's hash key, from getrandom(2). */
static void
sip_key_init(void)
{
	unsigned char *p = (unsigned char *) sip_key;
	size_t		got = 0;

	while (got < sizeof(sip_key))
	{
		ssize_t		n = getrandom(p + got, sizeof(sip_key) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
		{
			perror("pg_ot_gateway: getrandom");
			abort();
		}
		got += (size_t) n;
	}
	sip_keyed = true;
}

#define ROTL(x, b) (uint64_t) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND \
	do { \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/* SipHash-2-4 of the key's bytes (Aumasson and Bernstein's reference). */
uint64_t
table_hash(const char *key, size_t len)
{
	const unsigned char *in = (const unsigned char *) key;
	uint64_t	v0 = UINT64_C(0x736f6d6570736575),
				v1 = UINT64_C(0x646f72616e646f6d),
				v2 = UINT64_C(0x6c7967656e657261),
				v3 = UINT64_C(0x7465646279746573);
	uint64_t	b = (uint64_t) len << 56;
	size_t		left = len & 7;
	const unsigned char *end = in + len - left;

	if (!sip_keyed)
		sip_key_init();
	v3 ^= sip_key[1];
	v2 ^= sip_key[0];
	v1 ^= sip_key[1];
	v0 ^= sip_key[0];
	for (; in != end; in += 8)
	{
		uint64_t	m = 0;

		for (int i = 0; i < 8; i++)
			m |= (uint64_t) in[i] << (8 * i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t i = 0; i < left; i++)
		b |= (uint64_t) in[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void
table_init(Table *t)
{
	t->nbuckets = 64;
	t->count = 0;
	t->buckets = xcalloc(t->nbuckets, sizeof(TableEntry *));
}

void
table_free(Table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++)
	{
		TableEntry *e = t->buckets[i];

		while (e)
		{
			TableEntry *next = e->next;

			free(e);
			e = next;
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	t->nbuckets = t->count = 0;
}

static TableEntry **
find(const Table *t, const char *key, size_t keylen, uint64_t hash)
{
	TableEntry **link = &t->buckets[hash & (t->nbuckets - 1)];

	for (; *link; link = &(*link)->next)
	{
		TableEntry *e = *link;

		if (e->hash == hash && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
			break;
	}
	return link;
}

static void
grow(Table *t)
{
	size_t		n = t->nbuckets * 2;
	TableEntry **buckets = xcalloc(n, sizeof(TableEntry *));

	for (size_t i = 0; i < t->nbuckets; i++)
	{
		TableEntry *e = t->buckets[i];

		while (e)
		{
			TableEntry *next = e->next;
			TableEntry **head = &buckets[e->hash & (n - 1)];

			e->next = *head;
			*head = e;
			e = next;
		}
	}
	free(t->buckets);
	t->buckets = buckets;
	t->nbuckets = n;
}

void *
table_get(const Table *t, const char *key, size_t keylen)
{
	TableEntry *e = *find(t, key, keylen, table_hash(key, keylen));

	return e ? e->value : NULL;
}

void
table_put(Table *t, const char *key, size_t keylen, void *value)
{
	uint64_t	hash = table_hash(key, keylen);
	TableEntry **link = find(t, key, keylen, hash);
	TableEntry *e;

	if (*link)
	{
		(*link)->value = value;
		return;
	}
	e = xcalloc(1, sizeof(TableEntry) + keylen);
	e->hash = hash;
	e->value = value;
	e->keylen = keylen;
	memcpy(e->key, key, keylen);
	*link = e;
	if (++t->count > t->nbuckets)
		grow(t);
}

void *
table_remove(Table *t, const char *key, size_t keylen)
{
	TableEntry **link = find(t, key, keylen, table_hash(key, keylen));
	TableEntry *e = *link;
	void	   *value;

	if (e == NULL)
		return NULL;
	*link = e->next;
	value = e->value;
	free(e);
	t->count--;
	return value;
}

void
table_each(const Table *t, TableEachFn fn, void *arg)
{
	for (size_t i = 0; i < t->nbuckets; i++)
		for (TableEntry *e = t->buckets[i]; e; e = e->next)
			fn(e->key, e->keylen, e->value, arg);
}

void	  **
table_values(const Table *t, size_t *n)
{
	void	  **values = xcalloc(t->count, sizeof(void *));

	*n = 0;
	for (size_t i = 0; i < t->nbuckets; i++)
		for (TableEntry *e = t->buckets[i]; e; e = e->next)
			values[(*n)++] = e->value;
	return values;
}
