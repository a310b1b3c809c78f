/*
 * notification.c: reading, authenticating and de-duplicating notifications
 * (see notification.h).
 *
 * May call: nothing of the gateway.
 */
#include "base/notification.h"

#include <string.h>


#define MAC_HEX_LEN (2 * SECRET_MAC_LEN)

/* Whether payload begins with the MAC, over channel NUL and the rest, of key. */
static bool
signed_by(const Secret *key, const char *channel, const char *payload, size_t len)
{
	unsigned char mac[SECRET_MAC_LEN];
	size_t		clen = strlen(channel);
	size_t		rest = len - MAC_HEX_LEN - 1;

	if (!secret_hex_decode(payload, SECRET_MAC_LEN, mac))
		return false;
	/* channel NUL, then the payload after the MAC and its space */
	return secret_mac_ok(key, channel, clen + 1, payload + MAC_HEX_LEN + 1, rest, mac);
}

/* A string member without NUL inside (jansson allows \u0000), or NULL. */
static const char *
string_member(const json_t *object, const char *name)
{
	json_t	   *s = json_object_get(object, name);
	const char *value = json_string_value(s);

	return value && strlen(value) == json_string_length(s) ? value : NULL;
}

/* An integer member in [0, max]. */
static bool
integer_member(const json_t *object, const char *name, int64_t max, int64_t *out)
{
	json_t	   *n = json_object_get(object, name);

	if (!json_is_integer(n) || json_integer_value(n) < 0 || json_integer_value(n) > max)
		return false;
	*out = (int64_t) json_integer_value(n);
	return true;
}

static bool
read_op(Note *note)
{
	json_t	   *ref = json_object_get(note->meta, "ref");

	note->kind = NOTE_OP;
	note->c = string_member(note->meta, "c");
	note->d = string_member(note->meta, "d");
	note->src = NULL;
	note->seq = -1;
	note->ref = json_is_true(ref);
	if (note->c == NULL || note->d == NULL ||
		!integer_member(note->meta, "v", NOTE_MAX_INTEGER, &note->v))
		return false;
	if (json_object_get(note->meta, "src"))
	{
		note->src = string_member(note->meta, "src");
		if (note->src == NULL || !integer_member(note->meta, "seq", NOTE_MAX_INTEGER, &note->seq))
			return false;
	}
	else if (json_object_get(note->meta, "seq"))
		return false;
	if (ref && !note->ref)
		return false;
	/* The body is the frame; a reference has none. */
	return note->ref ? note->body_len == 0 : note->body_len > 0;
}

static bool
read_stamp(Note *note, NoteKind kind)
{
	note->kind = kind;
	return integer_member(note->meta, "t", INT64_MAX, &note->t) &&
		integer_member(note->meta, "n", INT64_MAX, &note->n) &&
		integer_member(note->meta, "i", INT64_MAX, &note->i) &&
		note->body_len > 0;
}

NoteStatus
note_read(const Secret *key, const char *channel, const char *payload, size_t len, Note *note)
{
	const char *meta;
	const char *nl;
	const char *k;
	bool		ok;

	memset(note, 0, sizeof(*note));
	if (key == NULL || len < MAC_HEX_LEN + 1 || payload[MAC_HEX_LEN] != ' ' ||
		!signed_by(key, channel, payload, len))
		return NOTE_UNSIGNED;
	/* Signed: from here on the extension wrote it, but check all the same. */
	meta = payload + MAC_HEX_LEN + 1;
	nl = memchr(meta, '\n', len - MAC_HEX_LEN - 1);
	if (nl == NULL)
		return NOTE_INVALID;
	note->body = nl + 1;
	note->body_len = (size_t) (payload + len - note->body);
	note->meta = json_loadb(meta, (size_t) (nl - meta), JSON_REJECT_DUPLICATES, NULL);
	k = string_member(note->meta, "k");
	if (!json_is_object(note->meta) || k == NULL)
		ok = false;
	else if (strcmp(k, "op") == 0)
		ok = read_op(note);
	else if (strcmp(k, "p") == 0)
		ok = read_stamp(note, NOTE_PRESENCE);
	else if (strcmp(k, "revoke") == 0)
		ok = read_stamp(note, NOTE_REVOKE);
	else
		ok = false;
	if (!ok)
	{
		note_clear(note);
		return NOTE_INVALID;
	}
	return NOTE_OK;
}

void
note_clear(Note *note)
{
	json_decref(note->meta);
	memset(note, 0, sizeof(*note));
}

/* ---------- replays ---------- */

#define SEEN_WORD(n) ((size_t) ((n) % REPLAY_WINDOW) / 64)
#define SEEN_BIT(n) (UINT64_C(1) << ((n) % REPLAY_WINDOW % 64))

void
replay_listening(ReplayWindow *w, int64_t since)
{
	memset(w, 0, sizeof(*w));
	w->since = since;
	w->top = w->open_n = w->open_i = -1;
}

void
replay_deaf(ReplayWindow *w)
{
	replay_listening(w, -1);
}

bool
replay_admit(ReplayWindow *w, int64_t t, int64_t n, int64_t i)
{
	if (w->since < 0 || t < w->since || n < 0 || i < 0)
		return false;
	if (n == w->open_n)
	{
		/* More of the transaction last admitted, in order. */
		if (i <= w->open_i)
			return false;
		w->open_i = i;
		return true;
	}
	if (w->top >= 0 && n <= w->top - REPLAY_WINDOW)
		return false;			/* too old to tell: a legitimate one this late is lost */
	if (n > w->top)
	{
		if (w->top < 0 || n - w->top >= REPLAY_WINDOW)
			memset(w->seen, 0, sizeof(w->seen));
		else
			for (int64_t x = w->top + 1; x <= n; x++)
				w->seen[SEEN_WORD(x)] &= ~SEEN_BIT(x);
		w->top = n;
	}
	if (w->seen[SEEN_WORD(n)] & SEEN_BIT(n))
		return false;
	w->seen[SEEN_WORD(n)] |= SEEN_BIT(n);
	w->open_n = n;
	w->open_i = i;
	return true;
}
