/*
 * fuzz_json0.c
 *	  libFuzzer target for the json0 OT core (extension/ot/json0.c, text0.c,
 *	  json0_json.c, js_number.c).
 *
 * The input is up to three JSON texts separated by newlines: a document and
 * two ops a and b (missing ones are []).  Every function runs on them:
 * apply(doc, a), apply(doc, b), transform(a, b) on both sides, compose(a, b),
 * normalize(a), invert(a), apply of the transformed ops, and each result is
 * printed and read back.  Checked: no sanitizer report, every error exits
 * through the error handler with a message, and a printed result reads back
 * to an equal value (the writer and reader agree, numbers round-trip through
 * JavaScript's formatting).  json0 has no TP1 (ot-json0 1.1.0 does not
 * converge in general), so convergence is the differential's concern.
 *
 * The seeds include the subtypes text-unicode and rich-text (both on one
 * document, the ld / od rewriting through them, rich-text on a missing key
 * and on a string, an oi inside a Delta the same apply made).
 *
 * One malloc block per allocation, freed after each input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json0.h"

typedef struct Block
{
	struct Block *next;
	long double align;
} Block;

static void *
arena_alloc(void *ctx, size_t size)
{
	Block	  **head = ctx;
	Block	   *b = malloc(sizeof(Block) + size);

	if (b == NULL)
		abort();
	b->next = *head;
	*head = b;
	return b + 1;
}

static void *
arena_grow(void *ctx, void *ptr, size_t old_size, size_t new_size)
{
	void	   *p = arena_alloc(ctx, new_size);

	memcpy(p, ptr, old_size);
	return p;
}

static void
check_roundtrip(J0Ctx *cx, const J0 *v)
{
	size_t		len;
	char	   *s = j0_print(cx, v, false, &len);
	J0Ctx		reader;
	J0		   *back;

	/* a printed value that does not read back is a failure, not an error */
	memset(&reader, 0, sizeof reader);
	reader.a = cx->a;
	if (setjmp(reader.fail) != 0)
	{
		fprintf(stderr, "PROPERTY FAILED: printed value does not read back (%s): %s\n",
				reader.message, s);
		abort();
	}
	back = j0_parse(&reader, s, len);
	if (!j0_equal(v, back))
	{
		fprintf(stderr, "PROPERTY FAILED: printed value reads back different: %s\n", s);
		abort();
	}
}

typedef enum Step
{
	S_PARSE, S_APPLY_A, S_APPLY_B, S_LEFT, S_RIGHT, S_COMPOSE, S_NORMALIZE, S_INVERT,
	S_APPLY_LEFT, S_DONE
} Step;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Block	   *arena = NULL;
	OtAllocator A = {arena_alloc, arena_grow, &arena};
	J0Ctx		cx;
	const char *text[3] = {"null", "[]", "[]"};
	size_t		len[3] = {4, 2, 2};
	volatile int step;
	J0		   *volatile doc = NULL;
	J0		   *volatile a = NULL;
	J0		   *volatile b = NULL;
	J0		   *volatile left = NULL;

	memset(&cx, 0, sizeof cx);
	cx.a = &A;
	{
		const char *p = (const char *) data,
				   *end = p + size;

		for (int i = 0; i < 3 && p <= end; i++)
		{
			const char *nl = memchr(p, '\n', end - p);
			const char *stop = nl ? nl : end;

			text[i] = p;
			len[i] = stop - p;
			if (!nl)
				break;
			p = nl + 1;
		}
	}
	for (step = S_PARSE; step < S_DONE; step++)
	{
		if (setjmp(cx.fail) != 0)
		{
			if (cx.message[0] == '\0' || cx.code < J0_ERR_BAD_OP || cx.code > J0_ERR_UNSUPPORTED)
			{
				fprintf(stderr, "PROPERTY FAILED: an error without a message or code\n");
				abort();
			}
			if (step == S_PARSE)
				break;
			cx.message[0] = '\0';
			continue;
		}
		switch (step)
		{
			case S_PARSE:
				doc = j0_parse(&cx, text[0], len[0]);
				a = j0_parse(&cx, text[1], len[1]);
				b = j0_parse(&cx, text[2], len[2]);
				check_roundtrip(&cx, doc);
				break;
			case S_APPLY_A:
				check_roundtrip(&cx, json0_apply(&cx, j0_clone(&cx, doc), j0_clone(&cx, a)));
				break;
			case S_APPLY_B:
				check_roundtrip(&cx, json0_apply(&cx, j0_clone(&cx, doc), j0_clone(&cx, b)));
				break;
			case S_LEFT:
				left = json0_transform(&cx, j0_clone(&cx, a), j0_clone(&cx, b), true);
				check_roundtrip(&cx, left);
				break;
			case S_RIGHT:
				check_roundtrip(&cx, json0_transform(&cx, j0_clone(&cx, b), j0_clone(&cx, a), false));
				break;
			case S_COMPOSE:
				check_roundtrip(&cx, json0_compose(&cx, j0_clone(&cx, a), j0_clone(&cx, b)));
				break;
			case S_NORMALIZE:
				check_roundtrip(&cx, json0_normalize(&cx, j0_clone(&cx, a)));
				break;
			case S_INVERT:
				check_roundtrip(&cx, json0_invert(&cx, j0_clone(&cx, a)));
				break;
			case S_APPLY_LEFT:
				if (left)
				{
					J0		   *d = json0_apply(&cx, j0_clone(&cx, doc), j0_clone(&cx, b));

					check_roundtrip(&cx, json0_apply(&cx, d, j0_clone(&cx, left)));
				}
				break;
			default:
				break;
		}
	}
	while (arena)
	{
		Block	   *next = arena->next;

		free(arena);
		arena = next;
	}
	return 0;
}
