/*
 * bucket.c: token buckets (see bucket.h).
 *
 * May call: nothing of the gateway.
 */
#include "base/bucket.h"

#define BURST 2.0

void
bucket_fill(Bucket *b, int rate, int64_t now)
{
	b->tokens = BURST * rate;
	b->refilled = now;
}

bool
bucket_take(Bucket *b, int rate, int64_t now)
{
	b->tokens += (double) (now - b->refilled) / 1e6 * rate;
	if (b->tokens > BURST * rate)
		b->tokens = BURST * rate;
	b->refilled = now;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

int64_t
bucket_wait(const Bucket *b, int rate)
{
	return b->tokens >= 1.0 ? 0 : (int64_t) ((1.0 - b->tokens) / rate * 1e6) + 1;
}
