/*
 * alloc.h: allocation that cannot fail.
 *
 * The gateway has no way to go on without memory, so it stops loudly instead
 * of handling NULL at every call site.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_ALLOC_H
#define PG_OT_GATEWAY_ALLOC_H

#include <stddef.h>

void		out_of_memory(void) __attribute__((noreturn));
void	   *xmalloc(size_t size);
void	   *xcalloc(size_t n, size_t size);
void	   *xrealloc(void *p, size_t size);
char	   *xstrdup(const char *s);

#endif
