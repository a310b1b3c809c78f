/*
 * doc_hash_names.c
 *	  extension/ot/doc_hash.h on names read from stdin, for
 *	  test/partition/router.sh to compare with SQL's ot.partition_of.
 *
 * Each input line is "COLLECTION_HEX ID_HEX" (the names' UTF-8 bytes in
 * hex); each output line is the hash modulo 2^30 and 8, and the router's
 * int4 hash (ot_doc_hash32) & 7, which PL/Proxy runs on among 8.
 */
#include <stdio.h>
#include <string.h>

#include "../../extension/ot/doc_hash.h"

static size_t
unhex(const char *hex, char *out)
{
	size_t		n = 0;
	unsigned int byte;

	while (hex[0] && hex[1] && sscanf(hex, "%2x", &byte) == 1)
	{
		out[n++] = (char) byte;
		hex += 2;
	}
	return n;
}

int
main(void)
{
	static char line[16384], c[4096], id[4096], ch[8192], ih[8192];

	while (fgets(line, sizeof line, stdin))
	{
		uint64_t	h;
		size_t		cl, il;

		if (sscanf(line, "%8191s %8191s", ch, ih) != 2)
			return 1;
		cl = unhex(ch, c);
		il = unhex(ih, id);
		h = ot_doc_hash(c, cl, id, il);
		printf("%llu %llu %d\n", (unsigned long long) (h % (UINT64_C(1) << 30)),
			   (unsigned long long) (h % 8), ot_doc_hash32(h) & 7);
	}
	return 0;
}
