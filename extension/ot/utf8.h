/*
 * utf8.h
 *	  Walking UTF-8 text by Unicode code points and by UTF-16 units.
 *
 * Documents and op texts are stored as UTF-8; text-unicode counts code
 * points, rich-text counts UTF-16 units (a character past U+FFFF is 2).  Callers pass valid UTF-8 (PostgreSQL guarantees it for jsonb in a
 * UTF8 database; other callers check with ot_utf8_valid first).
 */
#ifndef OT_UTF8_H
#define OT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Number of code points in the first bytes of s. */
int64_t		ot_utf8_count(const char *s, size_t bytes);

/*
 * Advances over at most n code points of s (bytes long).  Returns the number
 * of bytes passed and stores the code points passed in *passed, which is less
 * than n only when s ends first.
 */
size_t		ot_utf8_advance(const char *s, size_t bytes, int64_t n, int64_t *passed);

/* Length of s in UTF-16 code units, as JavaScript's String.length. */
int64_t		ot_utf16_length(const char *s, size_t bytes);

/*
 * Advances over at most n UTF-16 units of s, never stopping inside a
 * character.  Returns the bytes passed and stores the units passed in
 * *passed: less than n when s ends first or when unit n would fall between
 * the two halves of a surrogate pair.
 */
size_t		ot_utf16_advance(const char *s, size_t bytes, int64_t n, int64_t *passed);

/* True when s is well-formed UTF-8 without surrogates or NUL bytes. */
bool		ot_utf8_valid(const char *s, size_t bytes);

#endif							/* OT_UTF8_H */
