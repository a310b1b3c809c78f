'use strict';
/*
 * Seeded random edits a user could make on a client's current snapshot:
 * inserts with accents, combining marks, CJK and astral emoji, deletes (by
 * count, and for text-unicode by content), and for rich-text formatting set
 * and removed and embeds.  Positions never split a character, so every op is
 * valid against the snapshot it was made on.
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

// text-unicode: positions count code points.
function textEdit(rand, snapshot) {
	const cps = [...snapshot];
	const len = cps.length;
	if (len === 0 || rand() < 0.6) {
		const pos = int(rand, len + 1);
		const ins = randomText(rand);
		return pos ? [pos, ins] : [ins];
	}
	const pos = int(rand, len);
	const n = 1 + int(rand, Math.min(len - pos, 5));
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
function richEdit(rand, snapshot) {
	const b = richBoundaries(snapshot);
	const len = b[b.length - 1];
	const pos = pick(rand, b);
	const ops = pos ? [{ retain: pos }] : [];
	const r = rand();
	if (len === 0 || pos === len || r < 0.5) {
		if (rand() < 0.1) ops.push({ insert: { image: 'https://example.org/i.png' } });
		else {
			const ins = { insert: randomText(rand) };
			if (rand() < 0.4) ins.attributes = { ...pick(rand, ATTRS) };
			if (ins.attributes && Object.values(ins.attributes)[0] === null) delete ins.attributes;
			ops.push(ins);
		}
	} else {
		const ends = b.filter((x) => x > pos && x <= pos + 6);
		const n = pick(rand, ends) - pos;
		if (r < 0.8) ops.push({ delete: n });
		else ops.push({ retain: n, attributes: { ...pick(rand, ATTRS) } });
	}
	// Both forms a client may send: a bare array or a Delta ({ops: [...]}).
	return rand() < 0.5 ? ops : new Delta(ops);
}

/* UTF-16 offsets of s that do not split a surrogate pair. */
function utf16Offsets(s) {
	const out = [];
	for (let i = 0; i <= s.length; i++) {
		const c = s.charCodeAt(i - 1);
		if (i > 0 && i < s.length && c >= 0xD800 && c <= 0xDBFF) continue;
		out.push(i);
	}
	return out;
}

/*
 * json0 on {l: [...], o: {...}, n: number, s: "text", t: "text", u: "text",
 * r: {ops: [...]}}: li, ld, ld+li, lm on the list, oi, od, od+oi on the
 * object, na on the number, text edits as si/sd and as the text0 subtype,
 * text-unicode edits of u and rich-text edits of r (embedded subtypes, as
 * textEdit and richEdit make them).
 */
function json0Edit(rand, d) {
	const k = int(rand, 13);
	if (k >= 11) return [{ p: ['r'], t: 'rich-text', o: richEdit(rand, d.r) }];
	if (k >= 9) return [{ p: ['u'], t: 'text-unicode', o: textEdit(rand, d.u) }];
	const l = d.l;
	if (k === 0 || (k <= 2 && l.length === 0)) return [{ p: ['l', int(rand, l.length + 1)], li: randomText(rand, 2) }];
	if (k === 1) { const i = int(rand, l.length); return [{ p: ['l', i], ld: l[i] }]; }
	if (k === 2) { const i = int(rand, l.length); return [{ p: ['l', i], lm: int(rand, l.length) }]; }
	if (k === 3) {
		const key = `k${int(rand, 4)}`;
		return key in d.o ? [{ p: ['o', key], od: d.o[key], oi: int(rand, 100) }] : [{ p: ['o', key], oi: [int(rand, 9)] }];
	}
	if (k === 4) {
		const keys = Object.keys(d.o);
		if (keys.length === 0) return [{ p: ['n'], na: 1 }];
		const key = pick(rand, keys);
		return [{ p: ['o', key], od: d.o[key] }];
	}
	if (k === 5) return [{ p: ['n'], na: int(rand, 11) - 3 }];
	// 1.1.0 does not transform a legacy si/sd against a text0 op on the same
	// string (nor the reverse), so, as applications do, each string keeps to
	// one form: s takes si/sd (sharedb-string-binding), t the subtype.
	const key = k === 6 ? 's' : 't';
	const offs = utf16Offsets(d[key]);
	const at = pick(rand, offs);
	const ends = offs.filter((o) => o > at);
	if (ends.length && rand() < 0.4) {
		const text = d[key].slice(at, pick(rand, ends));
		return k === 6 ? [{ p: ['s', at], sd: text }] : [{ p: ['t'], t: 'text0', o: [{ p: at, d: text }] }];
	}
	const text = randomText(rand, 3);
	return k === 6 ? [{ p: ['s', at], si: text }] : [{ p: ['t'], t: 'text0', o: [{ p: at, i: text }] }];
}

function randomEdit(typeName, rand, snapshot) {
	if (typeName === 'json0') return json0Edit(rand, snapshot);
	return typeName === 'text-unicode' ? textEdit(rand, snapshot) : richEdit(rand, snapshot);
}

module.exports = { prng, int, pick, randomText, randomEdit, richBoundaries };
