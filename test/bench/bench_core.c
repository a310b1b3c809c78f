/*
 * bench_core.c
 *	  Throughput of the text-unicode OT core (extension/ot) on a corpus.
 *
 *	 bench_core CORPUS.jsonl [MIN_SECONDS]
 *
 * CORPUS is what gen_corpus.js writes: one {"doc", "op", "other"} per line.
 * Everything is parsed and converted to TuOp first; then, timed with
 * CLOCK_MONOTONIC, whole passes over the corpus of transform(op, other,
 * 'left') and of apply(doc, op) run until MIN_SECONDS (default 2) have
 * passed, after one untimed warm-up pass.  Results go to a bump arena that
 * is reset after each call, as a PostgreSQL memory context would be.
 *
 * Prints checksums of the results (compared with bench_core.js by run.sh)
 * and then "transforms/s N" and "applies/s N".
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "text_unicode.h"
#include "tu_json.h"
#include "utf8.h"

/* ---------------------------------------------------------------- arena */

/*
 * A bump allocator over chained chunks.  Growing the latest allocation
 * extends it in place when the chunk has room.
 */
typedef struct Chunk
{
	struct Chunk *next;
	size_t		size;
	size_t		used;
	char		data[];
} Chunk;

typedef struct Arena
{
	Chunk	   *head;
	void	   *last;			/* latest allocation, for in-place growth */
	size_t		chunk_size;
} Arena;

static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n);

	if (p == NULL)
	{
		fprintf(stderr, "bench_core: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

static void *
arena_alloc(void *ctx, size_t size)
{
	Arena	   *ar = ctx;
	Chunk	   *c = ar->head;
	size_t		need = (size + 15) & ~(size_t) 15;

	if (c == NULL || c->size - c->used < need)
	{
		size_t		sz = need > ar->chunk_size ? need : ar->chunk_size;

		c = xmalloc(sizeof(Chunk) + sz);
		c->size = sz;
		c->used = 0;
		c->next = ar->head;
		ar->head = c;
	}
	ar->last = c->data + c->used;
	c->used += need;
	return ar->last;
}

static void *
arena_grow(void *ctx, void *ptr, size_t old_size, size_t new_size)
{
	Arena	   *ar = ctx;
	Chunk	   *c = ar->head;
	void	   *p;

	if (ptr == ar->last && c != NULL)
	{
		size_t		start = (char *) ptr - c->data;
		size_t		need = (new_size + 15) & ~(size_t) 15;

		if (c->size - start >= need)
		{
			c->used = start + need;
			return ptr;
		}
	}
	p = arena_alloc(ctx, new_size);
	memcpy(p, ptr, old_size);
	return p;
}

/* Frees every chunk but the first one made, and empties it. */
static void
arena_reset(Arena *ar)
{
	while (ar->head && ar->head->next)
	{
		Chunk	   *next = ar->head->next;

		free(ar->head);
		ar->head = next;
	}
	if (ar->head)
		ar->head->used = 0;
	ar->last = NULL;
}

/* ---------------------------------------------------------------- corpus */

typedef struct Case
{
	const char *doc;
	size_t		doc_bytes;
	TuOp		op;
	TuOp		other;
} Case;

static Case *
load_corpus(const char *path, const OtAllocator *keep, size_t *n_cases)
{
	FILE	   *f = fopen(path, "r");
	char	   *line = NULL;
	size_t		line_cap = 0;
	ssize_t		len;
	size_t		n = 0,
				cap = 1024,
				lineno = 0;
	Case	   *cases = xmalloc(cap * sizeof(Case));

	if (f == NULL)
	{
		perror(path);
		exit(1);
	}
	while ((len = getline(&line, &line_cap, f)) > 0)
	{
		json_error_t jerr;
		json_t	   *root,
				   *doc;
		char		msg[200];
		OtError		err;
		Case	   *c;
		char	   *d;

		lineno++;
		if (len == 1 && line[0] == '\n')
			continue;
		root = json_loadb(line, len, 0, &jerr);
		if (root == NULL)
		{
			fprintf(stderr, "%s:%zu: %s\n", path, lineno, jerr.text);
			exit(1);
		}
		if (n == cap)
		{
			cap *= 2;
			cases = realloc(cases, cap * sizeof(Case));
			if (cases == NULL)
			{
				fprintf(stderr, "bench_core: out of memory\n");
				exit(1);
			}
		}
		c = &cases[n];
		doc = json_object_get(root, "doc");
		if (!json_is_string(doc))
		{
			fprintf(stderr, "%s:%zu: doc is not a string\n", path, lineno);
			exit(1);
		}
		c->doc_bytes = json_string_length(doc);
		d = ot_alloc(keep, c->doc_bytes + 1);
		memcpy(d, json_string_value(doc), c->doc_bytes + 1);
		c->doc = d;
		if (!ot_utf8_valid(c->doc, c->doc_bytes))
		{
			fprintf(stderr, "%s:%zu: doc is not valid UTF-8 without NUL\n", path, lineno);
			exit(1);
		}
		if (!tu_op_from_json(json_object_get(root, "op"), keep, &c->op, msg, sizeof(msg)) ||
			!tu_op_from_json(json_object_get(root, "other"), keep, &c->other, msg, sizeof(msg)))
		{
			fprintf(stderr, "%s:%zu: %s\n", path, lineno, msg);
			exit(1);
		}
		if (tu_check(&c->op, &err) != OT_OK || tu_check(&c->other, &err) != OT_OK)
		{
			fprintf(stderr, "%s:%zu: %s\n", path, lineno, err.message);
			exit(1);
		}
		json_decref(root);
		n++;
	}
	free(line);
	fclose(f);
	*n_cases = n;
	return cases;
}

/* ---------------------------------------------------------------- timing */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die_status(const char *what, size_t i, const OtError *err)
{
	fprintf(stderr, "bench_core: %s of case %zu failed: %s\n", what, i + 1, err->message);
	exit(1);
}

/* One pass of transform(op, other, left) over the corpus. */
static void
pass_transform(const Case *cases, size_t n, Arena *ar, const OtAllocator *a)
{
	for (size_t i = 0; i < n; i++)
	{
		TuOp		out;
		OtError		err;

		if (tu_transform(&cases[i].op, &cases[i].other, true, a, &out, &err) != OT_OK)
			die_status("transform", i, &err);
		arena_reset(ar);
	}
}

/* One pass of apply(doc, op) over the corpus. */
static void
pass_apply(const Case *cases, size_t n, Arena *ar, const OtAllocator *a)
{
	for (size_t i = 0; i < n; i++)
	{
		char	   *out;
		size_t		out_bytes;
		OtError		err;

		if (tu_apply(cases[i].doc, cases[i].doc_bytes, &cases[i].op, a,
					 &out, &out_bytes, &err) != OT_OK)
			die_status("apply", i, &err);
		arena_reset(ar);
	}
}

typedef void (*PassFn) (const Case *, size_t, Arena *, const OtAllocator *);

/* Calls per second over whole passes lasting at least min_seconds. */
static double
measure(PassFn pass, const Case *cases, size_t n, double min_seconds,
		Arena *ar, const OtAllocator *a)
{
	double		start,
				elapsed;
	size_t		passes = 0;

	pass(cases, n, ar, a);		/* warm-up */
	start = now();
	do
	{
		pass(cases, n, ar, a);
		passes++;
		elapsed = now() - start;
	} while (elapsed < min_seconds);
	return (double) passes * n / elapsed;
}

/* Weighted sum of an op's components, the same in bench_core.js. */
static int64_t
op_checksum(const TuOp *op)
{
	int64_t		s = 0;

	for (size_t i = 0; i < op->len; i++)
	{
		const TuComponent *c = &op->items[i];
		int			w = c->kind == TU_SKIP ? 1 : c->kind == TU_INSERT ? 3 : c->text ? 7 : 5;

		s += w * c->count;
	}
	return s;
}

int
main(int argc, char **argv)
{
	Arena		keep_arena = {NULL, NULL, 8 << 20};
	Arena		work_arena = {NULL, NULL, 1 << 20};
	OtAllocator keep = {arena_alloc, arena_grow, &keep_arena};
	OtAllocator work = {arena_alloc, arena_grow, &work_arena};
	double		min_seconds = 2.0;
	size_t		n;
	Case	   *cases;
	int64_t		apply_cp = 0,
				t_components = 0,
				t_sum = 0;
	double		t0,
				tps,
				aps;

	if (argc < 2 || argc > 3)
	{
		fprintf(stderr, "usage: %s CORPUS.jsonl [MIN_SECONDS]\n", argv[0]);
		return 2;
	}
	if (argc == 3)
		min_seconds = atof(argv[2]);

	t0 = now();
	cases = load_corpus(argv[1], &keep, &n);
	if (n == 0)
	{
		fprintf(stderr, "bench_core: %s holds no cases\n", argv[1]);
		return 1;
	}
	fprintf(stderr, "bench_core: %zu cases parsed in %.1f s (not timed)\n", n, now() - t0);

	/* Checksums of the results, outside the timing. */
	for (size_t i = 0; i < n; i++)
	{
		TuOp		out;
		char	   *doc;
		size_t		bytes;
		OtError		err;

		if (tu_transform(&cases[i].op, &cases[i].other, true, &work, &out, &err) != OT_OK)
			die_status("transform", i, &err);
		t_components += out.len;
		t_sum += op_checksum(&out);
		if (tu_apply(cases[i].doc, cases[i].doc_bytes, &cases[i].op, &work,
					 &doc, &bytes, &err) != OT_OK)
			die_status("apply", i, &err);
		apply_cp += ot_utf8_count(doc, bytes);
		arena_reset(&work_arena);
	}
	printf("cases %zu\n", n);
	printf("check transform_components %" PRId64 " transform_sum %" PRId64 " apply_codepoints %" PRId64 "\n",
		   t_components, t_sum, apply_cp);

	tps = measure(pass_transform, cases, n, min_seconds, &work_arena, &work);
	aps = measure(pass_apply, cases, n, min_seconds, &work_arena, &work);
	printf("transforms/s %.0f\n", tps);
	printf("applies/s %.0f\n", aps);
	return 0;
}
