/*
 * fuzz_require.h: the property check the fuzz harnesses share.
 *
 * REQUIRE(cond, fmt, ...) checks a property; a failure prints why and
 * aborts, which libFuzzer reports with the input that did it.
 */
#ifndef PG_OT_FUZZ_REQUIRE_H
#define PG_OT_FUZZ_REQUIRE_H

#include <stdio.h>
#include <stdlib.h>

#define REQUIRE(cond, ...) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "PROPERTY FAILED: " __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

#endif
