#!/usr/bin/env node
'use strict';
/*
 * Differential test of pg_ot's json0 functions against the JavaScript
 * reference, npm ot-json0 1.1.0 (the version sharedb 7 depends on).
 *
 *   node json0.js [--seed N] [--cases N] [--batch N] [--only ID,...]
 *                 [--sabotage N] [--show N]
 *
 * Options, the run and the classification are lib/harness.js's (see
 * text_unicode.js).  Cases are generated the way applications edit: a
 * document of nested lists and objects holding numbers, booleans, null and
 * strings (ASCII, accents, CJK, astral emoji); ops of one to four components
 * built against the document as it is after the previous ones: li, ld (with
 * the value there), ld+li, lm, oi, od (with the value there), od+oi, na
 * (integers and fractions), text edits as the legacy si / sd and as the
 * subtype {p, t: "text0", o: [...]} with UTF-16 offsets that do not split a
 * character.  Kinds: apply, transform left, transform right, compose (the
 * second op made on the first's result), normalize, invert; each gets
 * cases/6 of the random cases.  jsonb reorders object keys: results compare
 * by value.
 */

const json0 = require('ot-json0').type;
const { run } = require('./lib/harness');

const TYPE_NAMES = ['json0', 'http://sharejs.org/types/JSONv0'];
const BAD_TYPE_NAMES = ['json', 'JSON0', 'json0 ', 'http://sharejs.org/types/JSONv1', ''];
const KINDS = ['apply', 'transform-left', 'transform-right', 'compose', 'normalize', 'invert'];
const REASONS = {
  // jsonb cannot hold a lone UTF-16 surrogate; the reference's od/ld value
  // rewriting (and si/sd offsets) can split a pair.
  'lone-surrogate': { sqlstate: '0A000', re: /lone UTF-16 surrogate/ },
};
// JSON.stringify writes a lone surrogate as an escape, never a pair
const LONE = /\\ud[89a-f][0-9a-f]{2}/i;

/* The case, marked as refused by design when the reference's result holds a lone surrogate. */
function predict(c) {
  let out;
  // only transform rewrites text at offsets not chosen on that text
  if (c.fn !== 'transform') return c;
  try {
    out = JSON.stringify(refEval({ fn: c.fn, typ: TYPE_NAMES[0] }, clone(c.args)));
  } catch (e) {
    return c;
  }
  if (out !== undefined && LONE.test(out)) c.reasons = ['lone-surrogate'];
  return c;
}

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

const clone = (v) => JSON.parse(JSON.stringify(v));

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

function genCase(r, kind) {
  return predict(genCase1(r, kind));
}

function genCase1(r, kind) {
  const doc = randDoc(r);
  const a = randOp(r, doc, 4);
  switch (kind) {
    case 'apply':
      return { fn: 'apply', variant: 'apply', args: { doc, op: a.op } };
    case 'transform-left':
    case 'transform-right': {
      const b = randOp(r, doc, r.chance(0.6) ? 1 : 3);
      return { fn: 'transform', variant: kind, args: { op: a.op, other: b.op, side: kind.slice(10) } };
    }
    case 'compose': {
      const b = randOp(r, a.doc, 4);
      return { fn: 'compose', variant: 'compose', args: { a: a.op, b: b.op } };
    }
    case 'normalize':
      return { fn: 'normalize', variant: 'normalize', args: { op: a.op.concat(randOp(r, a.doc, 3).op) } };
    default:
      return { fn: 'invert', variant: 'invert', args: { op: a.op, doc } };
  }
}

function refEval(c, args) {
  if (!TYPE_NAMES.includes(c.typ)) throw new Error(`unknown type ${JSON.stringify(c.typ)}`);
  switch (c.fn) {
    case 'apply': return json0.apply(args.doc, args.op);
    case 'transform': return json0.transform(args.op, args.other, args.side);
    case 'compose': return json0.compose(args.a, args.b);
    case 'normalize': return json0.normalize(args.op);
    case 'invert': return json0.invert(args.op);
    default: throw new Error(`harness: unknown function ${c.fn}`);
  }
}

/* A valid apply case made to give another result (--sabotage): one more key in the snapshot. */
function sabotage(parts) {
  const d = JSON.parse(parts.doc);
  parts.doc = JSON.stringify(d !== null && typeof d === 'object' && !Array.isArray(d)
    ? { ...d, sabotaged: 1 } : [d]);
}

if (require.main === module) {
  run({
    name: 'json0',
    script: 'json0.js',
    module: __filename,
    typeNames: TYPE_NAMES,
    badTypeNames: BAD_TYPE_NAMES,
    kinds: KINDS,
    reasons: REASONS,
    minRandomCases: 600000,
    genCase,
    sabotage,
  });
}

module.exports = { refEval, genCase, KINDS, REASONS };
