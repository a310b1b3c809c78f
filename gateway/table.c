/*
 * table.c: chained hash table with FNV-1a hashing (see table.h).
 */
#include "table.h"

#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct TableEntry
{
	TableEntry *next;
	uint64_t	hash;
	void	   *value;
	size_t		keylen;
	char		key[];
};

static uint64_t
hash_bytes(const char *key, size_t len)
{
	uint64_t	h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) key[i];
		h *= 1099511628211ULL;
	}
	return h;
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
	TableEntry *e = *find(t, key, keylen, hash_bytes(key, keylen));

	return e ? e->value : NULL;
}

void
table_put(Table *t, const char *key, size_t keylen, void *value)
{
	uint64_t	hash = hash_bytes(key, keylen);
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
	TableEntry **link = find(t, key, keylen, hash_bytes(key, keylen));
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
