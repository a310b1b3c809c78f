/*
 * notification.h: what a notification on a pg_ot channel says, and whether
 * to believe it.
 *
 * Any role that can connect may NOTIFY any channel, so the gateway acts
 * only on what the extension signed (extension/notify.c):
 *
 *	   <mac> SP <meta> LF <body>
 *
 * mac: 64 lowercase hex digits, HMAC-SHA256 under the 'notify' key of
 * ot.secrets over channel NUL meta LF body.  meta: one line of JSON saying
 * what it is, so that an op is routed without parsing its body:
 *
 *	   {"k":"op","c","d","v"[,"src","seq"][,"ref":true]}	body: the op message
 *	   {"k":"p"|"revoke","t","n","i"}						body: the message
 *
 * Every number is range-checked: versions and seqs are integers in
 * [0, 2^53), stamps non-negative.  A signed payload can still be replayed
 * (any role may LISTEN, copy and NOTIFY it again): an op is harmless by its
 * version (the same op at the same version), while presence and revokes
 * carry a stamp that a ReplayWindow per channel admits once.
 *
 * Plain C with jansson and secrets.c: no lws, no libpq, so that the fuzz
 * harness drives it.
 *
 * May include: base/secrets.
 */
#ifndef PG_OT_GATEWAY_NOTIFICATION_H
#define PG_OT_GATEWAY_NOTIFICATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/secrets.h"

/* Versions and seqs from notifications lie in [0, NOTE_MAX_INTEGER]. */
#define NOTE_MAX_INTEGER ((INT64_C(1) << 53) - 1)

typedef enum NoteKind
{
	NOTE_OP,
	NOTE_PRESENCE,
	NOTE_REVOKE
} NoteKind;

typedef enum NoteStatus
{
	NOTE_OK,
	NOTE_UNSIGNED,				/* no signature, or a wrong one: not pg_ot's */
	NOTE_INVALID				/* signed, but not a notification this gateway knows */
} NoteStatus;

typedef struct Note
{
	NoteKind	kind;
	json_t	   *meta;			/* owns the strings below */
	const char *body;			/* into the payload; not NUL-terminated */
	size_t		body_len;
	/* NOTE_OP */
	const char *c;
	const char *d;
	int64_t		v;
	const char *src;			/* NULL if none */
	int64_t		seq;			/* -1 if none */
	bool		ref;			/* the op is too large: read it from the op log */
	/* NOTE_PRESENCE, NOTE_REVOKE */
	int64_t		t;				/* the server's clock when signed, µs since 1970 */
	int64_t		n;				/* its transaction's number */
	int64_t		i;				/* its place among the transaction's */
} Note;

/*
 * Reads payload (len bytes, no NUL needed) received on channel.  On NOTE_OK
 * fills note, which note_clear releases; on anything else note holds
 * nothing.
 */
NoteStatus	note_read(const Secret *key, const char *channel, const char *payload, size_t len,
					  Note *note);
void		note_clear(Note *note);

/*
 * Admits each stamped notification of one kind on one channel at most once,
 * and none signed before the channel was listened to: a replay is either a
 * stamp seen already, or one from before this gateway listened (which it
 * cannot have missed while listening).  A transaction's notifications
 * arrive together (PostgreSQL queues them at commit under one lock), so the
 * latest transaction stays open for its next ones; older ones are
 * remembered in a window of REPLAY_WINDOW numbers.
 */
#define REPLAY_WINDOW 4096

typedef struct ReplayWindow
{
	int64_t		since;			/* the server's clock when the LISTEN began; -1: not listening */
	int64_t		top;			/* the highest n admitted; -1: none */
	int64_t		open_n;			/* the transaction last admitted ... */
	int64_t		open_i;			/* ... and its last i */
	uint64_t	seen[REPLAY_WINDOW / 64];	/* n admitted, for n in (top - REPLAY_WINDOW, top] */
} ReplayWindow;

/* Listening from since (the server's clock): forgets everything before. */
void		replay_listening(ReplayWindow *w, int64_t since);

/* Not listening: admits nothing. */
void		replay_deaf(ReplayWindow *w);

/* Whether a notification stamped (t, n, i) is admitted (then it is remembered). */
bool		replay_admit(ReplayWindow *w, int64_t t, int64_t n, int64_t i);

#endif
