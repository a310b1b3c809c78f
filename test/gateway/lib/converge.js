'use strict';
/*
 * K stock clients edit one document concurrently and must converge.
 *
 * Each client subscribes, then submits random edits made on its own
 * snapshot without waiting for acks (the client keeps one op in flight and
 * composes the rest), yielding to the event loop at random so that submits
 * interleave and go stale.  Then:
 *   - every client's submit callbacks fired without error;
 *   - once no client has anything pending, a fresh client fetches version V;
 *     every client reaches V and holds exactly the fetched data and type;
 *   - V = 1 (the create) + the number of acks the clients received: every
 *     committed op was acknowledged once, none was lost or applied twice;
 *   - a client that only listens received every op once, in order, no gap;
 *   - pg_ot: ot.fetch in the database equals it too;
 *   - no client saw an error or logged a protocol warning.
 */

const h = require('./harness');
const { prng, int, randomEdit } = require('./edits');

const INITIAL = {
	'text-unicode': 'Hello, wörld 😀',
	'rich-text': [{ insert: 'Hello, ' }, { insert: 'wörld', attributes: { bold: true } }, { insert: ' 😀\n' }],
	json0: {
		l: ['a', 'b', 'ü'], o: { k0: 1 }, n: 0, s: 'Hello, wörld 😀', t: 'Quill 😀 text',
		// the subtypes text-unicode (a string) and rich-text (a delta)
		u: 'Unicode 😀 text',
		r: { ops: [{ insert: 'Rich ' }, { insert: 'wörld 👍🏽', attributes: { bold: true } }, { insert: '\n' }] },
	},
};

async function converge(t, { typeName, clients: k, opsPerClient, urls, collection, seed }) {
	const mark = h.clientWarnings.length;
	const id = h.uid(`conv-${typeName}-${k}`);
	t.diagnostic(`document ${collection}/${id}, seed ${seed}`);

	const creator = await h.connect(urls[0]);
	await h.create(h.getDoc(creator, collection, id), INITIAL[typeName], typeName);

	// One listener per server, that never submits.
	const listeners = [];
	for (const url of urls) {
		const l = await h.connect(url);
		const d = h.getDoc(l, collection, id);
		await h.subscribe(d);
		listeners.push({ client: l, doc: d, from: d.version });
	}

	const clients = [];
	for (let i = 0; i < k; i++) {
		const c = await h.connect(urls[i % urls.length]);
		const doc = h.getDoc(c, collection, id);
		await h.subscribe(doc);
		h.assert.equal(doc.type && doc.type.uri, h.TYPES[typeName].uri, `client ${i} on ${c.url} sees the created document`);
		clients.push({ c, doc, rand: prng(seed * 1000 + i), submitErrors: [], callbacks: 0 });
	}

	await Promise.all(clients.map(async (cl) => {
		for (let n = 0; n < opsPerClient; n++) {
			const op = randomEdit(typeName, cl.rand, cl.doc.data);
			cl.doc.submitOp(op, (err) => {
				cl.callbacks++;
				if (err) cl.submitErrors.push(`${err.code || ''} ${err.message} (op ${JSON.stringify(op)})`);
			});
			// Yield at random: sometimes not at all (ops compose), sometimes
			// long enough for remote ops to arrive first.
			const r = cl.rand();
			if (r < 0.3) await new Promise((res) => setImmediate(res));
			else if (r < 0.6) await new Promise((res) => setTimeout(res, int(cl.rand, 15)));
		}
		await h.nothingPending(cl.doc);
	}));

	for (const cl of clients) {
		h.assert.deepEqual(cl.submitErrors, [], `submit errors of client ${clients.indexOf(cl)}`);
		h.assert.equal(cl.callbacks, opsPerClient, 'every submitOp callback fired once');
	}

	const final = await h.fetchFresh(collection, id, urls[0]);
	h.assert.equal(final.type, h.TYPES[typeName].uri, 'type of the fetched document');
	if (typeName === 'json0') {
		// the embedded subtypes were edited (and so transformed, composed and applied)
		h.assert.notEqual(final.data.u, INITIAL.json0.u, 'the text-unicode string was edited');
		h.assert.notDeepEqual(final.data.r, INITIAL.json0.r, 'the rich-text delta was edited');
	}
	for (const cl of [...clients, ...listeners]) await h.waitVersion(cl.doc, final.v);
	for (const [i, cl] of clients.entries()) {
		h.assert.equal(cl.doc.type.uri, final.type, `client ${i} type`);
		h.assert.deepEqual(h.dataOf(cl.doc), final.data, `client ${i} (on ${cl.c.url}) converged to the fetched data`);
	}
	for (const l of listeners) {
		h.assert.deepEqual(h.dataOf(l.doc), final.data, `listener on ${l.client.url} converged`);
		h.assertDelivered(l.client, collection, id, l.from, final.v);
	}

	// The client fetches when an op skips a version or an ack comes at the
	// wrong version.  ShareDB may (in a race) make a submitter do that;
	// pg_ot's gateway promises not to (DESIGN: delivered in version order,
	// no gap, the ack after every op before it).
	const gapFetches = clients.reduce((s, cl) => s + cl.c.sent.filter((m) => m.a === 'f' && m.d === id).length, 0);
	t.diagnostic(`fetches the clients sent to fill a gap or repair: ${gapFetches}`);
	if (h.PG_OT) h.assert.equal(gapFetches, 0, 'no client had to fetch to fill a gap');
	// Submits made at an older version than the one they were applied at
	// were transformed by the server: the run really was concurrent.
	let stale = 0;
	for (const cl of clients) {
		const sentAt = new Map(cl.c.sent.filter((m) => m.a === 'op' && m.d === id).map((m) => [m.seq, m.v]));
		for (const a of h.acks(cl.c, collection, id)) if (a.v > sentAt.get(a.seq)) stale++;
	}
	t.diagnostic(`submits transformed by the server: ${stale}`);
	h.assert.ok(stale > 0, 'some submits were stale and transformed (the clients did edit concurrently)');
	const acked = clients.reduce((s, cl) => s + h.acks(cl.c, collection, id).length, 0);
	h.assert.equal(final.v, 1 + acked, 'version = create + one op per ack (nothing lost, nothing applied twice)');
	h.assert.ok(acked > 0, 'ops were committed');

	if (h.PG_OT) {
		const pg = await h.pgConnect();
		try {
			const db = await h.dbFetch(pg, collection, id);
			h.assert.deepEqual(db, final, 'ot.fetch in the database equals what the clients hold');
		} finally {
			await pg.end();
		}
	}
	h.assertClean([creator, ...clients.map((cl) => cl.c), ...listeners.map((l) => l.client)], mark);
	t.diagnostic(`${k} clients, ${acked} ops committed, final version ${final.v}`);
	for (const c of [creator, ...clients.map((cl) => cl.c), ...listeners.map((l) => l.client)]) h.close(c);
}

module.exports = { converge, INITIAL };
