/*
 * document.h: the documents that have someone on this gateway, and the
 * delivery of their ops.
 *
 * Per document the gateway keeps a short log of op frames, contiguous by
 * version [base, head), fed by notifications, submit results and catch-up
 * reads alike.  Each subscription (Sub) pumps the log through its session's
 * gate (gate.h) strictly in order, so every subscriber receives every op
 * once, in version order, with no gap, whichever source delivered it first,
 * and its own ops only as their acks.  The reads of subscribe and fetch
 * requests and a submit's result pass the same gate.  A notification beyond
 * head means ops were missed (listener loss, or a payload too large to
 * carry the op): the document reads them from the op log, not the client.
 *
 * May include: base/frame, base/notification, client/client, db/listener,
 * docs/channel, db/queries.
 */
#ifndef PG_OT_GATEWAY_DOCUMENT_H
#define PG_OT_GATEWAY_DOCUMENT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/frame.h"
#include "base/notification.h"
#include "client/client.h"
#include "db/listener.h"
#include "docs/channel.h"
#include "db/queries.h"

typedef struct LogEntry
{
	Frame	   *frame;
	char	   *src;
	int64_t		seq;
} LogEntry;

typedef struct Doc
{
	char	   *key;			/* collection NUL id */
	size_t		keylen;
	const char *collection;		/* both point into key */
	const char *id;
	int			refs;
	int			partition;		/* where it lives (db/partitions.h) */

	Channel    *channel;		/* its LISTEN (docs/channel.h), on its partition */

	lws_dll2_owner_t subs;		/* Sub.doc_link */
	bool		known;			/* base and head are meaningful */
	int64_t		base;			/* version of log[log_start] */
	int64_t		head;			/* next version the log expects */
	int64_t		seen;			/* highest version notified, plus one */
	LogEntry   *log;
	size_t		log_start;
	size_t		log_cap;
	size_t		log_bytes;		/* of the frames in the log (--doc-log-bytes) */
	bool		catching_up;
	bool		unheard;		/* the listener was away before the log began */

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
	struct Gate *gate;			/* the session's gate on the document; NULL with session */
	Doc		   *doc;
	SubState	state;
	int64_t		start_v;		/* a snapshot's version, where the gate starts; -1: reads placed it */
	int64_t		read_end;		/* past the last version its reads saw (they may stop short) */
	bool		catching_up;
	bool		asked;			/* the client subscribed (s, bs); else only its queries hold it */
	int			query_refs;		/* the session's subscribed queries whose results hold it */
} Sub;

Doc		   *doc_acquire(const char *collection, const char *id);
void		doc_release(Doc *doc);
Doc		   *doc_find(const char *collection, const char *id);

/*
 * Whether s subscribes to collection/id (its table of subscriptions, which
 * may hold one whose read is still out); and whether it subscribes to any
 * document of collection, or to id in it.  The key format (collection NUL
 * id) is document.c's alone.
 */
bool		sub_exists(Session *s, const char *collection, const char *id);
bool		subs_cover(Session *s, const char *collection, const char *id);

/* Whether s subscribes to a document of partition (db/partitions.h). */
bool		subs_on_partition(Session *s, int partition);

/* Subscriptions: one session following one document. */
Sub		   *sub_find(Session *s, Doc *doc);
Sub		   *sub_create(Session *s, Doc *doc);
void		sub_activate(Sub *sub);
void		sub_drop(Sub *sub);
void		sub_pump(Sub *sub);

/*
 * A document entered a subscribed query's results (actions/query.c): the
 * session was sent its snapshot at version v, and follows it from there as
 * if subscribed (a Sub not asked for, held by query_refs).  channel is the
 * document's, as the query's read returned it.  maybe_behind: ops after v
 * may have been committed before this gateway kept the document, so its log
 * begins with a read of the op log.
 */
Sub		   *sub_open_at(Session *s, Doc *doc, const char *channel, int64_t v, bool maybe_behind);

/* The session holds every version before v: its read of the ops from v. */
void		doc_expect(Session *s, Doc *doc, int64_t v);

/* The session was sent the snapshot at version v. */
void		doc_snapshot_sent(Session *s, Doc *doc, int64_t v);

/*
 * A read's ops (OP_ROWS_SQL's columns, from version from_v) for s: through
 * its gate; stops before an op of its own that awaits its ack.  False if a
 * row cannot be delivered (*failed_v its version): nothing after it was.
 */
bool		doc_read_ops(Session *s, Doc *doc, int64_t from_v, const PGresult *res, int64_t *failed_v);

/* The session closes: its subscriptions and gates go. */
void		docs_session_closed(Session *s);

/* Runs w->fn(w) once the document's notifications flow (at once if they do). */
void		doc_when_listening(Doc *doc, DocWait *w);

/* s submitted (src, seq) on doc; it was refused. */
void		doc_submitted(Doc *doc, Session *s, const char *src, int64_t seq);
void		doc_submit_refused(Doc *doc, Session *s, const char *src, int64_t seq);

/*
 * The result of s's op (src, seq) reached the gateway: rows [first,
 * first + n) of ops are the op messages the op was transformed against
 * (OP_ROWS_SQL's columns), ack its ack.  Learns the ops into the log and
 * gives the session (NULL if gone), through its gate, the ops it lacks,
 * then the ack.
 */
void		doc_submit_result(Doc *doc, Session *s, const char *src, int64_t seq,
							  const PGresult *ops, int first, int n, json_t *ack);

/* Parses "v", "src", "seq" of an op message; false if it has no integer v. */
bool		op_message_meta(const json_t *m, int64_t *v, const char **src, int64_t *seq);

/*
 * Calls fn for each row of such a read, which must hold the versions from,
 * from + 1, ... in order; stops when fn returns false.  A row that breaks
 * the sequence (a version missing from the op log) or has no version is
 * logged and counted, and ends the walk: false, with *failed_v the version
 * that could not be delivered.  Rows after it are never delivered, so no
 * subscriber receives a version without the ones before it.
 */
typedef bool (*OpRowFn) (const char *text, size_t len, int64_t v, const char *src, int64_t seq,
						 void *arg);
bool		op_rows_each(const Doc *doc, const PGresult *res, int first, int n, int64_t from,
						 OpRowFn fn, void *arg, int64_t *failed_v);

/*
 * Ends a subscription whose next ops cannot be read: the client receives an
 * error for the document (an "f" reply with error, which the stock client
 * emits as the document's 'error' event) and nothing more of it.
 */
void		sub_fail(Sub *sub, const char *code, const char *message);

/* log_bytes: what a document's log may hold (--doc-log-bytes). */
void		documents_init(size_t log_bytes);
int			documents_count(void);

#endif
