/*
 * doc_internal.h: what the files of docs/ share about documents and their
 * subscriptions (document.c, subscription.c, op_rows.c, submit_result.c),
 * and nobody else includes.
 *
 * May include: docs.
 */
#ifndef PG_OT_GATEWAY_DOC_INTERNAL_H
#define PG_OT_GATEWAY_DOC_INTERNAL_H

#include "db/pool.h"
#include "docs/document.h"

/* The log entry of version v, which must lie in [base, head). */
static inline LogEntry *
log_entry(Doc *doc, int64_t v)
{
	return &doc->log[doc->log_start + (size_t) (v - doc->base)];
}

/* The log starts afresh (nobody to deliver to, or a read it could not use). */
void		log_reset(Doc *doc);

/* Appends the op at version v if it is the next one; takes over the frame reference. */
void		doc_learn(Doc *doc, int64_t v, Frame *frame, const char *src, int64_t seq);

/* Pumps every subscription of doc, then prunes the log. */
void		pump_all(Doc *doc);

/* The document reads what its log lacks (as one of its subscribers' users). */
void		doc_catch_up(Doc *doc);

/* A subscriber reads what it lacks itself (from its gate's next version). */
void		sub_catch_up(Sub *sub);

/* The message of a version that cannot be delivered. */
void		unreadable_message(char *buf, size_t size, int64_t v);

/* The version a read of op messages started from (its third parameter). */
int64_t		read_from(const DbRead *read);

#endif
