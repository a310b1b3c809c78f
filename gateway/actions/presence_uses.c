/*
 * presence_uses.c: what a session holds of presence (see presence.h): its
 * uses of channel names (PresenceUse), the last record of each of its
 * presences (Sent), and the limits on them (--max-presences,
 * --max-subscriptions, --max-presence).
 *
 * Owns: PresenceUse and Sent.  May call: actions/presence.c and
 * presence_rate (presence_internal.h), client, base.
 */
#include "actions/presence.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "docs/document.h"
#include "db/error_codes.h"
#include "base/metrics.h"
#include "db/listener.h"
#include "db/pool.h"
#include "actions/presence_rate.h"
#include "client/reads.h"
#include "base/table.h"
#include "db/queries.h"
#include "actions/presence_internal.h"

/* ---------- what a session holds ---------- */

void
presence_sent_forget(Session *s, Sent *sent)
{
	if (sent->frame)
	{
		s->presence_bytes -= sent->frame->len;
		metrics.presence_bytes -= (int64_t) sent->frame->len;
		frame_unref(sent->frame);
	}
	s->presences--;
	metrics.presences--;
	free(sent);
}

Sent *
presence_sent_find(PresenceUse *use, const char *id)
{
	return use->sent.nbuckets ? table_get(&use->sent, id, strlen(id)) : NULL;
}

Sent *
presence_sent_add(PresenceUse *use, const char *id)
{
	Sent	   *sent = xcalloc(1, sizeof(Sent));

	if (use->sent.nbuckets == 0)
		table_init(&use->sent);
	table_put(&use->sent, id, strlen(id), sent);
	use->session->presences++;
	metrics.presences++;
	return sent;
}

/* Keeps the newest record per presence, for its removal later; a null one ends it. */
void
presence_remember(PresenceUse *use, const json_t *record, Frame *f)
{
	Session    *s = use->session;
	const char *id = json_string_value(json_object_get(record, "id"));
	double		pv = json_number_value(json_object_get(record, "pv"));
	Sent	   *sent = presence_sent_find(use, id);
	bool		gone = json_is_null(json_object_get(record, "p"));

	if (sent && sent->frame && sent->pv > pv)
		return;
	if (gone)
	{
		if (sent)
			presence_sent_forget(s, table_remove(&use->sent, id, strlen(id)));
		return;
	}
	if (sent == NULL)
		sent = presence_sent_add(use, id);	/* (a late transform after pu: removed again at the end) */
	if (sent->frame)
	{
		s->presence_bytes -= sent->frame->len;
		metrics.presence_bytes -= (int64_t) sent->frame->len;
		frame_unref(sent->frame);
	}
	sent->frame = frame_ref(f);
	sent->pv = pv;
	s->presence_bytes += f->len;
	metrics.presence_bytes += (int64_t) f->len;
}

/* Tells the others that each presence s sent on use is gone, and forgets them. */
void
presence_remove_presences(Session *s, PresenceUse *use)
{
	size_t		n;
	void	  **all = table_values(&use->sent, &n);

	for (size_t i = 0; i < n; i++)
	{
		Sent	   *sent = all[i];
		json_t	   *record = sent->frame ? json_loadb((const char *) sent->frame->data, sent->frame->len, 0, NULL) : NULL;

		if (record)
		{
			json_object_set_new(record, "p", json_null());
			presence_relay(use->key, frame_from_json(record), s->src);
			presence_publish_remote(record, use);
			json_decref(record);
		}
		presence_sent_forget(s, sent);
	}
	free(all);
	table_free(&use->sent);
}

void
presence_use_unsubscribe(PresenceUse *use)
{
	PresenceChannel *ch = use->channel;

	if (ch == NULL)
		return;
	lws_dll2_remove(&use->sub_link);
	use->channel = NULL;
	if (ch->subs.count == 0)
	{
		table_remove(&presence_channels, ch->key, strlen(ch->key));
		channel_unref(ch->listen);
		free(ch->key);
		free(ch);
	}
}

void
presence_use_free(Session *s, PresenceUse *use)
{
	presence_remove_presences(s, use);
	presence_use_unsubscribe(use);
	table_remove(&s->presence_uses, use->name, strlen(use->name));
	table_free(&use->sent);
	free(use->name);
	free(use->key);
	free(use);
}

static void
find_unused(const char *key, size_t keylen, void *value, void *arg)
{
	PresenceUse *use = value;
	PresenceUse **unused = arg;

	if (*unused == NULL && use->channel == NULL && use->sent.count == 0)
		*unused = use;
}

/* Whether s may use one more channel: under the limit, or once an unused one is forgotten. */
bool
presence_room_for_channel(Session *s)
{
	PresenceUse *unused = NULL;

	if (s->presence_uses.count < (size_t) client_limits.max_subscriptions)
		return true;
	table_each(&s->presence_uses, find_unused, &unused);
	if (unused == NULL)
		return false;
	presence_use_free(s, unused);
	return true;
}

void
presence_refuse_over_limit(Session *s, json_t *request)
{
	metrics.subscriptions_refused++;
	presence_refuse(s, request, "ERR_TOO_MANY_SUBSCRIPTIONS",
		   "this connection uses as many presence channels as the gateway allows");
}
