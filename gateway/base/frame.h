/*
 * frame.h: reference-counted outgoing WebSocket text frames.
 *
 * A frame is built once (from a notification's payload bytes, a row of a
 * catch-up read, or a serialised reply) and queued to every session that
 * should receive it; each queue holds a reference.  The buffer keeps
 * LWS_PRE bytes of headroom so lws_write() needs no copy.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_FRAME_H
#define PG_OT_GATEWAY_FRAME_H

#include <jansson.h>
#include <stddef.h>

typedef struct Frame
{
	int			refs;
	size_t		len;
	unsigned char *data;		/* len bytes, LWS_PRE bytes into the buffer */
	unsigned char buffer[];
} Frame;

Frame	   *frame_from_bytes(const char *bytes, size_t len);
Frame	   *frame_from_json(const json_t *message);
Frame	   *frame_ref(Frame *f);
void		frame_unref(Frame *f);

#endif
