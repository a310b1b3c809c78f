/*
 * partitions.c: the number of partitions and a document's (see partitions.h).
 *
 * May call: base/doc_hash.
 */
#include "db/partitions.h"

#include "base/doc_hash.h"

static int	count = 1;
static bool named;

void
partitions_init(int n)
{
	count = n < 1 ? 1 : n;
}

int
partitions_count(void)
{
	return count;
}

bool
partitions_named(void)
{
	return named;
}

void
partitions_set_named(bool n)
{
	named = n;
}

int
partition_of(const char *collection, const char *id)
{
	if (collection == NULL || id == NULL)
		return 0;
	return doc_partition(collection, id, count);
}
