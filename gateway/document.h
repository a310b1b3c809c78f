/*
 * document.h: the documents that have someone on this gateway, and the
 * delivery of their ops.
 *
 * Per document the gateway keeps a short log of op frames, contiguous by
 * version [base, head), fed by notifications, submit results and catch-up
 * reads alike.  Each subscription (Sub) is a gate at its next version: it
 * takes frames from the log strictly in order, so every subscriber receives
 * every op once, in version order, with no gap, whichever source delivered
 * it first.  A notification beyond head means ops were missed (listener
 * loss, or a payload too large to carry the op): the document reads them
 * from the op log, not the client.
 */
#ifndef PG_OT_GATEWAY_DOCUMENT_H
#define PG_OT_GATEWAY_DOCUMENT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "frame.h"
#include "notification.h"
#include "session.h"

typedef struct Channel Channel;

typedef struct LogEntry
{
	Frame	   *frame;
	char	   *src;
	int64_t		seq;
} LogEntry;

typedef enum DocChannelState
{
	DOC_CHANNEL_NONE,			/* not asked yet */
	DOC_CHANNEL_LOOKUP,			/* asking the database for its name */
	DOC_CHANNEL_WAITING,		/* LISTEN sent, not confirmed */
	DOC_CHANNEL_READY			/* notifications flow */
} DocChannelState;

typedef struct Doc
{
	char	   *key;			/* collection NUL id */
	size_t		keylen;
	const char *collection;		/* both point into key */
	const char *id;
	int			refs;

	DocChannelState channel_state;
	Channel    *channel;
	lws_dll2_t	channel_link;	/* among the channel's documents */
	lws_dll2_owner_t waiting_channel;	/* DocReads that need notifications first */

	lws_dll2_owner_t subs;		/* Sub.doc_link */
	bool		known;			/* base and head are meaningful */
	int64_t		base;			/* version of log[log_start] */
	int64_t		head;			/* next version the log expects */
	int64_t		seen;			/* highest version notified, plus one */
	LogEntry   *log;
	size_t		log_start;
	size_t		log_cap;
	bool		catching_up;
	bool		unheard;		/* the listener was away before the log began */

	lws_dll2_owner_t submits;	/* Submit.doc_link, in arrival order */
	bool		submitting;		/* one of them is in a batch */
	struct Submit *in_batch;	/* that one */
	lws_dll2_t	ready_link;		/* in the submit module's ready list */
} Doc;

typedef enum SubState
{
	SUB_READING,				/* its snapshot or ops are being read */
	SUB_HELD,					/* read, waiting for a bulk reply to go first */
	SUB_ACTIVE					/* receives ops through the gate */
} SubState;

typedef struct Sub
{
	lws_dll2_t	doc_link;
	Session    *session;		/* NULL once unsubscribed or gone */
	Doc		   *doc;
	SubState	state;
	int64_t		next_v;			/* the gate: the next version to deliver */
	bool		catching_up;
	bool		unheard;		/* the listener was away before the log began */
	bool		inflight;		/* the session's op on this document awaits its result */
	int64_t		inflight_seq;
} Sub;

Doc		   *doc_acquire(const char *collection, const char *id);
void		doc_release(Doc *doc);
Doc		   *doc_find(const char *collection, const char *id);

/* Subscriptions: the gate of one session on one document. */
Sub		   *sub_find(Session *s, Doc *doc);
Sub		   *sub_create(Session *s, Doc *doc);
void		sub_activate(Sub *sub, int64_t next_v);
void		sub_drop(Sub *sub);
void		sub_pump(Sub *sub);

/* The op is the session's own, still waiting for its ack: the ack goes first. */
bool		sub_awaits_ack(const Sub *sub, const char *src, int64_t seq);

/* Runs fn(arg) once the document's notifications flow (at once if they do). */
typedef struct DocWait
{
	lws_dll2_t	link;
	void		(*fn) (struct DocWait *w);
} DocWait;
void		doc_when_listening(Doc *doc, DocWait *w);

/* The listener calls these. */
void		doc_channel_ready(Doc *doc);
void		docs_notification(const Note *note);	/* an op the extension signed */
void		docs_listener_restored(void);

/*
 * A submit's result reached the gateway: op messages the op was transformed
 * against (JSON array) and the ack.  Learns the ops into the log and gives
 * the session (NULL if gone) the ops it lacks, then the ack.
 */
void		doc_submit_result(Doc *doc, Session *s, json_t *ops, json_t *ack);

/* Parses "v", "src", "seq" of an op message; false if it has no integer v. */
bool		op_message_meta(const json_t *m, int64_t *v, const char **src, int64_t *seq);

/*
 * Calls fn for each row of a read of op messages (text in column 0), in
 * order, with its text and meta data; stops when fn returns false.
 */
typedef bool (*OpRowFn) (const char *text, int64_t v, const char *src, int64_t seq, void *arg);
void		op_rows_each(const PGresult *res, OpRowFn fn, void *arg);

void		documents_init(void);
int			documents_count(void);

#endif
