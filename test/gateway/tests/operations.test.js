'use strict';
// Operating the gateway (pg_ot only): /healthz follows PostgreSQL, /metrics
// is Prometheus text whose counters move, and SIGTERM during editing loses
// no acknowledged op while the clients move to another gateway.

const { test, after } = require('node:test');
const { spawn, execFileSync } = require('node:child_process');
const path = require('node:path');
const h = require('../lib/harness');
const { assert } = h;

after(async () => {
	await h.closeAll();
	await h.stopGateways();
});

const skip = h.SKIP_UNLESS_PG_OT;
const httpUrl = (ws) => ws.replace(/^ws:/, 'http:');
const root = path.resolve(__dirname, '..', '..', '..');

async function until(what, fn) {
	const deadline = Date.now() + h.WAIT_MS * 2;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

async function healthz(url) {
	try {
		const r = await fetch(`${httpUrl(url)}/healthz`);
		return { status: r.status, cache: r.headers.get('cache-control'), body: await r.text() };
	} catch (e) {
		return { status: 0 };
	}
}

// Prometheus text exposition: every sample line is `name{labels} value`,
// every metric has HELP and TYPE; returns name{labels} -> value.
async function scrape(url) {
	const r = await fetch(`${httpUrl(url)}/metrics`);
	assert.equal(r.status, 200);
	assert.equal(r.headers.get('cache-control'), 'no-store', '/metrics is not cached');
	const samples = new Map();
	const typed = new Set();
	for (const line of (await r.text()).split('\n')) {
		if (line === '') continue;
		const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
		if (meta) {
			if (meta[1] === 'TYPE') {
				assert.match(meta[3], /^(counter|gauge|histogram|summary|untyped)$/, line);
				typed.add(meta[2]);
			}
			continue;
		}
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$/.exec(line);
		assert.ok(m, `a Prometheus sample line: ${line}`);
		const base = m[1].replace(/_(bucket|sum|count)$/, '');
		assert.ok(typed.has(m[1]) || typed.has(base), `${m[1]} has a TYPE line before it`);
		samples.set(m[1] + (m[2] || ''), Number(m[3]));
	}
	return samples;
}

test('/healthz and /metrics: Prometheus text, no-store, counters that move', { skip, timeout: 120000 }, async () => {
	const url = h.URLS[0];
	const health = await healthz(url);
	assert.deepEqual([health.status, health.body, health.cache], [200, 'ok\n', 'no-store']);
	const before = await scrape(url);
	for (const name of ['pg_ot_gateway_connections', 'pg_ot_gateway_documents', 'pg_ot_gateway_ops_acked_total',
		'pg_ot_gateway_listener_reconnects_total', 'pg_ot_gateway_closed_lagging_total',
		'pg_ot_gateway_submit_seconds_count', 'pg_ot_gateway_batch_ops_count', 'pg_ot_gateway_notification_queue_usage']) {
		assert.ok(before.has(name), `${name} is exported`);
	}
	const C = await h.connect(url);
	const doc = h.getDoc(C, 'gw_text', h.uid('metrics'));
	await h.subscribe(doc);
	await h.create(doc, 'm', 'text-unicode');
	for (let i = 0; i < 5; i++) await h.submit(doc, [1, `${i}`]);
	const later = await scrape(url);
	const moved = (name) => later.get(name) - before.get(name);
	assert.ok(moved('pg_ot_gateway_ops_acked_total') >= 6, 'six ops acknowledged (create + 5)');
	assert.ok(moved('pg_ot_gateway_ops_received_total') >= 6);
	assert.ok(moved('pg_ot_gateway_submit_seconds_count') >= 6, 'the latency histogram counts them');
	assert.ok(moved('pg_ot_gateway_batch_ops_sum') >= 6, 'and the batch histogram');
	assert.ok(later.get('pg_ot_gateway_connections') >= 1, 'the client is counted');
	assert.ok(later.get('pg_ot_gateway_submit_seconds_bucket{le="+Inf"}') === later.get('pg_ot_gateway_submit_seconds_count'));
	h.close(C);
});

test('/healthz is 503 while PostgreSQL is stopped and 200 after it restarts; subscribers resume with no lost op', { skip, timeout: 240000 }, async (t) => {
	const url = h.URLS[0];
	const id = h.uid('pg-restart');
	const S = await h.connect(url);
	const doc = h.getDoc(S, 'gw_text', id);
	await h.subscribe(doc);
	await h.create(doc, 'a', 'text-unicode');
	const from = doc.version;
	const cluster = (...args) => execFileSync(path.join(root, 'test', 'cluster.sh'), args, { stdio: 'pipe' });
	cluster('stop', process.env.CLUSTER_DIR);
	await until('/healthz to turn 503', async () => (await healthz(url)).status === 503);
	t.diagnostic('PostgreSQL stopped: /healthz 503');
	cluster('start', process.env.CLUSTER_DIR, process.env.CLUSTER_PORT);
	await until('/healthz to turn 200', async () => (await healthz(url)).status === 200);
	// Ops written while the gateway's listener may still be reconnecting.
	const pg = await h.pgConnect();
	for (let i = 0; i < 20; i++) {
		await pg.query('SELECT ot.submit($1, $2, NULL, $3::jsonb)', ['gw_text', id, JSON.stringify([`${i},`])]);
	}
	const final = await h.dbFetch(pg, 'gw_text', id);
	await h.waitVersion(doc, final.v);
	assert.equal(doc.data, final.data, 'the subscriber equals ot.fetch');
	h.assertDelivered(S, 'gw_text', id, from, final.v);
	await pg.end();
	h.close(S);
});

test('SIGTERM during editing: the gateway exits 0, every acknowledged op is stored, clients converge on another gateway', { skip, timeout: 240000 }, async (t) => {
	const port = process.env.GATEWAY_SPARE_PORT;
	const gw = spawn(process.env.GATEWAY_BIN, ['--db', process.env.GATEWAY_DB, '--listen', '127.0.0.1', '--port', port,
		'--allow-anonymous'], { stdio: ['ignore', 'pipe', 'pipe'] });
	let log = '';
	gw.stdout.on('data', (d) => { log += d; });
	gw.stderr.on('data', (d) => { log += d; });
	const exited = new Promise((resolve) => gw.once('exit', (code, signal) => resolve({ code, signal })));
	const url = `ws://127.0.0.1:${port}`;
	await until('the third gateway to answer', async () => (await healthz(url)).status === 200);

	const id = h.uid('sigterm');
	const clients = [];
	for (let i = 0; i < 3; i++) {
		const c = await h.connect(url);
		const doc = h.getDoc(c, 'gw_text', id);
		await h.subscribe(doc);
		clients.push({ c, doc, acked: [] });
	}
	await h.create(clients[0].doc, '', 'text-unicode');
	await until('every client to have the document', async () => clients.every((x) => x.doc.type));
	// Each client types its own tokens as fast as acks come back.
	let typing = true;
	const typers = clients.map((x, i) => (async () => {
		for (let k = 0; typing; k++) {
			const token = `<${i}.${k}>`;
			await new Promise((resolve) => {
				x.doc.submitOp([token], (err) => { if (!err) x.acked.push(token); resolve(); });
			});
		}
	})());
	await until('some ops acknowledged', async () => clients.every((x) => x.acked.length >= 5));
	gw.kill('SIGTERM');
	const closes = await Promise.all(clients.map((x) => new Promise((resolve) => {
		if (x.c.socket.readyState === 3) resolve(null);
		else x.c.socket.ws.addEventListener('close', (e) => resolve(e.code));
	})));
	typing = false;
	const { code, signal } = await exited;
	t.diagnostic(`closes ${closes.join(', ')}; gateway exit ${code} ${signal || ''}`);
	assert.equal(code, 0, `the gateway exits 0 on SIGTERM:\n${log}`);
	assert.ok(closes.every((c) => c === 1001), 'each client was closed with 1001 (going away)');
	// The clients come back through the suite's gateway and resend what was pending.
	for (const x of clients) await h.reconnect(x.c, h.URLS[0]);
	await Promise.all(typers);
	for (const x of clients) await h.nothingPending(x.doc);
	const pg = await h.pgConnect();
	const final = await h.dbFetch(pg, 'gw_text', id);
	for (const x of clients) {
		await h.waitVersion(x.doc, final.v);
		assert.equal(x.doc.data, final.data, 'the client converged to ot.fetch');
		for (const token of x.acked) assert.ok(final.data.includes(token), `acknowledged ${token} is stored`);
	}
	const total = clients.reduce((n, x) => n + x.acked.length, 0);
	t.diagnostic(`${total} ops acknowledged, document at version ${final.v}`);
	assert.equal(final.v, 1 + total, 'one version per acknowledged op, none applied twice');
	await pg.end();
	for (const x of clients) h.close(x.c);
});

test('limits: an oversized message closes with 1009, a client that never reads is closed (4008); a well-behaved client keeps editing', { skip, timeout: 240000 }, async (t) => {
	const WebSocket = require('ws');
	const port = process.env.GATEWAY_SPARE_PORT;
	const gw = spawn(process.env.GATEWAY_BIN, ['--db', process.env.GATEWAY_DB, '--listen', '127.0.0.1', '--port', port,
		'--allow-anonymous', '--queue-max', '16', '--max-message', '65536'], { stdio: ['ignore', 'pipe', 'pipe'] });
	let log = '';
	gw.stdout.on('data', (d) => { log += d; });
	gw.stderr.on('data', (d) => { log += d; });
	const exited = new Promise((resolve) => gw.once('exit', (code) => resolve(code)));
	const url = `ws://127.0.0.1:${port}`;
	await until('the limits gateway to answer', async () => (await healthz(url)).status === 200);

	const id = h.uid('limits');
	const good = await h.connect(url);
	const docG = h.getDoc(good, 'gw_text', id);
	await h.subscribe(docG);
	await h.create(docG, '', 'text-unicode');

	// Too big: 100 kB in one message.
	const big = new WebSocket(url);
	await new Promise((r) => big.on('open', r));
	const bigClosed = new Promise((r) => big.on('close', (code) => r(code)));
	big.send(JSON.stringify({ a: 'f', c: 'gw_text', d: id, pad: 'x'.repeat(100000) }));
	assert.equal(await bigClosed, 1009, 'closed with 1009');

	// Never reads: subscribed, then its socket stops reading while large ops stream by.
	const slow = new WebSocket(url);
	await new Promise((r) => slow.on('open', r));
	slow.send(JSON.stringify({ a: 'hs', id: null, protocol: 1, protocolMinor: 2 }));
	slow.send(JSON.stringify({ a: 's', c: 'gw_text', d: id }));
	await new Promise((r) => slow.once('message', () => slow.once('message', r)));
	slow._socket.pause();
	const chunk = 'y'.repeat(60000);
	let k = 0;
	const lagging = async () => {
		const m = await scrape(url);
		return m.get('pg_ot_gateway_closed_lagging_total') >= 1;
	};
	while (!(await lagging())) {
		await h.submit(docG, [`${k++}${chunk}`]);
		assert.ok(k < 400, 'the slow client was closed before 400 ops of 60 kB');
	}
	t.diagnostic(`the slow client was closed after ${k} ops of 60 kB`);
	slow.terminate();
	// The well-behaved client goes on, and nothing it did was lost.
	await h.submit(docG, [0, 'still here ']);
	const pg = await h.pgConnect();
	const final = await h.dbFetch(pg, 'gw_text', id);
	assert.equal(final.v, k + 2, 'every op of the well-behaved client is stored');
	assert.equal(docG.data, final.data);
	await pg.end();
	h.close(good);
	gw.kill('SIGTERM');
	assert.equal(await exited, 0, `the limits gateway exits 0:\n${log}`);
});

test('rate limit: a flood past --rate is answered ERR_RATE_LIMITED, naming the request; the connection stays usable', { skip, timeout: 120000 }, async () => {
	const WebSocket = require('ws');
	const port = process.env.GATEWAY_SPARE_PORT;
	const gw = spawn(process.env.GATEWAY_BIN, ['--db', process.env.GATEWAY_DB, '--listen', '127.0.0.1', '--port', port,
		'--allow-anonymous', '--rate', '20'], { stdio: 'ignore' });
	const exited = new Promise((resolve) => gw.once('exit', (code) => resolve(code)));
	const url = `ws://127.0.0.1:${port}`;
	await until('the rate gateway to answer', async () => (await healthz(url)).status === 200);
	const ws = new WebSocket(url);
	const got = [];
	ws.on('message', (d) => got.push(JSON.parse(d.toString())));
	await new Promise((r) => ws.on('open', r));
	for (let i = 0; i < 100; i++) ws.send(JSON.stringify({ a: 'pp' }));
	await until('100 replies', async () => got.length >= 100);
	const limited = got.filter((m) => m.error && m.error.code === 'ERR_RATE_LIMITED').length;
	const pongs = got.filter((m) => m.a === 'pp' && !m.error).length;
	assert.ok(pongs >= 40 && pongs <= 45, `a burst of 2 × 20 goes through (${pongs} pongs)`);
	assert.equal(limited, 100 - pongs, 'the rest is refused');
	await new Promise((r) => setTimeout(r, 300));
	ws.send(JSON.stringify({ a: 'pp' }));
	await until('a pong after a pause', async () => got.length === 101);
	assert.equal(got[100].a, 'pp', 'the connection is usable again');
	assert.ok((await scrape(url)).get('pg_ot_gateway_rate_limited_total') >= limited, 'counted in /metrics');
	ws.close();
	// The refusal names the request: a stock client's op callback gets it, and nothing is applied.
	const c = await h.connect(url);
	const doc = h.getDoc(c, 'gw_text', h.uid('rate'));
	await h.subscribe(doc);
	await h.create(doc, 'x', 'text-unicode');
	for (let i = 0; i < 60; i++) c.connection.send({ a: 'pp' });
	const code = await new Promise((resolve) => doc.submitOp([1, 'y'], (err) => resolve(err && err.code)));
	assert.equal(code, 'ERR_RATE_LIMITED', 'the op\'s callback hears why');
	const pg = await h.pgConnect();
	assert.deepEqual(await h.dbFetch(pg, 'gw_text', doc.id), { v: 1, type: h.TYPES['text-unicode'].uri, data: 'x' },
		'the refused op changed nothing');
	await pg.end();
	h.close(c);
	gw.kill('SIGTERM');
	assert.equal(await exited, 0);
});

test('static files: content-hashed assets are cached for a year, everything else is no-store', { skip, timeout: 60000 }, async () => {
	const fs = require('node:fs');
	const os = require('node:os');
	const www = fs.mkdtempSync(path.join(os.tmpdir(), 'pg_ot_www_'));
	fs.mkdirSync(path.join(www, 'assets'));
	fs.writeFileSync(path.join(www, 'index.html'), '<!doctype html><script src="assets/app-ABC123.js"></script>');
	fs.writeFileSync(path.join(www, 'assets', 'app-ABC123.js'), 'console.log(1);');
	const gw = await h.startGateway(['--allow-anonymous', '--www', www]);
	const get = (p) => h.httpGet(`${gw.http}${p}`);
	for (const p of ['/', '/index.html', '/healthz', '/metrics']) {
		const r = await get(p);
		assert.equal(r.status, 200, p);
		assert.equal(r.headers['cache-control'], 'no-store', `${p} is not cached`);
		assert.equal(r.headers['x-content-type-options'], 'nosniff', `${p} has the security headers`);
		assert.match(r.headers['content-security-policy'] || '', /default-src 'none'; script-src 'self'/, `${p} has the CSP`);
	}
	const asset = await get('/assets/app-ABC123.js');
	assert.equal(asset.status, 200);
	assert.equal(asset.body, 'console.log(1);');
	assert.equal(asset.headers['cache-control'], 'public, max-age=31536000', 'a hashed asset is kept a year');
	assert.equal((await get('/assets/missing.js')).status, 404);
	assert.equal((await get('/../etc/passwd')).status === 200, false, 'nothing outside --www');
	await h.stopGateways();
	fs.rmSync(www, { recursive: true, force: true });
});

test('static files: no symbolic link leads out of --www; /assets redirects without naming the request\'s Host', { skip, timeout: 60000 }, async () => {
	const fs = require('node:fs');
	const os = require('node:os');
	const http = require('node:http');
	const www = fs.mkdtempSync(path.join(os.tmpdir(), 'pg_ot_www_'));
	const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'pg_ot_outside_'));
	fs.writeFileSync(path.join(outside, 'secret.txt'), 'SECRET');
	fs.mkdirSync(path.join(www, 'assets'));
	fs.mkdirSync(path.join(www, 'sub'));
	fs.writeFileSync(path.join(www, 'index.html'), 'index');
	fs.writeFileSync(path.join(www, 'sub', 'page.html'), 'page');
	fs.writeFileSync(path.join(www, 'assets', 'app-1.js'), 'app');
	fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(www, 'leak.txt'));
	fs.symlinkSync(outside, path.join(www, 'out'));
	fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(www, 'assets', 'leak.js'));
	fs.symlinkSync(path.join(www, 'index.html'), path.join(www, 'inner.html'));
	const gw = await h.startGateway(['--allow-anonymous', '--www', `${www}/`]);
	const get = (p, headers = {}) => new Promise((resolve) => {
		const req = http.get(`${gw.http}${p}`, { headers }, (res) => {
			let body = '';
			res.on('data', (d) => { body += d; });
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
		});
		req.on('error', (e) => resolve({ status: 0, headers: {}, body: String(e) }));
	});
	for (const p of ['/', '/index.html', '/sub/page.html', '/assets/app-1.js']) {
		assert.equal((await get(p)).status, 200, `${p} is served`);
	}
	for (const p of ['/leak.txt', '/out/secret.txt', '/assets/leak.js', '/inner.html']) {
		const r = await get(p);
		assert.notEqual(r.status, 200, `${p} (a symbolic link) is not served`);
		assert.ok(!r.body.includes('SECRET'), `${p}: nothing of the file outside`);
	}
	const r = await get('/assets', { Host: 'evil.example' });
	assert.equal(r.status, 301, '/assets redirects to /assets/');
	assert.equal(r.headers.location, '/assets/', 'to a path, not to the Host the request named');
	assert.equal(r.headers['x-content-type-options'], 'nosniff', 'with the security headers');
	await h.stopGateways();
	fs.rmSync(www, { recursive: true, force: true });
	fs.rmSync(outside, { recursive: true, force: true });
});
