'use strict';
// Bad input on a raw ws connection (reference §1.1, §1.8): unknown actions,
// badly formed requests, ops at wrong versions or on the wrong document get
// ShareDB error replies (the request echoed with error: {code, message}),
// change nothing, and the connection and the server stay up.

const { test, after } = require('node:test');
const h = require('../lib/harness');
const { assert } = h;

after(h.closeAll);

const C = 'gw_misc';
const URI = h.TYPES['text-unicode'].uri;

// The connection still answers, and the document is as it was.
async function alive(R, id, v, data) {
	R.send({ a: 'f', c: C, d: id });
	const m = await R.expect((x) => x.a === 'f' && x.d === id && !x.error, 'a fetch on the same connection');
	assert.deepEqual(h.snapshotOf(m.data), { v, data, type: URI }, 'the document is unchanged');
}

async function expectError(R, request, code, what) {
	R.send(request);
	const m = await R.expect((x) => x.error && x.a === request.a && (request.d === undefined || x.d === request.d) &&
		(request.seq === undefined || x.seq === request.seq), `the error reply to ${what}`);
	assert.equal(m.error.code, code, `${what}: error code (message: ${m.error.message})`);
	assert.equal(typeof m.error.message, 'string', `${what}: an error message`);
	for (const k of ['a', 'c', 'd', 'seq']) {
		if (k in request) assert.deepEqual(m[k], request[k], `${what}: the reply echoes ${k}`);
	}
	return m;
}

test('unknown actions, badly formed requests, wrong versions: error replies, nothing changes', { timeout: 120000 }, async () => {
	const id = h.uid('err');
	const missing = h.uid('err-missing');
	const W = await h.connect();
	const docW = h.getDoc(W, C, id);
	await h.create(docW, 'abc', 'text-unicode');

	const R = await h.Raw.open();
	await R.handshake();
	await alive(R, id, 1, 'abc');

	await expectError(R, { a: 'zz', c: C, d: id }, 'ERR_MESSAGE_BADLY_FORMED', 'an unknown action');
	await alive(R, id, 1, 'abc');
	R.send({ c: C, d: id, seq: 99 });
	const noAction = await R.expect((x) => x.error && x.seq === 99, 'the error reply to a message without an action');
	assert.equal(noAction.error.code, 'ERR_MESSAGE_BADLY_FORMED');
	await expectError(R, { a: 'f', c: 5, d: id }, 'ERR_MESSAGE_BADLY_FORMED', 'a collection that is not a string');
	await expectError(R, { a: 'f', c: C, d: id, v: -3 }, 'ERR_MESSAGE_BADLY_FORMED', 'a fetch at a negative version');
	await expectError(R, { a: 's', c: C, d: id, v: 'x' }, 'ERR_MESSAGE_BADLY_FORMED', 'a subscribe at a version that is not a number');
	await alive(R, id, 1, 'abc');

	await expectError(R, { a: 'op', c: C, d: id, v: -1, seq: 1, op: [1, 'q'] }, 'ERR_MESSAGE_BADLY_FORMED',
		'an op at a negative version');
	await expectError(R, { a: 'op', c: C, d: id, v: '1', seq: 2, op: [1, 'q'] }, 'ERR_MESSAGE_BADLY_FORMED',
		'an op whose version is a string');
	await expectError(R, { a: 'op', c: C, d: id, v: 7, seq: 3, op: [1, 'q'] }, 'ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT',
		'an op from the future');
	await expectError(R, { a: 'op', c: C, d: missing, v: 0, seq: 4, op: [1, 'q'] }, 'ERR_DOC_DOES_NOT_EXIST',
		'an op on a document that does not exist');
	await expectError(R, { a: 'op', c: C, d: id, v: 0, seq: 5, create: { type: 'text-unicode', data: 'zzz' } },
		'ERR_DOC_ALREADY_CREATED', 'a create of a document that exists');
	await expectError(R, { a: 'op', c: C, d: id, v: 1, seq: 6, op: [10, 'q'] }, 'ERR_OT_OP_NOT_APPLIED',
		'an op past the end of the document');
	await alive(R, id, 1, 'abc');

	// The same connection can still edit: the next good op is applied.
	R.send({ a: 'op', c: C, d: id, v: 1, seq: 7, op: [3, 'd'] });
	const ack = await R.expect((x) => x.a === 'op' && x.d === id && x.seq === 7, 'the ack of a good op');
	assert.equal(ack.error, undefined, 'a good op after the errors is accepted');
	assert.equal(ack.v, 1);
	await alive(R, id, 2, 'abcd');
	R.send({ a: 'f', c: C, d: missing });
	const m = await R.expect((x) => x.a === 'f' && x.d === missing, 'fetch of the missing document');
	assert.equal(m.data.v, 0, 'nothing was created by the failed op');
	assert.ok(m.data.type == null);
	assert.ok(R.isOpen, 'the connection is open');
	const fetched = await h.fetchFresh(C, id);
	assert.deepEqual(fetched, { v: 2, type: URI, data: 'abcd' }, 'a new client sees the same');
	h.close(W); R.close();
});

// A frame that is not a JSON object.  ShareDB closes such a connection (the
// stock adapter with 1011 for invalid JSON, the Agent with 1000 for a
// non-object); pg_ot's gateway answers ERR_MESSAGE_BADLY_FORMED and keeps the
// connection (DESIGN / the gateway's brief).  Either way nothing else is
// disturbed: another connection keeps its subscription, the server accepts
// new ones.
const JUNK = [['invalid JSON', '{"a":"f", oops'], ['a JSON string', '"hello"'], ['JSON null', 'null'],
	['a number', '42']];
test('malformed JSON and non-object frames: answered or closed, the server stays up', { timeout: 120000 }, async (t) => {
	const mark = h.clientWarnings.length;
	const id = h.uid('junk');
	const W = await h.connect();
	const docW = h.getDoc(W, C, id);
	await h.subscribe(docW);
	await h.create(docW, 'x', 'text-unicode');
	const O = await h.connect();
	const docO = h.getDoc(O, C, id);
	await h.subscribe(docO);

	for (const [what, frame] of JUNK) {
		const R = await h.Raw.open();
		await R.handshake();
		R.sendText(frame);
		if (h.PG_OT) {
			const m = await R.expect((x) => x.error, `the error reply to ${what}`);
			assert.equal(m.error.code, 'ERR_MESSAGE_BADLY_FORMED', `${what}: error code`);
			await alive(R, id, docW.version, docW.data);
		} else {
			const { code } = await R.closed(`ShareDB to close the connection after ${what}`);
			t.diagnostic(`reference: ${what} -> close ${code}`);
			assert.ok([1000, 1011].includes(code), `${what}: closed with a close frame (${code})`);
		}
		R.close();
		// Nothing else is disturbed.
		await h.submit(docW, [0, '.']);
		await h.waitVersion(docO, docW.version);
		assert.equal(docO.data, docW.data, `after ${what}: another connection still gets ops`);
	}
	const fresh = await h.fetchFresh(C, id);
	assert.deepEqual(fresh, { v: docW.version, type: URI, data: docW.data }, 'a new connection works');
	h.assertClean([W, O], mark);
	h.close(W); h.close(O);
});

test('ping', { timeout: 60000 }, async () => {
	const R = await h.Raw.open();
	await R.handshake();
	R.send({ a: 'pp' });
	const m = await R.expect((x) => x.a === 'pp', 'the pp reply');
	assert.equal(m.error, undefined);
	R.close();
});

// Clients that leave in the middle of their requests: the server must drop
// what it was doing for them (reads, bulk replies, subscriptions, an op)
// and stay up; under the sanitizer build any use of a freed client fails
// the run.
test('clients that go while their requests are in flight: the server stays up', { timeout: 120000 }, async () => {
	const ids = Array.from({ length: 20 }, (_, i) => h.uid(`leave-${i}`));
	const W = await h.connect();
	const docW = h.getDoc(W, C, ids[0]);
	await h.create(docW, 'x', 'text-unicode');
	for (let round = 0; round < 30; round++) {
		const R = await h.Raw.open();
		await R.handshake();
		R.send({ a: 'bs', c: C, b: ids });
		R.send({ a: 'bf', c: C, b: Object.fromEntries(ids.map((id) => [id, 0])) });
		R.send({ a: 's', c: C, d: ids[0], v: 0 });
		R.send({ a: 'op', c: C, d: ids[0], v: 1, seq: 1, op: [1, `${round}`] });
		R.send({ a: 'ps', ch: `${C}.${ids[0]}`, seq: 1 });
		// Leave after a varying number of replies.
		const replies = round % 6;
		if (replies > 0) await R.expect((() => { let n = 0; return () => ++n >= replies; })(), `${replies} replies`);
		R.close();
	}
	const fresh = await h.fetchFresh(C, ids[0]);
	assert.equal(fresh.type, URI, 'a new client still reads the document');
	h.close(W);
});
