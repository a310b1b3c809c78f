'use strict';
// Queries (qf, qs, qu) as the stock client speaks them: createFetchQuery and
// createSubscribeQuery, their results, live diffs, resubscribe with r after a
// reconnect, and the bounds.  Against the reference (ShareDB on
// sharedb-mingo-memory) and pg_ot.  Every test tags its documents with a
// value of its own and queries by it, since the collection is shared.
//
// On partitions (GATEWAY_PARTITIONS) a query reads every partition and the
// gateway merges: the tags are chosen so that each test's documents are on
// every partition; $sort, $skip and $limit are refused there
// (ERR_QUERY_NOT_SUPPORTED), so what needs them is checked to be refused,
// or skipped with that reason.

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
const PARTS = h.PARTITIONS > 1;
const SKIP_SORTED = PARTS ? 'on partitions, $sort, $skip and $limit are refused (ERR_QUERY_NOT_SUPPORTED)' : false;
const refusedOnPartitions = (e) => e.code === 'ERR_QUERY_NOT_SUPPORTED' && /on partitions, .* not supported yet/.test(e.message);

// A tag (h.uid(prefix)) whose documents `${tag}-${name}` are on every partition (on partitions).
function spreadTag(prefix, names) {
	for (;;) {
		const tag = h.uid(prefix);
		const on = new Set(names.map((n) => h.partitionOf(C, `${tag}-${n}`)));
		if (!PARTS || on.size === Math.min(h.PARTITIONS, names.length)) return tag;
	}
}

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
	const tag = spreadTag('qf', ['a', 'b', 'c', 'd']);
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
	if (PARTS) {
		// the union of the partitions' results, in id order as one database gives it
		r = await fetchQuery(R, { tag });
		assert.deepEqual(ids(r.results), [`${tag}-a`, `${tag}-b`, `${tag}-c`, `${tag}-d`]);
		await assert.rejects(fetchQuery(R, { tag, $sort: { n: -1 } }), refusedOnPartitions, '$sort on partitions');
		await assert.rejects(fetchQuery(R, { tag, $skip: 1 }), refusedOnPartitions, '$skip on partitions');
		await assert.rejects(subscribeQuery(R, { tag, $limit: 2 }), refusedOnPartitions, '$limit on partitions');
	} else {
		r = await fetchQuery(R, { tag, $sort: { n: -1 } });
		assert.deepEqual(ids(r.results), [`${tag}-d`, `${tag}-a`, `${tag}-c`, `${tag}-b`]);
		r = await fetchQuery(R, { tag, $sort: { n: 1 }, $skip: 1, $limit: 2 });
		assert.deepEqual(ids(r.results), [`${tag}-c`, `${tag}-a`]);
	}
	r = await fetchQuery(R, { tag, s: 'x', $count: true });
	assert.deepEqual(r.results, []);
	assert.equal(r.extra, 2);
	r = await fetchQuery(R, { tag, $count: true });
	assert.equal(r.extra, 4, '$count of all four (on partitions: the sum of each partition\'s)');
	const reply = R.received.find((m) => m.a === 'qf' && m.data && m.data.length === 4);
	assert.ok(reply, 'a qf reply with four results');
	for (const item of reply.data) assert.deepEqual(Object.keys(item).filter((k) => k !== 'type').sort(), ['d', 'data', 'v']);
	h.assertClean([W, R]);
});

test('a subscribed query stays current: create, edit in and out, delete', { timeout: 120000 }, async () => {
	const tag = spreadTag('qs', ['a', 'b', 'c']);
	const W = await h.connect();
	const [a, b] = await makeDocs(W, tag, [['a', { n: 1, on: true }], ['b', { n: 2, on: false }]]);
	const R = await h.connect();
	const q = await subscribeQuery(R, { tag, on: true });
	assert.deepEqual(ids(q.results), [`${tag}-a`]);
	const events = [];
	for (const e of ['insert', 'remove', 'move']) q.on(e, (docs) => events.push([e, ids(docs)]));
	// b comes in
	await h.submit(b, [{ p: ['on'], od: false, oi: true }]);
	await h.until(() => q.results.length === 2, 'b enters the results', [[q, 'changed']], () => ids(q.results));
	assert.deepEqual(sorted(ids(q.results)), [`${tag}-a`, `${tag}-b`]);
	// its doc follows the ops, as if subscribed
	await h.submit(b, [{ p: ['n'], na: 10 }]);
	const rb = R.connection.get(C, `${tag}-b`);
	await h.until(() => rb.data && rb.data.n === 12, 'the result document receives the op', [[rb, 'op']], () => rb.data);
	// a goes out
	await h.submit(a, [{ p: ['on'], od: true, oi: false }]);
	await h.until(() => q.results.length === 1, 'a leaves the results', [[q, 'changed']], () => ids(q.results));
	assert.deepEqual(ids(q.results), [`${tag}-b`]);
	// a new doc comes in, then is deleted
	const [c] = await makeDocs(W, tag, [['c', { n: 3, on: true }]]);
	await h.until(() => q.results.length === 2, 'c enters', [[q, 'changed']], () => ids(q.results));
	await h.del(c);
	await h.until(() => q.results.length === 1, 'c leaves when deleted', [[q, 'changed']], () => ids(q.results));
	assert.deepEqual(events.map((e) => e[0]), ['insert', 'remove', 'insert', 'remove']);
	q.destroy();
	h.assertClean([W, R]);
});

test('a sorted subscribed query moves documents as their order changes', { skip: SKIP_SORTED, timeout: 120000 }, async () => {
	const tag = h.uid('qm');
	const W = await h.connect();
	const [a, b, c] = await makeDocs(W, tag, [['a', { n: 1 }], ['b', { n: 2 }], ['c', { n: 3 }]]);
	const R = await h.connect();
	const q = await subscribeQuery(R, { tag, $sort: { n: -1 } });
	assert.deepEqual(ids(q.results), [`${tag}-c`, `${tag}-b`, `${tag}-a`]);
	await h.submit(a, [{ p: ['n'], na: 10 }]);
	// (ShareDB sends the diff before the op: the document may still be at n 1)
	await h.until(() => q.results[0].id === `${tag}-a` && q.results[0].data.n === 11, 'a moves to the top, with its op',
		[[q, 'changed'], [R.connection.get(C, `${tag}-a`), 'op']], () => ids(q.results));
	assert.deepEqual(ids(q.results), [`${tag}-a`, `${tag}-c`, `${tag}-b`]);
	h.assertClean([W, R]);
});

// Clients on two gateways where there are two (pg_ot), so that what one
// writes reaches the other's queries by NOTIFY.
const first = () => h.connect(h.URLS[0]);
const last = () => h.connect(h.URLS[h.URLS.length - 1]);

test('resubscribe with r after a reconnect: the results catch up, the documents too', { timeout: 120000 }, async () => {
	const tag = h.uid('qr');
	const W = await first();
	const [a, b, c] = await makeDocs(W, tag, [['a', { n: 1, on: true }], ['b', { n: 2, on: true }], ['c', { n: 3, on: false }]]);
	const R = await last();
	const q = await subscribeQuery(R, { tag, on: true });
	assert.deepEqual(sorted(ids(q.results)), [`${tag}-a`, `${tag}-b`]);
	const ra = R.connection.get(C, `${tag}-a`);
	R.socket.close();
	await h.until(() => R.connection.state !== 'connected', 'R is disconnected', [[R.connection, 'state']]);
	await h.submit(a, [{ p: ['n'], na: 100 }]);		// stays, at a newer version
	await h.submit(b, [{ p: ['on'], od: true, oi: false }]);	// leaves
	await h.submit(c, [{ p: ['on'], od: false, oi: true }]);	// enters
	await h.reconnect(R, h.URLS[0]);
	await h.until(() => sorted(ids(q.results)).join() === [`${tag}-a`, `${tag}-c`].join(),
		'the results after the reconnect', [[q, 'changed']], () => ids(q.results));
	await h.until(() => ra.version === a.version && ra.data.n === 101, 'a caught up by ops', [[ra, 'op']],
		() => [ra.version, ra.data]);
	const qs = R.sent.filter((m) => m.a === 'qs');
	assert.equal(qs.length, 2, 'subscribed, then resubscribed');
	assert.deepEqual(sorted(qs[1].r.map((p) => p[0])), [`${tag}-a`, `${tag}-b`], 'with the results it had');
	assert.ok(qs[1].r.every((p) => p[1] === 1), 'at the versions it had');
	// (the diff and the ops may come before the reply)
	await h.until(() => R.received.filter((m) => m.a === 'qs').length === 2, 'the reply to the resubscribe', []);
	const reply = R.received.filter((m) => m.a === 'qs').pop();
	assert.ok(!Array.isArray(reply.data), 'the reply to a resubscribe has no results array');
	const rc = R.connection.get(C, `${tag}-c`);
	assert.deepEqual(rc.data, { tag, n: 3, on: true });
	// live again
	await h.submit(c, [{ p: ['n'], na: 1 }]);
	await h.until(() => rc.data.n === 4, 'c follows its ops', [[rc, 'op']], () => rc.data);
	h.assertClean([W, R]);
});

test('live diffs from SQL: ot.create, ot.submit, ot.delete', { skip: h.SKIP_UNLESS_PG_OT || SKIP_SORTED, timeout: 120000 }, async () => {
	const tag = h.uid('qsql');
	const pg = await h.pgConnect();
	const R = await last();
	const q = await subscribeQuery(R, { tag, $sort: { n: 1 } });
	assert.deepEqual(ids(q.results), []);
	const create = (id, data) => pg.query('SELECT ot.create($1, $2, $3, $4::jsonb)', [C, id, 'json0', JSON.stringify({ tag, ...data })]);
	await create(`${tag}-a`, { n: 2 });
	await create(`${tag}-b`, { n: 1 });
	await h.until(() => ids(q.results).join() === `${tag}-b,${tag}-a`, 'two documents created by SQL',
		[[q, 'changed']], () => ids(q.results));
	await pg.query('SELECT ot.submit($1, $2, 1, $3::jsonb)', [C, `${tag}-b`, JSON.stringify([{ p: ['n'], na: 5 }])]);
	await h.until(() => ids(q.results).join() === `${tag}-a,${tag}-b`, 'b moves after an SQL op',
		[[q, 'changed']], () => ids(q.results));
	const rb = R.connection.get(C, `${tag}-b`);
	await h.until(() => rb.data && rb.data.n === 6, 'b has the op', [[rb, 'op']], () => rb.data);
	await pg.query('SELECT ot.delete($1, $2)', [C, `${tag}-a`]);
	await h.until(() => ids(q.results).join() === `${tag}-b`, 'a deleted by SQL leaves', [[q, 'changed']], () => ids(q.results));
	await pg.end();
	h.assertClean([R]);
});

test('a document the user cannot read never appears', { skip: h.SKIP_UNLESS_PG_OT, timeout: 120000 }, async () => {
	const AC = h.UNGRANTED;
	const tag = h.uid('qacl');	// (AC's documents: on partitions, the file's end does not count them)
	const pg = await h.pgConnect();
	const create = (id, data) => pg.query('SELECT ot.create($1, $2, $3, $4::jsonb)', [AC, id, 'json0', JSON.stringify({ tag, ...data })]);
	await create(`${tag}-open`, { n: 1 });
	await create(`${tag}-secret`, { n: 2 });
	await pg.query("SELECT ot.grant($1, $2, 'anonymous', 'read')", [AC, `${tag}-open`]);
	const R = await last();
	const f = await fetchQuery(R, { tag }, AC);
	assert.deepEqual(ids(f.results), [`${tag}-open`]);
	const count = await fetchQuery(R, { tag, $count: true }, AC);
	assert.equal(count.extra, 1, '$count counts only what it may read');
	const q = await subscribeQuery(R, PARTS ? { tag, n: { $gte: 0 } } : { tag, $sort: { n: 1 } }, AC);
	const q2 = await subscribeQuery(R, { tag }, AC);
	assert.deepEqual(ids(q.results), [`${tag}-open`]);
	await create(`${tag}-secret2`, { n: 0 });
	await pg.query('SELECT ot.submit($1, $2, 1, $3::jsonb)', [AC, `${tag}-secret`, JSON.stringify([{ p: ['n'], na: -10 }])]);
	await create(`${tag}-open2`, { n: 3 });
	await pg.query("SELECT ot.grant($1, $2, 'anonymous', 'read')", [AC, `${tag}-open2`]);
	await pg.query('SELECT ot.submit($1, $2, 1, $3::jsonb)', [AC, `${tag}-open2`, JSON.stringify([{ p: ['n'], na: 1 }])]);
	await h.until(() => q.results.length === 2 && q2.results.length === 2, 'the readable document created later',
		[[q, 'changed'], [q2, 'changed']], () => [ids(q.results), ids(q2.results)]);
	assert.deepEqual(ids(q.results), [`${tag}-open`, `${tag}-open2`]);
	assert.deepEqual(sorted(ids(q2.results)), [`${tag}-open`, `${tag}-open2`]);
	const seen = JSON.stringify(R.received);
	assert.ok(!seen.includes(`${tag}-secret`), 'nothing of the unreadable documents reached the client');
	await pg.end();
});

test('limits: queries per connection, results per query, a subscribed query that outgrows it', { skip: h.SKIP_UNLESS_PG_OT, timeout: 120000 }, async () => {
	const gw = await h.startGateway(['--allow-anonymous', '--max-queries', '2', '--query-max-results', '3']);
	const tag = h.uid('qlim');
	const W = await h.connect(gw.url);
	await makeDocs(W, tag, [['a', { n: 1 }], ['b', { n: 2 }], ['c', { n: 3 }], ['d', { n: 4 }]]);
	await assert.rejects(fetchQuery(W, { tag }), (e) => e.code === 'ERR_QUERY_TOO_MANY_RESULTS', 'four results, three allowed');
	const q1 = await subscribeQuery(W, { tag, n: { $lte: 2 } });
	const q2 = await subscribeQuery(W, { tag, n: { $gte: 3 } });
	await assert.rejects(subscribeQuery(W, { tag, n: 1 }), (e) => e.code === 'ERR_TOO_MANY_QUERIES', 'a third query');
	const errors = [];
	q1.on('error', (e) => errors.push(e.code));
	await h.submit(W.connection.get(C, `${tag}-c`), [{ p: ['n'], na: -2 }]);	// c: 1, q1 has a, b, c
	await h.submit(W.connection.get(C, `${tag}-d`), [{ p: ['n'], na: -3 }]);	// d: 1, q1 would have four
	await h.until(() => errors.length === 1, 'the query that outgrew the bound hears why', [[q1, 'error']], () => errors);
	assert.deepEqual(errors, ['ERR_QUERY_TOO_MANY_RESULTS']);
	assert.equal(q1.results.length, 3);
	q1.destroy();
	const q3 = await subscribeQuery(W, { tag, n: 4 });	// a place is free again
	assert.deepEqual(ids(q3.results), []);
	q2.destroy();
	q3.destroy();
	h.close(W);
	await h.stopGateways();
});

// (ShareDB on mingo runs $regex: pg_ot refuses what it does not implement.)
test('malformed and unsupported queries are refused', { skip: h.SKIP_UNLESS_PG_OT, timeout: 60000 }, async () => {
	const R = await h.connect();
	await assert.rejects(fetchQuery(R, { n: { $regex: 'x' } }), (e) => e.code === 'ERR_QUERY_NOT_SUPPORTED', '$regex');
	if (PARTS) await assert.rejects(fetchQuery(R, { $sort: { n: 2 } }), refusedOnPartitions, 'any $sort on partitions');
	else await assert.rejects(fetchQuery(R, { $sort: { n: 2 } }), (e) => e.code === 'ERR_QUERY_BADLY_FORMED', 'a $sort direction of 2');
	await assert.rejects(subscribeQuery(R, { n: { $in: 3 } }), (e) => e.code === 'ERR_QUERY_BADLY_FORMED', '$in without an array');
	h.close(R);
});

test('qu ends the diffs; a document a query holds keeps its ops after its own unsubscribe', { timeout: 120000 }, async () => {
	const tag = h.uid('qu');
	const W = await first();
	const [a] = await makeDocs(W, tag, [['a', { n: 1 }]]);
	const R = await last();
	const q = await subscribeQuery(R, { tag });
	const ra = R.connection.get(C, `${tag}-a`);
	await h.subscribe(ra);
	await h.unsubscribe(ra);
	await h.submit(a, [{ p: ['n'], na: 1 }]);
	await h.until(() => ra.data.n === 2, 'the op reaches the document the query holds', [[ra, 'op']], () => ra.data);
	q.destroy();
	await h.until(() => R.sent.some((m) => m.a === 'qu'), 'the qu', []);
	await h.until(() => R.received.some((m) => m.a === 'qu'), 'its reply', []);
	await makeDocs(W, tag, [['b', { n: 5 }]]);
	const probe = await subscribeQuery(R, { tag });	// (after b is in)
	assert.deepEqual(sorted(ids(probe.results)), [`${tag}-a`, `${tag}-b`]);
	assert.ok(!R.received.some((m) => m.a === 'q' && m.id === q.id), 'no diff for the destroyed query');
	h.assertClean([W, R]);
});

test('query messages ShareDB refuses: no id, a bad r', { timeout: 60000 }, async () => {
	const raw = await h.Raw.open();
	await raw.handshake();
	raw.send({ a: 'qf', c: C, q: {} });
	let m = await raw.expect((x) => x.a === 'qf', 'the reply to a qf without id');
	assert.equal(m.error && m.error.code, 'ERR_MESSAGE_BADLY_FORMED');
	raw.send({ a: 'qs', id: 7, c: C, q: {}, r: [['x']].concat([[3, 1]]) });
	m = await raw.expect((x) => x.a === 'qs' && x.id === 7, 'the reply to a qs with a bad r');
	assert.equal(m.error && m.error.code, 'ERR_MESSAGE_BADLY_FORMED');
	raw.send({ a: 'qs', id: 8, c: C, q: {}, r: [['x', -1]] });
	m = await raw.expect((x) => x.a === 'qs' && x.id === 8, 'the reply to a qs with a negative version');
	assert.equal(m.error && m.error.code, 'ERR_MESSAGE_BADLY_FORMED');
	raw.send({ a: 'qu', id: 9 });
	m = await raw.expect((x) => x.a === 'qu', 'the reply to qu of a query it does not have');
	assert.ok(!m.error);
	raw.close();
});

test('a client edits the documents of its own subscribed query: acks, and others\' ops, once each', { timeout: 120000 }, async () => {
	const tag = h.uid('qown');
	const R = await first();
	const W = await last();
	const q = await subscribeQuery(R, PARTS ? { tag } : { tag, $sort: { n: 1 } });
	// R creates a document its query shows, and edits it at once
	const d = R.connection.get(C, `${tag}-mine`);
	await h.create(d, { tag, n: 5 }, 'json0');
	const edits = [h.submit(d, [{ p: ['n'], na: 1 }]), h.submit(d, [{ p: ['n'], na: 1 }])];
	await Promise.all(edits);
	await h.until(() => ids(q.results).join() === `${tag}-mine`, 'its own document in its results', [[q, 'changed']],
		() => ids(q.results));
	// W edits it too, and R keeps editing: R's doc (held by the query only) converges
	const wd = h.getDoc(W, C, `${tag}-mine`);
	await h.subscribe(wd);
	await h.submit(wd, [{ p: ['n'], na: 10 }]);
	await h.submit(d, [{ p: ['n'], na: 100 }]);
	await h.until(() => d.data.n === 117 && wd.data.n === 117, 'both see every op', [[d, 'op'], [wd, 'op']],
		() => [d.data, wd.data]);
	assert.equal(d.version, wd.version);
	h.assertClean([R, W]);
});

// Every partition's documents reach a filter-only subscribed query: made by
// SQL (through the router on partitions) and by a client of the other
// gateway; $count sums over the partitions, fetched and subscribed.
test('a filter-only subscribed query hears inserts on every partition; $count sums them', { skip: h.SKIP_UNLESS_PG_OT, timeout: 120000 }, async () => {
	// SQL makes one document on partition 0 and one on 1, the other gateway's client too
	const tag = h.uid('qpart');
	const [s0, s1, w0, w1] = [0, 1, 0, 1].map((p) => h.uidOn(C, tag, p));
	const pg = await h.pgConnect();
	const R = await first();
	const W = await last();
	const q = await subscribeQuery(R, { tag, on: true });
	const count = await subscribeQuery(R, { tag, on: true, $count: true });
	assert.deepEqual(ids(q.results), []);
	const create = (id, data) => pg.query('SELECT ot.create($1, $2, $3, $4::jsonb)', [C, id, 'json0', JSON.stringify({ tag, ...data })]);
	await create(s0, { n: 1, on: true });
	await create(s1, { n: 2, on: true });
	await create(`${tag}-off`, { n: 0, on: false });
	await h.until(() => q.results.length === 2, 'both documents created by SQL', [[q, 'changed']], () => ids(q.results));
	assert.deepEqual(sorted(ids(q.results)), sorted([s0, s1]));
	for (const id of [w0, w1]) await h.create(h.getDoc(W, C, id), { tag, n: 3, on: true }, 'json0');
	await h.until(() => q.results.length === 4, 'both documents the other gateway\'s client created', [[q, 'changed']],
		() => ids(q.results));
	assert.deepEqual(sorted(ids(q.results)), sorted([s0, s1, w0, w1]));
	await h.until(() => count.extra === 4, 'the subscribed $count sums every partition', [[count, 'extra']], () => count.extra);
	// an op by SQL on partition 1's document reaches it through the query
	await pg.query('SELECT ot.submit($1, $2, 1, $3::jsonb)', [C, s1, JSON.stringify([{ p: ['n'], na: 5 }])]);
	const rs1 = R.connection.get(C, s1);
	await h.until(() => rs1.data && rs1.data.n === 7, 's1 has the op', [[rs1, 'op']], () => rs1.data);
	// one leaves (partition 1's, by SQL), a fetch sees the rest in id order, and the count drops
	await pg.query('SELECT ot.submit($1, $2, 2, $3::jsonb)', [C, s1, JSON.stringify([{ p: ['on'], od: true, oi: false }])]);
	await h.until(() => q.results.length === 3 && count.extra === 3, 's1 leaves, the count drops', [[q, 'changed'], [count, 'extra']],
		() => [ids(q.results), count.extra]);
	const f = await fetchQuery(R, { tag, on: true });
	// (ids of ASCII: JavaScript's sort is the database's order)
	assert.deepEqual(ids(f.results), sorted([s0, w0, w1]), 'a fetch: every partition\'s, in id order');
	const c = await fetchQuery(W, { tag, $count: true });
	assert.equal(c.extra, 5, 'a fetched $count of every partition\'s (the one off too)');
	q.destroy();
	count.destroy();
	await pg.end();
	h.assertClean([R, W]);
});

// On partitions: partition 1's LISTEN connections (both gateways') killed;
// a document made on it at once, while they may not listen, still enters
// the subscribed queries (the reconnect's LISTEN re-runs them on every
// partition), and later ones reach them by NOTIFY again.
test('on partitions: a partition\'s LISTEN reconnect, and the queries stay current', { skip: PARTS ? false : 'partitions only (GATEWAY_PARTITIONS)', timeout: 120000 }, async () => {
	const tag = h.uid('qlisten');
	const [a, b] = [h.uidOn(C, tag, 1), h.uidOn(C, tag, 1)];
	const pg = await h.pgConnect();
	const p1 = await h.pgPartition(1);
	const R1 = await first();
	const R2 = await last();
	const q1 = await subscribeQuery(R1, { tag });
	const q2 = await subscribeQuery(R2, { tag });
	const listeners = async () => (await p1.query(`SELECT pid FROM pg_stat_activity
		WHERE application_name = 'pg_ot_gateway listener p1' AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
	const killed = await listeners();
	assert.ok(killed.length >= 2, `both gateways LISTEN on partition 1 (${killed.length})`);
	await p1.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid', [killed]);
	const create = (id) => pg.query('SELECT ot.create($1, $2, $3, $4::jsonb)', [C, id, 'json0', JSON.stringify({ tag })]);
	await create(a);
	await h.until(() => q1.results.length === 1 && q2.results.length === 1, 'the document made while partition 1\'s LISTEN was down',
		[[q1, 'changed'], [q2, 'changed']], () => [ids(q1.results), ids(q2.results)]);
	for (let i = 0; ; i++) {	// the gateways LISTEN again (new backends)
		const now = await listeners();
		if (now.filter((pid) => !killed.includes(pid)).length >= 2) break;
		assert.ok(i < 600, 'partition 1\'s LISTEN connections come back');
		await new Promise((r) => setTimeout(r, 50));
	}
	await create(b);
	await h.until(() => q1.results.length === 2 && q2.results.length === 2, 'one made after the reconnect',
		[[q1, 'changed'], [q2, 'changed']], () => [ids(q1.results), ids(q2.results)]);
	q1.destroy();
	q2.destroy();
	await p1.end();
	await pg.end();
	h.assertClean([R1, R2]);
});

// The demo's document list (gateway/www/src/list.js, loaded as it is, with
// just enough of a DOM): newest first on one database; on partitions, where
// its sorted query is refused, every document by name.
test('the demo page\'s document list: sorted, or on partitions every document by name', { skip: h.SKIP_UNLESS_PG_OT, timeout: 60000 }, async () => {
	const LC = 'gw_list';
	const src = require('node:fs').readFileSync(require('node:path').join(__dirname, '../../../gateway/www/src/list.js'), 'utf8');
	const { documentList } = await import(`data:text/javascript,${encodeURIComponent(src)}`);
	const el = () => ({ dataset: {}, classList: { toggle() {} }, addEventListener() {}, append() {} });
	globalThis.document = { createElement: el };
	globalThis.window = {};
	const tag = h.uid('qlist');
	const W = await first();
	const made = [h.uidOn(LC, tag, 0), h.uidOn(LC, tag, 1)];
	for (const id of made) await h.create(h.getDoc(W, LC, id), { tag }, 'json0');
	const R = await last();
	const list = { dataset: {}, items: [], replaceChildren(...kids) { this.items = kids.map((k) => k.dataset.id); } };
	const error = { hidden: true, textContent: '' };
	const dl = documentList({ list, error, connection: R.connection, collection: LC, open() {}, isOpen: () => false });
	await h.until(() => made.every((id) => list.items.includes(id)), 'the list shows both documents', [],
		() => [list.items, error.textContent]);
	assert.equal(list.dataset.order, PARTS ? 'name' : 'newest');
	assert.ok(error.hidden, `no error shown (${error.textContent})`);
	const later = h.uidOn(LC, tag, 1);
	await h.create(h.getDoc(W, LC, later), { tag }, 'json0');
	await h.until(() => list.items.includes(later), 'a document created later appears', [], () => list.items);
	if (PARTS) assert.deepEqual(list.items, sorted(list.items), 'by name');
	else assert.equal(list.items[0], later, 'newest first');
	dl.query.destroy();
	delete globalThis.document;
	delete globalThis.window;
});
