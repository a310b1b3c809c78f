/*
 * revocation.c: closing the sessions a revoked grant covered (see revocation.h).
 */
#include "actions/revocation.h"

#include <string.h>

#include "edge/auth.h"
#include "docs/document.h"
#include "client/client.h"

#define GRANTS_COLLECTION "$grants"

static DocWait listening;

static void
now_listening(DocWait *w)
{
	lwsl_user("listening for revoked grants\n");
}

void
revocation_init(void)
{
	listening.fn = now_listening;
	/* Held for good: its channel stays LISTENed, also across reconnects. */
	doc_when_listening(doc_acquire(GRANTS_COLLECTION, ""), &listening);
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
