'use strict';
// Queries (qf, qs, qu) as the stock client speaks them: createFetchQuery and
// createSubscribeQuery, their results, live diffs, resubscribe with r after a
// reconnect, and the bounds.  Against the reference (ShareDB on
// sharedb-mingo-memory) and pg_ot.  Every test tags its documents with a
// value of its own and queries by it, since the collection is shared.

const { test, after } = require('node:test');
const h = require('../lib/harness');
const { assert } = h;

after(h.closeAll);

const C = 'gw_query';

const fetchQuery = (client, q, c = C) => h.call(`fetch query ${JSON.stringify(q)}`,
	(cb) => client.connection.createFetchQuery(c, q, {}, (err, results, extra) => cb(err, { results, extra })));
function subscribeQuery(client, q, c = C) {
	return new Promise((resolve, reject) => {
		const query = client.connection.createSubscribeQuery(c, q, {}, (err) => (err ? reject(err) : resolve(query)));
	});
}
const ids = (docs) => docs.map((d) => d.id);
const sorted = (xs) => [...xs].sort();

async function makeDocs(client, tag, specs) {
	const docs = [];
	for (const [name, data] of specs) {
		const d = h.getDoc(client, C, `${tag}-${name}`);
		await h.create(d, { tag, ...data }, 'json0');
		docs.push(d);
	}
	return docs;
}

test('fetch queries: equality, $in, $gt, $sort, $skip, $limit, $count', { timeout: 120000 }, async () => {
	const tag = h.uid('qf');
	const W = await h.connect();
	await makeDocs(W, tag, [['a', { n: 3, s: 'x' }], ['b', { n: 1, s: 'y' }], ['c', { n: 2, s: 'x' }], ['d', { n: 5, s: 'z' }]]);
	const R = await h.connect();
	let r = await fetchQuery(R, { tag });
	assert.deepEqual(sorted(ids(r.results)), [`${tag}-a`, `${tag}-b`, `${tag}-c`, `${tag}-d`]);
	assert.deepEqual(r.results.find((d) => d.id === `${tag}-a`).data, { tag, n: 3, s: 'x' });
	assert.equal(r.results[0].version, 1);
	r = await fetchQuery(R, { tag, s: 'x' });
	assert.deepEqual(sorted(ids(r.results)), [`${tag}-a`, `${tag}-c`]);
	r = await fetchQuery(R, { tag, s: { $in: ['y', 'z'] } });
	assert.deepEqual(sorted(ids(r.results)), [`${tag}-b`, `${tag}-d`]);
	r = await fetchQuery(R, { tag, n: { $gt: 2 } });
	assert.deepEqual(sorted(ids(r.results)), [`${tag}-a`, `${tag}-d`]);
	r = await fetchQuery(R, { tag, $sort: { n: -1 } });
	assert.deepEqual(ids(r.results), [`${tag}-d`, `${tag}-a`, `${tag}-c`, `${tag}-b`]);
	r = await fetchQuery(R, { tag, $sort: { n: 1 }, $skip: 1, $limit: 2 });
	assert.deepEqual(ids(r.results), [`${tag}-c`, `${tag}-a`]);
	r = await fetchQuery(R, { tag, s: 'x', $count: true });
	assert.deepEqual(r.results, []);
	assert.equal(r.extra, 2);
	const reply = R.received.find((m) => m.a === 'qf' && m.data && m.data.length === 4);
	assert.ok(reply, 'a qf reply with four results');
	for (const item of reply.data) assert.deepEqual(Object.keys(item).filter((k) => k !== 'type').sort(), ['d', 'data', 'v']);
	h.assertClean([W, R]);
});

test('a subscribed query stays current: create, edit in and out, delete', { timeout: 120000 }, async () => {
	const tag = h.uid('qs');
	const W = await h.connect();
	const [a, b] = await makeDocs(W, tag, [['a', { n: 1, on: true }], ['b', { n: 2, on: false }]]);
	const R = await h.connect();
	const q = await subscribeQuery(R, { tag, on: true });
	assert.deepEqual(ids(q.results), [`${tag}-a`]);
	const events = [];
	for (const e of ['insert', 'remove', 'move']) q.on(e, (docs) => events.push([e, ids(docs)]));
	// b comes in
	await h.submit(b, [{ p: ['on'], od: false, oi: true }]);
	await h.until(() => q.results.length === 2, 'b enters the results', [[q, 'results']], () => ids(q.results));
	assert.deepEqual(sorted(ids(q.results)), [`${tag}-a`, `${tag}-b`]);
	// its doc follows the ops, as if subscribed
	await h.submit(b, [{ p: ['n'], na: 10 }]);
	const rb = R.connection.get(C, `${tag}-b`);
	await h.until(() => rb.data && rb.data.n === 12, 'the result document receives the op', [[rb, 'data']], () => rb.data);
	// a goes out
	await h.submit(a, [{ p: ['on'], od: true, oi: false }]);
	await h.until(() => q.results.length === 1, 'a leaves the results', [[q, 'results']], () => ids(q.results));
	assert.deepEqual(ids(q.results), [`${tag}-b`]);
	// a new doc comes in, then is deleted
	const [c] = await makeDocs(W, tag, [['c', { n: 3, on: true }]]);
	await h.until(() => q.results.length === 2, 'c enters', [[q, 'results']], () => ids(q.results));
	await h.del(c);
	await h.until(() => q.results.length === 1, 'c leaves when deleted', [[q, 'results']], () => ids(q.results));
	assert.deepEqual(events.map((e) => e[0]), ['insert', 'remove', 'insert', 'remove']);
	q.destroy();
	h.assertClean([W, R]);
});

test('a sorted subscribed query moves documents as their order changes', { timeout: 120000 }, async () => {
	const tag = h.uid('qm');
	const W = await h.connect();
	const [a, b, c] = await makeDocs(W, tag, [['a', { n: 1 }], ['b', { n: 2 }], ['c', { n: 3 }]]);
	const R = await h.connect();
	const q = await subscribeQuery(R, { tag, $sort: { n: -1 } });
	assert.deepEqual(ids(q.results), [`${tag}-c`, `${tag}-b`, `${tag}-a`]);
	await h.submit(a, [{ p: ['n'], na: 10 }]);
	await h.until(() => q.results[0].id === `${tag}-a`, 'a moves to the top', [[q, 'results']], () => ids(q.results));
	assert.deepEqual(ids(q.results), [`${tag}-a`, `${tag}-c`, `${tag}-b`]);
	assert.equal(q.results[0].data.n, 11);
	h.assertClean([W, R]);
});
