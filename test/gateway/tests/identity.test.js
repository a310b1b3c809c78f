'use strict';
// Client ids (pg_ot only): the gateway issues each client its id (ShareDB's
// src), and only that client holds all of it.  Broadcasts, presence and the
// op log show its public part; a returning id (hs) or an op's src counts
// only with the proof that a gateway issued it to that user.  So one
// anonymous client that read another's (src, seq) from a broadcast cannot
// get that client's next op acknowledged and never applied: not by an hs
// with the other's id, not by an op naming its src, not through another
// gateway.  Resends across gateways and restarts: reconnect.test.js.

const { test, after } = require('node:test');
const h = require('../lib/harness');
const { assert } = h;

after(h.closeAll);

const skip = h.SKIP_UNLESS_PG_OT;
const C = 'gw_text';

// A raw connection that said hs (with id), and the id the gateway gave it.
async function rawClient(url, id = null) {
	const r = await h.Raw.open(url);
	r.send({ a: 'hs', id, protocol: 1, protocolMinor: 2 });
	const hs = await r.expect((m) => m.a === 'hs', 'the hs reply');
	r.id = hs.id;
	return r;
}

// Sends an op and waits for its answer (ack or error).
async function rawOp(r, m) {
	r.send({ a: 'op', c: C, ...m });
	return r.expect((x) => x.a === 'op' && x.d === m.d && x.seq === m.seq && !('op' in x && !x.error),
		`the answer to op seq ${m.seq}`);
}

test('another anonymous client cannot claim a client\'s (src, seq), through any gateway', { skip, timeout: 120000 }, async () => {
	const mark = h.clientWarnings.length;
	const id = h.uid('claim');
	const V = await h.connect(h.URLS[0]);			// the victim
	const docV = h.getDoc(V, C, id);
	await h.subscribe(docV);
	await h.create(docV, 'v', 'text-unicode');
	const M = await h.connect(h.URLS[h.URLS.length - 1]);	// the attacker's eyes
	const docM = h.getDoc(M, C, id);
	await h.subscribe(docM);
	await h.submit(docV, [1, '0']);
	await h.waitVersion(docM, 2);

	// What the attacker sees of V's op.
	const seen = h.opStream(M, C, id).find((m) => m.v === 1);
	assert.ok(seen && seen.src && seen.seq === 2, `the attacker saw V's op: ${JSON.stringify(seen)}`);
	assert.equal(seen.src, h.publicSrc(V.connection.id), 'broadcasts carry the public part of V\'s id');
	assert.notEqual(seen.src, V.connection.id, 'and not the id V holds');
	assert.ok(!JSON.stringify(M.received).includes(V.connection.id), 'V\'s id is in nothing the attacker received');

	// Every way to take V's next (src, seq): 3, 4, ... are V's next seqs.
	const P = seen.src;
	let next = seen.seq + 1;
	const claims = [];
	for (const url of h.URLS) {
		// hs with the src seen: the gateway gives another id, so the op is the attacker's own.
		const asV = await rawClient(url, P);
		assert.notEqual(h.publicSrc(asV.id), P, `${url}: an hs with V's src gets an id of its own`);
		const own = await rawOp(asV, { d: id, v: docM.version, seq: next, op: ['M'] });
		assert.equal(own.error, undefined, `${url}: the attacker's op under its own id is applied`);
		assert.equal(own.src, asV.id, 'acked under the id it was given (the ack tells no one else)');
		claims.push(next++);
		// An op naming V's src, or V's src with a made-up proof: refused, loudly.
		const raw = await rawClient(url);
		for (const src of [P, `${P}.${'0'.repeat(32)}`, `${P}.${raw.id.split('.')[1]}`]) {
			const r = await rawOp(raw, { d: id, v: docM.version, src, seq: next, op: ['X'] });
			assert.equal(r.error && r.error.code, 'ERR_OP_SUBMIT_REJECTED', `${url}: src ${src} is refused`);
			claims.push(next++);
		}
		// hs with V's src plus a made-up proof: a new id as well.
		const forged = await rawClient(url, `${P}.${'f'.repeat(32)}`);
		assert.notEqual(h.publicSrc(forged.id), P, `${url}: a forged id is not taken`);
		asV.close(); raw.close(); forged.close();
	}

	// V's next ops carry exactly the (src, seq) the attacker went for.
	const texts = [];
	for (const seq of claims) {
		const text = `<${seq}>`;
		texts.push(text);
		const sent0 = V.sent.length;
		await h.submit(docV, [docV.data.length, text]);
		const sent = V.sent.slice(sent0).find((m) => m.a === 'op' && m.d === id);
		assert.equal(sent.seq, seq, `V's op carries seq ${seq}`);
	}
	await h.nothingPending(docV);
	const pg = await h.pgConnect();
	const fetched = await h.dbFetch(pg, C, id);
	for (const text of texts) {
		assert.equal(fetched.data.split(text).length - 1, 1, `V's op ${text} is applied once: ${fetched.data}`);
	}
	assert.ok(!fetched.data.includes('X'), 'no op that named V\'s src was applied');
	const rows = (await pg.query('SELECT src, seq FROM ot.ops($1, $2, 0) ORDER BY version', [C, id])).rows;
	assert.deepEqual(rows.filter((x) => x.src === P).map((x) => Number(x.seq)), [1, 2, ...claims],
		'the op log holds each of V\'s ops once under V\'s src, and nothing else under it');
	assert.ok(rows.every((x) => x.src === null || /^[0-9a-f]{32}$/.test(x.src)), 'the op log stores only public parts');
	await pg.end();
	await h.waitVersion(docM, fetched.v);
	assert.equal(docM.data, fetched.data, 'the attacker\'s own client converged');
	assert.equal(docV.data, fetched.data, 'V converged');
	h.assertClean([V, M], mark);
	h.close(V); h.close(M);
});

test('a client keeps its id when it comes back, on any gateway; its own ops come back to it under it', { skip, timeout: 60000 }, async () => {
	const id = h.uid('keep');
	const first = await rawClient(h.URLS[0]);
	assert.match(first.id, /^[0-9a-f]{32}\.[0-9a-f]{32}$/, 'an issued id: public part and proof');
	await rawOp(first, { d: id, v: 0, seq: 1, create: { type: 'text-unicode', data: 'a' } });
	const ack = await rawOp(first, { d: id, v: 1, seq: 2, op: [1, 'b'] });
	assert.equal(ack.src, first.id, 'an op sent without src is acked under the client\'s id');
	first.close();
	for (const url of h.URLS) {
		const back = await rawClient(url, first.id);
		assert.equal(back.id, first.id, `${url}: the id comes back`);
		// A fetch of ops since version 1 gives the client its own op under its
		// id (this connection has not had it; once it has, it never gets it again).
		back.send({ a: 'f', c: C, d: id, v: 1 });
		const own = await back.expect((m) => m.a === 'op' && m.d === id && m.v === 1 && 'op' in m, 'its own op read back');
		assert.equal(own.src, first.id, `${url}: its own op comes back under the id it holds`);
		// A resend names the id: recognised, acked under it, applied once.
		const resend = await rawOp(back, { d: id, v: 1, src: first.id, seq: 2, op: [1, 'b'] });
		assert.deepEqual([resend.error, resend.src, resend.v], [undefined, first.id, 1], `${url}: the resend is acked`);
		back.close();
	}
	const other = await rawClient(h.URLS[0]);
	other.send({ a: 'f', c: C, d: id, v: 1 });
	const theirs = await other.expect((m) => m.a === 'op' && m.d === id && m.v === 1 && 'op' in m, 'the op read by another');
	assert.equal(theirs.src, h.publicSrc(first.id), 'another client reads the public part only');
	other.close();
	assert.deepEqual(await h.fetchFresh(C, id), { v: 2, type: h.TYPES['text-unicode'].uri, data: 'ab' });
});
