/*
 * http.h: the gateway's own HTTP endpoints.
 *
 *   /healthz   200 "ok" while PostgreSQL answers and the listener is up, else 503
 *              (also 503 once the gateway is shutting down)
 *   /metrics   Prometheus text (metrics.h)
 *
 * Both are dynamic: Cache-Control: no-store.  So are the static files of
 * --www, but for those under assets/ (content-hashed names): a year.  Those
 * files are opened beneath --www without following symbolic links, and no
 * response names the request's Host.
 *
 * May include: nothing of the gateway.
 */
#ifndef PG_OT_GATEWAY_HTTP_H
#define PG_OT_GATEWAY_HTTP_H

#include <libwebsockets.h>

#define HTTP_PROTOCOL_NAME "pg_ot-http"

typedef struct HttpResponse
{
	char	   *body;			/* LWS_PRE bytes of headroom before body text */
	size_t		len;
} HttpResponse;

int			http_callback(struct lws *wsi, enum lws_callback_reasons reason,
						  void *user, void *in, size_t len);

/* The mounts of the endpoints and, with www (or NULL), of its static files. */
const struct lws_http_mount *http_mounts(const char *www);

/*
 * Once the context exists: files of --www are opened only beneath it,
 * never through a symbolic link (lws follows them).
 */
void		http_confine_files(struct lws_context *context);

#endif
