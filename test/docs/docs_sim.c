/*
 * docs_sim.c: gateway/docs/ (documents, subscriptions, channels, the
 * delivery gate) driven without sockets or a database, for the property
 * test (docs_test.c) and the libFuzzer target (fuzz_docs.c).
 *
 * The layers below docs/ are fakes here: the pool keeps every read it is
 * given until the driver answers it (in any order) from a simulated op log;
 * the listener keeps its members and the NOTE_OP handler, and the driver
 * confirms LISTENs, delivers notifications (some lost while the listener is
 * "down", some too large to carry the op), and says when it is back; a
 * session's send records what it was sent.  What actions/fetch.c does for a
 * subscribe (a snapshot read, or a read of ops from a version, after the
 * LISTEN) and actions/submit.c for an op (submitted, committed at a later
 * version, answered with the ops it was transformed against and its ack)
 * is done by the driver, on the same docs/ functions.
 *
 * Each step is chosen by the driver's source of choices: a subscribe or
 * unsubscribe of one of three sessions, a commit by someone else, a submit,
 * a commit of a submitted op, the answer to a submit, to a pool read or to
 * a subscribe's read, a notification delivered, a LISTEN confirmed, the
 * listener lost or back.  Then everything is drained.  Checked after every
 * step, for every session: from the version its subscription started at
 * (its snapshot's, or the one it asked for), it is sent every version once,
 * in order, each of its own ops only as its ack and in its place (so after
 * every earlier op); at the end, every subscribed session has every
 * version committed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docs_sim.h"

#include "base/client_id.h"
#include "base/metrics.h"
#include "db/error_codes.h"
#include "db/listener.h"
#include "db/pg_conn.h"
#include "db/pool.h"
#include "db/queries.h"
#include "docs/document.h"

#define NSESS 3
#define MAXV 48					/* versions committed per trial */
#define MAXPENDING 64
#define COLL "c"
#define DOCID "d"

ClientLimits client_limits = {.max_subscriptions = 4};

/* ---------- the simulated database ---------- */

typedef struct DbOp
{
	char		src[CLIENT_ID_PUBLIC_LEN + 1];	/* "" for someone else's */
	int64_t		seq;
} DbOp;

static struct
{
	DbOp		ops[MAXV + NSESS * 8];
	int64_t		head;			/* versions committed */
} db;

static char *
op_text(int64_t v)
{
	static char buf[160];

	if (db.ops[v].src[0])
		snprintf(buf, sizeof(buf), "{\"a\":\"op\",\"c\":\"" COLL "\",\"d\":\"" DOCID
				 "\",\"v\":%lld,\"src\":\"%s\",\"seq\":%lld,\"op\":[1]}",
				 (long long) v, db.ops[v].src, (long long) db.ops[v].seq);
	else
		snprintf(buf, sizeof(buf), "{\"a\":\"op\",\"c\":\"" COLL "\",\"d\":\"" DOCID
				 "\",\"v\":%lld,\"src\":\"other\",\"seq\":%lld,\"op\":[1]}",
				 (long long) v, (long long) v);
	return buf;
}

/* Rows in OP_ROWS_SQL's columns for versions [from, to). */
static PGresult *
op_rows(int64_t from, int64_t to)
{
	PGresult   *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc attrs[4];
	static const char *names[4] = {"m", "v", "src", "seq"};
	int			row = 0;

	memset(attrs, 0, sizeof(attrs));
	for (int i = 0; i < 4; i++)
	{
		attrs[i].name = (char *) names[i];
		attrs[i].typid = 25;
		attrs[i].typlen = -1;
		attrs[i].atttypmod = -1;
	}
	PQsetResultAttrs(res, 4, attrs);
	for (int64_t v = from; v < to; v++, row++)
	{
		char		vs[24],
					seq[24];
		const char *src = db.ops[v].src[0] ? db.ops[v].src : "other";
		char	   *text = op_text(v);

		snprintf(vs, sizeof(vs), "%lld", (long long) v);
		snprintf(seq, sizeof(seq), "%lld", (long long) (db.ops[v].src[0] ? db.ops[v].seq : v));
		PQsetvalue(res, row, 0, text, (int) strlen(text));
		PQsetvalue(res, row, 1, vs, (int) strlen(vs));
		PQsetvalue(res, row, 2, (char *) src, (int) strlen(src));
		PQsetvalue(res, row, 3, seq, (int) strlen(seq));
	}
	return res;
}

/* ---------- the driver's choices ---------- */

static SimChoice choose;
static void *choose_ctx;

static int
rnd(int n)
{
	return n <= 1 ? 0 : (int) (choose(choose_ctx) % (unsigned) n);
}

static char failure[512];

void		(*docs_sim_failed) (const char *why);

/* What the trials exercised, for the report. */
static struct
{
	long		frames, acks, op_reads, subscribes, from_version, unsubscribes, notes, refs, lost, submits, versions;
} stats;


static void
fail(const char *fmt,...)
{
	va_list		ap;

	if (failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
	/* At once: a broken gate may go on sending (or loop) after its first wrong frame. */
	if (docs_sim_failed)
		docs_sim_failed(failure);
}

/* ---------- sessions and what they were sent ---------- */

typedef struct SimSession
{
	Session		s;
	bool		subscribed;		/* a subscription the driver opened and did not drop */
	bool		reading;		/* its subscribe's read not answered yet */
	bool		started;		/* expected is meaningful */
	int64_t		expected;		/* the version it must be sent next */
	int64_t		seq;			/* of its last op */
	int			in_flight;		/* its ops submitted and not answered */
	int64_t		acked_seq;		/* of its last ack */
} SimSession;

static SimSession sess[NSESS];

static SimSession *
sim_of(Session *s)
{
	return (SimSession *) s;
}

/* Checks one frame the session was sent. */
static void
received(SimSession *ss, const char *text, size_t len)
{
	json_t	   *m = json_loadb(text, len, 0, NULL);
	json_t	   *jv = json_object_get(m, "v");
	const char *src = json_string_value(json_object_get(m, "src"));
	bool		ack = json_object_get(m, "ack") != NULL;
	int			me = (int) (ss - sess);

	if (m == NULL || json_object_get(m, "error"))
		fail("session %d was sent %.*s", me, (int) len, text);
	else if (!json_is_integer(jv))
		fail("session %d was sent a frame without v: %.*s", me, (int) len, text);
	else if (!ss->started)
		fail("session %d was sent version %lld before its subscription began", me,
			 (long long) json_integer_value(jv));
	else if (json_integer_value(jv) != ss->expected)
		fail("session %d was sent version %lld where %lld was due (%s)", me,
			 (long long) json_integer_value(jv), (long long) ss->expected, ack ? "an ack" : "an op");
	else if (!ack && src && strcmp(src, ss->s.client.public) == 0)
		fail("session %d was sent its own op at version %lld as an op, not as its ack", me,
			 (long long) ss->expected);
	else if (ack && (src == NULL || strcmp(src, ss->s.client.public) != 0))
		fail("session %d was sent an ack that is not its own at version %lld", me, (long long) ss->expected);
	else
	{
		if (ack)
		{
			int64_t		seq = json_integer_value(json_object_get(m, "seq"));

			if (seq != ss->acked_seq + 1)
				fail("session %d was sent the ack of seq %lld after that of %lld", me, (long long) seq,
					 (long long) ss->acked_seq);
			ss->acked_seq = seq;
		}
		ss->expected++;
		stats.frames++;
		stats.acks += ack;
	}
	json_decref(m);
}

void
session_send(Session *s, Frame *f)
{
	received(sim_of(s), (const char *) f->data, f->len);
	frame_unref(f);
}

void
session_send_json(Session *s, json_t *message)
{
	char	   *text = json_dumps(message, JSON_COMPACT);

	received(sim_of(s), text, strlen(text));
	free(text);
	json_decref(message);
}

void
session_send_error(Session *s, json_t *request, const char *code, const char *message)
{
	fail("session %d was sent an error: %s %s", (int) (sim_of(s) - sess), code, message);
	json_decref(request);
}

bool
client_id_owns(const ClientId *id, const char *src)
{
	return src && strcmp(src, id->public) == 0;
}

void
client_id_give_back(const ClientId *id, json_t *message)
{
}

/* ---------- the pool ---------- */

static DbRead *reads[MAXPENDING];
static int nreads;

DbRead *
db_read_new(const char *sql, const char *user, DbReadDone done, void *arg, int nparams,
			const char *const *params)
{
	DbRead	   *r = calloc(1, sizeof(DbRead));

	r->sql = sql;
	r->nparams = nparams;
	for (int i = 0; i < nparams; i++)
		r->params[i] = params[i] ? strdup(params[i]) : NULL;
	r->user = user ? strdup(user) : NULL;
	r->done = done;
	r->arg = arg;
	return r;
}

void
pool_read(int partition, DbRead *read)
{
	if (nreads == MAXPENDING)
	{
		fail("more than %d pool reads at once", MAXPENDING);
		abort();
	}
	reads[nreads++] = read;
}

static void
answer_read(int i)
{
	DbRead	   *r = reads[i];
	PGresult   *res;

	reads[i] = reads[--nreads];
	if (strcmp(r->sql, CHANNEL_SQL) == 0)
	{
		PGresAttDesc attr = {.name = (char *) "channel", .typid = 25, .typlen = -1, .atttypmod = -1};

		res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
		PQsetResultAttrs(res, 1, &attr);
		PQsetvalue(res, 0, 0, (char *) "pg_ot_1", 7);
	}
	else if (strcmp(r->sql, OP_ROWS_SQL) == 0 && ++stats.op_reads)
		res = op_rows(strtoll(r->params[2], NULL, 10), db.head);
	else
	{
		fail("a pool read of %s", r->sql);
		abort();
	}
	r->done(r, res);
	PQclear(res);
	for (int k = 0; k < r->nparams; k++)
		free(r->params[k]);
	free(r->user);
	free(r);
}

void
error_code_of(const PGresult *res, int partition, bool reading, ErrorCodeFn fn, void *arg)
{
	fn("ERR_UNKNOWN_ERROR", "a read failed", arg);
}

const char *
pg_result_message(const PGresult *res, char *buf, size_t size)
{
	snprintf(buf, size, "%s", PQresultErrorMessage(res));
	return buf;
}

/* ---------- the listener ---------- */

static ListenMember *members[8];
static bool confirmed[8];
static int nmembers;
static ListenerHandler op_handler;
static void (*restored_fn) (int partition);
static bool listener_down;		/* notifications are lost meanwhile */
static bool lost_some;

void
listener_on(NoteKind kind, ListenerHandler fn)
{
	if (kind == NOTE_OP)
		op_handler = fn;
}

void
listener_on_restored(void (*fn) (int partition))
{
	restored_fn = fn;
}

void
listener_join(ListenMember *member, const char *channel)
{
	members[nmembers] = member;
	confirmed[nmembers] = false;
	nmembers++;
}

void
listener_leave(ListenMember *member)
{
	for (int i = 0; i < nmembers; i++)
		if (members[i] == member)
		{
			members[i] = members[--nmembers];
			confirmed[i] = confirmed[nmembers];
			return;
		}
}

/* Confirms the LISTEN of a member not yet told (its channel now delivers). */
static bool
confirm_one(void)
{
	for (int i = 0; i < nmembers; i++)
		if (!confirmed[i] && !listener_down)
		{
			confirmed[i] = true;
			members[i]->ready(members[i]);
			return true;
		}
	return false;
}

/* ---------- notifications ---------- */

typedef struct Pending
{
	int64_t		v;
	bool		ref;			/* too large to carry the op */
} Pending;

static Pending notes[MAXV + NSESS * 8];
static int nnotes;

static void
notify_commit(int64_t v)
{
	if (listener_down)
	{
		lost_some = true;
		return;
	}
	notes[nnotes].v = v;
	notes[nnotes].ref = rnd(6) == 0;
	nnotes++;
}

/* The first queued notification (a channel delivers in commit order). */
static void
deliver_note(void)
{
	Pending		p = notes[0];
	Note		note;
	const char *text = op_text(p.v);

	memmove(notes, notes + 1, (size_t) --nnotes * sizeof(Pending));
	memset(&note, 0, sizeof(note));
	note.kind = NOTE_OP;
	note.c = COLL;
	note.d = DOCID;
	note.v = p.v;
	note.src = db.ops[p.v].src[0] ? db.ops[p.v].src : "other";
	note.seq = db.ops[p.v].src[0] ? db.ops[p.v].seq : p.v;
	note.ref = p.ref;
	note.body = p.ref ? NULL : text;
	note.body_len = p.ref ? 0 : strlen(text);
	stats.notes++;
	stats.refs += p.ref;
	op_handler(&note, NULL);
}

static void
listener_lose(void)
{
	listener_down = true;
	stats.lost++;
	nnotes = 0;					/* what was on its way is gone with the connection */
	lost_some = true;
	for (int i = 0; i < nmembers; i++)
		confirmed[i] = false;
}

/* Back: LISTEN again (every member told), then the documents fill their gaps. */
static void
listener_back(void)
{
	listener_down = false;
	for (int i = 0; i < nmembers; i++)
		confirmed[i] = false;
	while (confirm_one())
		;
	if (lost_some)
		restored_fn(0);
	lost_some = false;
}

/* ---------- subscribe reads (as actions/fetch.c makes them) ---------- */

typedef struct SubRead
{
	DocWait		wait;
	SimSession *ss;
	Sub		   *sub;
	Doc		   *doc;
	int64_t		from_v;			/* -1: a snapshot */
	bool		queued;			/* its read is with the database */
} SubRead;

static SubRead *subreads[NSESS];
static int nsubreads;

static void
subread_listening(DocWait *w)
{
	SubRead    *r = lws_container_of(w, SubRead, wait);

	r->queued = true;
	subreads[nsubreads++] = r;
}

static void
subscribe(SimSession *ss)
{
	SubRead    *r = calloc(1, sizeof(SubRead));

	r->ss = ss;
	r->doc = doc_acquire(COLL, DOCID);
	r->sub = sub_create(&ss->s, r->doc);
	/* A client that holds a version resubscribes from it, else from a snapshot. */
	r->from_v = ss->started && rnd(2) ? ss->expected : -1;
	if (r->from_v >= 0)
	{
		doc_expect(&ss->s, r->doc, r->from_v);
		ss->expected = r->from_v;
	}
	else
		ss->started = false;	/* nothing is due before its snapshot */
	ss->subscribed = true;
	ss->reading = true;
	stats.subscribes++;
	stats.from_version += r->from_v >= 0;
	r->wait.fn = subread_listening;
	doc_when_listening(r->doc, &r->wait);
}

static void
answer_subread(int i)
{
	SubRead    *r = subreads[i];
	SimSession *ss = r->ss;
	Sub		   *sub = r->sub;

	subreads[i] = subreads[--nsubreads];
	if (r->from_v < 0)
	{
		/* The snapshot reply: the version it is at comes first. */
		ss->started = true;
		ss->expected = db.head;
		sub->start_v = db.head;
	}
	else
	{
		PGresult   *res = op_rows(r->from_v, db.head);
		int64_t		failed_v;

		ss->started = true;
		if (!doc_read_ops(&ss->s, r->doc, r->from_v, res, &failed_v))
			fail("the read of session %d from %lld failed at %lld", (int) (ss - sess),
				 (long long) r->from_v, (long long) failed_v);
		PQclear(res);
	}
	ss->reading = false;
	if (sub->session == NULL)
	{
		sub->state = SUB_ACTIVE;	/* unsubscribed meanwhile: abandoned */
		sub_drop(sub);
	}
	else
		sub_activate(sub);
	doc_release(r->doc);
	free(r);
}

static void
unsubscribe(SimSession *ss)
{
	Doc		   *doc = doc_find(COLL, DOCID);
	Sub		   *sub = doc ? sub_find(&ss->s, doc) : NULL;

	if (sub)
		sub_drop(sub);
	ss->subscribed = false;
	ss->started = false;		/* what follows is no subscription's */
	stats.unsubscribes++;
}

/* ---------- ops submitted (as actions/submit.c sends them) ---------- */

typedef struct SimSubmit
{
	SimSession *ss;
	Doc		   *doc;
	int64_t		seq;
	int64_t		base_v;			/* the version the client made it at */
	int64_t		v;				/* committed at; -1: not yet */
} SimSubmit;

static SimSubmit submits[NSESS * 8];
static int nsubmits;

static void
submit(SimSession *ss)
{
	SimSubmit  *op = &submits[nsubmits++];

	op->ss = ss;
	op->doc = doc_acquire(COLL, DOCID);
	op->seq = ++ss->seq;
	op->base_v = ss->expected;	/* what it has: it is subscribed and started */
	op->v = -1;
	ss->in_flight++;
	stats.submits++;
	doc_submitted(op->doc, &ss->s, ss->s.client.public, op->seq);
}

/* The database applies the first of a session's ops not applied yet. */
static bool
commit_submit(void)
{
	for (int i = 0; i < nsubmits; i++)
		if (submits[i].v < 0)
		{
			SimSubmit  *op = &submits[i];
			bool		earlier = false;

			for (int k = 0; k < i; k++)
				if (submits[k].ss == op->ss && submits[k].v < 0)
					earlier = true;
			if (earlier)
				continue;
			op->v = db.head;
			snprintf(db.ops[db.head].src, sizeof(db.ops[0].src), "%s", op->ss->s.client.public);
			db.ops[db.head].seq = op->seq;
			db.head++;
			notify_commit(op->v);
			return true;
		}
	return false;
}

/* Its result: the ops [base_v, v) it was transformed against, then its ack. */
static bool
answer_submit(void)
{
	for (int i = 0; i < nsubmits; i++)
		if (submits[i].v >= 0)
		{
			SimSubmit	op = submits[i];
			bool		earlier = false;
			PGresult   *rows;
			json_t	   *ack;

			for (int k = 0; k < i; k++)
				if (submits[k].ss == op.ss)
					earlier = true;
			if (earlier)
				continue;		/* a connection's answers come in order */
			memmove(submits + i, submits + i + 1, (size_t) (--nsubmits - i) * sizeof(SimSubmit));
			rows = op_rows(op.base_v, op.v);
			ack = json_pack("{s:s,s:s,s:s,s:I,s:s,s:I,s:i}", "a", "op", "c", COLL, "d", DOCID,
							"v", (json_int_t) op.v, "src", op.ss->s.client.public,
							"seq", (json_int_t) op.seq, "ack", 1);
			doc_submit_result(op.doc, &op.ss->s, op.ss->s.client.public, op.seq, rows, 0,
							  (int) (op.v - op.base_v), ack);
			json_decref(ack);
			PQclear(rows);
			op.ss->in_flight--;
			doc_release(op.doc);
			return true;
		}
	return false;
}

/* ---------- one trial ---------- */

static void
other_commit(void)
{
	db.ops[db.head].src[0] = '\0';
	db.head++;
	notify_commit(db.head - 1);
}

/* One step of the driver's choosing; false if the one chosen could not run. */
static bool
step(void)
{
	int			k = rnd(12);
	SimSession *ss = &sess[rnd(NSESS)];

	switch (k)
	{
		case 0:
			if (ss->subscribed || ss->reading)
				return false;
			subscribe(ss);
			return true;
		case 1:
			if (!ss->subscribed || ss->in_flight > 0)
				return false;
			unsubscribe(ss);
			return true;
		case 2:
			if (db.head >= MAXV)
				return false;
			other_commit();
			return true;
		case 3:
			if (!ss->subscribed || ss->reading || !ss->started || nsubmits >= NSESS * 8 - 1 ||
				db.head >= MAXV)
				return false;
			submit(ss);
			return true;
		case 4:
			return commit_submit();
		case 5:
			return answer_submit();
		case 6:
		case 7:
			if (nreads == 0)
				return false;
			answer_read(rnd(nreads));
			return true;
		case 8:
			if (nsubreads == 0)
				return false;
			answer_subread(rnd(nsubreads));
			return true;
		case 9:
			if (nnotes == 0)
				return false;
			deliver_note();
			return true;
		case 10:
			return confirm_one();
		default:
			if (rnd(2) && !listener_down)
				listener_lose();
			else if (listener_down)
				listener_back();
			else
				return false;
			return true;
	}
}

/* Everything pending runs, in a fixed order, until nothing is. */
static void
drain(void)
{
	bool		moved = true;

	while (moved && !failure[0])
	{
		moved = false;
		if (listener_down)
		{
			listener_back();
			moved = true;
		}
		while (confirm_one())
			moved = true;
		while (nnotes > 0)
		{
			deliver_note();
			moved = true;
		}
		while (commit_submit())
			moved = true;
		while (answer_submit())
			moved = true;
		while (nreads > 0)
		{
			answer_read(0);
			moved = true;
		}
		while (nsubreads > 0)
		{
			answer_subread(0);
			moved = true;
		}
	}
}

static bool initialised;

int
docs_sim_run(SimChoice next, void *ctx, int steps, char *why, size_t whylen)
{
	choose = next;
	choose_ctx = ctx;
	failure[0] = '\0';
	if (!initialised)
	{
		documents_init(300);	/* a few frames: subscribers fall behind the log and read */
		initialised = true;
	}
	memset(&db, 0, sizeof(db));
	nreads = nsubreads = nnotes = nsubmits = nmembers = 0;
	listener_down = lost_some = false;
	memset(sess, 0, sizeof(sess));
	for (int i = 0; i < NSESS; i++)
	{
		SimSession *ss = &sess[i];

		snprintf(ss->s.client.public, sizeof(ss->s.client.public), "s%d", i);
		snprintf(ss->s.id, sizeof(ss->s.id), "s%d", i);
		ss->s.src = ss->s.client.public;
		ss->s.user = "u";
		table_init(&ss->s.subs);
		table_init(&ss->s.gates);
	}
	/* Some history before anyone comes. */
	for (int i = rnd(4); i > 0; i--)
		other_commit();
	for (int i = 0; i < steps && !failure[0]; i++)
		step();
	if (!failure[0])
		drain();
	for (int i = 0; i < NSESS && !failure[0]; i++)
	{
		SimSession *ss = &sess[i];

		if (ss->subscribed && (!ss->started || ss->expected != db.head))
			fail("session %d ends at version %lld, the document at %lld", i,
				 (long long) (ss->started ? ss->expected : -1), (long long) db.head);
		if (ss->in_flight)
			fail("session %d has %d ops unanswered at the end", i, ss->in_flight);
	}
	stats.versions += db.head;
	/* Everyone goes: every document, gate and read must go with them. */
	for (int i = 0; i < NSESS; i++)
	{
		docs_session_closed(&sess[i].s);
		table_free(&sess[i].s.subs);
		table_free(&sess[i].s.gates);
	}
	drain();
	if (!failure[0] && documents_count() != 0)
		fail("%d documents left after every session went", documents_count());
	if (!failure[0] && nmembers != 0)
		fail("%d channel members left after every document went", nmembers);
	snprintf(why, whylen, "%s", failure);
	return failure[0] ? 1 : 0;
}

void
docs_sim_stats(char *buf, size_t size)
{
	snprintf(buf, size, "%ld versions committed, %ld frames checked (%ld acks), %ld subscribes (%ld from a version), "
			 "%ld unsubscribes, %ld ops submitted, %ld notifications delivered (%ld without the op), "
			 "%ld listener losses, %ld op log reads", stats.versions, stats.frames, stats.acks, stats.subscribes,
			 stats.from_version, stats.unsubscribes, stats.submits, stats.notes, stats.refs, stats.lost,
			 stats.op_reads);
}
