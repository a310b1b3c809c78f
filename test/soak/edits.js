'use strict';
/*
 * Seeded random edits a user could make on a client's current snapshot (the
 * generator of test/gateway/lib/edits.js, with a bias that keeps documents
 * near a target length so that a long soak does not grow them without
 * bound): inserts with accents, combining marks, CJK and astral emoji,
 * deletes (by count, and for text-unicode by content), and for rich-text
 * formatting set and removed and embeds.  Positions never split a
 * character, so every op is valid against the snapshot it was made on.
 */

const { Delta } = require('rich-text');

// mulberry32
function prng(seed) {
	let a = seed >>> 0;
	return function rand() {
		a = (a + 0x6D2B79F5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const int = (rand, n) => Math.floor(rand() * n);
const pick = (rand, xs) => xs[int(rand, xs.length)];

const PIECES = ['a', 'b', 'c', ' ', 'é', 'e\u0301', '中文', '😀', '👍🏽', 'Z', '\n', 'ß'];
function randomText(rand, max = 4) {
	let s = '';
	for (let n = 1 + int(rand, max); n > 0; n--) s += pick(rand, PIECES);
	return s;
}

// How likely an edit inserts: mostly while the document is short, rarely
// once it is past the target length.
function insertBias(len, target) {
	return len < target ? 0.65 : 0.25;
}

// text-unicode: positions count code points.
function textEdit(rand, snapshot, target) {
	const cps = [...snapshot];
	const len = cps.length;
	if (len === 0 || rand() < insertBias(len, target)) {
		const pos = int(rand, len + 1);
		const ins = randomText(rand);
		return pos ? [pos, ins] : [ins];
	}
	const pos = int(rand, len);
	const n = 1 + int(rand, Math.min(len - pos, 6));
	const d = rand() < 0.3 ? { d: cps.slice(pos, pos + n).join('') } : { d: n };
	return pos ? [pos, d] : [d];
}

// rich-text: positions count UTF-16 units; the cut points a client may use
// are the ones between characters (not inside a surrogate pair).
function richBoundaries(delta) {
	const b = [0];
	let pos = 0;
	for (const op of delta.ops) {
		if (typeof op.insert === 'string') {
			for (const ch of op.insert) { pos += ch.length; b.push(pos); }
		} else {
			pos += 1;
			b.push(pos);
		}
	}
	return b;
}
const ATTRS = [{ bold: true }, { italic: true }, { color: '#e00' }, { bold: null }, { link: 'https://example.org/' }];
function richEdit(rand, snapshot, target) {
	const b = richBoundaries(snapshot);
	const len = b[b.length - 1];
	const pos = pick(rand, b);
	const ops = pos ? [{ retain: pos }] : [];
	const r = rand();
	const bias = insertBias(len, target);
	if (len === 0 || pos === len || r < bias) {
		if (rand() < 0.1) ops.push({ insert: { image: 'https://example.org/i.png' } });
		else {
			const ins = { insert: randomText(rand) };
			if (rand() < 0.4) ins.attributes = { ...pick(rand, ATTRS) };
			if (ins.attributes && Object.values(ins.attributes)[0] === null) delete ins.attributes;
			ops.push(ins);
		}
	} else {
		const ends = b.filter((x) => x > pos && x <= pos + 8);
		const n = pick(rand, ends) - pos;
		if (r < bias + (1 - bias) * 0.8) ops.push({ delete: n });
		else ops.push({ retain: n, attributes: { ...pick(rand, ATTRS) } });
	}
	// Both forms a client may send: a bare array or a Delta ({ops: [...]}).
	return rand() < 0.5 ? ops : new Delta(ops);
}

function randomEdit(typeName, rand, snapshot, target = 1000) {
	return typeName === 'text-unicode' ? textEdit(rand, snapshot, target) : richEdit(rand, snapshot, target);
}

module.exports = { prng, int, pick, randomText, randomEdit };
