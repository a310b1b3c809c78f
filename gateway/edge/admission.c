/*
 * admission.c: connections and sessions per client address (see
 * admission.h).
 *
 * May call: base/alloc, base/table.
 */
#include "edge/admission.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/table.h"

/* One address: what its connections hold. */
typedef struct Holder
{
	int			pending;		/* connections that are not sessions */
	int			sessions;
	size_t		len;
	char		address[];
} Holder;

/* One connection: the slot it took, if any. */
typedef struct Held
{
	Holder	   *holder;
	bool		session;		/* else pending */
} Held;

static Table holders;			/* address -> Holder */
static Table connections;		/* conn (the pointer's bytes) -> Held */
static bool ready;
static int	pending_total;

static Holder *
holder_of(const char *address, bool create)
{
	size_t		len = strlen(address);
	Holder	   *h;

	if (!ready)
	{
		table_init(&holders);
		table_init(&connections);
		ready = true;
	}
	h = table_get(&holders, address, len);
	if (h == NULL && create)
	{
		h = xcalloc(1, sizeof(Holder) + len + 1);
		h->len = len;
		memcpy(h->address, address, len + 1);
		table_put(&holders, h->address, len, h);
	}
	return h;
}

static Held *
held_by(const void *conn)
{
	return ready ? table_get(&connections, (const char *) &conn, sizeof(conn)) : NULL;
}

static void
holder_release(Holder *h)
{
	if (h->pending == 0 && h->sessions == 0)
		free(table_remove(&holders, h->address, h->len));
}

bool
admission_accept(const void *conn, const char *address, int max_total, int max_pending)
{
	Holder	   *h;
	Held	   *held;

	if (held_by(conn) != NULL)
		return true;			/* counted already */
	h = holder_of(address, true);
	if (connections.count >= (size_t) max_total)
	{
		holder_release(h);
		return false;
	}
	if (max_pending > 0 && h->pending >= max_pending)
	{
		holder_release(h);
		return false;
	}
	held = xcalloc(1, sizeof(Held));
	held->holder = h;
	h->pending++;
	pending_total++;
	table_put(&connections, (const char *) &conn, sizeof(conn), held);
	return true;
}

bool
admission_upgrade(const void *conn, const char *address, int max_sessions)
{
	Held	   *held = held_by(conn);
	Holder	   *h = held ? held->holder : holder_of(address, true);

	if (held && held->session)
		return true;
	if (max_sessions > 0 && h->sessions >= max_sessions)
	{
		if (held == NULL)
			holder_release(h);
		return false;
	}
	if (held == NULL)
	{
		/* A stream of a connection counted on its own (HTTP/2): a session of its own. */
		held = xcalloc(1, sizeof(Held));
		held->holder = h;
		table_put(&connections, (const char *) &conn, sizeof(conn), held);
	}
	else
	{
		h->pending--;
		pending_total--;
	}
	held->session = true;
	h->sessions++;
	return true;
}

void
admission_forget(const void *conn)
{
	Held	   *held = held_by(conn);

	if (held == NULL)
		return;
	table_remove(&connections, (const char *) &conn, sizeof(conn));
	if (held->session)
		held->holder->sessions--;
	else
	{
		held->holder->pending--;
		pending_total--;
	}
	holder_release(held->holder);
	free(held);
}

int
admission_pending(void)
{
	return pending_total;
}
