/*
 * bucket.h: a token bucket, the gateway's rate limit.
 *
 * RATE tokens a second up to a burst of twice that; a bucket starts full.
 * Times are microseconds of any one monotonic clock.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_BUCKET_H
#define PG_OT_GATEWAY_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Bucket
{
	double		tokens;
	int64_t		refilled;
} Bucket;

void		bucket_fill(Bucket *b, int rate, int64_t now);

/* Takes a token if there is one. */
bool		bucket_take(Bucket *b, int rate, int64_t now);

/* Microseconds until the next token (0 if there is one). */
int64_t		bucket_wait(const Bucket *b, int rate);

#endif
