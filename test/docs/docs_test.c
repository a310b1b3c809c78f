/*
 * docs_test.c: the property test of gateway/docs/ (docs_sim.c): TRIALS
 * random trials of 300 steps each, from SEED.
 *
 *   test/docs/run.sh [TRIALS [SEED]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "docs_sim.h"

static int	trial;
static unsigned long long trial_seed;

static void
failed_now(const char *why)
{
	printf("trial %d (test/docs/run.sh 1 %llu): %s\n", trial, trial_seed, why);
	printf("docs: trial %d failed\n", trial);
	exit(1);
}

static unsigned
xorshift(void *ctx)
{
	uint64_t   *x = ctx;

	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (unsigned) (*x >> 32);
}

int
main(int argc, char **argv)
{
	int			trials = argc > 1 ? atoi(argv[1]) : 3000;
	unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	int			failed = 0;
	char		why[512];

	docs_sim_failed = failed_now;
	for (int t = 0; t < trials; t++)
	{
		uint64_t	x = (seed + (uint64_t) t) * 0x9E3779B97F4A7C15ull | 1;

		trial = t;
		trial_seed = seed + (unsigned long long) t;
		if (docs_sim_run(xorshift, &x, 300, why, sizeof(why)))
		{
			if (failed++ < 5)
				printf("trial %d (test/docs/run.sh 1 %llu): %s\n", t, seed + (unsigned long long) t, why);
		}
	}
	docs_sim_stats(why, sizeof(why));
	printf("docs: %s\n", why);
	printf("docs: %d trials, %d failed\n", trials, failed);
	return failed ? 1 : 0;
}
