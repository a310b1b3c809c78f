'use strict';
// Reconnect with an op in flight (reference §1.6): the stock client resends
// its in-flight op on the new connection with the old (src, seq); the server
// must recognise the resend, acknowledge it once and apply it once, whether
// the op had been applied (ack lost), never arrived (request lost), or the
// socket closed right behind it (either).

const { test, after } = require('node:test');
const h = require('../lib/harness');
const { assert } = h;

after(h.closeAll);

const isOp = (id) => (m) => m.a === 'op' && m.d === id && ('op' in m || m.create || m.del);

async function setup(collection, typeName, data) {
	const id = h.uid(`rc-${typeName}`);
	const A = await h.connect();
	const docA = h.getDoc(A, collection, id);
	await h.subscribe(docA);
	await h.create(docA, data, typeName);
	const O = await h.connect();				// an observer that never submits
	const docO = h.getDoc(O, collection, id);
	await h.subscribe(docO);
	return { id, A, docA, O, docO };
}

// Exactly one op in the database per (src, seq), and as many ops as versions.
async function checkDatabase(collection, id, version, src, seq) {
	if (!h.PG_OT) return;
	const pg = await h.pgConnect();
	try {
		const r = await pg.query('SELECT version, src, seq FROM ot.ops($1, $2, 0)', [collection, id]);
		assert.equal(r.rows.length, version, 'ot.ops: one row per version');
		assert.equal(r.rows.filter((x) => x.src === h.publicSrc(src) && Number(x.seq) === seq).length, 1,
			`ot.ops: the op (${src}, ${seq}) is stored once`);
	} finally { await pg.end(); }
}

function submitCounting(doc, op) {
	const rec = { calls: 0, errors: [] };
	rec.done = new Promise((resolve) => {
		doc.submitOp(op, (err) => {
			rec.calls++;
			if (err) rec.errors.push(`${err.code} ${err.message}`);
			resolve();
		});
	});
	return rec;
}

test('ack lost: the op was applied, the resend is acknowledged once and not applied again', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const C = 'gw_text';
	const { id, A, docA, O, docO } = await setup(C, 'text-unicode', 'abc');
	const v0 = docA.version;
	const oldSrc = A.connection.id;

	// The server's ack for the next op is lost with the connection.
	let lostAck = null;
	A.socket.dropIn = (m) => {
		if (m.a === 'op' && m.d === id && !('op' in m) && !m.error && !lostAck) {
			lostAck = m;
			setImmediate(() => A.socket.close());
			return true;
		}
		return false;
	};
	const sent0 = A.sent.length;
	const x = submitCounting(docA, [3, 'X']);
	const sentX = await h.until(() => A.sent.slice(sent0).find((m) => m.a === 'op' && m.d === id), 'X sent');
	const seqX = sentX.seq;
	await h.until(() => A.connection.state === 'disconnected', 'A disconnected', [[A.connection, 'state']]);
	assert.equal(lostAck.seq, seqX, 'the lost message was the ack of X');
	assert.equal(lostAck.v, v0);
	await h.waitVersion(docO, v0 + 1);				// X was applied
	assert.equal(docO.data, 'abcX');
	assert.equal(x.calls, 0, 'no callback while the ack is lost');

	// Offline, the user types more: a pending op after the in-flight one.
	const y = submitCounting(docA, [0, 'Y']);
	const sentBefore = A.sent.length;
	const receivedBefore = A.received.length;
	await h.reconnect(A);
	await Promise.all([x.done, y.done]);
	await h.nothingPending(docA);

	const resent = A.sent.slice(sentBefore).filter((m) => m.a === 'op' && m.d === id && m.seq === seqX);
	assert.equal(resent.length, 1, 'the client resent X once');
	assert.equal(resent[0].src, oldSrc, 'with the src of the first connection');
	const after = A.received.slice(receivedBefore);
	const acksX = after.filter((m) => m.a === 'op' && m.d === id && m.seq === seqX && m.src === oldSrc &&
		!('op' in m) && !m.error);
	assert.equal(acksX.length, 1, 'X is acknowledged once after the reconnect');
	assert.equal(acksX[0].v, v0, 'at the version it was applied at');
	assert.deepEqual(after.filter((m) => m.error), [], 'no error replies');
	assert.deepEqual([x.calls, y.calls], [1, 1], 'each submit callback fired once');
	assert.deepEqual([...x.errors, ...y.errors], [], 'without error');

	assert.equal(docA.version, v0 + 2, 'X and Y: two ops');
	assert.equal(docA.data, 'YabcX', 'X applied once');
	await h.waitVersion(docO, v0 + 2);
	assert.equal(docO.data, 'YabcX');
	h.assertDelivered(O, C, id, v0, v0 + 2);
	assert.deepEqual(await h.fetchFresh(C, id), { v: v0 + 2, type: h.TYPES['text-unicode'].uri, data: 'YabcX' });
	await checkDatabase(C, id, v0 + 2, oldSrc, seqX);

	// The connection goes on: the next op has the next seq and is applied.
	await h.submit(docA, [5, '!']);
	await h.waitVersion(docO, v0 + 3);
	assert.equal(docO.data, 'YabcX!');
	h.assertClean([A, O], mark);
	h.close(A); h.close(O);
});

test('request lost: the op never arrived, the resend is applied once', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const C = 'gw_rich';
	const { id, A, docA, O, docO } = await setup(C, 'rich-text', [{ insert: 'abc\n' }]);
	const v0 = docA.version;
	const oldSrc = A.connection.id;

	let lost = null;
	A.socket.dropOut = (m) => {
		if (m.a === 'op' && m.d === id && !lost) {
			lost = m;
			setImmediate(() => A.socket.close());
			return true;
		}
		return false;
	};
	const x = submitCounting(docA, [{ retain: 1 }, { insert: '😀', attributes: { bold: true } }]);
	await h.until(() => A.connection.state === 'disconnected', 'A disconnected', [[A.connection, 'state']]);
	assert.ok(lost, 'the op was lost on the way');
	const receivedBefore = A.received.length;
	await h.reconnect(A);
	await x.done;
	await h.nothingPending(docA);
	assert.deepEqual([x.calls, x.errors], [1, []], 'the submit callback fired once, without error');
	const after = A.received.slice(receivedBefore);
	assert.equal(after.filter((m) => m.a === 'op' && m.d === id && m.seq === lost.seq && !('op' in m) && !m.error).length, 1,
		'one ack');
	const want = { ops: [{ insert: 'a' }, { insert: '😀', attributes: { bold: true } }, { insert: 'bc\n' }] };
	assert.equal(docA.version, v0 + 1);
	assert.deepEqual(h.dataOf(docA), want);
	await h.waitVersion(docO, v0 + 1);
	assert.deepEqual(h.dataOf(docO), want);
	assert.deepEqual(await h.fetchFresh(C, id), { v: v0 + 1, type: h.TYPES['rich-text'].uri, data: want });
	h.assertDelivered(O, C, id, v0, v0 + 1);
	await checkDatabase(C, id, v0 + 1, oldSrc, lost.seq);
	h.assertClean([A, O], mark);
	h.close(A); h.close(O);
});

// The socket closes right behind the op: whether the server applied it
// before it noticed is a race; either way it must be applied exactly once.
// How each type starts, inserts s at the front, and what it then holds.
const FRONT = {
	'text-unicode': { C: 'gw_text', empty: '', op: (s) => [s], after: (s, e) => s + e },
	'rich-text': { C: 'gw_rich', empty: [], op: (s) => [{ insert: s }],
		after: (s, e) => [{ insert: s + (e[0] ? e[0].insert : '') }] },
	json0: { C: 'gw_json0', empty: { l: [] }, op: (s) => [{ p: ['l', 0], li: s }], after: (s, e) => ({ l: [s, ...e.l] }) },
};
for (const typeName of ['text-unicode', 'rich-text', 'json0']) {
	test(`socket closed under an op in flight, five times: each op applied once (${typeName})`, { timeout: 120000 }, async () => {
		const mark = h.clientWarnings.length;
		const F = FRONT[typeName];
		const C = F.C;
		const { id, A, docA, O, docO } = await setup(C, typeName, F.empty);
		let expected = F.empty;
		const ids = [];
		for (let i = 0; i < 5; i++) {
			const v = docA.version;
			A.socket.dropOut = (m) => {
				if (m.a === 'op' && m.d === id && 'op' in m) {
					A.socket.dropOut = null;
					queueMicrotask(() => A.socket.close());	// after this frame is written
				}
				return false;
			};
			const s = `${i}😀`;
			const op = F.op(s);
			const sent0 = A.sent.length;
			const x = submitCounting(docA, op);
			const sent = await h.until(() => A.sent.slice(sent0).find((m) => m.a === 'op' && m.d === id), 'the op sent');
			ids.push([sent.src || A.connection.id, sent.seq]);
			await h.until(() => A.connection.state === 'disconnected', 'A disconnected', [[A.connection, 'state']]);
			await h.reconnect(A);
			await x.done;
			await h.nothingPending(docA);
			assert.deepEqual([x.calls, x.errors], [1, []], `round ${i}: callback once, no error`);
			assert.equal(docA.version, v + 1, `round ${i}: one op`);
			expected = F.after(s, expected);
		}
		const want = h.normalData(h.TYPES[typeName].uri, expected);
		assert.deepEqual(h.dataOf(docA), want, 'every op applied once');
		const final = await h.fetchFresh(C, id);
		assert.deepEqual(final, { v: 6, type: h.TYPES[typeName].uri, data: want });
		await h.waitVersion(docO, 6);
		assert.deepEqual(h.dataOf(docO), want);
		h.assertDelivered(O, C, id, 1, 6);
		for (const [src, seq] of ids) await checkDatabase(C, id, 6, src, seq);
		h.assertClean([A, O], mark);
		h.close(A); h.close(O);
	});
}

// The gateway that took the op goes away before its ack (a restart, or the
// client comes back elsewhere): the id the client returns with is proved by
// the new gateway process, the resend recognised and applied once.
test('ack lost, then the gateway restarts: the resend through the new process is applied once', { skip: h.SKIP_UNLESS_PG_OT, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const C = 'gw_text';
	let gw = await h.startGateway(['--allow-anonymous']);
	const id = h.uid('rc-restart');
	const A = await h.connect(gw.url);
	const docA = h.getDoc(A, C, id);
	await h.subscribe(docA);
	await h.create(docA, 'abc', 'text-unicode');
	const O = await h.connect(h.URLS[0]);
	const docO = h.getDoc(O, C, id);
	await h.subscribe(docO);
	const oldSrc = A.connection.id;
	let lostAck = null;
	A.socket.dropIn = (m) => {
		if (m.a === 'op' && m.d === id && !('op' in m) && !m.error && !lostAck) {
			lostAck = m;
			return true;
		}
		return false;
	};
	const x = submitCounting(docA, [3, 'X']);
	await h.waitVersion(docO, 2);					// X was applied
	await h.until(() => lostAck, 'the ack of X (lost)');
	await h.stopGateways();							// the clients are closed with 1001
	await h.until(() => A.connection.state !== 'connected', 'A disconnected', [[A.connection, 'state']]);
	gw = await h.startGateway(['--allow-anonymous']);
	for (const url of [gw.url, h.URLS[h.URLS.length - 1]]) {
		const receivedBefore = A.received.length;
		await h.reconnect(A, url);
		if (url === gw.url) {
			await x.done;
			const after = A.received.slice(receivedBefore);
			assert.equal(after.find((m) => m.a === 'hs').id, oldSrc, 'the new process gives the client its id back');
			assert.equal(after.filter((m) => m.a === 'op' && m.d === id && m.seq === lostAck.seq && m.src === oldSrc &&
				!('op' in m) && !m.error).length, 1, 'the resend is acknowledged once, under the client\'s id');
		}
		await h.nothingPending(docA);
		await h.submit(docA, [0, url === gw.url ? 'Y' : 'Z']);
		A.socket.close();
		await h.until(() => A.connection.state !== 'connected', 'A disconnected', [[A.connection, 'state']]);
	}
	assert.deepEqual([x.calls, x.errors], [1, []], 'the submit callback fired once, without error');
	await h.waitVersion(docO, 4);
	assert.equal(docO.data, 'ZYabcX', 'X applied once; the ops after it through either gateway too');
	await checkDatabase(C, id, 4, oldSrc, lostAck.seq);
	h.assertClean([A, O], mark);
	h.close(A); h.close(O);
	await h.stopGateways();
});
