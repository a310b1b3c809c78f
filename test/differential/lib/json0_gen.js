'use strict';
/*
 * Random json0 documents and ops built the way applications edit, shared by
 * the differential test (json0.js) and the benchmark corpus
 * (test/bench/gen_corpus.js).  A document holds nested lists and objects of
 * numbers, booleans, null and strings (ASCII, accents, CJK, astral emoji); a
 * component is li, ld (with the value there), ld+li, lm, oi, od (with the
 * value there), od+oi, na (integers and fractions), or a text edit as the
 * legacy si / sd or the subtype {p, t: "text0", o: [...]} at UTF-16 offsets
 * that do not split a character.
 *
 * The json0 type (npm ot-json0's) is passed in, since the two callers
 * resolve it from their own node_modules:
 *
 *   const gen = require('./lib/json0_gen')(require('ot-json0').type);
 *   gen.randOp(r, doc, 4)  // {op, doc: doc after op}
 *
 * With { subtypes: { textUnicode, richText } } (the ot-text-unicode and
 * rich-text types, registered on json0 by the caller) documents also hold
 * rich-text deltas {ops: [...]} (text with attributes, embeds, astral
 * characters), and components include the subtypes: {p, t: 'text-unicode',
 * o} on strings (skips, inserts, deletes by text or by count, at code point
 * offsets) and {p, t: 'rich-text', o} on deltas (retains with attributes,
 * inserts of text and embeds, deletes, at UTF-16 offsets that do not split a
 * character; o a bare array or {ops}), a few on a missing key or on a string
 * (which rich-text takes for an empty delta).  Without it the output is as
 * before (the benchmark corpus stays the same).
 *
 * r is a seeded PRNG with float, int, range, chance, pick and weighted (as
 * lib/harness.js's makeRng).  Owns: the generators.  May call: json0.apply,
 * lib/harness.js's clone.
 */

const { clone } = require('./harness');

module.exports = function json0Generators(json0, options) {
  const sub = (options && options.subtypes) || null;
  const ATOMS = ['a', 'b', 'é', 'ü', '中', '文', '😀', '👍🏽', '🎉', ' ', 'x', 'y', '\n', '"'];
  const KEYS = ['a', 'b', 'c', 'title', 'items', 'n', 'text', 'x', 'ключ', '😀'];

  function randStr(r, max) {
    let s = '';
    const n = r.int(max + 1);
    for (let i = 0; i < n; i++) s += r.pick(ATOMS);
    return s;
  }

  function randNum(r) {
    return r.weighted([[5, () => r.range(-20, 100)], [2, () => r.range(-1000, 1000) / 10],
      [1, () => r.float() * 1e6], [1, () => 0.1 * r.range(1, 9)]])();
  }

  const ATTRS = [['bold', true], ['bold', null], ['italic', true], ['color', '#f00'], ['color', null],
    ['link', 'https://x.y/😀'], ['size', 12]];
  const EMBEDS = [{ image: 'a.png' }, { formula: 'e=mc²' }, { video: { src: 'v', w: 2 } }];

  function randAttrs(r, nulls) {
    if (r.chance(0.5)) return undefined;
    const a = {};
    const n = r.range(1, 2);
    for (let i = 0; i < n; i++) {
      const [k, v] = r.pick(ATTRS);
      if (v !== null || nulls) a[k] = v;
    }
    return Object.keys(a).length ? a : undefined;
  }

  /* A rich-text document: inserts of text and embeds with attributes. */
  function randDelta(r) {
    const d = new sub.richText.Delta();
    const n = r.int(4);
    for (let i = 0; i < n; i++) {
      if (r.chance(0.2)) d.insert(clone(r.pick(EMBEDS)), randAttrs(r, false));
      else d.insert(randStr(r, 6) || 'w', randAttrs(r, false));
    }
    return { ops: d.ops };
  }

  function isDelta(v) {
    return sub && v !== null && typeof v === 'object' && !Array.isArray(v) && Array.isArray(v.ops)
      && Object.keys(v).length === 1;
  }

  function randValue(r, depth) {
    if (sub && r.chance(0.04)) return randDelta(r);
    const k = depth <= 0 ? r.int(4) : r.int(7);
    switch (k) {
      case 0: return randNum(r);
      case 1: return randStr(r, 8);
      case 2: return r.pick([true, false, null]);
      case 3: return randStr(r, 4);
      case 4: case 5: {
        const a = [];
        const n = r.int(5);
        for (let i = 0; i < n; i++) a.push(randValue(r, depth - 1));
        return a;
      }
      default: {
        const o = {};
        const n = r.int(5);
        for (let i = 0; i < n; i++) o[r.pick(KEYS)] = randValue(r, depth - 1);
        return o;
      }
    }
  }

  /* UTF-16 offsets of s that do not split a surrogate pair. */
  function offsets(s) {
    const out = [];
    for (let i = 0; i <= s.length; i++) {
      const c = s.charCodeAt(i - 1);
      if (i > 0 && i < s.length && c >= 0xD800 && c <= 0xDBFF) continue;
      out.push(i);
    }
    return out;
  }

  /* Every [path, value] in doc (a delta is a leaf). */
  function walk(v, p, out) {
    out.push([p, v]);
    if (isDelta(v)) return out;
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, p.concat([i]), out));
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) walk(v[k], p.concat([k]), out);
    return out;
  }

  /* A text-unicode op on s: skips, inserts, deletes at code point offsets. */
  function randTextUnicode(r, s) {
    const cps = Array.from(s);
    const op = [];
    let pos = 0;
    const n = r.range(1, 3);
    for (let i = 0; i < n; i++) {
      const skip = r.int(cps.length - pos + 1);
      op.push(skip);
      pos += skip;
      if (pos < cps.length && r.chance(0.45)) {
        const m = r.range(1, Math.min(3, cps.length - pos));
        op.push({ d: r.chance(0.75) ? cps.slice(pos, pos + m).join('') : m });
        pos += m;
      } else {
        op.push(randStr(r, 3) || 'q');
      }
    }
    return sub.textUnicode.normalize(op);
  }

  /* The UTF-16 offsets of a document delta that do not split a character. */
  function deltaOffsets(ops) {
    const out = [0];
    let base = 0;
    for (const c of ops) {
      if (typeof c.insert === 'string') {
        for (const o of offsets(c.insert)) if (o > 0) out.push(base + o);
        base += c.insert.length;
      } else {
        base += 1;
        out.push(base);
      }
    }
    return out;
  }

  /* A rich-text op on a document delta (ops), as a bare array or {ops}. */
  function randRichText(r, ops) {
    const offs = deltaOffsets(ops);
    const d = new sub.richText.Delta();
    let at = 0;
    const n = r.range(1, 3);
    for (let i = 0; i < n; i++) {
      const ahead = offs.filter((o) => o >= at);
      const to = r.pick(ahead);
      if (to > at) {
        d.retain(to - at, r.chance(0.35) ? randAttrs(r, true) : undefined);
        at = to;
      }
      const further = offs.filter((o) => o > at);
      if (further.length && r.chance(0.4)) {
        const end = r.pick(further.slice(0, 3));
        d.delete(end - at);
        at = end;
      } else if (r.chance(0.2)) {
        d.insert(clone(r.pick(EMBEDS)), randAttrs(r, false));
      } else {
        d.insert(randStr(r, 3) || 'k', randAttrs(r, false));
      }
    }
    if (r.chance(0.5)) d.chop();
    return r.chance(0.5) ? d.ops : { ops: d.ops };
  }

  /* A subtype component on v at p, or null. */
  function randSubtype(r, p, v) {
    if (isDelta(v)) return { p, t: 'rich-text', o: randRichText(r, v.ops) };
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const key = r.pick(KEYS);
      if (key in v || !r.chance(0.3)) return null;
      // rich-text takes a missing value for an empty delta
      return { p: p.concat([key]), t: 'rich-text', o: randRichText(r, []) };
    }
    if (typeof v === 'string' && p.length) {
      // rich-text takes a string for an empty delta too
      if (r.chance(0.03)) return { p, t: 'rich-text', o: { ops: [{ insert: 'r' }] } };
      const o = randTextUnicode(r, v);
      return o.length ? { p, t: 'text-unicode', o } : null;
    }
    return null;
  }

  /* One component valid on doc, or null. */
  function randComponent(r, doc) {
    const all = walk(doc, [], []);
    if (sub && r.chance(0.15)) {
      const targets = all.filter(([, v]) => isDelta(v) || typeof v === 'string'
        || (v !== null && typeof v === 'object' && !Array.isArray(v)));
      for (let tries = 0; targets.length && tries < 4; tries++) {
        const [p, v] = r.pick(targets);
        const c = randSubtype(r, p, v);
        if (c) return c;
      }
    }
    for (let tries = 0; tries < 10; tries++) {
      const [p, v] = r.pick(all);
      if (isDelta(v)) {
        if (p.length === 0) continue;
        return { p, t: 'rich-text', o: randRichText(r, v.ops) };
      }
      if (Array.isArray(v)) {
        const k = r.int(3);
        if (k === 0 || v.length === 0) return { p: p.concat([r.int(v.length + 1)]), li: randValue(r, 2) };
        const i = r.int(v.length);
        if (k === 1) return r.chance(0.5) ? { p: p.concat([i]), ld: clone(v[i]) }
          : { p: p.concat([i]), ld: clone(v[i]), li: randValue(r, 2) };
        return { p: p.concat([i]), lm: r.int(v.length) };
      }
      if (v !== null && typeof v === 'object') {
        const keys = Object.keys(v);
        const key = r.chance(0.5) && keys.length ? r.pick(keys) : r.pick(KEYS);
        if (!(key in v)) return { p: p.concat([key]), oi: randValue(r, 2) };
        return r.chance(0.5) ? { p: p.concat([key]), od: clone(v[key]) }
          : { p: p.concat([key]), od: clone(v[key]), oi: randValue(r, 2) };
      }
      if (p.length === 0) continue;
      if (typeof v === 'number') return { p, na: r.chance(0.8) ? r.range(-10, 10) : r.range(-100, 100) / 4 };
      if (typeof v === 'string') {
        const offs = offsets(v);
        const at = r.pick(offs);
        const ends = offs.filter((o) => o > at);
        const del = ends.length && r.chance(0.4);
        const text = del ? v.slice(at, r.pick(ends)) : randStr(r, 3) || 'z';
        if (r.chance(0.5)) return del ? { p: p.concat([at]), sd: text } : { p: p.concat([at]), si: text };
        return { p, t: 'text0', o: [del ? { p: at, d: text } : { p: at, i: text }] };
      }
    }
    return null;
  }

  /* An op of 1..max components, each valid after the ones before. */
  function randOp(r, doc, max) {
    const op = [];
    let d = clone(doc);
    const n = r.range(1, max);
    for (let i = 0; i < n; i++) {
      const c = randComponent(r, d);
      if (!c) break;
      try {
        d = json0.apply(d, [c]);  // apply clones the op itself
      } catch (e) {
        break;
      }
      op.push(c);
    }
    return { op, doc: d };
  }

  function randDoc(r) {
    return r.chance(0.1) ? randValue(r, 3) : (() => {
      const o = {};
      const n = r.range(1, 5);
      for (let i = 0; i < n; i++) o[r.pick(KEYS)] = randValue(r, 3);
      if (sub && r.chance(0.25)) o[r.pick(KEYS)] = randDelta(r);
      return o;
    })();
  }

  return { ATOMS, KEYS, isDelta, randDelta, randTextUnicode, randRichText, randStr, randNum, randValue, clone, offsets, walk, randComponent, randOp, randDoc };
};
