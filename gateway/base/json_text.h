/*
 * json_text.h: frames assembled from JSON the gateway does not parse.
 *
 * What the database prints (a snapshot, an op message) is forwarded as
 * PostgreSQL wrote it: never parsed, so nothing the database holds can fail
 * to reach a client for being too deep or too large a number for jansson,
 * and numbers keep their digits.  The gateway's own parts of a reply (a,
 * c, d, id, error) are serialised by jansson around it.
 *
 * May include: base/frame, base/text.
 */
#ifndef PG_OT_GATEWAY_JSON_TEXT_H
#define PG_OT_GATEWAY_JSON_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/frame.h"
#include "base/text.h"

/* An object being written; start with json_text_open. */
typedef struct JsonText
{
	Text		text;
	bool		empty;			/* no member written yet */
} JsonText;

void		json_text_open(JsonText *t);

/* Every member of object (serialised by jansson). */
void		json_text_members(JsonText *t, const json_t *object);

/* "key": raw, raw being JSON text (len bytes) written as it is. */
void		json_text_raw_member(JsonText *t, const char *key, const char *raw, size_t len);

/* The members of raw, the JSON text of an object, written as they are. */
void		json_text_raw_members(JsonText *t, const char *raw, size_t len);

/* Closes the object: its text (malloc'd, NUL-terminated), *len its length. */
char	   *json_text_close(JsonText *t, size_t *len);

/* Closes the object into a frame. */
Frame	   *json_text_frame(JsonText *t);

/* Frees an object left open (nothing once closed). */
void		json_text_free(JsonText *t);

#endif
