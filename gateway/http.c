/*
 * http.c: /healthz and /metrics (see http.h).
 */
#include "http.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "metrics.h"
#include "outage.h"
#include "session.h"

#define YEAR_SECONDS (365 * 24 * 3600)

static struct lws_http_mount metrics_mount;
static struct lws_http_mount healthz_mount;
static struct lws_http_mount www_mount;
static struct lws_http_mount assets_mount;
static char assets_dir[4096];

/*
 * Files under www are "no-store" but for www/assets/, whose names carry their
 * content's hash (gateway/www/build.sh): browsers and proxies keep those a year.
 */
static const struct lws_http_mount *
www_mounts(const char *www)
{
	www_mount.mountpoint = "/";
	www_mount.mountpoint_len = 1;
	www_mount.origin = www;
	www_mount.def = "index.html";
	www_mount.origin_protocol = LWSMPRO_FILE;
	snprintf(assets_dir, sizeof(assets_dir), "%s/assets", www);
	assets_mount = www_mount;
	assets_mount.mount_next = &www_mount;
	assets_mount.mountpoint = "/assets";
	assets_mount.mountpoint_len = 7;
	assets_mount.origin = assets_dir;
	assets_mount.def = NULL;
	assets_mount.cache_max_age = YEAR_SECONDS;
	assets_mount.cache_reusable = 1;
	assets_mount.cache_intermediaries = 1;
	return &assets_mount;
}

const struct lws_http_mount *
http_mounts(const char *www)
{
	healthz_mount.mount_next = www ? www_mounts(www) : NULL;
	healthz_mount.mountpoint = "/healthz";
	healthz_mount.mountpoint_len = 8;
	healthz_mount.origin = HTTP_PROTOCOL_NAME;
	healthz_mount.origin_protocol = LWSMPRO_CALLBACK;
	metrics_mount = healthz_mount;
	metrics_mount.mount_next = &healthz_mount;
	metrics_mount.mountpoint = "/metrics";
	return &metrics_mount;
}

static char *
text_body(const char *text, size_t *len)
{
	char	   *body = xmalloc(LWS_PRE + strlen(text) + 1);

	strcpy(body + LWS_PRE, text);
	*len = strlen(text);
	return body;
}

static int
respond(struct lws *wsi, HttpResponse *r)
{
	char		uri[64];
	unsigned int status = HTTP_STATUS_OK;
	const char *type = "text/plain; charset=utf-8";
	unsigned char headers[LWS_PRE + 1024];
	unsigned char *p = headers + LWS_PRE,
			   *end = headers + sizeof(headers) - 1;

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0)
		uri[0] = '\0';
	if (strncmp(uri, "/metrics", 8) == 0)
	{
		r->body = metrics_render(&r->len);
		type = "text/plain; version=0.0.4; charset=utf-8";
	}
	else
	{
		/* A load balancer stops sending clients to a gateway that is going. */
		const char *problem = sessions_draining() ? "unavailable: shutting down\n" :
			!database_reachable() ? "unavailable: PostgreSQL does not answer\n" : NULL;

		status = problem ? HTTP_STATUS_SERVICE_UNAVAILABLE : HTTP_STATUS_OK;
		r->body = text_body(problem ? problem : "ok\n", &r->len);
	}
	if (lws_add_http_common_headers(wsi, status, type, r->len, &p, end) ||
		lws_add_http_header_by_name(wsi, (const unsigned char *) "cache-control:",
									(const unsigned char *) "no-store", 8, &p, end) ||
		lws_finalize_write_http_header(wsi, headers + LWS_PRE, &p, end))
		return 1;
	lws_callback_on_writable(wsi);
	return 0;
}

int
http_callback(struct lws *wsi, enum lws_callback_reasons reason,
			  void *user, void *in, size_t len)
{
	HttpResponse *r = user;

	switch (reason)
	{
		case LWS_CALLBACK_HTTP:
			return respond(wsi, r);
		case LWS_CALLBACK_HTTP_WRITEABLE:
			if (r->body == NULL)
				return 0;
			if (lws_write(wsi, (unsigned char *) r->body + LWS_PRE, r->len, LWS_WRITE_HTTP_FINAL) < (int) r->len)
				return 1;
			free(r->body);
			r->body = NULL;
			return lws_http_transaction_completed(wsi) ? -1 : 0;
		case LWS_CALLBACK_CLOSED_HTTP:
			free(r->body);
			r->body = NULL;
			return 0;
		default:
			return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
