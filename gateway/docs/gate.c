/*
 * gate.c: the delivery gate of one session on one document (see gate.h).
 *
 * May call: base/alloc.
 */
#include "docs/gate.h"

#include <string.h>

#include "base/alloc.h"

static OwnOp *
own_find(Gate *g, const char *src, int64_t seq, bool pending)
{
	if (src == NULL)
		return NULL;
	lws_start_foreach_dll(struct lws_dll2 *, p, g->own.head)
	{
		OwnOp	   *o = lws_container_of(p, OwnOp, link);

		if (o->seq == seq && (!pending || o->v < 0) && strcmp(o->src, src) == 0)
			return o;
	}
	lws_end_foreach_dll(p);
	return NULL;
}

static void
own_free(Gate *g, OwnOp *o)
{
	lws_dll2_remove(&o->link);
	if (o->ack)
		frame_unref(o->ack);
	free(o->src);
	free(o);
}

/* The op reaches its author: as its ack, once. */
static void
ack_send(Session *s, Gate *g, OwnOp *o)
{
	session_send(s, o->ack);
	o->ack = NULL;
	own_free(g, o);
}

static void
gate_free(Session *s, Gate *g)
{
	while (g->own.head)
		own_free(g, lws_container_of(g->own.head, OwnOp, link));
	if (!lws_dll2_is_detached(&g->idle_link))
		lws_dll2_remove(&g->idle_link);
	table_remove(&s->gates, g->key, g->keylen);
	free(g->key);
	free(g);
}

/*
 * A gate with nothing to wait for joins the idle ones, of which the session
 * keeps --max-subscriptions; a gate that waits again leaves them.
 */
static void
settle(Session *s, Gate *g)
{
	bool		idle = g->sub == NULL && g->own.count == 0;

	if (idle && lws_dll2_is_detached(&g->idle_link))
	{
		lws_dll2_add_tail(&g->idle_link, &s->idle_gates);
		while (s->idle_gates.count > (uint32_t) client_limits.max_subscriptions)
			gate_free(s, lws_container_of(s->idle_gates.head, Gate, idle_link));
	}
	else if (!idle && !lws_dll2_is_detached(&g->idle_link))
		lws_dll2_remove(&g->idle_link);
}

Gate *
gate_find(Session *s, const char *key, size_t keylen)
{
	return table_get(&s->gates, key, keylen);
}

Gate *
gate_get(Session *s, const char *key, size_t keylen)
{
	Gate	   *g = gate_find(s, key, keylen);

	if (g == NULL)
	{
		g = xcalloc(1, sizeof(Gate));
		g->key = xmalloc(keylen + 1);
		memcpy(g->key, key, keylen);
		g->key[keylen] = '\0';
		g->keylen = keylen;
		table_put(&s->gates, g->key, g->keylen, g);
		settle(s, g);
	}
	return g;
}

void
gates_free(Session *s)
{
	size_t		n;
	void	  **gates = table_values(&s->gates, &n);

	for (size_t i = 0; i < n; i++)
		gate_free(s, gates[i]);
	free(gates);
	table_free(&s->gates);
}

/* Acks of versions the gate has passed go at once: a reply is owed. */
static void
send_passed(Session *s, Gate *g)
{
	lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, g->own.head)
	{
		OwnOp	   *o = lws_container_of(p, OwnOp, link);

		if (o->v >= 0 && g->positioned && o->v < g->next_v)
			ack_send(s, g, o);
	}
	lws_end_foreach_dll_safe(p, p1);
}

void
gate_attach(Session *s, Gate *g, struct Sub *sub)
{
	g->sub = sub;
	settle(s, g);
}

void
gate_detach(Session *s, Gate *g, bool deliver)
{
	g->sub = NULL;
	lws_start_foreach_dll_safe(struct lws_dll2 *, p, p1, g->own.head)
	{
		OwnOp	   *o = lws_container_of(p, OwnOp, link);

		/* One still out is answered as without a subscription. */
		if (o->v >= 0 && deliver)
		{
			if (!g->positioned || o->v + 1 > g->next_v)
			{
				g->positioned = true;
				g->next_v = o->v + 1;
			}
			ack_send(s, g, o);
		}
		else if (o->v >= 0)
			own_free(g, o);
	}
	lws_end_foreach_dll_safe(p, p1);
	settle(s, g);
}

void
gate_submitted(Session *s, Gate *g, const char *src, int64_t seq)
{
	OwnOp	   *o = xcalloc(1, sizeof(OwnOp));

	o->src = xstrdup(src);
	o->seq = seq;
	o->v = -1;
	lws_dll2_add_tail(&o->link, &g->own);
	settle(s, g);
}

void
gate_refused(Session *s, Gate *g, const char *src, int64_t seq)
{
	OwnOp	   *o = own_find(g, src, seq, true);

	if (o)
		own_free(g, o);
	g->held = false;			/* whatever stands at next_v is offered again */
	settle(s, g);
}

void
gate_answered(Session *s, Gate *g, const char *src, int64_t seq, int64_t v, Frame *ack)
{
	OwnOp	   *o = own_find(g, src, seq, true);

	if (o == NULL)
	{
		o = xcalloc(1, sizeof(OwnOp));
		o->src = xstrdup(src ? src : "");
		o->seq = seq;
		lws_dll2_add_tail(&o->link, &g->own);
	}
	o->v = v;
	o->ack = ack;
	if (g->sub == NULL)
	{
		/* Not subscribed: it had the ops before it from the same reply. */
		ack_send(s, g, o);
		if (!g->positioned || v + 1 > g->next_v)
		{
			g->positioned = true;
			g->next_v = v + 1;
		}
	}
	else
		send_passed(s, g);
	settle(s, g);
}

GateResult
gate_offer(Session *s, Gate *g, int64_t v, const char *src, int64_t seq, Frame *f)
{
	OwnOp	   *o;

	if (!g->positioned)
	{
		g->positioned = true;
		g->next_v = v;
	}
	if (v < g->next_v)
		return GATE_HAD;
	/* Without a subscription it follows no stream: only forward. */
	if (v > g->next_v && g->sub)
		return GATE_GAP;
	o = own_find(g, src, seq, false);
	if (o && o->v < 0)
	{
		g->held = true;
		return GATE_HOLD;
	}
	if (o && o->v == v)
		ack_send(s, g, o);
	else
		session_send(s, frame_ref(f));
	g->next_v = v + 1;
	g->held = false;
	settle(s, g);
	return GATE_SENT;
}

bool
gate_held(const Gate *g)
{
	return g->held;
}

bool
gate_ack_next(Session *s, Gate *g)
{
	if (!g->positioned)
		return false;
	lws_start_foreach_dll(struct lws_dll2 *, p, g->own.head)
	{
		OwnOp	   *o = lws_container_of(p, OwnOp, link);

		if (o->v >= 0 && o->v <= g->next_v)
		{
			if (o->v == g->next_v)
			{
				g->next_v++;
				g->held = false;
			}
			ack_send(s, g, o);
			settle(s, g);
			return true;
		}
	}
	lws_end_foreach_dll(p);
	return false;
}

void
gate_expect(Session *s, Gate *g, int64_t v)
{
	if (!g->positioned || g->next_v < v)
	{
		g->positioned = true;
		g->next_v = v;
		g->held = false;
	}
	send_passed(s, g);
	settle(s, g);
}

void
gate_reset(Session *s, Gate *g, int64_t v)
{
	g->positioned = true;
	g->next_v = v;
	g->held = false;
	send_passed(s, g);
	settle(s, g);
}
