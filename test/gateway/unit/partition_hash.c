/*
 * partition_hash.c: the gateway's partition of random document names
 * (gateway/base/doc_hash.h), printed as COPY text rows "collection TAB id
 * TAB N TAB partition" for partition_hash.sh to compare with SQL's
 * ot.partition_of.  Also checks, in C, that it equals the extension's own
 * header (extension/ot/doc_hash.h), which ot.partition_of compiles.
 *
 *   partition_hash SEED COUNT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/doc_hash.h"
#include "ot/doc_hash.h"

/* ASCII, Latin, CJK, emoji (with a modifier), and COPY's own escape character. */
static const char *const pieces[] = {
	"a", "b", "z", "A", "Q", "0", "7", ".", "-", "_", " ", "/", "'", "\"", "\\",
	"\xc3\xa9", "\xc3\x9f", "\xc3\xbc", "\xce\xa9", "\xd0\x96", "\xe4\xb8\xad", "\xe6\x96\x87",
	"\xf0\x9f\x98\x80", "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", "\xe2\x80\x8b",
};
#define NPIECES (sizeof(pieces) / sizeof(pieces[0]))

static uint64_t state;

static unsigned
rnd(unsigned n)
{
	state = state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned) ((state >> 33) % n);
}

static void
random_name(char *out, size_t size, unsigned min)
{
	unsigned	len = min + rnd(16);

	out[0] = '\0';
	for (unsigned i = 0; i < len && strlen(out) + 16 < size; i++)
		strcat(out, pieces[rnd(NPIECES)]);
}

/* COPY text format: a backslash is written twice. */
static void
put_copy(const char *s)
{
	for (; *s; s++)
	{
		if (*s == '\\')
			putchar('\\');
		putchar(*s);
	}
}

int
main(int argc, char **argv)
{
	static const int ns[] = {1, 2, 4, 8, 64, 1024};
	unsigned	count = argc > 2 ? (unsigned) atoi(argv[2]) : 500;
	char		c[256],
				d[256];

	state = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
	for (unsigned k = 0; k < count; k++)
	{
		random_name(c, sizeof(c), 1);
		random_name(d, sizeof(d), k % 10 == 0 ? 0 : 1);	/* ids may be empty too */
		if (doc_hash(c, strlen(c), d, strlen(d)) != ot_doc_hash(c, strlen(c), d, strlen(d)))
		{
			fprintf(stderr, "partition_hash: the gateway's hash and the extension's differ on a name\n");
			return 1;
		}
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		{
			put_copy(c);
			putchar('\t');
			put_copy(d);
			printf("\t%d\t%d\n", ns[i], doc_partition(c, d, ns[i]));
		}
	}
	return 0;
}
