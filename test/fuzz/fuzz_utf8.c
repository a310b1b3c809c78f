/*
 * fuzz_utf8.c
 *	  libFuzzer target for extension/ot/utf8.c on raw bytes.
 *
 *	 - ot_utf8_valid agrees with an independent decoder written after the
 *	   Unicode well-formed byte sequence table (no NUL, no surrogates, no
 *	   overlongs, nothing past U+10FFFF);
 *	 - ot_utf8_count is the number of bytes that do not start with 10xxxxxx,
 *	   and on valid input the number of code points decoded;
 *	 - ot_utf8_advance never passes more than the bytes it is given nor more
 *	   than n code points; on valid input it stops on a code point boundary
 *	   after exactly min(n, count) code points, and advancing in two steps
 *	   lands where one step does;
 *	 - ot_utf16_length is the JavaScript length (code points, plus one per
 *	   character past U+FFFF) on valid input;
 *	 - ot_utf16_advance never passes more bytes than given nor more than n
 *	   units; on valid input it stops on a code point boundary after the
 *	   units of the prefix it passed, short of n only at the end of s or
 *	   when unit n would split a surrogate pair.
 *
 * The bytes are copied into a block of exactly their size, so any read past
 * the end is caught by AddressSanitizer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "fuzz_require.h"

/*
 * Decodes one code point at s[i]; returns its length in bytes or 0 when the
 * bytes there are not a well-formed UTF-8 sequence (Unicode Table 3-7).
 */
static size_t
decode(const unsigned char *s, size_t n, size_t i, uint32_t *cp)
{
	unsigned char b0 = s[i];
	unsigned char lo = 0x80,
				hi = 0xBF;
	size_t		len;

	if (b0 <= 0x7F)
		len = 1;
	else if (b0 >= 0xC2 && b0 <= 0xDF)
		len = 2;
	else if (b0 == 0xE0)
		len = 3, lo = 0xA0;
	else if (b0 == 0xED)
		len = 3, hi = 0x9F;		/* no surrogates */
	else if (b0 >= 0xE1 && b0 <= 0xEF)
		len = 3;
	else if (b0 == 0xF0)
		len = 4, lo = 0x90;
	else if (b0 == 0xF4)
		len = 4, hi = 0x8F;
	else if (b0 >= 0xF1 && b0 <= 0xF3)
		len = 4;
	else
		return 0;
	if (n - i < len)
		return 0;
	if (len == 1)
	{
		*cp = b0;
		return 1;
	}
	if (s[i + 1] < lo || s[i + 1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (s[i + k] < 0x80 || s[i + k] > 0xBF)
			return 0;
	*cp = b0 & (0xFF >> (len + 1));
	for (size_t k = 1; k < len; k++)
		*cp = (*cp << 6) | (s[i + k] & 0x3F);
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size ? size : 1);
	const unsigned char *u = (const unsigned char *) s;
	bool		valid = true;
	int64_t		decoded = 0;
	int64_t		astral = 0;
	int64_t		leads = 0;
	int64_t		count;
	size_t		i = 0;

	if (size)
		memcpy(s, data, size);

	while (i < size)
	{
		uint32_t	cp = 0;
		size_t		len = decode(u, size, i, &cp);

		if (len == 0 || cp == 0)
		{
			valid = false;
			break;
		}
		decoded++;
		astral += cp > 0xFFFF;
		i += len;
	}
	for (size_t k = 0; k < size; k++)
		leads += (u[k] & 0xC0) != 0x80;

	REQUIRE(ot_utf8_valid(s, size) == valid, "ot_utf8_valid = %d, reference decoder says %d (%zu bytes)",
			!valid, valid, size);
	count = ot_utf8_count(s, size);
	REQUIRE(count == leads, "ot_utf8_count = %lld, lead bytes = %lld", (long long) count, (long long) leads);
	if (valid)
		REQUIRE(count == decoded, "ot_utf8_count = %lld, decoded = %lld", (long long) count, (long long) decoded);

	/* advance by a few n, including 0, negative and huge */
	{
		int64_t		ns[] = {0, -1, 1, 2, 3, count / 2, count - 1, count, count + 1,
		INT64_MAX, size > 0 ? data[0] : 5};

		for (size_t t = 0; t < sizeof(ns) / sizeof(ns[0]); t++)
		{
			int64_t		n = ns[t];
			int64_t		passed = -42;
			size_t		b = ot_utf8_advance(s, size, n, &passed);

			REQUIRE(b <= size, "advance(%lld) passed %zu of %zu bytes", (long long) n, b, size);
			REQUIRE(passed >= 0 && passed <= (n > 0 ? n : 0),
					"advance(%lld) passed %lld code points", (long long) n, (long long) passed);
			if (n <= 0)
				REQUIRE(b == 0 && passed == 0, "advance(%lld) moved", (long long) n);
			if (valid)
			{
				int64_t		want = n < 0 ? 0 : n < count ? n : count;
				int64_t		p2 = 0;
				size_t		half;

				REQUIRE(passed == want, "advance(%lld) passed %lld code points, want %lld",
						(long long) n, (long long) passed, (long long) want);
				REQUIRE(b == size || (u[b] & 0xC0) != 0x80,
						"advance(%lld) stopped inside a code point", (long long) n);
				REQUIRE(ot_utf8_count(s, b) == passed,
						"advance(%lld) passed %lld but the prefix holds %lld", (long long) n,
						(long long) passed, (long long) ot_utf8_count(s, b));
				REQUIRE(passed < count || b == size, "advance to the end stops at %zu of %zu", b, size);
				REQUIRE(ot_utf8_valid(s, b) && ot_utf8_valid(s + b, size - b),
						"split at advance(%lld) is not two valid halves", (long long) n);
				/* two steps land where one does */
				if (n > 0 && n < INT64_MAX)
				{
					half = ot_utf8_advance(s, size, n / 2, &p2);
					half += ot_utf8_advance(s + half, size - half, n - n / 2, &p2);
					REQUIRE(half == b, "advance(%lld) in two steps lands at %zu, in one at %zu",
							(long long) n, half, b);
				}
			}
		}
	}
	/* UTF-16 units */
	{
		int64_t		units = ot_utf16_length(s, size);
		int64_t		ns[] = {0, -1, 1, 2, 3, units / 2, units - 1, units, units + 1,
		INT64_MAX, size > 1 ? data[1] : 7};

		if (valid)
			REQUIRE(units == decoded + astral, "ot_utf16_length = %lld, want %lld",
					(long long) units, (long long) (decoded + astral));
		for (size_t t = 0; t < sizeof(ns) / sizeof(ns[0]); t++)
		{
			int64_t		n = ns[t];
			int64_t		passed = -42;
			size_t		b = ot_utf16_advance(s, size, n, &passed);

			REQUIRE(b <= size, "utf16_advance(%lld) passed %zu of %zu bytes", (long long) n, b, size);
			REQUIRE(passed >= 0 && passed <= (n > 0 ? n : 0),
					"utf16_advance(%lld) passed %lld units", (long long) n, (long long) passed);
			if (valid)
			{
				REQUIRE(b == size || (u[b] & 0xC0) != 0x80,
						"utf16_advance(%lld) stopped inside a code point", (long long) n);
				REQUIRE(ot_utf16_length(s, b) == passed,
						"utf16_advance(%lld) passed %lld units but the prefix holds %lld",
						(long long) n, (long long) passed, (long long) ot_utf16_length(s, b));
				/* short of n only at the end or before a pair that does not fit */
				if (passed < n)
					REQUIRE(b == size || (passed == n - 1 && u[b] >= 0xF0),
							"utf16_advance(%lld) stopped at %lld units, byte %zu of %zu",
							(long long) n, (long long) passed, b, size);
			}
		}
	}
	free(s);
	return 0;
}
