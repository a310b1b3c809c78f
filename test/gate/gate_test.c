/*
 * gate_test.c: a property test of the delivery gate (gateway/docs/gate.c),
 * without sockets or a database.
 *
 * Each trial is a document whose versions commit one by one, some of them
 * ops of the session (resends among them: committed whenever, resent before
 * the session subscribes, as the stock client does after a reconnect), and
 * the session subscribed from a random version.  Events
 * come in random order: a commit, the session's submit of one of its ops,
 * the answer to a submitted op, a pump of the log (what notifications
 * bring), a read of a random committed range offered row by row (what
 * subscribe, fetch and catch-up reads bring, stopping before an op of its
 * own that awaits its ack), a submit's result (the ops since the version the
 * op went at).  At every step what the session was sent must be the
 * versions from its start, in order, once each, every op of its own as its
 * ack and nothing else; at the end (everything committed, answered and
 * pumped) all of them.  Stubs session_send; links gate.c, table.c,
 * alloc.c, frame.c.
 *
 *   test/gate/run.sh [TRIALS [SEED]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docs/gate.h"

ClientLimits client_limits = {.max_subscriptions = 4};

#define MAXV 40

static struct
{
	char		sent[4 * MAXV][24];	/* "op V" or "ack V", in order */
	int			n;
} out;

void
session_send(Session *s, Frame *f)
{
	if (out.n < 4 * MAXV)
		snprintf(out.sent[out.n], sizeof(out.sent[0]), "%s", (const char *) f->data);
	out.n++;
	frame_unref(f);
}

static unsigned long long rng_state;
static int
rnd(int n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (int) ((rng_state >> 33) % (unsigned long long) n);
}

typedef struct Version
{
	bool		own;			/* the session's op */
	bool		resend;			/* committed before the session submits it */
	char		src[8];
	int64_t		seq;
	bool		submitted;
	bool		answered;
} Version;

static Version doc[MAXV];
static int	nversions;
static int	committed;			/* versions [0, committed) exist */
static int	start;				/* the session's first version */

static Frame *
op_frame(int v)
{
	char		text[24];

	snprintf(text, sizeof(text), "op %d", v);
	return frame_from_bytes(text, strlen(text));
}

static bool
offer(Session *s, Gate *g, int v)
{
	Frame	   *f = op_frame(v);
	GateResult	r = gate_offer(s, g, v, doc[v].src, doc[v].seq, f);

	frame_unref(f);
	return r != GATE_HOLD;
}

/* The pump of a subscription (document.c sub_pump): the log is what committed. */
static void
pump(Session *s, Gate *g)
{
	for (;;)
	{
		if (gate_ack_next(s, g))
			continue;
		if (g->next_v >= committed)
			return;
		Frame	   *f = op_frame((int) g->next_v);
		GateResult	r = gate_offer(s, g, g->next_v, doc[g->next_v].src, doc[g->next_v].seq, f);

		frame_unref(f);
		if (r != GATE_SENT)
			return;
	}
}

static int	checked;			/* out.sent[0, checked) were right */

static int
check(const char *when, int trial, bool complete)
{
	int			want = complete ? nversions - start : out.n;

	if (out.n != want || out.n > nversions - start)
	{
		fprintf(stderr, "trial %d %s: %d sent, %d wanted\n", trial, when, out.n, want);
		return 1;
	}
	for (int i = checked; i < out.n; i++)
	{
		int			v = start + i;
		char		expect[24];

		snprintf(expect, sizeof(expect), "%s %d", doc[v].own ? "ack" : "op", v);
		if (strcmp(out.sent[i], expect) != 0)
		{
			fprintf(stderr, "trial %d %s: message %d is \"%s\", not \"%s\"\n", trial, when, i,
					out.sent[i], expect);
			return 1;
		}
	}
	checked = out.n;
	return 0;
}

static int
trial(int t)
{
	Session		session;
	Session    *s = &session;
	Gate	   *g;
	int			failures = 0;

	memset(s, 0, sizeof(Session));
	table_init(&s->gates);
	table_init(&s->subs);
	out.n = 0;
	checked = 0;
	nversions = 5 + rnd(MAXV - 5);
	start = rnd(nversions / 2 + 1);
	committed = start;
	for (int v = 0; v < nversions; v++)
	{
		memset(&doc[v], 0, sizeof(Version));
		doc[v].own = v >= start && rnd(3) == 0;
		doc[v].resend = doc[v].own && rnd(2) == 0;
		snprintf(doc[v].src, sizeof(doc[v].src), "%s%d", doc[v].own ? (doc[v].resend ? "old" : "me") : "x", rnd(2));
		doc[v].seq = v;
	}
	g = gate_get(s, "c\0d", 3);
	/* As the stock client does after a reconnect: its resends, then s from start. */
	for (int v = start; v < nversions; v++)
		if (doc[v].resend)
		{
			doc[v].submitted = true;
			gate_submitted(s, g, doc[v].src, doc[v].seq);
		}
	gate_attach(s, g, (struct Sub *) g);	/* subscribed (the gate never looks inside) */
	gate_expect(s, g, start);

	for (int step = 0; step < 400; step++)
	{
		int			e = rnd(6);

		if (e == 0 && committed < nversions)
		{
			/* A commit: an op of the session commits only once submitted, unless resent. */
			Version    *x = &doc[committed];

			if (!x->own || x->resend || x->submitted)
				committed++;
		}
		else if (e == 1)
		{
			/* The session submits its next op not submitted yet (in order). */
			for (int v = start; v < nversions; v++)
				if (doc[v].own && !doc[v].submitted)
				{
					doc[v].submitted = true;
					gate_submitted(s, g, doc[v].src, doc[v].seq);
					break;
				}
		}
		else if (e == 2)
		{
			/* Its oldest unanswered op that committed is answered, with the result's ops. */
			for (int v = start; v < committed; v++)
				if (doc[v].own && doc[v].submitted && !doc[v].answered)
				{
					char		ack[24];
					int			from = v - rnd(4);

					for (int w = from < start ? start : from; w < v; w++)
						offer(s, g, w);
					doc[v].answered = true;
					snprintf(ack, sizeof(ack), "ack %d", v);
					gate_answered(s, g, doc[v].src, doc[v].seq, v, frame_from_bytes(ack, strlen(ack)));
					pump(s, g);
					break;
				}
		}
		else if (e == 3)
			pump(s, g);
		else if (e == 4 && committed > 0)
		{
			/* A read of committed rows from a random version, in order. */
			for (int v = rnd(committed); v < committed; v++)
				if (!offer(s, g, v))
					break;
		}
		failures += check("during", t, false);
		if (failures)
			break;
	}
	/* Everything commits, is submitted and answered; the pump runs dry. */
	for (int round = 0; round < 4 * MAXV && !failures; round++)
	{
		for (int v = start; v < nversions; v++)
			if (doc[v].own && !doc[v].submitted)
			{
				doc[v].submitted = true;
				gate_submitted(s, g, doc[v].src, doc[v].seq);
			}
		committed = nversions;
		for (int v = start; v < nversions; v++)
			if (doc[v].own && !doc[v].answered)
			{
				char		ack[24];

				doc[v].answered = true;
				snprintf(ack, sizeof(ack), "ack %d", v);
				gate_answered(s, g, doc[v].src, doc[v].seq, v, frame_from_bytes(ack, strlen(ack)));
			}
		pump(s, g);
	}
	if (!failures)
		failures += check("at the end", t, true);
	gate_detach(s, g, false);
	gates_free(s);
	table_free(&s->subs);
	return failures;
}

int
main(int argc, char **argv)
{
	int			trials = argc > 1 ? atoi(argv[1]) : 5000;
	int			failed = 0;

	rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	for (int t = 0; t < trials; t++)
		failed += trial(t) != 0;
	printf("gate: %d trials, %d failed\n", trials, failed);
	return failed != 0;
}
