/*
 * http.c: /healthz and /metrics (see http.h).
 *
 * May call: base/alloc, base/metrics, edge/metrics_text, edge/outage,
 * client/client, edge/ws_session.
 */
#include "edge/http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/metrics.h"
#include "edge/metrics_text.h"
#include "db/partitions.h"
#include "edge/outage.h"
#include "client/client.h"
#include "edge/ws_session.h"

#define YEAR_SECONDS (365 * 24 * 3600)

static struct lws_http_mount metrics_mount;
static struct lws_http_mount healthz_mount;
static struct lws_http_mount www_mount;
static struct lws_http_mount assets_mount;
static char assets_dir[4096];
static char www_root[4096];		/* --www as given, no trailing '/' */

/*
 * Files under www are "no-store" but for www/assets/, whose names carry their
 * content's hash (gateway/www/build.sh): browsers and proxies keep those a year.
 */
static const struct lws_http_mount *
www_mounts(const char *www)
{
	size_t		n = strlen(www);

	while (n > 1 && www[n - 1] == '/')
		n--;
	snprintf(www_root, sizeof(www_root), "%.*s", (int) n, www);
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
	assets_mount.origin = HTTP_PROTOCOL_NAME;	/* serve_asset, from assets_dir */
	assets_mount.origin_protocol = LWSMPRO_CALLBACK;
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

/*
 * Opens rel (a path under the directory root) without following a symbolic
 * link anywhere on the way: a link inside --www must not serve what is
 * outside it.  Regular files and directories only (a FIFO would block the
 * loop); -1 with errno otherwise.
 */
static int
open_beneath(const char *root, const char *rel)
{
	int			dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char		name[256];

	while (dir >= 0)
	{
		size_t		len;
		int			next;
		struct stat st;

		while (*rel == '/')
			rel++;
		len = strcspn(rel, "/");
		if (len == 0)
			return dir;			/* the directory itself */
		if (len >= sizeof(name) || (len == 2 && strncmp(rel, "..", 2) == 0))
		{
			close(dir);
			errno = EACCES;
			return -1;
		}
		memcpy(name, rel, len);
		name[len] = '\0';
		rel += len;
		next = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		close(dir);
		if (next < 0)
			return -1;			/* ELOOP for a link */
		if (fstat(next, &st) != 0 || !(S_ISREG(st.st_mode) || (S_ISDIR(st.st_mode))) ||
			(S_ISREG(st.st_mode) && *rel))
		{
			close(next);
			errno = EACCES;
			return -1;
		}
		if (S_ISREG(st.st_mode))
			return next;
		dir = next;
	}
	return -1;
}

/* lws's file open for the static files: only under --www, never through a link. */
static lws_fop_fd_t
confined_open(const struct lws_plat_file_ops *fops, const char *filename, const char *vpath,
			  lws_fop_flags_t *flags)
{
	size_t		n = strlen(www_root);
	struct stat st;
	lws_fop_fd_t f;
	int			fd;

	if (strncmp(filename, www_root, n) != 0 || (filename[n] != '/' && filename[n] != '\0') ||
		((*flags) & LWS_FOP_FLAGS_MASK) != LWS_O_RDONLY)
	{
		errno = EACCES;
		return NULL;
	}
	if ((fd = open_beneath(www_root, filename + n)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || (f = malloc(sizeof(*f))) == NULL)
	{
		close(fd);
		return NULL;
	}
	/* As lws's own open makes it: its close and read take it from here. */
	memset(f, 0, sizeof(*f));
	f->fops = fops;
	f->flags = *flags;
	f->fd = fd;
	f->len = (lws_filepos_t) st.st_size;
	return f;
}

void
http_confine_files(struct lws_context *context)
{
	struct lws_plat_file_ops *fops = lws_get_fops(context);

	if (www_root[0] != '\0')
		fops->LWS_FOP_OPEN = confined_open;		/* lws opens no other file through it */
}

static bool
is_asset(const void *uri, size_t len)
{
	size_t		n = (size_t) assets_mount.mountpoint_len;

	return www_root[0] && len >= n && memcmp(uri, assets_mount.mountpoint, n) == 0 &&
		(len == n || ((const char *) uri)[n] == '/');
}

/*
 * A file of www/assets/ (rel: the URI after "/assets"), cached as the mount
 * says.  lws serves this mount's files through us because for "/assets"
 * itself it would redirect to "http://" + the request's Host + "/assets/",
 * whatever Host says (a cache could keep that for others): the redirect is
 * relative here.
 */
static int
serve_asset(struct lws *wsi, const char *rel)
{
	unsigned char buf[LWS_PRE + 1024],
			   *p = buf + LWS_PRE,
			   *end = buf + sizeof(buf) - 1;
	char		path[sizeof(assets_dir) + 1024];
	const char *type;
	int			n;

	if (*rel == '\0')
	{
		if (lws_http_redirect(wsi, HTTP_STATUS_MOVED_PERMANENTLY, (const unsigned char *) "/assets/", 8,
							  &p, end) < 0)
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	if (strcmp(rel, "/") == 0 || (size_t) snprintf(path, sizeof(path), "%s%s", assets_dir, rel) >= sizeof(path))
	{
		lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	if ((type = lws_get_mimetype(path, &assets_mount)) == NULL)
	{
		lws_return_http_status(wsi, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE, NULL);
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	n = lws_serve_http_file(wsi, path, type, NULL, 0);
	return n < 0 || (n > 0 && lws_http_transaction_completed(wsi)) ? -1 : 0;
}

static char *
text_body(const char *text, size_t *len)
{
	char	   *body = xmalloc(LWS_PRE + strlen(text) + 1);

	strcpy(body + LWS_PRE, text);
	*len = strlen(text);
	return body;
}

/*
 * /healthz: whether a load balancer should send clients here, and why not.
 * A load balancer stops sending clients to a gateway that is going, or
 * that reaches no database.  On partitions, one that is down makes every
 * gateway equally unable to serve its documents, and the others' clients
 * are served: 200, its body naming the partitions that are down.
 */
static bool
health(char *body, size_t size)
{
	size_t		len;

	if (sessions_draining())
	{
		snprintf(body, size, "unavailable: shutting down\n");
		return false;
	}
	if (partitions_count() == 1)
	{
		if (database_reachable())
			snprintf(body, size, "ok\n");
		else
			snprintf(body, size, "unavailable: PostgreSQL (a primary) does not answer, for %.1f s\n",
					 outage_seconds());
		return database_reachable();
	}
	if (database_reachable())
	{
		snprintf(body, size, "ok: %d partitions\n", partitions_count());
		return true;
	}
	len = (size_t) snprintf(body, size, "%s", database_partly_reachable() ? "degraded:" : "unavailable: no partition answers:");
	for (int p = 0; p < partitions_count() && len < size; p++)
		if (!partition_reachable(p))
			len += (size_t) snprintf(body + len, size - len, " partition %d does not answer, for %.1f s;", p,
									 partition_outage_seconds(p));
	if (len < size)
		snprintf(body + len, size - len, "%s\n", database_partly_reachable() ? " the others serve their documents" : "");
	return database_partly_reachable();
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
		char		body[2048];

		status = health(body, sizeof(body)) ? HTTP_STATUS_OK : HTTP_STATUS_SERVICE_UNAVAILABLE;
		r->body = text_body(body, &r->len);
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
			if (is_asset(in, len))
				return serve_asset(wsi, (const char *) in + assets_mount.mountpoint_len);
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
