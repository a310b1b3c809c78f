'use strict';
// Each version reaches a client once, and its own op only as its ack, when
// the client resends and resubscribes after losing its gateway (pg_ot only:
// gateways of the test's own are killed).  The harness counts what every
// stock client receives (lib/harness.js, assertDeliveredOnce); these tests
// make the cases where that used to fail: a gateway SIGKILLed after the
// client's op committed, the ack lost with it, while others type; the
// client comes back through another gateway, or through the same one
// restarted, resends its op (old src, same seq, the stale version) and
// subscribes again from its version.  The resend's reply then carries the
// ops the op was transformed against, and the subscription's read carries
// them again, with the client's own op among them.

const { test, after } = require('node:test');
const { spawn } = require('node:child_process');
const h = require('../lib/harness');
const { assert } = h;

const skip = h.SKIP_UNLESS_PG_OT;
const gateways = new Set();

after(async () => {
	await h.closeAll();
	for (const gw of gateways) gw.kill('SIGKILL');
});

// A gateway of this file's own on port; resolves once it listens there and
// /healthz is 200 (another run's gateway may hold the port: then it exits).
async function gateway(port) {
	const gw = spawn(process.env.GATEWAY_BIN, ['--db', process.env.GATEWAY_DB, '--listen', '127.0.0.1',
		'--port', String(port), '--allow-anonymous'], { stdio: ['ignore', 'pipe', 'pipe'] });
	gw.log = '';
	gw.stdout.on('data', (d) => { gw.log += d; });
	gw.stderr.on('data', (d) => { gw.log += d; });
	gw.exited = new Promise((resolve) => gw.once('exit', (code, signal) => resolve({ code, signal })));
	gw.url = `ws://127.0.0.1:${port}`;
	gateways.add(gw);
	const deadline = Date.now() + h.WAIT_MS;
	for (;;) {
		if (gw.exitCode === null && gw.log.includes(`listening on 127.0.0.1 port ${port}`) &&
			(await h.httpGet(`http://127.0.0.1:${port}/healthz`)).status === 200) return gw;
		if (gw.exitCode !== null || Date.now() > deadline) throw new Error(`gateway did not start:\n${gw.log}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

async function kill(gw) {
	gw.kill('SIGKILL');
	await gw.exited;
	gateways.delete(gw);
}

// Someone typing on doc until stop() resolves; acked counts its acks.
function typist(doc, name) {
	const t = { acked: 0, typing: true };
	t.done = (async () => {
		for (let k = 0; t.typing; k++) {
			await new Promise((resolve) => doc.submitOp([`<${name}${k}>`], (err) => {
				if (!err) t.acked++;
				resolve();
			}));
		}
	})();
	t.stop = async () => { t.typing = false; await t.done; };
	return t;
}

const ROUNDS = 5;

for (const where of ['another gateway', 'the same gateway restarted']) {
	test(`gateway killed after the client's op committed; it resends and resubscribes through ${where}: ` +
		'each version once, its op only as its ack', { skip, timeout: 300000 }, async (t) => {
		const mark = h.clientWarnings.length;
		const ports = [process.env.GATEWAY_SPARE_PORT, process.env.GATEWAY_SPARE_PORT2];
		const C = 'gw_text';
		const id = h.uid('killed');
		for (const old of [...gateways]) await kill(old);	// left by a test that failed
		let gw = await gateway(ports[0]);

		// Two typists through the suite's gateways, an observer, and A on gw.
		const B = await h.connect(h.URLS[0]);
		const docB = h.getDoc(B, C, id);
		await h.subscribe(docB);
		await h.create(docB, '', 'text-unicode');
		const D = await h.connect(h.URLS[h.URLS.length - 1]);
		const docD = h.getDoc(D, C, id);
		await h.subscribe(docD);
		const O = await h.connect(h.URLS[0]);
		const docO = h.getDoc(O, C, id);
		await h.subscribe(docO);
		const A = await h.connect(gw.url);
		const docA = h.getDoc(A, C, id);
		await h.subscribe(docA);
		const typists = [typist(docB, 'b'), typist(docD, 'd')];
		let transformed = 0;

		for (let round = 0; round < ROUNDS; round++) {
			// A stops hearing the document (the ops are lost with the
			// gateway), so its next op is stale; the op commits, and its ack
			// reaching A's socket is the moment gw dies.
			const stale = docA.version;
			let ack = null;
			A.socket.dropIn = (m) => {
				if (m.a !== 'op' || m.d !== id) return false;
				if (!('op' in m) && !m.error && !ack) {
					ack = m;
					kill(gw);
				}
				return true;
			};
			const before = typists.map((x) => x.acked);
			await h.until(() => typists.every((x, i) => x.acked > before[i] + 1), 'the others to type on');
			const sent0 = A.sent.length;
			const x = new Promise((resolve, reject) => docA.submitOp([0, `[A${round}]`],
				(err) => (err ? reject(err) : resolve())));
			const sent = await h.until(() => A.sent.slice(sent0).find((m) => m.a === 'op' && m.d === id), 'A\'s op sent');
			assert.equal(sent.v, stale, 'A\'s op went at its stale version');
			await h.until(() => A.connection.state === 'disconnected', 'A to lose its gateway',
				[[A.connection, 'state']]);
			assert.ok(ack && ack.v > stale, `the op committed at ${ack && ack.v}, transformed past ${stale}`);
			transformed += ack.v - stale;

			// Back: to a second gateway of this test's (where nobody else
			// has the document), or to gw restarted on its port.
			if (where === 'another gateway') gw = await gateway(ports[(round + 1) % 2]);
			else gw = await gateway(ports[0]);
			const resend0 = A.sent.length;
			await h.reconnect(A, gw.url).catch((e) => { throw new Error(`${e.message}; the gateway's log:\n${gw.log}`); });
			await x;
			await h.nothingPending(docA);
			const again = A.sent.slice(resend0).filter((m) => m.a === 'op' && m.d === id && m.seq === sent.seq);
			assert.equal(again.length, 1, 'A resent its op once');
			assert.equal(again[0].v, stale, 'at the same stale version');
			assert.ok(A.sent.slice(resend0).some((m) => m.a === 's' && m.d === id && m.v === stale),
				'and subscribed again from it');
			const acksAfter = h.acks(A, C, id).filter((m) => m.seq === sent.seq);
			assert.equal(acksAfter.length, 1, 'its op was acknowledged once, by the new gateway');
			assert.equal(acksAfter[0].v, ack.v, 'at the version it committed at');
		}

		await Promise.all(typists.map((x) => x.stop()));
		for (const doc of [docA, docB, docD]) await h.nothingPending(doc);
		const pg = await h.pgConnect();
		const final = await h.dbFetch(pg, C, id);
		await pg.end();
		for (const doc of [docA, docB, docD, docO]) {
			await h.waitVersion(doc, final.v);
			assert.equal(doc.data, final.data, 'converged to ot.fetch');
		}
		t.diagnostic(`${ROUNDS} kills; the resent ops were transformed past ${transformed} ops; final version ${final.v}`);
		h.assertDelivered(O, C, id, 1, final.v);
		h.assertDeliveredOnce();
		h.assertClean([A, B, D, O], mark);
		for (const c of [A, B, D, O]) h.close(c);
		await kill(gw);
	});
}

// The src an op carries need not be its connection's: a client that came
// back with another id resends under the old one.  The gateway knows the
// session's ops by (src, seq) whatever the src; ShareDB (sharedb 7) knows
// them by the connection's src only, and its subscribe sends the ops since
// the version asked, the resent one included, as an op: it would fail here.
test('a resend under an older connection\'s src, then a subscription from before it: the op arrives only as its ack',
	{ skip, timeout: 120000 }, async () => {
		const C = 'gw_text';
		const id = h.uid('oldsrc');
		const W = await h.connect(h.URLS[0]);
		const docW = h.getDoc(W, C, id);
		await h.subscribe(docW);
		await h.create(docW, 'abc', 'text-unicode');
		const v0 = docW.version;

		const R1 = await h.Raw.open(h.URLS[0]);
		await R1.handshake();
		const op = { a: 'op', c: C, d: id, v: v0, seq: 1, op: ['X'] };
		R1.send(op);
		const ack1 = await R1.expect((m) => m.a === 'op' && m.d === id && !('op' in m), 'the first ack');
		assert.equal(ack1.error, undefined);
		R1.close();
		for (let i = 0; i < 3; i++) await h.submit(docW, [0, `${i}`]);
		const head = docW.version;

		// A new connection, a new id; the op again under the old one, then s from v0.
		const R2 = await h.Raw.open(h.URLS[h.URLS.length - 1]);
		const hs = await R2.handshake();
		assert.notEqual(hs.id, R1.id, 'a new connection id');
		R2.send({ ...op, src: R1.id });
		R2.send({ a: 's', c: C, d: id, v: v0 });
		await R2.expect((m) => m.a === 's' && m.d === id, 'the s reply');
		const ack2 = await R2.expect((m) => m.a === 'op' && m.d === id && !('op' in m) && m.seq === 1, 'the ack');
		assert.deepEqual([ack2.error, ack2.v, ack2.src], [undefined, ack1.v, R1.id], 'acknowledged at its version');
		await h.until(() => R2.all.filter((m) => m.a === 'op' && m.d === id && !m.error).length >= head - v0,
			`versions ${v0}..${head - 1}`, [], () => JSON.stringify(R2.all));
		// Whatever the gateway sent before this pong is in by then.
		R2.send({ a: 'pp' });
		await R2.expect((m) => m.a === 'pp', 'the pong');
		const got = R2.all.filter((m) => m.a === 'op' && m.d === id && !m.error);
		assert.deepEqual(got.map((m) => m.v), [...Array(head - v0).keys()].map((i) => v0 + i),
			'each version once, in order');
		assert.deepEqual(got.filter((m) => m.src === R1.id && m.seq === 1).map((m) => 'op' in m), [false],
			'the op only as its ack');
		R2.close();
		h.close(W);
	});
