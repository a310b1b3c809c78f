/*
 * json0_json.c
 *	  The json0 type's JSON values: allocation, copy, comparison, object and
 *	  array edits, the reader and the writer (see json0_json.h).
 *
 * Owns: J0 trees.  May call: the caller's allocator, js_number_format.
 */
#include "json0_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
j0_fail(J0Ctx *cx, int code, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(cx->message, sizeof cx->message, fmt, ap);
	va_end(ap);
	cx->code = code;
	longjmp(cx->fail, 1);
}

J0 *
j0_new(J0Ctx *cx, J0Kind kind)
{
	J0		   *v = ot_alloc(cx->a, sizeof(J0));

	memset(v, 0, sizeof *v);
	v->kind = kind;
	return v;
}

J0 *
j0_number(J0Ctx *cx, double d)
{
	J0		   *v = j0_new(cx, J0_NUMBER);

	v->num = d;
	return v;
}

J0 *
j0_string(J0Ctx *cx, const uint16_t *s, size_t n)
{
	J0		   *v = j0_new(cx, J0_STRING);

	v->s = ot_alloc(cx->a, n ? n * 2 : 1);
	if (n)
		memcpy(v->s, s, n * 2);
	v->n = v->cap = n;
	return v;
}

J0 *
j0_string_ascii(J0Ctx *cx, const char *s)
{
	size_t		n = strlen(s);
	J0		   *v = j0_new(cx, J0_STRING);

	v->s = ot_alloc(cx->a, n ? n * 2 : 1);
	for (size_t i = 0; i < n; i++)
		v->s[i] = (unsigned char) s[i];
	v->n = v->cap = n;
	return v;
}

J0 *
j0_clone(J0Ctx *cx, const J0 *v)
{
	J0		   *c;

	if (v == NULL)
		return NULL;
	switch (v->kind)
	{
		case J0_STRING:
			return j0_string(cx, v->s, v->n);
		case J0_ARRAY:
		case J0_OBJECT:
			c = j0_new(cx, v->kind);
			c->n = c->cap = v->n;
			c->items = ot_alloc(cx->a, (v->n ? v->n : 1) * sizeof(J0 *));
			if (v->kind == J0_OBJECT)
				c->keys = ot_alloc(cx->a, (v->n ? v->n : 1) * sizeof(J0 *));
			for (size_t i = 0; i < v->n; i++)
			{
				c->items[i] = j0_clone(cx, v->items[i]);
				if (v->kind == J0_OBJECT)
					c->keys[i] = v->keys[i];	/* keys are never edited */
			}
			return c;
		default:
			c = j0_new(cx, v->kind);
			c->num = v->num;
			return c;
	}
}

static bool
str_eq(const J0 *a, const J0 *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->s, b->s, a->n * 2) == 0);
}

bool
j0_equal(const J0 *a, const J0 *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind)
		return false;
	switch (a->kind)
	{
		case J0_NUMBER:
			return a->num == b->num;
		case J0_STRING:
			return str_eq(a, b);
		case J0_ARRAY:
			if (a->n != b->n)
				return false;
			for (size_t i = 0; i < a->n; i++)
				if (!j0_equal(a->items[i], b->items[i]))
					return false;
			return true;
		case J0_OBJECT:
			if (a->n != b->n)
				return false;
			for (size_t i = 0; i < a->n; i++)
				if (!j0_equal(a->items[i], j0_get_key(b, a->keys[i])))
					return false;
			return true;
		default:
			return true;
	}
}

bool
j0_strict_equal(const J0 *a, const J0 *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind == J0_ARRAY || a->kind == J0_OBJECT)
		return a == b;
	return j0_equal(a, b);
}

bool
j0_str_is(const J0 *s, const char *ascii)
{
	size_t		n = strlen(ascii);

	if (s == NULL || s->kind != J0_STRING || s->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s->s[i] != (unsigned char) ascii[i])
			return false;
	return true;
}

static long
find_key(const J0 *obj, const J0 *key)
{
	for (size_t i = 0; i < obj->n; i++)
		if (str_eq(obj->keys[i], key))
			return (long) i;
	return -1;
}

static long
find_ascii(const J0 *obj, const char *k)
{
	for (size_t i = 0; i < obj->n; i++)
		if (j0_str_is(obj->keys[i], k))
			return (long) i;
	return -1;
}

J0 *
j0_get(const J0 *obj, const char *k)
{
	long		i;

	if (obj == NULL || obj->kind != J0_OBJECT)
		return NULL;
	i = find_ascii(obj, k);
	return i < 0 ? NULL : obj->items[i];
}

J0 *
j0_get_key(const J0 *obj, const J0 *key)
{
	long		i;

	if (obj == NULL || obj->kind != J0_OBJECT)
		return NULL;
	i = find_key(obj, key);
	return i < 0 ? NULL : obj->items[i];
}

static void remove_member(J0 *obj, long i);

static void
reserve(J0Ctx *cx, J0 *v)
{
	if (v->n < v->cap)
		return;
	{
		size_t		cap = v->cap ? v->cap * 2 : 4;
		J0		  **items = ot_alloc(cx->a, cap * sizeof(J0 *));

		if (v->n)
			memcpy(items, v->items, v->n * sizeof(J0 *));
		v->items = items;
		if (v->kind == J0_OBJECT)
		{
			J0		  **keys = ot_alloc(cx->a, cap * sizeof(J0 *));

			if (v->n)
				memcpy(keys, v->keys, v->n * sizeof(J0 *));
			v->keys = keys;
		}
		v->cap = cap;
	}
}

/* Sets member i of obj (i < 0: none yet, appended under key); v NULL is
 * JavaScript's undefined, which JSON drops. */
static void
set_member(J0Ctx *cx, J0 *obj, long i, const J0 *key, J0 *v)
{
	if (v == NULL)
	{
		if (i >= 0)
			remove_member(obj, i);
	}
	else if (i >= 0)
		obj->items[i] = v;
	else
	{
		reserve(cx, obj);
		obj->keys[obj->n] = (J0 *) key;
		obj->items[obj->n++] = v;
	}
}

void
j0_set_key(J0Ctx *cx, J0 *obj, const J0 *key, J0 *v)
{
	set_member(cx, obj, find_key(obj, key), key, v);
}

void
j0_set(J0Ctx *cx, J0 *obj, const char *k, J0 *v)
{
	long		i = find_ascii(obj, k);

	/* the key string is made only when the member is new */
	set_member(cx, obj, i, i < 0 && v != NULL ? j0_string_ascii(cx, k) : NULL, v);
}

static void
remove_member(J0 *obj, long i)
{
	if (i < 0)
		return;
	memmove(obj->keys + i, obj->keys + i + 1, (obj->n - i - 1) * sizeof(J0 *));
	memmove(obj->items + i, obj->items + i + 1, (obj->n - i - 1) * sizeof(J0 *));
	obj->n--;
}

void
j0_delete(J0 *obj, const char *k)
{
	remove_member(obj, find_ascii(obj, k));
}

void
j0_delete_key(J0 *obj, const J0 *key)
{
	remove_member(obj, find_key(obj, key));
}

void
j0_push(J0Ctx *cx, J0 *arr, J0 *v)
{
	if (v == NULL)				/* undefined in a list is written null */
		v = j0_new(cx, J0_NULL);
	reserve(cx, arr);
	arr->items[arr->n++] = v;
}

void
j0_insert_at(J0Ctx *cx, J0 *arr, size_t i, J0 *v)
{
	reserve(cx, arr);
	memmove(arr->items + i + 1, arr->items + i, (arr->n - i) * sizeof(J0 *));
	arr->items[i] = v;
	arr->n++;
}

void
j0_remove_at(J0 *arr, size_t i)
{
	memmove(arr->items + i, arr->items + i + 1, (arr->n - i - 1) * sizeof(J0 *));
	arr->n--;
}

/* ---- reader ---- */

typedef struct Reader
{
	J0Ctx	   *cx;
	const unsigned char *p,
			   *end;
	int			depth;
} Reader;

static void
bad(Reader *r, const char *what)
{
	j0_fail(r->cx, J0_ERR_BAD_VALUE, "invalid JSON: %s", what);
}

static void
ws(Reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int
hex4(Reader *r)
{
	int			v = 0;

	if (r->end - r->p < 4)
		bad(r, "short \\u escape");
	for (int i = 0; i < 4; i++)
	{
		int			c = *r->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			bad(r, "bad \\u escape");
	}
	return v;
}

/*
 * The rest of a UTF-8 character whose lead byte is *c (>= 0x80), at *p:
 * the code point in *c and *p past it, or false when it is not valid UTF-8
 * (overlong, a surrogate, past U+10FFFF, cut short).
 */
static bool
utf8_rest(const unsigned char **p, const unsigned char *end, uint32_t *c)
{
	int			extra = *c >= 0xF0 ? 3 : *c >= 0xE0 ? 2 : *c >= 0xC0 ? 1 : -1;
	uint32_t	v;

	if (extra < 0 || *c >= 0xF8 || end - *p < extra)
		return false;
	v = *c & (0x3F >> extra);
	for (int i = 0; i < extra; i++)
	{
		if ((**p & 0xC0) != 0x80)
			return false;
		v = (v << 6) | (*(*p)++ & 0x3F);
	}
	if ((extra == 1 && v < 0x80) || (extra == 2 && v < 0x800) ||
		(extra == 3 && (v < 0x10000 || v > 0x10FFFF)) ||
		(v >= 0xD800 && v <= 0xDFFF))
		return false;
	*c = v;
	return true;
}

/* Appends code point c to string v as UTF-16. */
static void
push_unit(J0Ctx *cx, J0 *v, uint32_t c)
{
	if (v->n + 2 > v->cap)
	{
		size_t		cap = v->cap ? v->cap * 2 : 16;
		uint16_t   *s = ot_alloc(cx->a, cap * 2);

		if (v->n)
			memcpy(s, v->s, v->n * 2);
		v->s = s;
		v->cap = cap;
	}
	if (c >= 0x10000)
	{
		c -= 0x10000;
		v->s[v->n++] = 0xD800 | (c >> 10);
		v->s[v->n++] = 0xDC00 | (c & 0x3FF);
	}
	else
		v->s[v->n++] = (uint16_t) c;
}

J0 *
j0_string_utf8(J0Ctx *cx, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *) text,
			   *end = p + len;
	J0		   *v = j0_new(cx, J0_STRING);

	while (p < end)
	{
		uint32_t	c = *p++;

		if (c >= 0x80 && !utf8_rest(&p, end, &c))
			j0_fail(cx, J0_ERR_BAD_VALUE, "invalid UTF-8");
		push_unit(cx, v, c);
	}
	if (v->s == NULL)
		v->s = ot_alloc(cx->a, 1);
	return v;
}

static J0 *
read_string(Reader *r)
{
	J0		   *v = j0_new(r->cx, J0_STRING);

	r->p++;						/* the quote */
	for (;;)
	{
		uint32_t	c;

		if (r->p >= r->end)
			bad(r, "unterminated string");
		c = *r->p++;
		if (c == '"')
			break;
		if (c < 0x20)
			bad(r, "control character in string");
		if (c == '\\')
		{
			if (r->p >= r->end)
				bad(r, "unterminated string");
			c = *r->p++;
			switch (c)
			{
				case '"': case '\\': case '/': break;
				case 'b': c = 8; break;
				case 'f': c = 12; break;
				case 'n': c = 10; break;
				case 'r': c = 13; break;
				case 't': c = 9; break;
				case 'u': c = hex4(r); break;
				default: bad(r, "bad escape");
			}
		}
		else if (c >= 0x80 && !utf8_rest(&r->p, r->end, &c))
			bad(r, "invalid UTF-8");
		push_unit(r->cx, v, c);
	}
	if (v->s == NULL)
		v->s = ot_alloc(r->cx->a, 1);
	return v;
}

static J0  *read_value(Reader *r);

/*
 * Whether integer text beyond 2^53 has the significant digits JavaScript
 * writes for its double: then the value reads and writes back unchanged
 * (1e20, 909007199227370500); 9007199254740993 and 909007199227370496,
 * which JavaScript would write otherwise, are refused.
 */
static bool
integer_is_shortest(const char *text, double d)
{
	char		js[40],
				a[40],
				b[400];
	size_t		na = 0,
				nb = 0;

	js_number_format(d < 0 ? -d : d, js);
	for (const char *c = js; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			a[na++] = *c;
	for (const char *c = text; *c && nb < sizeof b - 1; c++)
		if (*c >= '0' && *c <= '9')
			b[nb++] = *c;
	while (na > 1 && a[na - 1] == '0')
		na--;
	while (nb > 1 && b[nb - 1] == '0')
		nb--;
	return na == nb && memcmp(a, b, na) == 0;
}

static J0 *
read_number(Reader *r)
{
	const unsigned char *start = r->p;
	char		buf[400];
	double		d;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || !(*r->p >= '0' && *r->p <= '9'))
		bad(r, "bad number");
	if (*r->p == '0')
		r->p++;
	else
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	if (r->p < r->end && *r->p == '.')
	{
		r->p++;
		if (r->p >= r->end || !(*r->p >= '0' && *r->p <= '9'))
			bad(r, "bad number");
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E'))
	{
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || !(*r->p >= '0' && *r->p <= '9'))
			bad(r, "bad number");
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (r->p - start >= (long) sizeof buf)
		bad(r, "number too long");
	memcpy(buf, start, r->p - start);
	buf[r->p - start] = '\0';
	d = strtod(buf, NULL);
	if (d > 1.7976931348623157e308 || d < -1.7976931348623157e308)
		j0_fail(r->cx, J0_ERR_UNSUPPORTED, "number %s is out of range for JavaScript", buf);
	if ((d >= J0_MAX_SAFE || d <= -J0_MAX_SAFE) && strpbrk(buf, ".eE") == NULL &&
		!integer_is_shortest(buf, d))
		j0_fail(r->cx, J0_ERR_UNSUPPORTED,
				"integer %s is beyond JavaScript's exact integers (2^53)", buf);
	return j0_number(r->cx, d);
}

static bool
lit(Reader *r, const char *s)
{
	size_t		n = strlen(s);

	if ((size_t) (r->end - r->p) >= n && memcmp(r->p, s, n) == 0)
	{
		r->p += n;
		return true;
	}
	return false;
}

static J0 *
read_value(Reader *r)
{
	J0		   *v;

	ws(r);
	if (r->p >= r->end)
		bad(r, "unexpected end");
	if (++r->depth > 1000)
		j0_fail(r->cx, J0_ERR_BAD_VALUE, "JSON nested too deeply");
	switch (*r->p)
	{
		case '"':
			v = read_string(r);
			break;
		case '[':
			r->p++;
			v = j0_new(r->cx, J0_ARRAY);
			ws(r);
			if (r->p < r->end && *r->p == ']')
			{
				r->p++;
				break;
			}
			for (;;)
			{
				j0_push(r->cx, v, read_value(r));
				ws(r);
				if (r->p < r->end && *r->p == ',')
				{
					r->p++;
					continue;
				}
				if (r->p < r->end && *r->p == ']')
				{
					r->p++;
					break;
				}
				bad(r, "expected , or ]");
			}
			break;
		case '{':
			r->p++;
			v = j0_new(r->cx, J0_OBJECT);
			ws(r);
			if (r->p < r->end && *r->p == '}')
			{
				r->p++;
				break;
			}
			for (;;)
			{
				J0		   *k;

				ws(r);
				if (r->p >= r->end || *r->p != '"')
					bad(r, "expected a key");
				k = read_string(r);
				ws(r);
				if (r->p >= r->end || *r->p != ':')
					bad(r, "expected :");
				r->p++;
				j0_set_key(r->cx, v, k, read_value(r));	/* last one wins */
				ws(r);
				if (r->p < r->end && *r->p == ',')
				{
					r->p++;
					continue;
				}
				if (r->p < r->end && *r->p == '}')
				{
					r->p++;
					break;
				}
				bad(r, "expected , or }");
			}
			break;
		default:
			if (lit(r, "null"))
				v = j0_new(r->cx, J0_NULL);
			else if (lit(r, "true"))
				v = j0_new(r->cx, J0_TRUE);
			else if (lit(r, "false"))
				v = j0_new(r->cx, J0_FALSE);
			else
				v = read_number(r);
	}
	r->depth--;
	return v;
}

J0 *
j0_parse(J0Ctx *cx, const char *text, size_t len)
{
	Reader		r = {cx, (const unsigned char *) text, (const unsigned char *) text + len, 0};
	J0		   *v = read_value(&r);

	ws(&r);
	if (r.p != r.end)
		bad(&r, "trailing characters");
	return v;
}

/* ---- writer ---- */

typedef struct Out
{
	J0Ctx	   *cx;
	char	   *buf;
	size_t		len,
				cap;
	bool		strict;
	bool		raw;			/* the characters only: no quotes, no escapes */
} Out;

static void
put(Out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap)
	{
		size_t		cap = o->cap ? o->cap : 64;
		char	   *buf;

		while (cap < o->len + n + 1)
			cap *= 2;
		buf = ot_alloc(o->cx->a, cap);

		if (o->len)
			memcpy(buf, o->buf, o->len);
		o->buf = buf;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void
put_string(Out *o, const J0 *s)
{
	char		b[8];

	if (!o->raw)
		put(o, "\"", 1);
	for (size_t i = 0; i < s->n; i++)
	{
		uint32_t	c = s->s[i];

		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s->n && s->s[i + 1] >= 0xDC00 && s->s[i + 1] <= 0xDFFF)
		{
			c = 0x10000 + ((c - 0xD800) << 10) + (s->s[++i] - 0xDC00);
			b[0] = 0xF0 | (c >> 18);
			b[1] = 0x80 | ((c >> 12) & 0x3F);
			b[2] = 0x80 | ((c >> 6) & 0x3F);
			b[3] = 0x80 | (c & 0x3F);
			put(o, b, 4);
		}
		else if (c >= 0xD800 && c <= 0xDFFF)
		{
			if (o->strict)
				j0_fail(o->cx, J0_ERR_UNSUPPORTED,
						"the result would hold a lone UTF-16 surrogate (an offset splits a character)");
			snprintf(b, sizeof b, "\\u%04x", (unsigned) c);
			put(o, b, 6);
		}
		else if (o->raw && c < 0x80)
		{
			b[0] = (char) c;
			put(o, b, 1);
		}
		else if (c == '"' || c == '\\')
		{
			b[0] = '\\';
			b[1] = (char) c;
			put(o, b, 2);
		}
		else if (c < 0x20)
		{
			const char *e = c == 8 ? "\\b" : c == 9 ? "\\t" : c == 10 ? "\\n" : c == 12 ? "\\f" : c == 13 ? "\\r" : NULL;

			if (e)
				put(o, e, 2);
			else
			{
				snprintf(b, sizeof b, "\\u%04x", (unsigned) c);
				put(o, b, 6);
			}
		}
		else if (c < 0x80)
		{
			b[0] = (char) c;
			put(o, b, 1);
		}
		else if (c < 0x800)
		{
			b[0] = 0xC0 | (c >> 6);
			b[1] = 0x80 | (c & 0x3F);
			put(o, b, 2);
		}
		else
		{
			b[0] = 0xE0 | (c >> 12);
			b[1] = 0x80 | ((c >> 6) & 0x3F);
			b[2] = 0x80 | (c & 0x3F);
			put(o, b, 3);
		}
	}
	if (!o->raw)
		put(o, "\"", 1);
}

static void
put_value(Out *o, const J0 *v)
{
	char		b[40];

	if (v == NULL)
	{
		put(o, "null", 4);
		return;
	}
	switch (v->kind)
	{
		case J0_NULL: put(o, "null", 4); break;
		case J0_TRUE: put(o, "true", 4); break;
		case J0_FALSE: put(o, "false", 5); break;
		case J0_NUMBER:
			js_number_format(v->num, b);
			put(o, b, strlen(b));
			break;
		case J0_STRING: put_string(o, v); break;
		case J0_ARRAY:
			put(o, "[", 1);
			for (size_t i = 0; i < v->n; i++)
			{
				if (i)
					put(o, ",", 1);
				put_value(o, v->items[i]);
			}
			put(o, "]", 1);
			break;
		case J0_OBJECT:
			put(o, "{", 1);
			for (size_t i = 0; i < v->n; i++)
			{
				if (i)
					put(o, ",", 1);
				put_string(o, v->keys[i]);
				put(o, ":", 1);
				put_value(o, v->items[i]);
			}
			put(o, "}", 1);
			break;
	}
}

char *
j0_print(J0Ctx *cx, const J0 *v, bool strict, size_t *len)
{
	Out			o = {cx, NULL, 0, 0, strict, false};

	put(&o, "", 0);
	put_value(&o, v);
	if (len)
		*len = o.len;
	return o.buf;
}

char *
j0_utf8(J0Ctx *cx, const J0 *s, size_t *len)
{
	Out			o = {cx, NULL, 0, 0, true, true};

	put(&o, "", 0);
	put_string(&o, s);
	*len = o.len;
	return o.buf;
}
