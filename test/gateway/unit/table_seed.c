/*
 * table_seed.c: prints the order in which gateway/base/table.c walks 48 fixed
 * keys, which is the order of their hashes' buckets.  table_seed.sh runs it
 * twice: with a hash keyed per process the two orders differ; with an
 * unkeyed one (FNV-1a before) they are the same every run, and a client
 * could pick keys that share a bucket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/table.h"

int
main(void)
{
	static int	values[48];
	Table		t;
	void	  **walk;
	size_t		n;

	table_init(&t);
	for (int i = 0; i < 48; i++)
	{
		char		key[32];

		values[i] = i;
		memcpy(key, "gw_text", 8);	/* a document key: collection NUL id */
		snprintf(key + 8, sizeof(key) - 8, "doc-%d", i);
		table_put(&t, key, 8 + strlen(key + 8), &values[i]);
	}
	walk = table_values(&t, &n);
	for (size_t i = 0; i < n; i++)
		printf("%d%c", *(int *) walk[i], i + 1 < n ? ' ' : '\n');
	free(walk);
	table_free(&t);
	return 0;
}
