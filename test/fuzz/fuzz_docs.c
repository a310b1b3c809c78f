/*
 * fuzz_docs.c
 *	  libFuzzer target for gateway/docs/ (documents, subscriptions,
 *	  channels, the delivery gate) below fakes of the database, the
 *	  listener and the sessions' sockets: the input is the sequence of the
 *	  driver's choices (test/docs/docs_sim.c says which), each byte one;
 *	  then everything is drained.  Aborts, naming the session and the
 *	  version, when a session is sent a version twice, out of order, its
 *	  own op as an op, an ack out of its place, or ends short of the
 *	  document's head; ASan and UBSan watch the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "docs_sim.h"

typedef struct Input
{
	const uint8_t *data;
	size_t		size;
	size_t		pos;
} Input;

static unsigned
next_byte(void *ctx)
{
	Input	   *in = ctx;

	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static void
failed_now(const char *why)
{
	fprintf(stderr, "PROPERTY FAILED: %s\n", why);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Input		in = {data, size, 0};
	char		why[512];

	docs_sim_failed = failed_now;
	/* Two bytes a step on average: the kind of step and whose it is. */
	docs_sim_run(next_byte, &in, (int) (size / 2 < 1500 ? size / 2 : 1500), why, sizeof(why));
	return 0;
}
