/*
 * docs_sim.h: gateway/docs/ driven without sockets or a database
 * (docs_sim.c says how), for docs_test.c and fuzz_docs.c.
 */
#ifndef PG_OT_DOCS_SIM_H
#define PG_OT_DOCS_SIM_H

#include <stddef.h>

/* The driver's next choice (any value; it takes it modulo what it chooses among). */
typedef unsigned (*SimChoice) (void *ctx);

/*
 * One trial of steps choices, then everything drained: 0 when every
 * session was sent what it must be, else 1 with why.
 */
int			docs_sim_run(SimChoice next, void *ctx, int steps, char *why, size_t whylen);

/* Called with why at the first failure, before anything goes on (it may exit). */
extern void (*docs_sim_failed) (const char *why);

/* What the trials so far exercised, in words. */
void		docs_sim_stats(char *buf, size_t size);

#endif
