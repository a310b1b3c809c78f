/*
 * utf8.c
 *	  Walking UTF-8 text by Unicode code points.
 */
#include "utf8.h"

#include <string.h>

/* A byte that starts a code point (anything but 10xxxxxx). */
#define IS_LEAD(b) (((unsigned char) (b) & 0xC0) != 0x80)

int64_t
ot_utf8_count(const char *s, size_t bytes)
{
	int64_t		n = 0;

	for (size_t i = 0; i < bytes; i++)
		n += IS_LEAD(s[i]);
	return n;
}

/* Code points starting in the 8 bytes at s: 8 less the continuation bytes. */
static int
leads_in_word(const char *s)
{
	uint64_t	w;

	memcpy(&w, s, 8);
	/* A continuation byte has bit 7 set and bit 6 clear. */
	return 8 - __builtin_popcountll(w & ~(w << 1) & UINT64_C(0x8080808080808080));
}

size_t
ot_utf8_advance(const char *s, size_t bytes, int64_t n, int64_t *passed)
{
	size_t		i = 0;
	int64_t		done = 0;

	/* Whole words while more code points are wanted than a word can hold. */
	while (i + 8 <= bytes && n - done > 8)
	{
		done += leads_in_word(s + i);
		i += 8;
	}
	/* A word may end inside a code point whose lead it counted: finish it. */
	while (i > 0 && i < bytes && !IS_LEAD(s[i]))
		i++;
	while (done < n && i < bytes)
	{
		i++;
		while (i < bytes && !IS_LEAD(s[i]))
			i++;
		done++;
	}
	*passed = done;
	return i;
}

/* Four-byte sequences (11110xxx) encode the characters past U+FFFF. */
#define IS_ASTRAL_LEAD(b) (((unsigned char) (b) & 0xF8) == 0xF0)

int64_t
ot_utf16_length(const char *s, size_t bytes)
{
	int64_t		n = 0;

	for (size_t i = 0; i < bytes; i++)
		n += IS_LEAD(s[i]) + IS_ASTRAL_LEAD(s[i]);
	return n;
}

size_t
ot_utf16_advance(const char *s, size_t bytes, int64_t n, int64_t *passed)
{
	size_t		i = 0;
	int64_t		done = 0;

	while (i < bytes)
	{
		int			units = IS_ASTRAL_LEAD(s[i]) ? 2 : 1;

		if (done + units > n)
			break;
		done += units;
		i++;
		while (i < bytes && !IS_LEAD(s[i]))
			i++;
	}
	*passed = done;
	return i;
}

bool
ot_utf8_valid(const char *s, size_t bytes)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	while (i < bytes)
	{
		unsigned char b = p[i];
		uint32_t	cp;
		int			extra;

		if (b == 0)
			return false;
		if (b < 0x80)
		{
			i++;
			continue;
		}
		if (b >= 0xC2 && b <= 0xDF)
			extra = 1, cp = b & 0x1F;
		else if (b >= 0xE0 && b <= 0xEF)
			extra = 2, cp = b & 0x0F;
		else if (b >= 0xF0 && b <= 0xF4)
			extra = 3, cp = b & 0x07;
		else
			return false;
		if (bytes - i <= (size_t) extra)
			return false;
		for (int k = 1; k <= extra; k++)
		{
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
			(cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return false;
		i += extra + 1;
	}
	return true;
}
