/*
 * revocation.c: closing the sessions a revoked grant covered (see revocation.h).
 *
 * Owns: the walk over the sessions (client's registry) for those that hold
 * a subscription or presence channel the grant covered.  May call: client,
 * docs, actions/presence (presence_covers), base.
 */
#include "actions/revocation.h"

#include <string.h>

#include "actions/presence.h"
#include "base/metrics.h"
#include "base/token.h"
#include "client/client.h"
#include "db/listener.h"
#include "db/partitions.h"
#include "docs/document.h"

#define GRANTS_COLLECTION "$grants"

/* One per partition: a revoke is NOTIFYed on the partition whose ot.grants changed. */
static DocWait listening[PARTITIONS_MAX];
static Channel *grants[PARTITIONS_MAX];	/* held till revocation_stop */

static void
now_listening(DocWait *w)
{
	if (partitions_count() > 1)
		lwsl_user("listening for revoked grants on partition %d\n", (int) (w - listening));
	else
		lwsl_user("listening for revoked grants\n");
}

static void
revoke_noted(const Note *note, json_t *m)
{
	revocation_notification(m);
}

void
revocation_init(void)
{
	listener_on(NOTE_REVOKE, revoke_noted);
	/* Held for good: its channels stay LISTENed, also across reconnects. */
	for (int p = 0; p < partitions_count(); p++)
	{
		listening[p].fn = now_listening;
		grants[p] = channel_open_on(GRANTS_COLLECTION, "", p);
		channel_when_listening(grants[p], &listening[p]);
	}
}

/* Whether s holds a subscription or presence channel in collection (id; NULL: any). */
static bool
holds(Session *s, const char *collection, const char *id)
{
	if (collection == NULL)
		return s->subs.count > 0 || s->presence_uses.count > 0;
	return subs_cover(s, collection, id) || presence_covers(s, collection, id);
}

/* What a revocation names. */
typedef struct Revoked
{
	const char *collection;
	const char *id;
	const char *principal;
} Revoked;

static void
close_if_covered(Session *s, void *arg)
{
	const Revoked *r = arg;
	const char *collection = r->collection;
	const char *id = r->id;
	const char *principal = r->principal;
	bool		everyone = principal != NULL && strcmp(principal, "*") == 0;

	if ((principal == NULL ||
		 (everyone ? strcmp(s->principal, ANONYMOUS_PRINCIPAL) != 0 : strcmp(s->principal, principal) == 0)) &&
		holds(s, collection, id))
	{
		lwsl_user("session %s: a grant of %s on %s went, closing it (%d)\n", s->id,
				  principal ? principal : "everyone", collection ? collection : "every collection",
				  CLOSE_GRANT_REVOKED);
		metrics.closed_revoked++;
		session_close(s, CLOSE_GRANT_REVOKED);
	}
}

/*
 * Closes (4003) the sessions of principal that hold something in collection
 * (id); collection and principal NULL: every session that holds anything.
 */
static void
sessions_revoked(const char *collection, const char *id, const char *principal)
{
	Revoked		r = {collection, id, principal};

	clients_each(close_if_covered, &r);
}

void
revocation_stop(void)
{
	for (int p = 0; p < partitions_count(); p++)
	{
		channel_unref(grants[p]);
		grants[p] = NULL;
	}
}

void
revocation_notification(json_t *m)
{
	const char *c = json_string_value(json_object_get(m, "c"));
	const char *d = json_string_value(json_object_get(m, "d"));
	const char *u = json_string_value(json_object_get(m, "u"));

	if (json_is_true(json_object_get(m, "all")))
		sessions_revoked(NULL, NULL, NULL);		/* TRUNCATE ot.grants */
	else if (c && u)
		sessions_revoked(c, d, u);
}
