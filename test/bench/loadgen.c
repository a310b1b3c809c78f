/*
 * loadgen.c: the wire-level load generator of the comparison benchmark
 * (compare.sh).  One process, one libwebsockets event loop (lws on a libuv
 * loop of its own, so epoll rather than poll() over every socket), many
 * client connections, each speaking the ShareDB protocol the way the stock sharedb
 * 7 client (lib/client/connection.js, doc.js) does for a text-unicode
 * document:
 *
 *   on open   {"a":"hs","id":null,"protocol":1,"protocolMinor":1} (again
 *             on a legacy "init" of protocol 1.1 or later, as the client does)
 *   subscribe {"a":"s","c":C,"d":D,"v":null}
 *   create    {"a":"op","c":C,"d":D,"v":0,"src":S,"seq":N,"x":{},
 *              "create":{"type":"http://sharejs.org/types/text-unicode","data":"."}}
 *   op        {"a":"op","c":C,"d":D,"v":V,"src":S,"seq":N,"x":{},"op":[...]}
 *
 * with S the id of the server's "hs" reply and N the connection's sequence
 * from 1.  Every connection holds one document and at most one op in flight
 * on it; what is submitted while one is in flight waits and goes as one
 * composed op when the ack arrives (the stock client composes its pending
 * ops into one).  The document's version follows the client's rules: an ack
 * (src and seq of the op in flight) must carry the version the client is at
 * and moves it one on; a remote op at the client's version moves it one on,
 * one below is a duplicate and ignored, one above is a gap (the stock client
 * would fetch: here it is an error).  The client never needs to transform:
 * it inserts only, at a position it draws when it sends (the document's
 * length is kept from every insert and delete it sees), and it resends
 * nothing.
 *
 *   loadgen throughput URL COLLECTION PREFIX DOCS EDITORS WARMUP SECONDS
 *   loadgen hot URL COLLECTION DOC EDITORS RATE WARMUP SECONDS
 *   loadgen fanout URL COLLECTION DOC SUBSCRIBERS RATE SECONDS
 *
 * The same loads and output keys as loadgen.js (which see), with these
 * differences: one process; latencies go to histograms (1 µs buckets below
 * 1 ms, then 64 per power of two: under 1% error) instead of arrays; the
 * documents are created by the first editor's connection of each document
 * (the writer's in fanout) before the others subscribe; fan-out's CPU
 * window ends when the last delivery arrives.  Extra keys: errors, and per
 * row gen_cpu (this process), server_cpu (SERVER_PID), db_cpu (DB_PID and
 * its children: the postmaster, every backend and the auxiliary processes,
 * summed; from /proc/PID/stat utime + stime, and the postmaster's cutime +
 * cstime: its children that exited in the window), server_us_per_op and
 * db_us_per_op (CPU microseconds per acked op in the window).  DB_PID may
 * list several postmasters, comma-separated (the partitions of
 * partitions.sh): db_cpu sums them, db_cpus lists each one's cores.
 *
 * Fails (exit 1) on an error from the server, a socket the server closes, a
 * version gap or an ack at the wrong version, a count that does not add up,
 * and STALL_MS (60 s, BENCH_STALL_MS) without any message.  No timing is
 * asserted.
 *
 * Owns nothing outside its process; calls libwebsockets, libuv, jansson and
 * reads /proc.  Built by compare.sh:
 *   cc -O2 -std=gnu99 -Wall -Wextra -Werror -o loadgen loadgen.c -lwebsockets -ljansson -luv -lm
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <math.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define CONNECT_GROUP 100		/* handshakes and subscribes in flight */
#define MAX_MESSAGE (16 << 20)	/* a bigger incoming message is an error */
#define MAX_PENDING 100000		/* submits waiting behind one op in flight */
#define TEXT_UNICODE_URI "http://sharejs.org/types/text-unicode"

/* ------------------------------------------------------------ utilities */

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static void
progress(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "== ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Cheap xorshift: positions and phases, not cryptography. */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ------------------------------------------------------------ histogram */

#define H_LIN 1024				/* 1 µs buckets for 0..1023 µs */
#define H_SUB 64				/* then 64 buckets per power of two */
#define H_OCT 44				/* up to 2^54 µs */
#define H_BUCKETS (H_LIN + H_SUB * H_OCT)

struct hist
{
	uint64_t	n;
	int64_t		max;
	uint64_t	b[H_BUCKETS];
};

static void
hist_add(struct hist *h, int64_t us)
{
	size_t		i;

	if (us < 0)
		us = 0;
	if (us < H_LIN)
		i = (size_t) us;
	else
	{
		int			o = 63 - __builtin_clzll((unsigned long long) us);	/* >= 10 */

		i = H_LIN + (size_t) (o - 10) * H_SUB + (size_t) ((us >> (o - 6)) & (H_SUB - 1));
		if (i >= H_BUCKETS)
			i = H_BUCKETS - 1;
	}
	h->b[i]++;
	h->n++;
	if (us > h->max)
		h->max = us;
}

/* The middle of bucket i, in µs. */
static double
hist_value(size_t i)
{
	size_t		oct, sub;

	if (i < H_LIN)
		return (double) i;
	oct = (i - H_LIN) / H_SUB;
	sub = (i - H_LIN) % H_SUB;
	return ldexp(1.0, (int) oct + 10) + ldexp((double) sub + 0.5, (int) oct + 4);
}

/* The p-th percentile in ms: the smallest value with at least p% at or
 * below it (loadgen.js's percentile on the sorted samples). */
static double
hist_ms(const struct hist *h, double p)
{
	uint64_t	rank, seen = 0;
	size_t		i;

	if (h->n == 0)
		return NAN;
	rank = (uint64_t) ceil(p / 100.0 * (double) h->n);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < H_BUCKETS; i++)
	{
		seen += h->b[i];
		if (seen >= rank)
		{
			double		v = hist_value(i);

			return (v > (double) h->max ? (double) h->max : v) / 1000.0;
		}
	}
	return (double) h->max / 1000.0;
}

/* ------------------------------------------------------------ /proc */

static long clk_tck;

/*
 * utime + stime of a process, in seconds; its parent in *ppid.  With
 * reaped, cutime + cstime too: the CPU of its children that have exited and
 * been waited for (a backend or an autovacuum worker that ends within the
 * window would otherwise take its CPU with it, and the sum could fall).
 */
static double
proc_cpu_of(int pid, int *ppid, bool reaped)
{
	char		path[64], buf[1024], *p;
	FILE	   *f;
	size_t		n;
	unsigned long utime = 0, stime = 0;
	long		cutime = 0, cstime = 0;
	int			parent = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After "pid (comm) ": state ppid ... utime is field 14, stime 15. */
	if (!(p = strrchr(buf, ')')))
		return 0;
	if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld",
			   &parent, &utime, &stime, &cutime, &cstime) != 5)
		return 0;
	if (ppid)
		*ppid = parent;
	if (!reaped)
		cutime = cstime = 0;
	return (double) (utime + stime + cutime + cstime) / (double) clk_tck;
}

static double
proc_cpu(int pid, int *ppid)
{
	return proc_cpu_of(pid, ppid, false);
}

/* The cluster's CPU: the postmaster and its children. */
static double
db_cpu(int postmaster)
{
	DIR		   *d;
	struct dirent *e;
	double		total = 0;

	if (postmaster <= 0 || !(d = opendir("/proc")))
		return 0;
	while ((e = readdir(d)))
	{
		int			pid, parent = 0;
		double		c;

		if (!isdigit((unsigned char) e->d_name[0]))
			continue;
		pid = atoi(e->d_name);
		c = proc_cpu_of(pid, &parent, pid == postmaster);
		if (pid == postmaster || parent == postmaster)
			total += c;
	}
	closedir(d);
	return total;
}

static long
proc_rss_kb(int pid)
{
	char		path[64], line[256];
	FILE	   *f;
	long		kb = -1;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

#define DB_PIDS_MAX 16

/* CPU of the three parties at one instant (the database: each cluster's, and their sum). */
struct cpu_sample
{
	double		gen, server, db;
	double		dbs[DB_PIDS_MAX];
	int64_t		t;
};

static int server_pid, db_pids[DB_PIDS_MAX], n_db_pids;

static void
cpu_sample(struct cpu_sample *s)
{
	s->t = now_us();
	s->gen = proc_cpu(getpid(), NULL);
	s->server = proc_cpu(server_pid, NULL);
	s->db = 0;
	for (int i = 0; i < n_db_pids; i++)
		s->db += s->dbs[i] = db_cpu(db_pids[i]);
}

/* ------------------------------------------------------------ state */

enum conn_state
{
	C_NEW,						/* not opened yet */
	C_CONNECTING,				/* TCP + websocket upgrade */
	C_HANDSHAKE,				/* hs sent */
	C_SUBSCRIBING,				/* s sent */
	C_CREATING,					/* create sent */
	C_READY,					/* subscribed to an existing document */
	C_CLOSED
};

struct out_msg
{
	struct out_msg *next;
	size_t		len;
	unsigned char data[];		/* LWS_PRE bytes, then the payload */
};

struct conn
{
	struct lws *wsi;
	int			index;
	enum conn_state state;
	int			doc;			/* index into docs[] */
	int			creates;		/* creates the document when it is missing */
	char	   *src;			/* the hs id, as a JSON string literal */
	long long	seq;			/* the next op's seq */
	long long	version;
	long long	len;			/* the document's length in code points */
	/* The op in flight: its seq, and the submit times of the ops composed in it. */
	int			inflight;
	long long	inflight_seq;
	int64_t    *inflight_t;
	size_t		inflight_n, inflight_cap;
	/* Submits waiting behind the op in flight (hot, fanout). */
	int64_t    *pending_t;
	size_t		pending_n, pending_cap;
	int64_t		due;			/* the next scheduled submit (hot, fanout) */
	struct out_msg *out_head, *out_tail;
	unsigned char *in;
	size_t		in_len, in_cap;
};

enum mode
{
	M_THROUGHPUT, M_HOT, M_FANOUT
};

static struct
{
	enum mode	mode;
	const char *url;
	char		host[256], path[512];
	int			port;
	const char *collection;
	char	  **docs;
	int			ndocs;
	struct conn *conns;
	int			nconns;
	int			open_from, open_to;	/* the range being opened */
	int			next_open;
	int			opening;		/* connections between C_CONNECTING and ready */
	int			ready;
	int			created;
	int			closing;
	struct lws_context *ctx;
	uv_loop_t	loop;			/* lws's loop (libuv: epoll, not poll over every socket) */
	uv_timer_t	timer;			/* wakes run() for the scheduled work */
	int64_t		last_message;
	int64_t		stall_us;
	int64_t		until;			/* run()'s deadline, 0: none */

	/* The measurement. */
	int			running;		/* editors submit */
	int			closed_loop;	/* throughput: next op on the ack */
	int64_t		t0, w0, w1, end;
	int64_t		period;
	int			writer;			/* fanout: the writer's connection */
	long long	writer_ops, writer_sent;
	struct cpu_sample cpu_w0, cpu_w1;
	int			have_w0, have_w1;
	long long	acked_window, acked_total, sent_window;
	long long	deliveries;
	long long	inflight_total;	/* ops in flight or pending over all connections */
	long long	errors;
	struct hist ack, del;
} g;

static void
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	g.errors++;
	exit(1);
}

/* ------------------------------------------------------------ sending */

/*
 * A message goes out at once when nothing waits before it: lws sends what
 * the socket takes and keeps the rest (lws_partial_buffered), so only a
 * message behind others waits for a WRITEABLE callback.  Asking for one
 * per message made libuv change the socket's epoll events twice per
 * message: a fifth of the generator's CPU in a profile of the throughput row.
 */
static void
send_text(struct conn *c, const char *text, size_t len)
{
	struct out_msg *m;

	if (c->out_head == NULL && !lws_partial_buffered(c->wsi))
	{
		unsigned char stack[LWS_PRE + 1024],
				   *buf = len <= 1024 ? stack : xmalloc(LWS_PRE + len);

		memcpy(buf + LWS_PRE, text, len);
		if (lws_write(c->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int) len)
			fail("connection %d: lws_write failed", c->index);
		if (buf != stack)
			free(buf);
		return;
	}
	m = xmalloc(sizeof *m + LWS_PRE + len);

	m->next = NULL;
	m->len = len;
	memcpy(m->data + LWS_PRE, text, len);
	if (c->out_tail)
		c->out_tail->next = m;
	else
		c->out_head = m;
	c->out_tail = m;
	lws_callback_on_writable(c->wsi);
}

static void
send_fmt(struct conn *c, const char *fmt, ...)
{
	char		stack[1024], *buf = stack;
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(stack, sizeof stack, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	if ((size_t) n >= sizeof stack)
	{
		buf = xmalloc((size_t) n + 1);
		va_start(ap, fmt);
		vsnprintf(buf, (size_t) n + 1, fmt, ap);
		va_end(ap);
	}
	send_text(c, buf, (size_t) n);
	if (buf != stack)
		free(buf);
}

static void
send_hs(struct conn *c)
{
	send_fmt(c, "{\"a\":\"hs\",\"id\":null,\"protocol\":1,\"protocolMinor\":1}");
}

static void
push_time(int64_t **v, size_t *n, size_t *cap, int64_t t)
{
	if (*n == *cap)
	{
		*cap = *cap ? *cap * 2 : 4;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = t;
}

/* Sends the op in c's pending list (composed into one): throughput inserts
 * one 'x' at a random position, hot and fanout append "[T]" per submit. */
static void
send_pending(struct conn *c)
{
	const char *d = g.docs[c->doc];
	long long	pos;
	size_t		i, cap = 64 + c->pending_n * 24, n = 0;
	char	   *text = xmalloc(cap);

	if (g.mode == M_THROUGHPUT)
	{
		pos = (long long) (rng() % (uint64_t) (c->len + 1));
		n = (size_t) snprintf(text, cap, "x");
	}
	else
	{
		pos = c->len;
		for (i = 0; i < c->pending_n; i++)
			n += (size_t) snprintf(text + n, cap - n, "[%" PRId64 "]", c->pending_t[i]);
	}
	c->inflight = 1;
	c->inflight_seq = c->seq++;
	c->inflight_n = 0;
	for (i = 0; i < c->pending_n; i++)
		push_time(&c->inflight_t, &c->inflight_n, &c->inflight_cap, c->pending_t[i]);
	c->pending_n = 0;
	if (pos)
		send_fmt(c, "{\"a\":\"op\",\"c\":\"%s\",\"d\":\"%s\",\"v\":%lld,\"src\":%s,\"seq\":%lld,\"x\":{},\"op\":[%lld,\"%s\"]}",
				 g.collection, d, c->version, c->src, c->inflight_seq, pos, text);
	else
		send_fmt(c, "{\"a\":\"op\",\"c\":\"%s\",\"d\":\"%s\",\"v\":%lld,\"src\":%s,\"seq\":%lld,\"x\":{},\"op\":[\"%s\"]}",
				 g.collection, d, c->version, c->src, c->inflight_seq, text);
	c->len += (long long) n;	/* applied locally, as the client does */
	free(text);
}

/* submitOp at time t: goes now, or waits behind the op in flight. */
static long long n_submits, n_wakeups;

static void
submit(struct conn *c, int64_t t)
{
	n_submits++;
	if (c->pending_n >= MAX_PENDING)
		fail("%s: %zu ops waiting behind the one in flight", g.docs[c->doc], c->pending_n);
	push_time(&c->pending_t, &c->pending_n, &c->pending_cap, t);
	g.inflight_total++;
	if (!c->inflight)
		send_pending(c);
}

/* ------------------------------------------------------------ receiving */

static long long
utf8_codepoints(const char *s, size_t n)
{
	long long	k = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		if (((unsigned char) s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

/* The "[T]" markers of an inserted string: delivery latencies. */
static void
markers(const char *s, size_t n, int64_t t)
{
	size_t		i = 0;

	while (i < n)
	{
		if (s[i] == '[')
		{
			int64_t		v = 0;
			size_t		j = i + 1;

			while (j < n && s[j] >= '0' && s[j] <= '9')
				v = v * 10 + (s[j++] - '0');
			if (j < n && s[j] == ']' && j > i + 1)
			{
				if (g.mode == M_FANOUT || (v >= g.w0 && v < g.w1))
				{
					hist_add(&g.del, t - v);
					g.deliveries++;
				}
				i = j + 1;
				continue;
			}
		}
		i++;
	}
}

static void
on_ready(struct conn *c)
{
	c->state = C_READY;
	g.opening--;
	g.ready++;
}

static void
on_ack(struct conn *c, json_t *msg, int64_t t)
{
	json_t	   *v = json_object_get(msg, "v");
	size_t		i;

	if (!json_is_integer(v))
		fail("%s: an ack without a version", g.docs[c->doc]);
	if (c->state == C_CREATING)
	{
		c->version = json_integer_value(v) + 1;
		c->inflight = 0;
		c->inflight_n = 0;
		g.created++;
		on_ready(c);
		return;
	}
	if (json_integer_value(v) != c->version)
		fail("%s: ack at version %lld, the client is at %lld", g.docs[c->doc],
			 (long long) json_integer_value(v), c->version);
	c->version++;
	c->inflight = 0;
	g.acked_total++;
	g.inflight_total -= (long long) c->inflight_n;
	if (g.mode == M_THROUGHPUT)
	{
		if (t >= g.w0 && t < g.w1)
		{
			g.acked_window++;
			hist_add(&g.ack, t - c->inflight_t[0]);
		}
	}
	else
		for (i = 0; i < c->inflight_n; i++)
			if (c->inflight_t[i] >= g.w0 && c->inflight_t[i] < g.w1)
			{
				g.acked_window++;
				hist_add(&g.ack, t - c->inflight_t[i]);
			}
	c->inflight_n = 0;
	if (c->pending_n)
		send_pending(c);
	else if (g.closed_loop && g.running)
		submit(c, t);
}

/* A remote op: moves the version on and the length by its inserts and deletes. */
static void
on_remote_op(struct conn *c, json_t *msg, int64_t t)
{
	json_t	   *v = json_object_get(msg, "v"), *op = json_object_get(msg, "op"), *x;
	size_t		i;

	if (!json_is_integer(v))
		fail("%s: a remote op without a version", g.docs[c->doc]);
	if (json_integer_value(v) < c->version)
		return;					/* a duplicate: the client ignores it */
	if (json_integer_value(v) > c->version)
		fail("%s: a remote op at version %lld, the client is at %lld (a gap)", g.docs[c->doc],
			 (long long) json_integer_value(v), c->version);
	if (!json_is_array(op))
		fail("%s: a remote op without a text-unicode op (create or del)", g.docs[c->doc]);
	c->version++;
	json_array_foreach(op, i, x)
	{
		if (json_is_string(x))
		{
			c->len += utf8_codepoints(json_string_value(x), json_string_length(x));
			markers(json_string_value(x), json_string_length(x), t);
		}
		else if (json_is_object(x))
		{
			json_t	   *d = json_object_get(x, "d");

			if (json_is_integer(d))
				c->len -= json_integer_value(d);
			else if (json_is_string(d))
				c->len -= utf8_codepoints(json_string_value(d), json_string_length(d));
		}
	}
}

static void
on_subscribed(struct conn *c, json_t *msg)
{
	json_t	   *data = json_object_get(msg, "data"), *type, *v, *text;

	if (!json_is_object(data))
		fail("%s: a subscribe reply without data", g.docs[c->doc]);
	type = json_object_get(data, "type");
	v = json_object_get(data, "v");
	text = json_object_get(data, "data");
	c->version = json_is_integer(v) ? json_integer_value(v) : 0;
	if (json_is_string(type))
	{
		if (strcmp(json_string_value(type), TEXT_UNICODE_URI) != 0)
			fail("%s is of type %s", g.docs[c->doc], json_string_value(type));
		c->len = json_is_string(text) ? utf8_codepoints(json_string_value(text), json_string_length(text)) : 0;
		on_ready(c);
		return;
	}
	if (!c->creates)
		fail("%s does not exist", g.docs[c->doc]);
	c->state = C_CREATING;
	c->inflight = 1;
	c->inflight_seq = c->seq++;
	c->len = 1;
	send_fmt(c, "{\"a\":\"op\",\"c\":\"%s\",\"d\":\"%s\",\"v\":%lld,\"src\":%s,\"seq\":%lld,\"x\":{},"
			 "\"create\":{\"type\":\"" TEXT_UNICODE_URI "\",\"data\":\".\"}}",
			 g.collection, g.docs[c->doc], c->version, c->src, c->inflight_seq);
}

static void
on_message(struct conn *c, const unsigned char *buf, size_t len)
{
	json_error_t jerr;
	json_t	   *msg = json_loadb((const char *) buf, len, 0, &jerr), *err;
	const char *a;
	int64_t		t = now_us();

	if (!msg || !json_is_object(msg))
		fail("connection %d: a message that is not a JSON object: %.200s", c->index, buf);
	g.last_message = t;
	a = json_string_value(json_object_get(msg, "a"));
	err = json_object_get(msg, "error");
	if (err)
	{
		char	   *s = json_dumps(err, JSON_COMPACT);

		fail("connection %d (%s): the server sent an error: %s (message %.300s)", c->index,
			 g.docs[c->doc], s ? s : "?", buf);
	}
	if (!a)
		fail("connection %d: a message without an action: %.200s", c->index, buf);
	if (strcmp(a, "hs") == 0)
	{
		json_t	   *id = json_object_get(msg, "id");

		if (!json_is_string(id))
			fail("connection %d: an hs reply without an id", c->index);
		if (!c->src)
		{
			c->src = json_dumps(id, JSON_ENCODE_ANY);
			if (!c->src)
				die("out of memory");
			c->state = C_SUBSCRIBING;
			send_fmt(c, "{\"a\":\"s\",\"c\":\"%s\",\"d\":\"%s\",\"v\":null}", g.collection, g.docs[c->doc]);
		}
	}
	else if (strcmp(a, "init") == 0)
	{
		json_t	   *p = json_object_get(msg, "protocol"), *pm = json_object_get(msg, "protocolMinor");

		/* The client answers a legacy init of protocol 1.1 or later with a handshake. */
		if (json_integer_value(p) > 1 || (json_integer_value(p) == 1 && json_integer_value(pm) >= 1))
			send_hs(c);
	}
	else if (strcmp(a, "s") == 0)
	{
		if (c->state == C_SUBSCRIBING)
			on_subscribed(c, msg);
	}
	else if (strcmp(a, "op") == 0)
	{
		json_t	   *src = json_object_get(msg, "src"), *seq = json_object_get(msg, "seq");
		const char *mine = c->src;

		/* c->src is a JSON string literal: compare inside its quotes. */
		if (c->inflight && json_is_string(src) && json_is_integer(seq) &&
			json_integer_value(seq) == c->inflight_seq &&
			strlen(mine) == json_string_length(src) + 2 &&
			memcmp(mine + 1, json_string_value(src), json_string_length(src)) == 0)
			on_ack(c, msg, t);
		else if (c->state == C_READY)
			on_remote_op(c, msg, t);
	}
	/* Anything else (presence, pings) is not for this load. */
	json_decref(msg);
}

/* ------------------------------------------------------------ lws */

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct conn *c = lws_get_opaque_user_data(wsi);

	(void) user;
	switch (reason)
	{
		case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
			if (!c)
				break;
			fail("connection %d (%s): could not connect to %s: %s", c->index, g.docs[c->doc], g.url,
				 in ? (const char *) in : "(no reason)");
			break;
		case LWS_CALLBACK_CLIENT_ESTABLISHED:
			c->state = C_HANDSHAKE;
			send_hs(c);
			break;
		case LWS_CALLBACK_CLIENT_RECEIVE:
			if (c->in_len + len > MAX_MESSAGE)
				fail("connection %d: a message over %d bytes", c->index, MAX_MESSAGE);
			if (c->in_len + len + 1 > c->in_cap)
			{
				c->in_cap = (c->in_len + len + 1) * 2;
				c->in = xrealloc(c->in, c->in_cap);
			}
			memcpy(c->in + c->in_len, in, len);
			c->in_len += len;
			if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi))
			{
				c->in[c->in_len] = '\0';
				on_message(c, c->in, c->in_len);
				c->in_len = 0;
			}
			break;
		case LWS_CALLBACK_CLIENT_WRITEABLE:
			{
				struct out_msg *m = c->out_head;

				if (!m)
					break;
				if (lws_partial_buffered(wsi))
				{
					lws_callback_on_writable(wsi);	/* after lws has sent the rest */
					break;
				}
				if (lws_write(wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int) m->len)
					fail("connection %d: lws_write failed", c->index);
				c->out_head = m->next;
				if (!c->out_head)
					c->out_tail = NULL;
				free(m);
				if (c->out_head)
					lws_callback_on_writable(wsi);
			}
			break;
		case LWS_CALLBACK_CLIENT_CLOSED:
			if (c && !g.closing)
				fail("connection %d (%s): the server closed the socket", c->index, g.docs[c->doc]);
			if (c)
			{
				c->state = C_CLOSED;
				c->wsi = NULL;
			}
			break;
		case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
			if (c && !g.closing)
				fail("connection %d (%s): the server closed the socket (close frame)", c->index, g.docs[c->doc]);
			break;
		default:
			break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{"sharedb-loadgen", callback, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}
};

static void
open_conn(struct conn *c)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof ci);
	ci.context = g.ctx;
	ci.address = g.host;
	ci.port = g.port;
	ci.path = g.path;
	ci.host = g.host;
	/* No Origin header: a page's origin is not what a generator has (ws sends none). */
	ci.local_protocol_name = protocols[0].name;
	ci.opaque_user_data = c;
	ci.pwsi = &c->wsi;
	c->state = C_CONNECTING;
	g.opening++;
	if (!lws_client_connect_via_info(&ci))
		fail("connection %d: lws_client_connect_via_info failed", c->index);
}

/* Keeps CONNECT_GROUP connections of [open_from, open_to) opening. */
static void
open_more(void)
{
	while (g.next_open < g.open_to && g.opening < CONNECT_GROUP)
		open_conn(&g.conns[g.next_open++]);
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* The scheduled work: window edges, and the submits that are due. */
static void
on_schedule(int64_t t)
{
	int			i;

	if (g.running && !g.have_w0 && t >= g.w0)
	{
		cpu_sample(&g.cpu_w0);
		g.have_w0 = 1;
	}
	if (g.running && g.have_w0 && !g.have_w1 && t >= g.w1 && g.mode != M_FANOUT)
	{
		cpu_sample(&g.cpu_w1);
		g.have_w1 = 1;
	}
	if (!g.running || g.closed_loop)
		return;
	if (g.mode == M_HOT)
	{
		for (i = 0; i < g.nconns; i++)
		{
			struct conn *c = &g.conns[i];

			while (c->due <= t && t < g.end)
			{
				if (t >= g.w0 && t < g.w1)
					g.sent_window++;
				submit(c, t);
				c->due += g.period;
			}
		}
	}
	else if (g.mode == M_FANOUT)
	{
		struct conn *c = &g.conns[g.writer];

		while (g.writer_sent < g.writer_ops && c->due <= t)
		{
			submit(c, t);
			g.writer_sent++;
			c->due += g.period;
		}
	}
}

/* When on_schedule (or run's deadline) has work next, in µs from t (at most 50 ms). */
static int64_t
next_wakeup(int64_t t)
{
	int64_t		w = t + 50000;
	int			i;

	if (g.until)
		w = min64(w, g.until);

	if (g.running)
	{
		if (!g.have_w0)
			w = min64(w, g.w0);
		else if (!g.have_w1 && g.mode != M_FANOUT)
			w = min64(w, g.w1);
		if (g.mode == M_HOT)
		{
			for (i = 0; i < g.nconns; i++)
				if (g.conns[i].due < g.end)
					w = min64(w, g.conns[i].due);
		}
		else if (g.mode == M_FANOUT && g.writer_sent < g.writer_ops)
			w = min64(w, g.conns[g.writer].due);
	}
	return w > t ? w - t : 1;
}

static void
wake(uv_timer_t *timer)
{
	(void) timer;				/* run() does the work after uv_run returns */
}

/* Runs the loop until done() or until `until` (µs, 0: no limit). */
static void
run(int (*done)(void), int64_t until, const char *what)
{
	g.last_message = now_us();
	g.until = until;
	for (;;)
	{
		int64_t		t = now_us();

		n_wakeups++;
		on_schedule(t);
		open_more();
		if (done && done())
			return;
		if (until && t >= until)
			return;
		if (t - g.last_message > g.stall_us && (!until || g.opening || g.inflight_total))
			fail("no message for %lld ms waiting for %s (%d connections opening, %lld ops in flight)",
				 (long long) (g.stall_us / 1000), what, g.opening, g.inflight_total);
		/*
		 * libuv's timers count whole milliseconds from the loop's cached
		 * time: refresh it first, or a timer started after a long turn (the
		 * /proc scan of a CPU sample) is due at once, runs before the poll,
		 * and the poll then waits for I/O with no timeout at all.
		 */
		uv_update_time(&g.loop);
		{
			uint64_t	ms = (uint64_t) ((next_wakeup(now_us()) + 999) / 1000);

			/* Repeating: should it still run before the poll, the poll has a timeout. */
			uv_timer_start(&g.timer, wake, ms, ms);
		}
		uv_run(&g.loop, UV_RUN_ONCE);
	}
}

static void
sleep_us(int64_t us)
{
	run(NULL, now_us() + us, "a pause");
}

static int
all_ready(void)
{
	return g.next_open == g.open_to && g.opening == 0;
}

static int
quiet(void)
{
	return g.inflight_total == 0;
}

/* Opens and subscribes conns [from, to). */
static void
open_range(int from, int to, const char *what)
{
	int64_t		t = now_us();

	g.open_from = from;
	g.next_open = from;
	g.open_to = to;
	run(all_ready, 0, what);
	progress("%d connections open and subscribed (%s) in %.1f s", to - from, what,
			 (double) (now_us() - t) / 1e6);
}

static void
out(const char *key, const char *fmt, ...)
{
	va_list		ap;

	printf("%s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* gen_cpu, server_cpu, db_cpu (cores) and the per-op CPU over a window of ops acked ops. */
static void
out_cpu(const struct cpu_sample *a, const struct cpu_sample *b, long long ops)
{
	double		s = (double) (b->t - a->t) / 1e6;

	out("gen_cpu", "%.2f", (b->gen - a->gen) / s);
	out("server_cpu", "%.2f", (b->server - a->server) / s);
	out("db_cpu", "%.2f", (b->db - a->db) / s);
	printf("db_cpus ");
	for (int i = 0; i < n_db_pids; i++)
		printf("%s%.2f", i ? "," : "", (b->dbs[i] - a->dbs[i]) / s);
	printf("%s\n", n_db_pids ? "" : "0");
	out("gen_us_per_op", "%.1f", ops ? (b->gen - a->gen) * 1e6 / (double) ops : 0);
	out("server_us_per_op", "%.1f", ops ? (b->server - a->server) * 1e6 / (double) ops : 0);
	out("db_us_per_op", "%.1f", ops ? (b->db - a->db) * 1e6 / (double) ops : 0);
	out("errors", "%lld", g.errors);
}

static char *
doc_name(const char *prefix, int i)
{
	char	   *s = xmalloc(strlen(prefix) + 16);

	sprintf(s, "%s-%d", prefix, i);
	return s;
}

static void
check_name(const char *what, const char *s)
{
	const char *p;

	if (!*s)
		die("%s is empty", what);
	for (p = s; *p; p++)
		if (!isalnum((unsigned char) *p) && *p != '-' && *p != '_' && *p != '.')
			die("%s %s: only letters, digits, '-', '_' and '.'", what, s);
}

static void
parse_url(const char *url)
{
	const char *p, *slash;

	if (strncmp(url, "ws://", 5) != 0)
		die("URL %s: only ws:// URLs", url);
	p = url + 5;
	slash = strchr(p, '/');
	snprintf(g.path, sizeof g.path, "%s", slash ? slash : "/");
	{
		size_t		n = slash ? (size_t) (slash - p) : strlen(p);
		const char *colon = memchr(p, ':', n);

		if (!colon || n >= sizeof g.host)
			die("URL %s: needs host:port", url);
		memcpy(g.host, p, (size_t) (colon - p));
		g.host[colon - p] = '\0';
		g.port = atoi(colon + 1);
		if (g.port <= 0 || g.port > 65535)
			die("URL %s: bad port", url);
	}
}

static void
alloc_conns(int n)
{
	int			i;

	g.conns = calloc((size_t) n, sizeof *g.conns);
	if (!g.conns)
		die("out of memory");
	g.nconns = n;
	for (i = 0; i < n; i++)
	{
		g.conns[i].index = i;
		g.conns[i].seq = 1;
	}
}

/* ------------------------------------------------------------ the loads */

static void
throughput(const char *prefix, int ndocs, int editors, double warmup, double seconds)
{
	int			i, e;

	progress("throughput (C generator): %d docs × %d editors on %s, %.0f s warm-up, %.0f s",
			 ndocs, editors, g.url, warmup, seconds);
	g.docs = xmalloc(sizeof *g.docs * (size_t) ndocs);
	for (i = 0; i < ndocs; i++)
		g.docs[i] = doc_name(prefix, i);
	g.ndocs = ndocs;
	alloc_conns(ndocs * editors);
	for (e = 0; e < editors; e++)
		for (i = 0; i < ndocs; i++)
		{
			struct conn *c = &g.conns[e * ndocs + i];

			c->doc = i;
			c->creates = e == 0;
		}
	open_range(0, ndocs, "the first editor of each document, creating it");
	open_range(ndocs, g.nconns, "the other editors");

	g.t0 = now_us() + 200000;
	g.w0 = g.t0 + (int64_t) (warmup * 1e6);
	g.w1 = g.w0 + (int64_t) (seconds * 1e6);
	g.closed_loop = 1;
	sleep_us(g.t0 - now_us());
	g.running = 1;
	for (i = 0; i < g.nconns; i++)
		submit(&g.conns[i], now_us());
	run(NULL, g.w1, "the window");
	while (!g.have_w1)
		sleep_us(1000);
	g.running = 0;
	run(quiet, 0, "the last acks");

	out("ops_per_s", "%.0f", (double) g.acked_window / seconds);
	out("acked_window", "%lld", g.acked_window);
	out("acked_total", "%lld", g.acked_total);
	out("created", "%d", g.created);
	out("ack_p50_ms", "%.2f", hist_ms(&g.ack, 50));
	out("ack_p99_ms", "%.2f", hist_ms(&g.ack, 99));
	out_cpu(&g.cpu_w0, &g.cpu_w1, g.acked_window);
}

static int
hot_done(void)
{
	return g.inflight_total == 0 &&
		(g.deliveries >= g.sent_window * (g.nconns - 1) || now_us() - g.last_message > 2000000);
}

static void
hot(const char *doc, int editors, double rate, double warmup, double seconds)
{
	int			i;
	long long	expected;

	progress("hot document (C generator): %d editors × %g ops/s on %s, %.0f s warm-up, %.0f s",
			 editors, rate, g.url, warmup, seconds);
	g.docs = xmalloc(sizeof *g.docs);
	g.docs[0] = (char *) doc;
	g.ndocs = 1;
	alloc_conns(editors);
	g.conns[0].creates = 1;
	open_range(0, 1, "the first editor, creating the document");
	open_range(1, editors, "the other editors");

	g.t0 = now_us() + 200000;
	g.w0 = g.t0 + (int64_t) (warmup * 1e6);
	g.w1 = g.w0 + (int64_t) (seconds * 1e6);
	g.end = g.w1;
	g.period = (int64_t) (1e6 / rate);
	for (i = 0; i < editors; i++)
		g.conns[i].due = g.t0 + (int64_t) (rng() % (uint64_t) g.period);
	g.running = 1;
	run(NULL, g.end, "the window");
	while (!g.have_w1)
		sleep_us(1000);
	run(hot_done, 0, "the last acks and deliveries");
	g.running = 0;

	progress("hot: %lld submits, %lld loop turns; w0 %lld, w1 %lld, sampled at %lld and %lld (µs from t0)", n_submits, n_wakeups,
			 (long long) (g.w0 - g.t0), (long long) (g.w1 - g.t0), (long long) (g.cpu_w0.t - g.t0), (long long) (g.cpu_w1.t - g.t0));
	expected = g.sent_window * (editors - 1);
	if (g.acked_window != g.sent_window)
		fail("hot: %lld ops sent in the window, %lld acked", g.sent_window, g.acked_window);
	if (g.deliveries != expected)
		fail("hot: %lld deliveries of %lld expected (%lld ops × %d other editors)", g.deliveries, expected,
			 g.sent_window, editors - 1);
	out("ops", "%lld", g.sent_window);
	out("ops_per_s", "%.1f", (double) g.sent_window / seconds);
	out("ack_p50_ms", "%.2f", hist_ms(&g.ack, 50));
	out("ack_p99_ms", "%.2f", hist_ms(&g.ack, 99));
	out("del_p50_ms", "%.2f", hist_ms(&g.del, 50));
	out("del_p99_ms", "%.2f", hist_ms(&g.del, 99));
	out("deliveries", "%lld", g.deliveries);
	out("expected", "%lld", expected);
	out_cpu(&g.cpu_w0, &g.cpu_w1, g.acked_window);
}

static long long fan_expected;

static int
fan_done(void)
{
	return g.writer_sent == g.writer_ops && g.inflight_total == 0 &&
		(g.deliveries >= fan_expected || now_us() - g.last_message > 10000000);
}

static void
fanout(const char *doc, int subscribers, double rate, double seconds)
{
	long		rss0 = -1, rss1 = -1;

	progress("fan-out (C generator): %d subscribers on %s and a writer, %g ops/s for %.0f s",
			 subscribers, g.url, rate, seconds);
	g.docs = xmalloc(sizeof *g.docs);
	g.docs[0] = (char *) doc;
	g.ndocs = 1;
	alloc_conns(subscribers + 1);
	g.writer = subscribers;
	g.conns[g.writer].creates = 1;
	open_range(g.writer, g.writer + 1, "the writer, creating the document");
	sleep_us(1000000);
	if (server_pid)
		rss0 = proc_rss_kb(server_pid);
	open_range(0, subscribers, "the subscribers");
	sleep_us(3000000);
	if (server_pid)
		rss1 = proc_rss_kb(server_pid);
	out("rss_before_kb", "%ld", rss0);
	out("rss_after_kb", "%ld", rss1);
	out("rss_per_conn_kb", "%.1f", (double) (rss1 - rss0) / subscribers);

	g.writer_ops = (long long) llround(rate * seconds);
	fan_expected = g.writer_ops * subscribers;
	g.period = (int64_t) (1e6 / rate);
	cpu_sample(&g.cpu_w0);
	g.have_w0 = 1;
	g.t0 = g.w0 = now_us();
	g.w1 = INT64_MAX;
	g.conns[g.writer].due = g.t0;
	g.running = 1;
	run(fan_done, 0, "the writer's acks and the deliveries");
	cpu_sample(&g.cpu_w1);
	g.running = 0;
	if (g.deliveries != fan_expected)
		fail("fan-out: %lld deliveries of %lld expected (%lld ops × %d subscribers)", g.deliveries,
			 fan_expected, g.writer_ops, subscribers);
	out("ops", "%lld", g.writer_ops);
	out("deliveries", "%lld", g.deliveries);
	out("expected", "%lld", fan_expected);
	out("p50_ms", "%.2f", hist_ms(&g.del, 50));
	out("p99_ms", "%.2f", hist_ms(&g.del, 99));
	out("max_ms", "%.2f", (double) g.del.max / 1000.0);
	out("elapsed_s", "%.2f", (double) (g.cpu_w1.t - g.cpu_w0.t) / 1e6);
	out_cpu(&g.cpu_w0, &g.cpu_w1, g.writer_ops);
}

static void
usage(void)
{
	die("usage: loadgen throughput URL COLLECTION PREFIX DOCS EDITORS WARMUP SECONDS\n"
		"       loadgen hot URL COLLECTION DOC EDITORS RATE WARMUP SECONDS\n"
		"       loadgen fanout URL COLLECTION DOC SUBSCRIBERS RATE SECONDS");
}

static double
num(const char *s, double lo)
{
	char	   *end;
	double		v = strtod(s, &end);

	if (*end || end == s || !(v >= lo) || !isfinite(v))
		die("%s: not a number of at least %g", s, lo);
	return v;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	const char *e;
	void	   *foreign[1];

	clk_tck = sysconf(_SC_CLK_TCK);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	g.stall_us = (int64_t) ((e = getenv("BENCH_STALL_MS")) ? atof(e) : 60000) * 1000;
	server_pid = (e = getenv("SERVER_PID")) ? atoi(e) : 0;
	for (e = getenv("DB_PID"); e && *e && n_db_pids < DB_PIDS_MAX;)
	{
		db_pids[n_db_pids++] = atoi(e);
		e = strchr(e, ',');
		e = e ? e + 1 : NULL;
	}
	rng_state ^= (uint64_t) now_us() * 2654435761u;
	if (strcmp(argv[1], "throughput") == 0 && argc == 9)
		g.mode = M_THROUGHPUT;
	else if (strcmp(argv[1], "hot") == 0 && argc == 9)
		g.mode = M_HOT;
	else if (strcmp(argv[1], "fanout") == 0 && argc == 8)
		g.mode = M_FANOUT;
	else
		usage();
	g.url = argv[2];
	parse_url(g.url);
	g.collection = argv[3];
	check_name("COLLECTION", g.collection);
	check_name("PREFIX/DOC", argv[4]);

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.timeout_secs = 30;
	/* Our own libuv loop, which run() turns once at a time. */
	if (uv_loop_init(&g.loop) != 0)
		die("uv_loop_init failed");
	uv_timer_init(&g.loop, &g.timer);
	foreign[0] = &g.loop;
	info.options = LWS_SERVER_OPTION_LIBUV;
	info.foreign_loops = foreign;
	if (!(g.ctx = lws_create_context(&info)))
		die("lws_create_context failed");

	if (g.mode == M_THROUGHPUT)
		throughput(argv[4], (int) num(argv[5], 1), (int) num(argv[6], 1), num(argv[7], 0), num(argv[8], 0.1));
	else if (g.mode == M_HOT)
		hot(argv[4], (int) num(argv[5], 2), num(argv[6], 0.01), num(argv[7], 0), num(argv[8], 0.1));
	else
		fanout(argv[4], (int) num(argv[5], 1), num(argv[6], 0.01), num(argv[7], 0.1));

	/* The sockets close with the process (as the JS generator's workers are
	 * killed): lws_context_destroy on a foreign loop needs the loop turned
	 * until its handles close, for nothing here. */
	fflush(stdout);
	_exit(g.errors ? 1 : 0);
}
