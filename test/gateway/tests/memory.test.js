'use strict';
// Bounds on what the whole gateway holds (pg_ot only), each driven to its
// limit on a gateway of this file's own with small ones:
//   --doc-log-bytes    the op frames one document keeps for subscribers
//                      that fall behind (a subscriber further behind reads
//                      the op log: it still gets every version once)
//   --max-connections  connections the gateway holds, sessions or not
// Per-connection bounds are driven to theirs in limits.test.js.

const { test, before, after } = require('node:test');
const net = require('node:net');
const h = require('../lib/harness');
const { assert } = h;

const skip = h.SKIP_UNLESS_PG_OT;
const LOG_BYTES = 65536;
const MAX_CONNECTIONS = 8;
let gw;

before(async () => {
	if (skip) return;
	gw = await h.startGateway(['--allow-anonymous', '--doc-log-bytes', String(LOG_BYTES),
		'--max-connections', String(MAX_CONNECTIONS), '--handshake-timeout', '600']);
});

after(async () => {
	await h.closeAll();
	await h.stopGateways();
});

async function metric(name) {
	const r = await h.httpGet(`${gw.http}/metrics`);
	const m = new RegExp(`^pg_ot_gateway_${name} (\\S+)$`, 'm').exec(r.body);
	assert.ok(m, `/metrics has ${name}`);
	return Number(m[1]);
}

// Polls until fn() holds (a failing fn, e.g. a metrics request refused while full, is a no).
async function eventually(what, fn) {
	const deadline = Date.now() + h.WAIT_MS;
	while (!(await fn().catch(() => false))) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

test('--doc-log-bytes: a document keeps at most that many bytes of op frames; a late subscriber reads the rest', { skip, timeout: 120000 }, async (t) => {
	const id = h.uid('log-bytes');
	const writer = await h.connect(gw.url);
	const doc = h.getDoc(writer, 'gw_text', id);
	await h.subscribe(doc);
	await h.create(doc, '', 'text-unicode');
	const chunk = 'z'.repeat(4000);
	let most = 0;
	// 60 ops of 4 kB: 240 kB of frames, far fewer than the 128 versions the
	// log keeps by count, so only the byte bound can hold it to 64 kB.
	for (let i = 0; i < 60; i++) {
		await h.submit(doc, [`${i % 10}${chunk}`]);
		most = Math.max(most, await metric('document_log_bytes'));
	}
	t.diagnostic(`at most ${most} bytes in the log (bound ${LOG_BYTES})`);
	assert.ok(most <= LOG_BYTES + 4200, `the log held at most the bound and one frame (${most} bytes)`);
	assert.ok(most > LOG_BYTES / 2, `the log was used up to near the bound (${most} bytes)`);
	// A subscriber from version 1 gets every version once, in order: what the
	// log dropped comes from the op log.
	const late = await h.Raw.open(gw.url);
	await late.handshake();
	late.send({ a: 's', c: 'gw_text', d: id, v: 1 });
	await late.expect((m) => m.a === 's' && m.d === id, 'the subscribe reply');
	const ops = late.all.filter((m) => m.a === 'op' && m.d === id && 'op' in m).map((m) => m.v);
	assert.deepEqual(ops, Array.from({ length: 60 }, (_, i) => i + 1), 'versions 1 to 60, once each, in order');
	h.close(writer); late.close();
	await eventually('the released document to leave nothing on the account',
		async () => (await metric('document_log_bytes')) === 0);
});

test('--max-connections: past it connections are closed as they are accepted; one gone makes room', { skip, timeout: 120000 }, async () => {
	const port = Number(new URL(gw.url).port);
	const socks = [];
	const closed = [];
	// From addresses of their own, so no per-address limit is what refuses them.
	for (let i = 0; i < MAX_CONNECTIONS + 4; i++) {
		const sock = net.connect({ port, host: '127.0.0.1', localAddress: `127.0.1.${i + 1}` });
		sock.on('error', () => {});
		sock.on('close', () => closed.push(i));
		socks.push(sock);
		await new Promise((resolve) => { sock.once('connect', resolve); sock.once('close', resolve); });
	}
	await h.until(() => closed.length >= 4, 'the 4 connections past the limit to be closed');
	assert.deepEqual([...closed].sort((a, b) => a - b), [8, 9, 10, 11], 'the connections past the limit are closed');
	// One gone makes room for one more (a metrics request would be a connection too: none while full).
	socks[0].destroy();
	let stays = false;
	for (let tries = 0; !stays && tries < 50; tries++) {
		const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.2.1' });
		s.on('error', () => {});
		stays = await new Promise((resolve) => {
			s.once('close', () => resolve(false));
			s.once('connect', () => setTimeout(() => resolve(!s.destroyed), 300));
		});
		socks.push(s);
	}
	assert.ok(stays, 'a connection is accepted again once one is gone');
	for (const s of socks) s.destroy();
	await eventually('the idle connections to be released', async () => (await metric('connections_pending')) <= 1);
	assert.ok(await metric('connections_refused_pending_total') >= 4, 'each refusal counted');
});

test('a collection or id over 1,024 bytes is refused before the gateway holds anything for it', { skip, timeout: 60000 }, async () => {
	const r = await h.Raw.open(gw.url);
	await r.handshake();
	const docs0 = await metric('documents');
	const long = 'x'.repeat(1025);
	for (const m of [{ a: 's', c: 'gw_text', d: long }, { a: 'f', c: long, d: 'x' },
		{ a: 'bs', c: 'gw_text', b: [long] }, { a: 'op', c: 'gw_text', d: long, v: 0, seq: 1, create: { type: 'text-unicode' } }]) {
		r.send(m);
		const reply = await r.expect((x) => x.a === m.a && x.error, `the refusal of ${m.a}`);
		assert.equal(reply.error.code, 'ERR_MESSAGE_BADLY_FORMED', `${m.a} with a name of 1,025 bytes`);
	}
	assert.equal(await metric('documents'), docs0, 'no document held for them');
	r.send({ a: 's', c: 'gw_text', d: 'x'.repeat(1024) });
	const ok = await r.expect((x) => x.a === 's' && x.d && x.d.length === 1024, 'a subscribe with an id of 1,024 bytes');
	assert.equal(ok.error, undefined, 'an id of 1,024 bytes is fine');
	r.close();
});
