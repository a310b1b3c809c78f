/*
 * fuzz_gateway_notification.c
 *	  libFuzzer target for gateway/base/notification.c: what the listener does
 *	  with a notification's payload before anything acts on it, and the
 *	  replay window that admits stamped ones.
 *
 * The first byte picks a mode ('0' to '4' are modes 0 to 4); the rest is
 * the input of that mode.  The
 * 'notify' key is fixed (48 bytes), the channel is "pg_ot_7".
 *
 *	 0	 the bytes as a payload: arbitrary bytes are never signed, so the
 *		 result is NOTE_UNSIGNED (a NOTE_OK would be a forgery that passed).
 *	 1	 the bytes as the part after the signature ("<meta>\n<body>"),
 *		 signed by the harness as the extension signs: never NOTE_UNSIGNED;
 *		 when NOTE_OK, every field the gateway uses is in range: versions
 *		 and seqs in [0, 2^53), strings without NUL, a body inside the
 *		 payload and empty exactly for a reference, stamps non-negative;
 *		 the meta is a JSON object whose "k" names the kind.
 *	 2	 as 1, signed with another key, or for another channel: NOTE_UNSIGNED.
 *	 3	 as 1, then one byte changed (position and new value from the
 *		 input's first two bytes): NOTE_UNSIGNED unless the byte is unchanged.
 *	 4	 the replay window against a model: the input drives a stream of
 *		 notifications (transactions with increasing numbers, some late,
 *		 several notifications each), replays of any earlier one, and new
 *		 LISTENs.  Every notification signed after the LISTEN and not
 *		 older than the window is admitted exactly once; no replay, and
 *		 nothing signed before the LISTEN, is ever admitted.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/notification.h"
#include "base/secrets.h"
#include "fuzz_require.h"

#define CHANNEL "pg_ot_7"

static Secret key;
static Secret other_key;

static void
keys_init(void)
{
	if (key.len)
		return;
	key.len = other_key.len = 48;
	for (size_t i = 0; i < 48; i++)
	{
		key.key[i] = (unsigned char) (0x6b ^ i);
		other_key.key[i] = (unsigned char) (0x6c ^ i);
	}
}

/* "<mac> <rest>" with mac over channel NUL rest; malloc'd, *len set. */
static char *
sign(const Secret *k, const char *channel, const uint8_t *rest, size_t rest_len, size_t *len)
{
	size_t		clen = strlen(channel);
	unsigned char *input = malloc(clen + 1 + rest_len + 1);
	unsigned char mac[SECRET_MAC_LEN];
	char	   *payload = malloc(2 * SECRET_MAC_LEN + 1 + rest_len + 1);

	memcpy(input, channel, clen + 1);
	memcpy(input + clen + 1, rest, rest_len);
	secret_mac(k, input, clen + 1 + rest_len, mac);
	for (size_t i = 0; i < SECRET_MAC_LEN; i++)
		snprintf(payload + 2 * i, 3, "%02x", mac[i]);
	payload[2 * SECRET_MAC_LEN] = ' ';
	memcpy(payload + 2 * SECRET_MAC_LEN + 1, rest, rest_len);
	*len = 2 * SECRET_MAC_LEN + 1 + rest_len;
	payload[*len] = '\0';
	free(input);
	return payload;
}

static void
check_string(const char *s, const char *what)
{
	REQUIRE(s != NULL, "%s missing from an accepted op", what);
	(void) strlen(s);			/* ASan: a real C string */
}

/* The fields of an accepted notification, each as the gateway uses it. */
static void
check_note(const Note *note, const char *payload, size_t len)
{
	const char *k = json_string_value(json_object_get(note->meta, "k"));

	REQUIRE(json_is_object(note->meta), "accepted without a meta object");
	REQUIRE(note->body >= payload && note->body + note->body_len == payload + len,
			"the body is not the rest of the payload");
	REQUIRE(note->body == payload + len || note->body[-1] == '\n', "the body does not follow a newline");
	REQUIRE(memchr(payload + 2 * SECRET_MAC_LEN + 1, '\n',
				   (size_t) (note->body - 1 - (payload + 2 * SECRET_MAC_LEN + 1))) == NULL,
			"the meta holds a newline: the body began too late");
	REQUIRE(k != NULL, "accepted without a kind");
	switch (note->kind)
	{
		case NOTE_OP:
			REQUIRE(strcmp(k, "op") == 0, "an op whose k is %s", k);
			check_string(note->c, "c");
			check_string(note->d, "d");
			REQUIRE(note->v >= 0 && note->v <= NOTE_MAX_INTEGER, "v %lld out of range", (long long) note->v);
			if (note->src)
			{
				(void) strlen(note->src);
				REQUIRE(note->seq >= 0 && note->seq <= NOTE_MAX_INTEGER, "seq %lld out of range",
						(long long) note->seq);
			}
			else
				REQUIRE(note->seq == -1, "a seq without a src");
			REQUIRE(note->ref == (note->body_len == 0), "ref %d with a body of %zu bytes", note->ref,
					note->body_len);
			/* What document.c does with it: v + 1 must not overflow. */
			REQUIRE(note->v + 1 > note->v, "v + 1 overflows");
			break;
		case NOTE_PRESENCE:
		case NOTE_REVOKE:
			REQUIRE(strcmp(k, note->kind == NOTE_PRESENCE ? "p" : "revoke") == 0, "a stamp of kind %s", k);
			REQUIRE(note->t >= 0 && note->n >= 0 && note->i >= 0, "a negative stamp");
			REQUIRE(note->body_len > 0, "a stamped notification without a message");
			break;
	}
}

static void
signed_modes(int mode, const uint8_t *data, size_t size)
{
	size_t		at = 0;
	uint8_t		value = 0;
	size_t		len;
	char	   *payload;
	Note		note;
	NoteStatus	status;

	if (mode == 3)
	{
		if (size < 2)
			return;
		at = data[0];
		value = data[1];
		data += 2;
		size -= 2;
	}
	if (mode == 2 && size > 0 && (data[0] & 1))
		payload = sign(&key, "pg_ot_8", data, size, &len);
	else
		payload = sign(mode == 2 ? &other_key : &key, CHANNEL, data, size, &len);
	if (mode == 3)
	{
		at %= len;
		if ((uint8_t) payload[at] == value)
		{
			free(payload);
			return;
		}
		payload[at] = (char) value;
	}
	status = note_read(&key, CHANNEL, payload, len, &note);
	if (mode == 1)
	{
		REQUIRE(status != NOTE_UNSIGNED, "a payload signed with the key is reported unsigned");
		if (status == NOTE_OK)
		{
			check_note(&note, payload, len);
			note_clear(&note);
		}
	}
	else
		REQUIRE(status == NOTE_UNSIGNED, "mode %d: a payload %s was accepted as signed", mode,
				mode == 2 ? "signed with another key or for another channel" : "changed after signing");
	REQUIRE(note.meta == NULL, "note not cleared");
	free(payload);
}

/* ---------- mode 4: the replay window against a model ---------- */

#define MAX_SENT 512
#define MODEL_N (1 << 18)		/* the numbers the model can follow */

static uint64_t used_bits[MODEL_N / 64];

#define USED(n) ((used_bits[(n) / 64] >> ((n) % 64)) & 1)
#define SET_USED(n) (used_bits[(n) / 64] |= UINT64_C(1) << ((n) % 64))

typedef struct Sent
{
	int64_t		t,
				n,
				i;
} Sent;

static void
window_mode(const uint8_t *data, size_t size)
{
	static ReplayWindow w;
	static Sent sent[MAX_SENT];
	size_t		nsent = 0;
	int64_t		clock = 1000;	/* the server's clock */
	int64_t		since = 1000;
	int64_t		next_n = 1;
	int64_t		top = -1;		/* highest n admitted */
	int64_t		cur_n = -1;		/* the transaction being delivered */
	int64_t		cur_i = -1;

	memset(used_bits, 0, sizeof(used_bits));	/* n admitted, for the model */
	replay_listening(&w, since);
	for (size_t p = 0; p < size; p++)
	{
		uint8_t		b = data[p];
		int			op = b >> 6;
		int			arg = b & 63;

		clock += 1 + arg;
		if (op == 0 || op == 1)
		{
			/*
			 * A legitimate notification: more of the current transaction
			 * (op 0, if any), or a new one whose number is the next (op 1:
			 * or further on, other channels having taken those between),
			 * or one drawn earlier that commits late (arg: how much
			 * earlier).
			 */
			Sent		s;
			bool		admitted;
			bool		expect;

			if (op == 0 && cur_n >= 0)
			{
				s.n = cur_n;
				s.i = cur_i + 1 + (arg & 3);	/* other channels take numbers too */
			}
			else
			{
				int64_t		n = next_n + (op == 1 ? (int64_t) (arg & 31) * 61 : 0);
				int64_t		late = (arg & 32) ? n - 1 - (int64_t) (arg & 31) * (REPLAY_WINDOW / 16) : n;

				if (n >= MODEL_N)
					return;		/* the model's room: enough for one input */
				if (late > 0 && !USED(late) && late != cur_n)
					n = late;
				if (n >= next_n)
					next_n = n + 1;
				s.n = n;
				s.i = arg & 3;
			}
			s.t = clock;
			expect = s.n == cur_n || (top < 0 || s.n > top - REPLAY_WINDOW);
			expect = expect && (s.n == cur_n || !USED(s.n));
			admitted = replay_admit(&w, s.t, s.n, s.i);
			REQUIRE(admitted == expect, "notification (t %lld, n %lld, i %lld): admitted %d, expected %d "
					"(top %lld, open %lld)", (long long) s.t, (long long) s.n, (long long) s.i,
					admitted, expect, (long long) top, (long long) cur_n);
			if (admitted)
			{
				SET_USED(s.n);
				if (s.n > top)
					top = s.n;
				cur_n = s.n;
				cur_i = s.i;
			}
			if (nsent < MAX_SENT)
				sent[nsent++] = s;
		}
		else if (op == 2 && nsent > 0)
		{
			/* A replay of something sent before: never admitted. */
			Sent		s = sent[(size_t) arg * 7919 % nsent];

			REQUIRE(!replay_admit(&w, s.t, s.n, s.i), "a replay (t %lld, n %lld, i %lld) was admitted",
					(long long) s.t, (long long) s.n, (long long) s.i);
		}
		else if (op == 3 && arg < 4)
		{
			/*
			 * The listener reconnects: LISTEN again, from now.  What was
			 * signed before is stale; the model starts afresh, and the
			 * numbers go on.
			 */
			since = ++clock;
			replay_listening(&w, since);
			top = cur_n = cur_i = -1;
			memset(used_bits, 0, sizeof(used_bits));
			if (arg == 0)
				replay_deaf(&w);
			if (arg == 0)
			{
				REQUIRE(!replay_admit(&w, clock + 1, next_n, 0), "admitted while not listening");
				replay_listening(&w, since);
			}
		}
		else if (op == 3)
		{
			/* Out of range: negative, or before the LISTEN. */
			REQUIRE(!replay_admit(&w, since - 1 - arg, next_n + 1, 0), "admitted from before the LISTEN");
			REQUIRE(!replay_admit(&w, clock, -1 - arg, 0), "admitted a negative n");
			REQUIRE(!replay_admit(&w, clock, next_n + 1, -1 - arg), "admitted a negative i");
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			mode;

	keys_init();
	if (size < 1)
		return 0;
	mode = (uint8_t) (data[0] - '0') % 5;
	switch (mode)
	{
		case 0:
			{
				Note		note;
				char	   *copy = malloc(size);	/* exactly the bytes: no terminator to lean on */

				memcpy(copy, data + 1, size - 1);
				REQUIRE(note_read(&key, CHANNEL, copy, size - 1, &note) == NOTE_UNSIGNED,
						"arbitrary bytes accepted as signed");
				free(copy);
				break;
			}
		case 1:
		case 2:
		case 3:
			signed_modes(mode, data + 1, size - 1);
			break;
		case 4:
			window_mode(data + 1, size - 1);
			break;
	}
	return 0;
}
