/*
 * bench_notify.c: what a gateway spends on one op notification.
 *
 * Times gateway/base/notification.c's note_read (the signature over the whole
 * payload, then the one-line meta that routes it) on signed op payloads as
 * the extension writes them, against what the gateway did before payloads
 * were signed: json_loadb of the whole ShareDB message and reading its
 * fields.  Two sizes: a keystroke (the benchmark's "single" load) and an
 * op that just fits a NOTIFY payload.  Prints "NAME NOTE_READ_US PARSE_US".
 *
 *	 bench_notify [SECONDS]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/notification.h"
#include "base/secrets.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "<mac> <meta>\n<body>" as extension/notify.c writes it. */
static char *
envelope(const Secret *key, const char *channel, const char *meta, const char *body, size_t *len)
{
	size_t		clen = strlen(channel),
				mlen = strlen(meta),
				blen = strlen(body);
	unsigned char *input = malloc(clen + 1 + mlen + 1 + blen);
	unsigned char mac[SECRET_MAC_LEN];
	char	   *payload = malloc(2 * SECRET_MAC_LEN + 1 + mlen + 1 + blen + 1);

	memcpy(input, channel, clen + 1);
	memcpy(input + clen + 1, meta, mlen);
	input[clen + 1 + mlen] = '\n';
	memcpy(input + clen + 2 + mlen, body, blen);
	secret_mac(key, input, clen + 2 + mlen + blen, mac);
	for (int i = 0; i < SECRET_MAC_LEN; i++)
		sprintf(payload + 2 * i, "%02x", mac[i]);
	*len = (size_t) sprintf(payload + 2 * SECRET_MAC_LEN, " %s\n%s", meta, body) + 2 * SECRET_MAC_LEN;
	free(input);
	return payload;
}

static void
run(const char *name, const Secret *key, int op_chars, double seconds)
{
	const char *channel = "pg_ot_42";
	char	   *text = malloc((size_t) op_chars + 1);
	char	   *body = malloc((size_t) op_chars + 200);
	char		meta[200];
	char	   *payload;
	size_t		len;
	long		n;
	double		t0,
				signed_us,
				parse_us;
	volatile int64_t sink = 0;

	memset(text, 'x', (size_t) op_chars);
	text[op_chars] = '\0';
	snprintf(meta, sizeof(meta), "{\"k\":\"op\",\"c\":\"bench\",\"d\":\"many42\",\"v\":123456,"
			 "\"src\":\"8c9f0e3a5b7d41c2a6e8f0b2d4c6e8a1\",\"seq\":42}");
	sprintf(body, "{\"a\": \"op\", \"c\": \"bench\", \"d\": \"many42\", \"v\": 123456, \"op\": [500, \"%s\"], "
			"\"seq\": 42, \"src\": \"8c9f0e3a5b7d41c2a6e8f0b2d4c6e8a1\"}", text);
	payload = envelope(key, channel, meta, body, &len);

	n = 0;
	t0 = now();
	do
	{
		for (int i = 0; i < 1000; i++)
		{
			Note		note;

			if (note_read(key, channel, payload, len, &note) != NOTE_OK)
			{
				fprintf(stderr, "bench_notify: the payload does not verify\n");
				exit(1);
			}
			sink += note.v;
			note_clear(&note);
		}
		n += 1000;
	} while (now() - t0 < seconds);
	signed_us = (now() - t0) * 1e6 / (double) n;

	n = 0;
	t0 = now();
	do
	{
		for (int i = 0; i < 1000; i++)
		{
			json_t	   *m = json_loadb(body, strlen(body), 0, NULL);

			sink += json_integer_value(json_object_get(m, "v"));
			sink += json_string_value(json_object_get(m, "c"))[0];
			json_decref(m);
		}
		n += 1000;
	} while (now() - t0 < seconds);
	parse_us = (now() - t0) * 1e6 / (double) n;
	printf("%s %zu %.3f %.3f\n", name, len, signed_us, parse_us);
	free(payload);
	free(body);
	free(text);
}

int
main(int argc, char **argv)
{
	double		seconds = argc > 1 ? atof(argv[1]) : 1;
	Secret		key = {.len = 48};

	for (int i = 0; i < 48; i++)
		key.key[i] = (unsigned char) (i * 37 + 11);
	run("keystroke", &key, 1, seconds);
	run("large", &key, 7600, seconds);
	return 0;
}
