/*
 * alloc.c: allocation that cannot fail (see alloc.h).
 *
 * May call: nothing of the gateway.
 */
#include "base/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
out_of_memory(void)
{
	fprintf(stderr, "pg_ot_gateway: out of memory\n");
	abort();
}

void *
xmalloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	   *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

char *
xstrdup(const char *s)
{
	size_t		len = strlen(s) + 1;

	return memcpy(xmalloc(len), s, len);
}

