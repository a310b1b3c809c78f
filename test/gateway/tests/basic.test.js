'use strict';
// Create, subscribe, submit and receive on both types, the type given by
// name and by URI; delete; fetch and subscribe with and without a version;
// a snapshot at a past version (nf).

const { test, after } = require('node:test');
const h = require('../lib/harness');
const { assert } = h;

after(h.closeAll);

// Per type: initial data, three ops by A, one by B, and the document after
// each (positions: code points for text-unicode, UTF-16 units for rich-text,
// so the emoji is 1 wide in one and 2 wide in the other).
const CASES = {
	'text-unicode': {
		collection: 'gw_text',
		initial: 'a😀b',
		opsA: [[2, 'X'], [1, { d: 1 }], ['¡']],
		opB: [4, ' ok'],
		after: ['a😀Xb', 'aXb', '¡aXb', '¡aXb ok'],
	},
	'rich-text': {
		collection: 'gw_rich',
		initial: [{ insert: 'a😀b\n' }],
		opsA: [[{ retain: 3 }, { insert: 'X' }], { ops: [{ retain: 1 }, { delete: 2 }] },
			[{ insert: '¡', attributes: { bold: true } }]],
		opB: { ops: [{ retain: 2 }, { retain: 1, attributes: { italic: true } }] },
		after: [
			{ ops: [{ insert: 'a😀Xb\n' }] },
			{ ops: [{ insert: 'aXb\n' }] },
			{ ops: [{ insert: '¡', attributes: { bold: true } }, { insert: 'aXb\n' }] },
			{ ops: [{ insert: '¡', attributes: { bold: true } }, { insert: 'a' },
				{ insert: 'X', attributes: { italic: true } }, { insert: 'b\n' }] },
		],
	},
};

for (const typeName of Object.keys(CASES)) {
	for (const naming of ['name', 'uri']) {
		test(`create, subscribe, submit, receive: ${typeName}, type given by ${naming}`, { timeout: 120000 }, async (t) => {
			const mark = h.clientWarnings.length;
			const K = CASES[typeName];
			const uri = h.TYPES[typeName].uri;
			const id = h.uid(`basic-${naming}`);
			const typeGiven = naming === 'name' ? typeName : uri;

			const A = await h.connect();
			const B = await h.connect();
			const R = await h.Raw.open();
			await R.handshake();

			// Subscribing to a document that does not exist: version 0, no type.
			const docB = h.getDoc(B, K.collection, id);
			await h.subscribe(docB);
			assert.equal(docB.version, 0, 'a document never created is at version 0');
			assert.equal(docB.type, null, 'and has no type');
			R.send({ a: 's', c: K.collection, d: id });
			const sub = await R.expect((m) => m.a === 's' && m.d === id, 'the s reply');
			assert.equal(sub.error, undefined, 's reply is not an error');
			assert.equal(sub.c, K.collection, 's reply names the collection');
			assert.equal(sub.data.v, 0, 's reply snapshot version');
			assert.ok(sub.data.type == null, 's reply: no type for a document that does not exist');

			// Create (type by name or URI).
			const docA = h.getDoc(A, K.collection, id);
			await h.subscribe(docA);
			await h.create(docA, K.initial, typeGiven);
			assert.equal(docA.version, 1, 'after the create the document is at version 1');
			const [createAck] = h.acks(A, K.collection, id);
			assert.equal(createAck.v, 0, 'the create is acknowledged at version 0');
			assert.equal(createAck.seq, 1, 'the ack carries the seq of the create');

			await h.waitVersion(docB, 1);
			assert.equal(docB.type && docB.type.uri, uri, 'the subscriber has the type');
			assert.deepEqual(h.dataOf(docB), h.normalData(uri, h.TYPES[typeName].type.create(K.initial)),
				'the subscriber has the created data');
			const created = await R.expect((m) => m.a === 'op' && m.d === id && m.create, 'the create broadcast');
			assert.equal(created.v, 0, 'create broadcast at version 0');
			assert.equal(created.create.type, uri, 'the create broadcast names the type by URI, whatever the client sent');
			assert.equal(created.src, h.publicSrc(A.connection.id), 'create broadcast src is the creator');
			assert.equal(created.seq, 1, 'create broadcast seq');

			// A submits three ops; B and the raw subscriber receive each.
			for (const [i, op] of K.opsA.entries()) {
				await h.submit(docA, op);
				assert.equal(docA.version, 2 + i, 'A is at the next version after its ack');
				assert.deepEqual(h.dataOf(docA), h.normalData(uri, K.after[i]), `A after op ${i}`);
				await h.waitVersion(docB, 2 + i);
				assert.deepEqual(h.dataOf(docB), h.normalData(uri, K.after[i]), `B after A's op ${i}`);
				const m = await R.expect((x) => x.a === 'op' && x.d === id && 'op' in x, `the broadcast of op ${i}`);
				assert.equal(m.v, 1 + i, 'the broadcast carries the version the op applied to');
				assert.equal(m.src, h.publicSrc(A.connection.id), 'broadcast src');
				assert.equal(m.seq, 2 + i, 'broadcast seq');
				assert.equal(m.c, K.collection);
			}
			assert.deepEqual(h.acks(A, K.collection, id).map((m) => m.v), [0, 1, 2, 3],
				'each ack carries the version its op applied to');

			// B submits; A receives.
			await h.submit(docB, K.opB);
			await h.waitVersion(docA, 5);
			const final = h.normalData(uri, K.after[3]);
			assert.deepEqual(h.dataOf(docA), final, 'A after B\'s op');
			assert.deepEqual(h.dataOf(docB), final, 'B after its own op');
			const mB = await R.expect((x) => x.a === 'op' && x.d === id && 'op' in x, 'the broadcast of B\'s op');
			assert.equal(mB.v, 4);
			assert.equal(mB.src, h.publicSrc(B.connection.id));

			// The listener saw every op once, in order; the raw one too.
			h.assertDelivered(A, K.collection, id, 4, 5);
			const fetched = await h.fetchFresh(K.collection, id);
			assert.deepEqual(fetched, { v: 5, type: uri, data: final }, 'a fresh fetch');
			if (h.PG_OT) {
				const pg = await h.pgConnect();
				try {
					assert.deepEqual(await h.dbFetch(pg, K.collection, id), fetched, 'ot.fetch');
				} finally { await pg.end(); }
			}
			h.assertClean([A, B], mark);
			h.close(A); h.close(B); R.close();
		});
	}
}

test('delete reaches subscribers; the document keeps its version', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const id = h.uid('del');
	const A = await h.connect();
	const B = await h.connect();
	const docA = h.getDoc(A, 'gw_text', id);
	await h.create(docA, 'bye', 'text-unicode');
	await h.submit(docA, [3, '!']);
	const docB = h.getDoc(B, 'gw_text', id);
	await h.subscribe(docB);
	assert.equal(docB.version, 2);
	await h.del(docA);
	assert.equal(docA.version, 3, 'a delete counts as an op');
	await h.waitVersion(docB, 3);
	assert.equal(docB.type, null, 'the subscriber sees the delete');
	const m = h.opStream(B, 'gw_text', id).find((x) => x.del);
	assert.ok(m && m.del === true && m.v === 2, 'the delete broadcast: del true at version 2');
	const fetched = await h.fetchFresh('gw_text', id);
	assert.equal(fetched.v, 3);
	assert.equal(fetched.type, null, 'a deleted document has no type');
	h.assertClean([A, B], mark);
	h.close(A); h.close(B);
});

// f and s with and without v (reference §1.4): without v the reply carries
// the snapshot; with v the ops from v arrive first, then the reply.
test('fetch and subscribe, with and without a version', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const C = 'gw_text';
	const id = h.uid('fs');
	const W = await h.connect();
	const docW = h.getDoc(W, C, id);
	await h.create(docW, 'abc', 'text-unicode');

	const F = await h.connect();
	const docF = h.getDoc(F, C, id);
	await h.fetch(docF);
	const f1 = F.sent.filter((m) => m.a === 'f' && m.d === id);
	assert.equal(f1.length, 1, 'one f sent');
	assert.ok(f1[0].v == null, 'the first fetch has no version');
	assert.equal(docF.version, 1);
	assert.equal(docF.data, 'abc');
	const r1 = F.received.find((m) => m.a === 'f' && m.d === id);
	assert.deepEqual(h.snapshotOf(r1.data), { v: 1, data: 'abc', type: h.TYPES['text-unicode'].uri }, 'f reply snapshot');

	for (const op of [[3, 'd'], [4, 'e'], [0, '>']]) await h.submit(docW, op);
	await h.fetch(docF);
	const f2 = F.sent.filter((m) => m.a === 'f' && m.d === id)[1];
	assert.equal(f2.v, 1, 'the second fetch asks for the ops since version 1');
	assert.equal(docF.version, 4, 'the ops since version 1 arrived before the f reply');
	assert.equal(docF.data, '>abcde');
	const replyAt = F.received.findIndex((m) => m.a === 'f' && m.d === id && m !== r1 && !m.error);
	const opsAt = F.received.map((m, i) => (m.a === 'op' && m.d === id && 'op' in m ? i : -1)).filter((i) => i >= 0);
	assert.deepEqual(F.received.filter((m) => m.a === 'op' && m.d === id).map((m) => m.v), [1, 2, 3],
		'the catch-up: ops 1, 2, 3, once each');
	assert.ok(opsAt.every((i) => i < replyAt), 'the catch-up ops precede the f reply');
	assert.equal(F.received[replyAt].data, undefined, 'an f reply with a version carries no snapshot');

	// Subscribe with a version: S has version 4, two ops happen, S subscribes.
	const S = await h.connect();
	const docS = h.getDoc(S, C, id);
	await h.fetch(docS);
	assert.equal(docS.version, 4);
	await h.submit(docW, [6, '1']);
	await h.submit(docW, [7, '2']);
	await h.subscribe(docS);
	const s1 = S.sent.find((m) => m.a === 's' && m.d === id);
	assert.equal(s1.v, 4, 's carries the version the client has');
	assert.equal(docS.version, 6, 'the ops since version 4 arrived before the s reply');
	await h.submit(docW, [8, '3']);
	await h.waitVersion(docS, 7);
	assert.equal(docS.data, '>abcde123', 'the subscription is live');
	h.assertDelivered(S, C, id, 4, 7);

	// Subscribe without a version.
	const S2 = await h.connect();
	const docS2 = h.getDoc(S2, C, id);
	await h.subscribe(docS2);
	const s2 = S2.sent.find((m) => m.a === 's' && m.d === id);
	assert.ok(s2.v == null, 'a first subscribe has no version');
	assert.equal(docS2.version, 7);
	assert.equal(docS2.data, '>abcde123');
	await h.submit(docW, [0, '<']);
	await h.waitVersion(docS2, 8);
	await h.waitVersion(docS, 8);
	assert.equal(docS2.data, '<>abcde123');
	h.assertDelivered(S2, C, id, 7, 8);

	// Unsubscribe is acknowledged; later ops are not the client's business.
	await h.unsubscribe(docS2);
	assert.ok(S2.received.some((m) => m.a === 'u' && m.d === id && !m.error), 'u reply');
	h.assertClean([W, F, S, S2], mark);
	for (const c of [W, F, S, S2]) h.close(c);
});

test('snapshot at a past version (nf)', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const id = h.uid('nf');
	const W = await h.connect();
	const docW = h.getDoc(W, 'gw_rich', id);
	await h.create(docW, [{ insert: 'one\n' }], 'rich-text');
	await h.submit(docW, [{ retain: 3 }, { insert: ' two' }]);
	await h.submit(docW, [{ retain: 7 }, { insert: ' three' }]);
	const snap = await h.call('fetchSnapshot at 2',
		(cb) => W.connection.fetchSnapshot('gw_rich', id, 2, cb));
	assert.equal(snap.v, 2, 'snapshot version');
	assert.equal(snap.type, h.TYPES['rich-text'].uri, 'snapshot type');
	assert.deepEqual(h.clone(snap.data), { ops: [{ insert: 'one two\n' }] }, 'the document as it was at version 2');
	const latest = await h.call('fetchSnapshot latest', (cb) => W.connection.fetchSnapshot('gw_rich', id, null, cb));
	assert.equal(latest.v, 3);
	assert.deepEqual(h.clone(latest.data), { ops: [{ insert: 'one two three\n' }] });
	h.assertClean([W], mark);
	h.close(W);
});

// nt: the document as it was at a moment.  The moment is taken between two
// ops with a pause on each side, so clocks need only agree within that.
test('snapshot at a past moment (nt)', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const id = h.uid('nt');
	const pause = () => new Promise((r) => setTimeout(r, 200));
	const W = await h.connect();
	const docW = h.getDoc(W, 'gw_text', id);
	await h.create(docW, 'one', 'text-unicode');
	await h.submit(docW, [3, ' two']);
	await pause();
	const between = Date.now();
	await pause();
	await h.submit(docW, [7, ' three']);
	const snap = await h.call('fetchSnapshotByTimestamp',
		(cb) => W.connection.fetchSnapshotByTimestamp('gw_text', id, between, cb));
	assert.deepEqual([snap.v, snap.type, snap.data], [2, h.TYPES['text-unicode'].uri, 'one two'],
		'the document as it was between the second and the third op');
	const latest = await h.call('fetchSnapshotByTimestamp latest',
		(cb) => W.connection.fetchSnapshotByTimestamp('gw_text', id, null, cb));
	assert.deepEqual([latest.v, latest.data], [3, 'one two three']);
	h.assertClean([W], mark);
	h.close(W);
});
