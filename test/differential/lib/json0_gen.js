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
 * r is a seeded PRNG with float, int, range, chance, pick and weighted (as
 * lib/harness.js's makeRng).  Owns: the generators.  May call: json0.apply,
 * lib/harness.js's clone.
 */

const { clone } = require('./harness');

module.exports = function json0Generators(json0) {
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

  function randValue(r, depth) {
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

  /* Every [path, value] in doc. */
  function walk(v, p, out) {
    out.push([p, v]);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, p.concat([i]), out));
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) walk(v[k], p.concat([k]), out);
    return out;
  }

  /* One component valid on doc, or null. */
  function randComponent(r, doc) {
    const all = walk(doc, [], []);
    for (let tries = 0; tries < 10; tries++) {
      const [p, v] = r.pick(all);
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
        d = json0.apply(d, [clone(c)]);
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
      return o;
    })();
  }

  return { ATOMS, KEYS, randStr, randNum, randValue, clone, offsets, walk, randComponent, randOp, randDoc };
};
