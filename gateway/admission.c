/*
 * admission.c: sessions per client address (see admission.h).
 */
#include "admission.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "table.h"

static Table by_address;		/* address -> int *, the sessions it holds */
static bool ready;

static int *
held_by(const char *address)
{
	if (!ready)
	{
		table_init(&by_address);
		ready = true;
	}
	return table_get(&by_address, address, strlen(address));
}

bool
admission_full(const char *address, int limit)
{
	int		   *held = held_by(address);

	return limit > 0 && held && *held >= limit;
}

void
admission_enter(const char *address)
{
	int		   *held = held_by(address);

	if (held == NULL)
	{
		held = xcalloc(1, sizeof(int));
		table_put(&by_address, address, strlen(address), held);
	}
	(*held)++;
}

void
admission_leave(const char *address)
{
	int		   *held = held_by(address);

	if (held && --(*held) == 0)
		free(table_remove(&by_address, address, strlen(address)));
}
