/*
 * submit_result.c: what a submit brings a document (see document.h): its
 * session's gate holds the op back from submit to ack, and its result
 * (the ops it was transformed against, then the ack) feeds the log and the
 * session's gate.
 *
 * Owns: nothing of its own (Doc's log, Sub's gate).  May call: docs (gate,
 * document.c and subscription.c through doc_internal.h), client, base.
 */
#include "docs/document.h"

#include "docs/doc_internal.h"
#include "docs/gate.h"

typedef struct SubmitRows
{
	Doc		   *doc;
	Session    *s;
	Gate	   *gate;
	bool		offer;			/* to the session's gate (else the log brings them) */
} SubmitRows;

/* One op a submit was transformed against: into the log, and to its session's gate. */
static bool
submit_row(const char *text, size_t len, int64_t v, const char *src, int64_t mseq, void *arg)
{
	SubmitRows *r = arg;
	Frame	   *f = frame_from_bytes(text, len);

	if (r->doc->known)
		doc_learn(r->doc, v, frame_ref(f), src, mseq);
	if (r->offer)
		gate_offer(r->s, r->gate, v, src, mseq, f);
	frame_unref(f);
	return true;
}

void
doc_submitted(Doc *doc, Session *s, const char *src, int64_t seq)
{
	gate_submitted(s, gate_get(s, doc->key, doc->keylen), src, seq);
}

void
doc_submit_refused(Doc *doc, Session *s, const char *src, int64_t seq)
{
	Gate	   *g = gate_find(s, doc->key, doc->keylen);
	Sub		   *sub = sub_find(s, doc);

	if (g)
		gate_refused(s, g, src, seq);
	if (sub)
		sub_pump(sub);
}

void
doc_submit_result(Doc *doc, Session *s, const char *src, int64_t seq, const PGresult *ops, int first, int n,
				  json_t *ack)
{
	Sub		   *sub = s ? sub_find(s, doc) : NULL;
	Gate	   *g = s ? gate_get(s, doc->key, doc->keylen) : NULL;
	json_t	   *ackv = json_object_get(ack, "v");
	SubmitRows	rows = {doc, s, g, false};
	int64_t		failed_v;
	char		buf[256];

	/*
	 * Subscribed, the ops go through the gate after what the log has before
	 * them; while its read is out, the read and the log bring them.
	 * Unsubscribed, the reply carries them.  They are the versions just
	 * before the ack's (the submit holds doc).
	 */
	rows.offer = g && (sub == NULL || sub->state == SUB_ACTIVE);
	if (sub && rows.offer)
		sub_pump(sub);
	if (!json_is_integer(ackv) ||
		!op_rows_each(doc, ops, first, n, json_integer_value(ackv) - n, submit_row, &rows, &failed_v))
	{
		if (sub)
		{
			unreadable_message(buf, sizeof(buf), json_is_integer(ackv) ? failed_v : -1);
			sub_fail(sub, "ERR_UNKNOWN_ERROR", buf);
		}
	}
	if (g && json_is_integer(ackv))
		gate_answered(s, g, src, seq, json_integer_value(ackv), frame_from_json(ack));
	else if (s)
		session_send_json(s, json_incref(ack));
	pump_all(doc);
}
