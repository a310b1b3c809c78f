'use strict';
// Bulk fetch, subscribe and unsubscribe (bf / bs / bu, reference §1.4): the
// stock client sends them for several documents of one collection between
// connection.startBulk() and endBulk(), and on every reconnect; with an
// array of ids when it has no versions, an object {id: version} when it has.

const { test, after } = require('node:test');
const h = require('../lib/harness');
const { assert } = h;

after(h.closeAll);

const C = 'gw_bulk';

// Four documents of both types, each with a couple of ops; returns the
// writer, its docs and the ids.
async function setup(prefix) {
	const W = await h.connect();
	const specs = [
		['text-unicode', 'one'], ['rich-text', [{ insert: 'two\n' }]],
		['text-unicode', 'three'], ['rich-text', [{ insert: 'four\n' }]],
	];
	const docs = [];
	for (const [i, [type, data]] of specs.entries()) {
		// (on partitions, spread over them: one bulk request spans them all)
		const d = h.getDoc(W, C, h.uidOn(C, `${prefix}${i}`, i));
		await h.subscribe(d);
		await h.create(d, data, type);
		await h.submit(d, type === 'text-unicode' ? [0, `${i}:`] : [{ insert: `${i}:` }]);
		docs.push(d);
	}
	if (h.PARTITIONS) {
		assert.equal(new Set(docs.map((d) => h.partitionOf(C, d.id))).size, Math.min(h.PARTITIONS, docs.length),
			'the documents of one bulk request are on every partition (the file\'s end checks they are where ot.partition_of says)');
	}
	return { W, docs, ids: docs.map((d) => d.id) };
}
function bump(doc, s) {
	return h.submit(doc, doc.type.name === 'text-unicode' ? [0, s] : [{ insert: s }]);
}
function inBulk(client, fn) {
	client.connection.startBulk();
	try { return fn(); } finally { client.connection.endBulk(); }
}
const sorted = (xs) => [...xs].sort();

test('bulk subscribe and fetch without versions (bs / bf with an array)', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const { W, docs, ids } = await setup('bs');
	const missing = h.uid('bs-missing');

	const R = await h.connect();
	const rdocs = [...ids, missing].map((id) => h.getDoc(R, C, id));
	await Promise.all(inBulk(R, () => rdocs.map((d) => h.subscribe(d))));
	const bs = R.sent.filter((m) => m.c === C && ['s', 'bs'].includes(m.a));
	assert.equal(bs.length, 1, 'one subscribe message for the five documents');
	assert.equal(bs[0].a, 'bs', 'it is a bulk subscribe');
	assert.ok(Array.isArray(bs[0].b), 'with an array of ids (no versions)');
	assert.deepEqual(sorted(bs[0].b), sorted([...ids, missing]));
	const reply = R.received.find((m) => m.a === 'bs' && m.c === C);
	assert.ok(reply && !reply.error, 'a bs reply without error');
	assert.deepEqual(sorted(Object.keys(reply.data)), sorted([...ids, missing]), 'the reply has a snapshot per id');
	for (const [i, d] of docs.entries()) {
		assert.equal(rdocs[i].version, d.version, `${d.id} version`);
		assert.equal(rdocs[i].type.uri, d.type.uri, `${d.id} type`);
		assert.deepEqual(h.dataOf(rdocs[i]), h.dataOf(d), `${d.id} data`);
		assert.equal(reply.data[d.id].type, d.type.uri, 'the snapshot names the type by URI');
	}
	assert.equal(rdocs[4].version, 0, 'a document that does not exist: version 0');
	assert.equal(rdocs[4].type, null, 'and no type');

	// The subscriptions are live, each document's.
	for (const [i, d] of docs.entries()) await bump(d, `live${i} `);
	for (const [i, d] of docs.entries()) {
		await h.waitVersion(rdocs[i], d.version);
		assert.deepEqual(h.dataOf(rdocs[i]), h.dataOf(d), `${d.id} after a live op`);
		h.assertDelivered(R, C, d.id, d.version - 1, d.version);
	}

	// Bulk fetch.
	const F = await h.connect();
	const fdocs = ids.map((id) => h.getDoc(F, C, id));
	await Promise.all(inBulk(F, () => fdocs.map((d) => h.fetch(d))));
	const bf = F.sent.filter((m) => m.c === C && ['f', 'bf'].includes(m.a));
	assert.equal(bf.length, 1, 'one fetch message');
	assert.equal(bf[0].a, 'bf');
	assert.ok(Array.isArray(bf[0].b), 'with an array of ids');
	for (const [i, d] of docs.entries()) {
		assert.equal(fdocs[i].version, d.version, `${d.id} fetched version`);
		assert.deepEqual(h.dataOf(fdocs[i]), h.dataOf(d), `${d.id} fetched data`);
	}

	// Bulk unsubscribe is acknowledged.
	await Promise.all(inBulk(R, () => rdocs.map((d) => h.unsubscribe(d))));
	const bu = R.sent.filter((m) => m.c === C && ['u', 'bu'].includes(m.a));
	assert.equal(bu.length, 1, 'one unsubscribe message');
	assert.equal(bu[0].a, 'bu');
	assert.ok(R.received.some((m) => m.a === 'bu' && m.c === C && !m.error), 'a bu reply');
	h.assertClean([W, R, F], mark);
	for (const c of [W, R, F]) h.close(c);
});

test('bulk subscribe and fetch with versions (bs / bf with {id: version})', { timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const { W, docs, ids } = await setup('bsv');

	// The reader has every document at its current version...
	const R = await h.connect();
	const rdocs = ids.map((id) => h.getDoc(R, C, id));
	await Promise.all(inBulk(R, () => rdocs.map((d) => h.fetch(d))));
	const have = rdocs.map((d) => d.version);
	// ... then each document gets one to three more ops.
	for (const [i, d] of docs.entries()) for (let n = 0; n <= i % 3; n++) await bump(d, `+${i}.${n} `);

	await Promise.all(inBulk(R, () => rdocs.map((d) => h.subscribe(d))));
	const bs = R.sent.filter((m) => m.c === C && ['s', 'bs'].includes(m.a));
	assert.equal(bs.length, 1, 'one subscribe message');
	assert.equal(bs[0].a, 'bs');
	assert.ok(bs[0].b && !Array.isArray(bs[0].b), 'with an object {id: version}');
	assert.deepEqual(bs[0].b, Object.fromEntries(ids.map((id, i) => [id, have[i]])), 'the versions the client has');
	const replyAt = R.received.findIndex((m) => m.a === 'bs' && m.c === C);
	assert.ok(replyAt >= 0 && !R.received[replyAt].error, 'a bs reply without error');
	for (const [i, d] of docs.entries()) {
		assert.equal(rdocs[i].version, d.version, `${d.id}: the ops since ${have[i]} arrived before the bs reply`);
		assert.deepEqual(h.dataOf(rdocs[i]), h.dataOf(d), `${d.id} data`);
		const stream = R.received.map((m, at) => ({ m, at }))
			.filter(({ m }) => m.a === 'op' && m.d === d.id && 'op' in m);
		assert.deepEqual(stream.map(({ m }) => m.v), Array.from({ length: d.version - have[i] }, (_, k) => have[i] + k),
			`${d.id}: each missing op once, in order`);
		assert.ok(stream.every(({ at }) => at < replyAt), `${d.id}: the catch-up precedes the reply`);
	}
	for (const d of docs) await bump(d, 'live ');
	for (const [i, d] of docs.entries()) {
		await h.waitVersion(rdocs[i], d.version);
		assert.deepEqual(h.dataOf(rdocs[i]), h.dataOf(d), `${d.id} after a live op`);
	}

	// Bulk fetch with versions: a second reader, behind by the live op.
	const F = await h.connect();
	const fdocs = ids.map((id) => h.getDoc(F, C, id));
	await Promise.all(inBulk(F, () => fdocs.map((d) => h.fetch(d))));
	for (const d of docs) await bump(d, 'later ');
	const before = F.received.length;
	await Promise.all(inBulk(F, () => fdocs.map((d) => h.fetch(d))));
	const bf = F.sent.filter((m) => m.c === C && ['f', 'bf'].includes(m.a));
	assert.equal(bf.length, 2, 'two fetch messages');
	assert.equal(bf[1].a, 'bf');
	assert.ok(bf[1].b && !Array.isArray(bf[1].b), 'the second with versions');
	for (const [i, d] of docs.entries()) {
		assert.equal(bf[1].b[d.id], d.version - 1, `${d.id}: the version the client has`);
		assert.equal(fdocs[i].version, d.version, `${d.id}: caught up by bf`);
		assert.deepEqual(h.dataOf(fdocs[i]), h.dataOf(d));
	}
	assert.equal(F.received.slice(before).filter((m) => m.a === 'op').length, docs.length,
		'bf sent exactly the missing op of each document');
	h.assertClean([W, R, F], mark);
	for (const c of [W, R, F]) h.close(c);
});
