'use strict';
// Presence on a rich-text document (reference §1.9): two stock clients see
// each other's cursor; a presence sent at an old version is transformed by
// the server to the current one; a client that disconnects is removed
// (p: null) from the others.

const { test, after } = require('node:test');
const h = require('../lib/harness');
const { assert } = h;

after(h.closeAll);

const C = 'gw_rich';
const URI = h.TYPES['rich-text'].uri;

// Remote presences a DocPresence received: id -> list of values, in order.
function watch(presence) {
	const seen = new Map();
	presence.on('receive', (id, value) => {
		if (!seen.has(id)) seen.set(id, []);
		seen.get(id).push(h.clone(value));
	});
	return seen;
}
const last = (seen, id) => (seen.has(id) ? seen.get(id)[seen.get(id).length - 1] : undefined);

test('presence between two clients on a rich-text document, removed on disconnect', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const id = h.uid('presence');
	const A = await h.connect();
	const B = await h.connect();
	const docA = h.getDoc(A, C, id);
	await h.subscribe(docA);
	await h.create(docA, [{ insert: 'Hello world\n' }], 'rich-text');
	const docB = h.getDoc(B, C, id);
	await h.subscribe(docB);

	const pA = A.connection.getDocPresence(C, id);
	const pB = B.connection.getDocPresence(C, id);
	const seenA = watch(pA);
	const seenB = watch(pB);
	await h.call('presence subscribe A', (cb) => pA.subscribe(cb));
	await h.call('presence subscribe B', (cb) => pB.subscribe(cb));
	assert.ok(A.received.some((m) => m.a === 'ps' && m.ch === `${C}.${id}` && !m.error), 'ps reply to A');

	const alice = pA.create('alice');
	const bob = pB.create('bob');
	await h.call('alice submits', (cb) => alice.submit({ index: 2, length: 3, name: 'Alice' }, cb));
	await h.until(() => last(seenB, 'alice'), 'B receives alice', [[pB, 'receive']]);
	assert.deepEqual(last(seenB, 'alice'), { index: 2, length: 3, name: 'Alice' }, 'B sees alice\'s range, extra keys kept');
	const pmsg = B.received.find((m) => m.a === 'p' && m.id === 'alice');
	assert.equal(pmsg.ch, `${C}.${id}`, 'channel');
	assert.equal(pmsg.src, h.publicSrc(A.connection.id), 'the presence carries the sender\'s src');
	assert.equal(pmsg.c, C);
	assert.equal(pmsg.d, id);
	assert.equal(pmsg.v, docA.version);
	assert.equal(pmsg.t, URI);
	assert.ok(A.received.some((m) => m.a === 'p' && m.id === 'alice' && !m.error), 'the sender gets its presence back as the reply');

	await h.call('bob submits', (cb) => bob.submit({ index: 0, length: 0 }, cb));
	await h.until(() => last(seenA, 'bob'), 'A receives bob', [[pA, 'receive']]);
	assert.deepEqual(last(seenA, 'bob'), { index: 0, length: 0 });

	// An op before alice's cursor: both sides move it.
	await h.submit(docB, [{ insert: '>> ' }]);
	await h.waitVersion(docA, 2);
	await h.call('alice submits again', (cb) => alice.submit({ index: 8, length: 0 }, cb));
	await h.until(() => last(seenB, 'alice') && last(seenB, 'alice').index === 8, 'B receives alice at 8',
		[[pB, 'receive']], () => JSON.stringify(last(seenB, 'alice')));

	// A disconnects without a word: B must see alice go.
	A.socket.terminate();
	await h.until(() => seenB.get('alice').length && last(seenB, 'alice') === null, 'alice removed on B',
		[[pB, 'receive']], () => JSON.stringify(seenB.get('alice')));
	const gone = B.received.filter((m) => m.a === 'p' && m.id === 'alice').pop();
	assert.equal(gone.p, null, 'the removal is a p message with p: null');
	assert.equal(gone.ch, `${C}.${id}`);
	assert.ok(!('alice' in pB.remotePresences), 'no remote presence alice left on B');
	assert.deepEqual(B.errors, []);
	assert.deepEqual(h.clientWarnings.slice(mark), [], 'warnings of the stock client');
	h.close(A); h.close(B);
});

// A presence made at version v, sent after an op moved the text: the server
// transforms it to the latest version before it fans it out (§1.9 step 2).
test('a presence sent at an old version is transformed by the server', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const id = h.uid('presence-old');
	const B = await h.connect();
	const docB = h.getDoc(B, C, id);
	await h.subscribe(docB);
	await h.create(docB, [{ insert: 'abcdef\n' }], 'rich-text');
	const pB = B.connection.getDocPresence(C, id);
	const seenB = watch(pB);
	await h.call('presence subscribe B', (cb) => pB.subscribe(cb));

	const R = await h.Raw.open();
	await R.handshake();
	const ch = `${C}.${id}`;
	R.send({ a: 'ps', ch, seq: 1 });
	const ps = await R.expect((m) => m.a === 'ps' && m.ch === ch, 'the ps reply');
	assert.equal(ps.error, undefined);
	assert.equal(ps.seq, 1, 'the ps reply echoes seq');
	R.send({ a: 's', c: C, d: id });
	const s = await R.expect((m) => m.a === 's' && m.d === id, 'the s reply');
	const v1 = s.data.v;
	assert.equal(v1, 1);

	// B inserts 3 characters at 0 (emoji: 2 UTF-16 units + 1).
	await h.submit(docB, [{ insert: '😀!' }]);
	await R.expect((m) => m.a === 'op' && m.d === id && m.v === v1, 'B\'s op on the raw connection');

	// The raw client's cursor at index 2, made at version 1, sent now.
	R.send({ a: 'p', ch, id: 'raw', p: { index: 2, length: 2 }, pv: 0, c: C, d: id, v: v1, t: URI });
	const reply = await R.expect((m) => m.a === 'p' && m.id === 'raw', 'the p reply');
	assert.equal(reply.error, undefined, 'the p reply is not an error');
	await h.until(() => B.received.some((m) => m.a === 'p' && m.id === 'raw'), 'B receives the raw presence');
	const got = B.received.find((m) => m.a === 'p' && m.id === 'raw');
	assert.equal(got.v, v1 + 1, 'fanned out at the latest version');
	assert.deepEqual(got.p, { index: 5, length: 2 }, 'moved past the 3 units inserted before it');
	assert.equal(got.src, h.publicSrc(R.id), 'with the sender\'s src');
	await h.until(() => last(seenB, 'raw'), 'B\'s presence sees raw', [[pB, 'receive']]);
	assert.deepEqual(last(seenB, 'raw'), { index: 5, length: 2 });

	// Unsubscribing from presence (pu) also removes it.
	R.send({ a: 'pu', ch, seq: 2 });
	const pu = await R.expect((m) => m.a === 'pu' && m.ch === ch, 'the pu reply');
	assert.equal(pu.error, undefined);
	assert.equal(pu.seq, 2);
	await h.until(() => last(seenB, 'raw') === null, 'raw removed on B after pu', [[pB, 'receive']],
		() => JSON.stringify(seenB.get('raw')));
	assert.deepEqual(B.errors, []);
	assert.deepEqual(h.clientWarnings.slice(mark), []);
	h.close(B); R.close();
});
