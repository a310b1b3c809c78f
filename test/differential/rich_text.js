#!/usr/bin/env node
'use strict';
/*
 * Differential test of pg_ot's rich-text functions against the JavaScript
 * reference: npm rich-text 4.1.0 on quill-delta 4.2.2, and quill-delta 5.1.0
 * for invert (rich-text has none).
 *
 *   node rich_text.js [--seed N] [--cases N] [--batch N] [--only ID,...]
 *                     [--sabotage N] [--show N]
 *
 * The options, the PostgreSQL connection (psql, PG* variables, CREATE
 * EXTENSION pg_ot), the steps of a run and the exit status are those of
 * text_unicode.js; both use lib/harness.js.  This file holds the rich-text
 * generators, the reference mapping (refEval) and the by-design reasons.
 *
 * Cases
 *   Documents are runs of text (ASCII, accents, combining marks, CJK, astral
 *   emoji, JSON-escaped characters), embeds ({"image": ...}, {"video": ...},
 *   the numbers 1 and 2 of the upstream fuzzer, ...) and attributes (true,
 *   strings, numbers, null, nested objects and arrays), from empty to
 *   several thousand UTF-16 units, canonical (built by quill-delta's push) or
 *   raw.  Ops are generated against a document a code point or embed at a
 *   time, so that their lengths fit and no boundary falls inside a surrogate
 *   pair: retains with and without attributes (null removes one), inserts
 *   with attributes, deletes; canonical or raw, as {"ops": [...]} or a bare
 *   array, lengths sometimes spelled 2.0 or 2e0, strings sometimes written
 *   with \u escapes.  transform's two ops are concurrent on one document;
 *   compose's b is generated against the document a produces.  Some inputs
 *   are the reference's own outputs (snapshots after a few applies, ops
 *   composed from two or transformed by a concurrent one); some ops carry
 *   lengths past 32-bit range (functions that need no document); some are
 *   short ops over a tiny alphabet, where equal neighbours, empty and null
 *   attributes and ties meet often.  Where the inputs lead pg_ot to cut a
 *   text inside a surrogate pair, the case predicts that rejection
 *   (splitsPair).  About 3% of the cases per function are
 *   deliberately invalid, each with the reason(s) pg_ot is predicted to
 *   reject it for (REASONS; README "Differences from the JavaScript
 *   reference / rich-text"); where the reference throws as well, both
 *   rejecting is a match.  The worked examples of
 *   shared/reference/sharedb-and-ot-types.md §3.9 and the rules of
 *   sql/rich_text_errors.sql are fixed cases on top.
 *
 *   presence_at cases build a document in the database (rolled back after
 *   each case): a create, then edits by clients "a", "b", "c" or by none (no
 *   src), sometimes a delete and a new create; a presence (a range with or
 *   without extra keys, null, or malformed) made at one of its versions is
 *   moved to the latest by ot.presence_at, on behalf of one of the clients,
 *   and compared with what a ShareDB server does
 *   (Backend.transformPresenceToLatestVersion: ot.transformPresence op by op,
 *   own when the op's src is the presence's, null after a create or delete).
 */

const richText = require('rich-text');
const Delta5 = require('quill-delta-5');
const { RawNum, toJson, run } = require('./lib/harness');
const { cps, pickMode, randCps, bigCount } = require('./lib/text');

const { type } = richText;
const Delta = richText.Delta;           // quill-delta 4.2.2, the one rich-text uses
const { AttributeMap } = Delta;

const TYPE_NAMES = ['rich-text', 'http://sharejs.org/types/rich-text/v1'];
const BAD_TYPE_NAMES = ['rich_text', 'Rich-Text', 'rich-text ', 'richtext', 'http://sharejs.org/types/rich-text/v2',
  'http://sharejs.org/types/rich-text', 'text-rich', ''];
const P_INVALID = 0.03;       // share of deliberately invalid inputs per kind
const P_RAW_NUMBER = 0.02;    // share of ops whose numbers are written as 2.0, 2e0, ...
const P_BIG = 0.01;           // share of ops with lengths past 32-bit range (no document)
const MAX_SAFE = 9007199254740991;
const INT32_MAX = 2147483647;

/* Reasons pg_ot rejects, by design, input the reference accepts. */
const REASONS = {
  // ops (OT001, "rich-text op ...")
  'not-delta': { sqlstate: 'OT001', re: /^rich-text op is not a delta$/ },
  'not-object': { sqlstate: 'OT001', re: /^rich-text op component \d+ is not an object$/ },
  'exactly-one': { sqlstate: 'OT001', re: /^rich-text op component \d+ must have exactly one of insert, retain and delete$/ },
  'unknown-key': { sqlstate: 'OT001', re: /^rich-text op component \d+ has an unknown key$/ },
  'attributes-not-object': { sqlstate: 'OT001', re: /^rich-text op component \d+ has attributes that are not an object$/ },
  'delete-attributes': { sqlstate: 'OT001', re: /^rich-text op component \d+ is a delete with attributes$/ },
  'empty-insert': { sqlstate: 'OT001', re: /^rich-text op component \d+ inserts an empty string$/ },
  'falsy-embed': { sqlstate: 'OT001', re: /^rich-text op component \d+ inserts an embed that is null, false or 0$/ },
  'length-not-number': { sqlstate: 'OT001', re: /^rich-text op component \d+ has a length that is not a number$/ },
  'negative': { sqlstate: 'OT001', re: /^rich-text op component \d+ has a negative length$/ },
  'zero': { sqlstate: 'OT001', re: /^rich-text op component \d+ has a length of zero$/ },
  'non-integer': { sqlstate: 'OT001', re: /^rich-text op component \d+ has a length that is not an integer$/ },
  // a length above 2^53 - 1, or lengths adding up past it
  'out-of-range': { sqlstate: 'OT001', re: /^rich-text op (component \d+ has a length out of range|is too long)$/ },
  // quill-delta 5 embed changes, which rich-text 4.1.0 misreads as inserts
  'object-retain': { sqlstate: 'OT001', re: /^rich-text op component \d+ retains an object/ },
  // an op that does not fit the document (apply, invert)
  'too-long': { sqlstate: 'OT002', re: /^rich-text op is longer than the document$/ },
  'split-pair': { sqlstate: 'OT002', re: /^rich-text op splits a surrogate pair$/ },
  // snapshots and initial data (22023)
  'not-document': { sqlstate: '22023', re: /^rich-text (snapshot|initial data) is not a document$/ },
  'snapshot-not-delta': { sqlstate: '22023', re: /^rich-text (snapshot|initial data) is not a delta$/ },
  'bad-snapshot': { sqlstate: '22023', re: /^rich-text (snapshot|initial data) component \d+ / },
  // arguments the reference reads loosely
  'bad-side': { sqlstate: '22023', re: /^side must be "left" or "right"/ },
  'negative-cursor': { sqlstate: '22023', re: /^cursor must not be negative$/ },
  'cursor-int-range': { sqlstate: '22003', re: /out of range for type integer/ },
  'bad-presence': { sqlstate: '22023', re: /^presence / },
  // presence_at: ShareDB moves a presence from the future through no op and
  // a presence on a deleted document through none either
  'future-version': { sqlstate: 'OT003', re: /^version \d+ is newer than the document's version \d+$/ },
  'doc-missing': { sqlstate: 'OT004', re: /^document "presence_at" of collection "ot_diff" does not exist$/ },
  // presence_at: a document history whose create or ops hold JSON that the
  // submit path refuses to store (README "Limits of stored JSON"): numbers
  // past 2^53 - 1 in magnitude, nesting past 64 levels
  'stored-limits': { sqlstate: 'OT001', re: /^(op|create data) (holds a number|nests arrays and objects)/ },
};

const KINDS = ['apply', 'transform-left', 'transform-right', 'compose', 'normalize', 'transform_cursor',
  'transform_presence', 'invert', 'create_data', 'presence_at'];

/* ------------------------------------------------------------------ */
/* Attributes and embeds                                               */

const ATTR_VALUES = {
  bold: [true, true, false],
  italic: [true],
  underline: [true],
  strike: [true],
  color: ['#ff0000', 'red', '#0a0', 'rgb(1, 2, 3)', 'blue'],
  background: ['yellow', '#fff', ''],
  font: ['serif', 'monospace', 'sans-serif'],
  size: ['small', 'large', '12px', 10, 1.5, 0],
  link: ['https://example.com/a?b=c&d=e', { href: '/x' }, { href: '/y', target: '_blank' }, { href: '/x', rel: ['a', null] }],
  header: [1, 2, 3],
  list: ['ordered', 'bullet', 'checked'],
  align: ['center', 'right', 'justify'],
  code: [true, 'js'],
  script: ['sub', 'super'],
  indent: [1, 2],
  data: [[1, 'a', null, { x: [2] }], { a: { b: [1, { c: null }] } }, [], {}],
  mention: [{ id: 7, name: 'Zoë 👻' }, { id: 8 }],
  'data-ü': ['é', '👻'],
  'x"y\\z': ['"\\\n'],
  '👻': [true, 12345678901234567890, 0.1],
};
const ATTR_KEYS = Object.keys(ATTR_VALUES);

/* Maps that recur, so that runs with equal attributes meet and merge. */
const DOC_ATTR_POOL = [{ bold: true }, { italic: true }, { bold: true, italic: true }, { color: 'red' },
  { link: { href: '/x' } }, { header: 1 }, { font: 'serif', size: '12px' }, { color: '#ff0000', bold: true }];
const RETAIN_ATTR_POOL = [{ bold: null }, { bold: true }, { italic: null, color: 'blue' }, { font: null },
  { link: null }, { color: 'red' }, { link: { href: '/x' } }, { bold: true, italic: true }, { header: null, align: 'center' }];

function genAttrs(r, pNull) {
  const n = r.weighted([[60, 1], [30, 2], [10, 3]]);
  const out = {};
  for (let i = 0; i < n; i++) {
    const k = r.pick(ATTR_KEYS);
    out[k] = r.chance(pNull) ? null : r.pick(ATTR_VALUES[k]);
  }
  return out;
}

function docAttrs(r) {
  return r.chance(0.5) ? r.pick(DOC_ATTR_POOL) : genAttrs(r, 0.03);
}

function insertAttrs(r) {
  return r.chance(0.4) ? r.pick(DOC_ATTR_POOL) : genAttrs(r, 0.05);
}

function retainAttrs(r) {
  return r.chance(0.5) ? r.pick(RETAIN_ATTR_POOL) : genAttrs(r, 0.35);
}

const EMBEDS = [{ image: 'https://example.com/a.png' }, { image: '👻.png' }, { video: 'https://youtu.be/x' },
  { video: { src: 'v.mp4', w: 640 } }, { formula: 'e=mc^2' }, { mention: { id: 5, name: 'ann' } }, { divider: true },
  1, 2, 1, 2];
const ODD_EMBEDS = [true, -1, 0.5, [1, 2], {}, { image: null }, { a: [] }];

function genEmbed(r) {
  return r.chance(0.03) ? r.pick(ODD_EMBEDS) : r.pick(EMBEDS);
}

/* ------------------------------------------------------------------ */
/* Documents                                                           */

/*
 * A document as atoms: one code point ({ch}) or one embed ({embed}), each
 * with its attributes (an object shared by a run, or undefined) and its
 * length in UTF-16 units.  Ops are generated over atoms, so their
 * boundaries never fall inside a surrogate pair.
 */
function genAtoms(r, size) {
  const kind = size !== undefined ? size : r.weighted([[8, 0], [45, 'short'], [40, 'medium'], [7, 'long']]);
  const target = kind === 0 ? 0 : kind === 'short' ? r.range(1, 20) : kind === 'medium' ? r.range(21, 220)
    : kind === 'long' ? r.range(1000, 6000) : kind;
  const atoms = [];
  const mode = pickMode(r);
  const pEmbed = r.pick([0, 0.02, 0.1]);
  const pAttrs = r.pick([0, 0.3, 0.6]);
  while (atoms.length < target) {
    const attrs = r.chance(pAttrs) ? docAttrs(r) : undefined;
    if (r.chance(pEmbed)) {
      atoms.push({ embed: genEmbed(r), attrs, len: 1 });
      continue;
    }
    const n = Math.min(target - atoms.length, r.chance(0.2) ? r.range(1, 200) : r.range(1, 20));
    for (const ch of randCps(r, n, r.chance(0.8) ? mode : pickMode(r))) atoms.push({ ch, attrs, len: ch.length });
  }
  return atoms;
}

/* An astral code point in atoms (added at a random place if there is none); its index. */
function ensureAstral(r, atoms) {
  const idx = [];
  atoms.forEach((a, i) => { if (a.ch !== undefined && a.len === 2) idx.push(i); });
  if (idx.length) return r.pick(idx);
  const i = r.int(atoms.length + 1);
  const ch = r.pick(['😀', '👻', '𝄞', '\u{10ffff}', '🏽']);
  atoms.splice(i, 0, { ch, attrs: r.chance(0.3) ? docAttrs(r) : undefined, len: 2 });
  return i;
}

function unitsOf(atoms, from, n) {
  let u = 0;
  for (let i = from; i < from + n; i++) u += atoms[i].len;
  return u;
}

const unitLength = (atoms) => unitsOf(atoms, 0, atoms.length);

function insertComp(value, attrs) {
  return attrs ? { insert: value, attributes: attrs } : { insert: value };
}

/* The document's ops: canonical (quill-delta's push), or raw runs, some cut in two. */
function docOps(r, atoms) {
  const runs = [];
  for (const a of atoms) {
    const last = runs[runs.length - 1];
    if (a.ch !== undefined && last && last.text !== undefined && last.attrs === a.attrs) last.text += a.ch;
    else runs.push(a.ch !== undefined ? { text: a.ch, attrs: a.attrs } : { embed: a.embed, attrs: a.attrs });
  }
  if (r.chance(0.75)) {
    const d = new Delta();
    for (const run1 of runs) d.insert(run1.text !== undefined ? run1.text : run1.embed, run1.attrs);
    return d.ops;
  }
  const ops = [];
  for (const run1 of runs) {
    const attrs = r.chance(0.01) ? {} : run1.attrs;
    if (run1.text === undefined) { ops.push(insertComp(run1.embed, attrs)); continue; }
    const c = cps(run1.text);
    if (c.length > 1 && r.chance(0.2)) {
      const at = r.range(1, c.length - 1);
      ops.push(insertComp(c.slice(0, at).join(''), attrs), insertComp(c.slice(at).join(''), attrs));
    } else ops.push(insertComp(run1.text, attrs));
  }
  return ops;
}

/* ------------------------------------------------------------------ */
/* Ops                                                                 */

/*
 * A change against atoms: { comps, after } with after the atoms of the
 * document it produces.  Retains and deletes cover whole atoms.
 */
function genChange(r, atoms, opts = {}) {
  const comps = [];
  const after = [];
  let pos = 0;
  const steps = r.chance(0.03) ? 0 : r.chance(0.08) ? r.range(8, 40) : r.range(1, 6);
  const pSkip = opts.pSkip !== undefined ? opts.pSkip : 0.4;
  const pAttrRetain = r.pick([0, 0.3, 0.6]);
  const insMode = r.chance(0.7) ? null : pickMode(r);
  for (let s = 0; s < steps; s++) {
    const rem = atoms.length - pos;
    const x = r.float();
    if (x < pSkip) {
      if (rem === 0) continue;
      const k = r.chance(0.5) ? r.range(1, rem) : r.range(1, Math.min(rem, 12));
      const attrs = r.chance(pAttrRetain) ? retainAttrs(r) : undefined;
      const n = unitsOf(atoms, pos, k);
      comps.push(attrs ? { retain: n, attributes: attrs } : { retain: n });
      for (let i = pos; i < pos + k; i++) {
        after.push(attrs ? { ...atoms[i], attrs: AttributeMap.compose(atoms[i].attrs, attrs, false) } : atoms[i]);
      }
      pos += k;
    } else if (x < pSkip + 0.3 || rem === 0) {
      const attrs = r.chance(0.4) ? insertAttrs(r) : undefined;
      if (r.chance(0.12)) {
        const e = genEmbed(r);
        comps.push(insertComp(e, attrs));
        after.push({ embed: e, attrs, len: 1 });
      } else {
        const n = r.chance(0.1) ? (r.chance(0.05) ? r.range(500, 3000) : r.range(1, 60)) : r.range(1, 6);
        const chars = randCps(r, n, insMode || pickMode(r));
        comps.push(insertComp(chars.join(''), attrs));
        for (const ch of chars) after.push({ ch, attrs, len: ch.length });
      }
    } else {
      if (rem === 0) continue;
      const k = r.chance(0.2) ? r.range(1, rem) : r.range(1, Math.min(rem, 6));
      comps.push({ delete: unitsOf(atoms, pos, k) });
      pos += k;
    }
  }
  for (let i = pos; i < atoms.length; i++) after.push(atoms[i]);
  return { comps: finishOp(r, comps), after };
}

/*
 * Mostly canonical, as quill-delta builds deltas (push merges, moves inserts
 * before deletes, drops empty attributes; chop sometimes); else raw.
 */
function finishOp(r, comps) {
  if (r.chance(0.7)) {
    const d = new Delta();
    for (const c of comps) {
      if ('insert' in c) d.insert(c.insert, c.attributes);
      else if ('retain' in c) d.retain(c.retain, c.attributes);
      else d.delete(c.delete);
    }
    if (r.chance(0.6)) d.chop();
    return d.ops;
  }
  return comps.map((c) => ('delete' in c || !r.chance(0.01) ? c : { ...c, attributes: {} }));
}

/* An op of lengths past 32-bit range (see bigCount). */
function genBigOp(r) {
  const comps = [];
  const n = r.range(1, 6);
  for (let i = 0; i < n; i++) {
    const x = r.float();
    if (x < 0.4) comps.push(r.chance(0.3) ? { retain: bigCount(r), attributes: retainAttrs(r) } : { retain: bigCount(r) });
    else if (x < 0.7) comps.push({ delete: bigCount(r) });
    else comps.push(insertComp(r.chance(0.2) ? genEmbed(r) : randCps(r, r.range(1, 4), pickMode(r)).join(''),
      r.chance(0.3) ? insertAttrs(r) : undefined));
  }
  return finishOp(r, comps);
}

/*
 * A short op over a tiny alphabet, attributes among a few (absent, empty,
 * null-valued), mostly raw: equal neighbours, the fast path and the early
 * exit of compose, and priority ties of transform meet far more often than
 * in ops made against a document.
 */
const TINY_ATTRS = [undefined, undefined, undefined, { b: 1 }, { b: null }, { b: 1, i: true }, {}, { i: true }];
const TINY_INSERTS = ['a', 'b', 'ab', 'a', 'b', 'xyz', '😀', 1, { img: 'x' }];

function genTinyOp(r, docOnly) {
  const comps = [];
  const n = r.range(0, 8);
  for (let i = 0; i < n; i++) {
    const x = docOnly ? 0 : r.float();
    const attrs = r.pick(TINY_ATTRS);
    if (x < 0.4) comps.push(insertComp(r.pick(TINY_INSERTS), attrs));
    else if (x < 0.7) comps.push(attrs ? { retain: r.range(1, 3), attributes: attrs } : { retain: r.range(1, 3) });
    else comps.push({ delete: r.range(1, 3) });
  }
  return r.chance(0.3) ? finishOp(r, comps) : comps;
}

/* A bare array or {"ops": [...]}. */
function wrap(r, ops) {
  return r.chance(0.5) ? ops : { ops };
}

/* Spell some lengths and numeric embeds as 2.0, 2e0, ... (same value; pg_ot must accept). */
function rawNumberSpelling(r, n) {
  if (n === 0) return new RawNum(r.pick(['0.0', '0e0', '0E+0', '0.000', '-0']));
  const forms = [`${n}.0`, `${n}.000`, `${n}e0`, `${n}E+0`, `${n}0e-1`, `${n}.0e0`];
  if (n % 10 === 0) forms.push(`${n / 10}e1`);
  if (n >= 10) forms.push(`${n / 10}e1`);
  return new RawNum(r.pick(forms));
}

function respell(r, ops) {
  if (!r.chance(P_RAW_NUMBER)) return ops;
  return ops.map((c) => {
    if (!r.chance(0.6)) return c;
    if (typeof c.retain === 'number') return { ...c, retain: rawNumberSpelling(r, c.retain) };
    if (typeof c.delete === 'number') return { delete: rawNumberSpelling(r, c.delete) };
    if (typeof c.insert === 'number' && Number.isInteger(c.insert) && c.insert > 0) {
      return { ...c, insert: rawNumberSpelling(r, c.insert) };
    }
    return c;
  });
}

/* Length in UTF-16 units of what an op retains and deletes (well-formed ops). */
function baseLength(ops) {
  let n = 0;
  for (const c of ops) n += typeof c.retain === 'number' ? c.retain : typeof c.delete === 'number' ? c.delete : 0;
  return n;
}

function docLength(ops) {
  let n = 0;
  for (const c of ops) n += typeof c.insert === 'string' ? c.insert.length : 1;
  return n;
}

/*
 * Whether compose(a, b) (and so apply(a, b), and invert(b, a) with a the
 * document) cuts a text a inserts inside a surrogate pair: the pieces are
 * cut where each retain or delete of b ends, in the coordinates of the
 * document a produces.  pg_ot rejects those (split-pair); the reference
 * makes lone surrogates, or glues them together again.
 */
function splitsPair(a, b) {
  const segs = [];
  let pos = 0;
  for (const c of a) {
    if (typeof c.insert === 'string') { segs.push([pos, c.insert]); pos += c.insert.length; }
    else if ('insert' in c) pos += 1;
    else if (typeof c.retain === 'number') pos += c.retain;
  }
  let at = 0;
  let s = 0;
  for (const c of b) {
    const n = typeof c.retain === 'number' ? c.retain : typeof c.delete === 'number' ? c.delete : 0;
    if (!n) continue;
    at += n;
    while (s < segs.length && segs[s][0] + segs[s][1].length <= at) s++;
    if (s >= segs.length) return false;
    const [start, text] = segs[s];
    if (at > start) {
      const u = text.charCodeAt(at - start - 1);
      if (u >= 0xd800 && u <= 0xdbff) return true;
    }
  }
  return false;
}

/* Reasons an apply or invert of ops on doc is rejected for, besides malformed input. */
function fitReasons(doc, ops) {
  const out = [];
  if (baseLength(ops) > docLength(doc)) out.push('too-long');
  if (splitsPair(doc, ops)) out.push('split-pair');
  return out;
}

/* ------------------------------------------------------------------ */
/* Invalid ops and snapshots                                           */

function insertAt(r, arr, x) {
  const i = r.int(arr.length + 1);
  return arr.slice(0, i).concat([x], arr.slice(i));
}

function pickIndex(r, arr, pred) {
  const idx = [];
  arr.forEach((c, i) => { if (pred(c)) idx.push(i); });
  return idx.length ? r.pick(idx) : -1;
}

function replaceAt(arr, i, x) {
  const out = arr.slice();
  out[i] = x;
  return out;
}

const isLengthComp = (c) => typeof c.retain === 'number' || typeof c.delete === 'number';

/* A length in comps (or a new retain) set to x. */
function withLength(r, comps, x, deleteOnly) {
  const i = pickIndex(r, comps, deleteOnly ? (c) => typeof c.delete === 'number' : isLengthComp);
  if (i < 0) return insertAt(r, comps, deleteOnly || r.chance(0.5) ? { delete: x } : { retain: x });
  const c = comps[i];
  return replaceAt(comps, i, typeof c.retain === 'number' ? { ...c, retain: x } : { delete: x });
}

const OP_MUTATIONS = ['not-delta', 'not-object', 'exactly-one', 'unknown-key', 'attributes-not-object',
  'delete-attributes', 'empty-insert', 'falsy-embed', 'length-not-number', 'negative', 'zero', 'non-integer',
  'out-of-range', 'object-retain'];

/*
 * An op (comps, an array of components) made malformed: { value, variant,
 * reason }, value the whole op (wrapped unless not-delta).
 */
function malformOp(r, comps, opts = {}) {
  const v = r.pick(opts.mutations || OP_MUTATIONS);
  let out;
  let variant = v;
  switch (v) {
    case 'not-delta': {
      const forms = [() => 'abc', () => 5, () => null, () => true, () => ({ ops: 'x' }), () => ({}),
        () => ({ ops: comps, extra: 1 }), () => ({ Ops: comps }), () => ({ ops: { 0: { insert: 'x' } } }), () => '',
        () => ({ ops: comps, attributes: { bold: true } })];
      return { value: r.pick(forms)(), variant, reason: v };
    }
    case 'not-object':
      out = insertAt(r, comps, r.pick([1, 'a', null, [], [{ insert: 'x' }], true, 0, null]));
      break;
    case 'exactly-one': {
      const form = r.int(3);
      const i = comps.length ? r.int(comps.length) : -1;
      if (form === 0 && i >= 0) {
        const c = comps[i];
        const extra = 'insert' in c ? r.pick([{ retain: r.range(1, 3) }, { delete: 1 }])
          : 'retain' in c ? r.pick([{ insert: 'x' }, { delete: 2 }]) : r.pick([{ insert: { image: 'x' } }, { retain: 1 }]);
        out = replaceAt(comps, i, { ...c, ...extra });
        variant = 'exactly-one:two-kinds';
      } else if (form === 1) {
        out = insertAt(r, comps, r.pick([{}, { attributes: { bold: true } }]));
        variant = 'exactly-one:none';
      } else {
        out = insertAt(r, comps, r.pick([{ insert: 'a', retain: 1 }, { retain: 2, delete: 2 },
          { insert: { image: 'y' }, delete: 1 }, { insert: 'q', retain: 1, delete: 1 }]));
        variant = 'exactly-one:new';
      }
      break;
    }
    case 'unknown-key': {
      const key = r.pick(['bold', 'x', 'Insert', 'retain ', 'attribute', 'ops', 'length', '', 'id']);
      const val = r.pick([true, 1, 'y', null, {}]);
      const i = comps.length && r.chance(0.7) ? r.int(comps.length) : -1;
      out = i >= 0 ? replaceAt(comps, i, { ...comps[i], [key]: val }) : insertAt(r, comps, { insert: 'q', [key]: val });
      break;
    }
    case 'attributes-not-object': {
      const bad = r.pick(['bold', null, [], ['bold'], 5, true, false, '']);
      const i = pickIndex(r, comps, (c) => !('delete' in c));
      out = i >= 0 && r.chance(0.7) ? replaceAt(comps, i, { ...comps[i], attributes: bad })
        : insertAt(r, comps, r.chance(0.5) ? { insert: 'z', attributes: bad } : { retain: 1, attributes: bad });
      break;
    }
    case 'delete-attributes': {
      const attrs = r.pick([{ bold: true }, {}, { bold: null }, { link: { href: '/x' } }]);
      const i = pickIndex(r, comps, (c) => 'delete' in c);
      out = i >= 0 ? replaceAt(comps, i, { ...comps[i], attributes: attrs })
        : insertAt(r, comps, { delete: 1, attributes: attrs });
      break;
    }
    case 'empty-insert':
      out = insertAt(r, comps, r.chance(0.7) ? { insert: '' } : { insert: '', attributes: { bold: true } });
      break;
    case 'falsy-embed': {
      const e = r.pick([null, false, 0, new RawNum('0.0'), new RawNum('-0'), new RawNum('0e5')]);
      out = insertAt(r, comps, r.chance(0.7) ? { insert: e } : { insert: e, attributes: { bold: true } });
      break;
    }
    case 'length-not-number': {
      const deleteOnly = r.chance(0.3);
      const x = r.pick(deleteOnly ? ['3', null, true, '', [2], { n: 1 }] : ['3', null, true, '', false]);
      out = withLength(r, comps, x, deleteOnly);
      break;
    }
    case 'negative':
      out = withLength(r, comps, r.pick([-1, -r.range(2, 50), new RawNum('-1.0'), -0.5, new RawNum('-3e0')]));
      break;
    case 'zero':
      out = withLength(r, comps, r.pick([0, new RawNum('0.0'), new RawNum('0e3'), new RawNum('-0'), new RawNum('-0.0')]));
      break;
    case 'non-integer': {
      const i = pickIndex(r, comps, isLengthComp);
      const n = i >= 0 ? (typeof comps[i].retain === 'number' ? comps[i].retain : comps[i].delete) : r.range(1, 3);
      const x = r.pick([n + 0.5, n > 1 ? n - 0.25 : 0.5, new RawNum(`${n}.25`), new RawNum(`${n}5e-1`)]);
      out = i >= 0 ? replaceAt(comps, i, typeof comps[i].retain === 'number' ? { ...comps[i], retain: x } : { delete: x })
        : withLength(r, comps, x);
      break;
    }
    case 'out-of-range':
      if (!opts.snapshot && r.chance(0.3)) {
        // each length fine, their sum not
        out = comps.concat(r.pick([[{ retain: MAX_SAFE }, { delete: r.range(1, 9) }], [{ delete: MAX_SAFE }, { insert: 'x' }],
          [{ retain: MAX_SAFE - 1 }, { retain: 1, attributes: { bold: true } }, { insert: '👻' }]]));
        variant = 'out-of-range:sum';
      } else {
        out = withLength(r, comps, r.pick([MAX_SAFE + 1, new RawNum('1e16'), new RawNum('1e300'),
          new RawNum('18446744073709551616'), new RawNum('9007199254740993')]));
      }
      break;
    case 'object-retain': {
      const x = r.pick([{ image: 'x' }, { table: [{ insert: 1 }] }, [1], {}, { delta: { ops: [{ insert: 'a' }] } }]);
      const comp = r.chance(0.3) ? { retain: x, attributes: { bold: true } } : { retain: x };
      const i = pickIndex(r, comps, (c) => typeof c.retain === 'number');
      out = i >= 0 && r.chance(0.5) ? replaceAt(comps, i, comp) : insertAt(r, comps, comp);
      break;
    }
    default: throw new Error(v);
  }
  return { value: opts.bare ? out : wrap(r, out), variant, reason: v };
}

/* A snapshot (document ops) made malformed: reasons as for initial data. */
function malformSnapshot(r, ops) {
  const v = r.pick(['not-document', 'not-document', 'not-document', 'malformed', 'malformed', 'not-delta']);
  if (v === 'not-document') {
    const comp = r.pick([{ retain: r.range(1, 5) }, { retain: r.range(1, 3), attributes: { bold: true } },
      { delete: r.range(1, 4) }, { retain: 1, attributes: { color: null } }]);
    return { value: wrap(r, insertAt(r, ops, comp)), variant: 'snapshot:not-document', reasons: ['not-document'] };
  }
  if (v === 'not-delta') {
    const x = r.pick(['text', '', 5, null, true, { ops: 'x' }, {}, { ops: ops, extra: 1 }, { Ops: ops }]);
    return { value: x, variant: 'snapshot:not-delta', reasons: ['snapshot-not-delta'] };
  }
  const m = malformOp(r, ops, { snapshot: true, mutations: OP_MUTATIONS.filter((x) => x !== 'not-delta') });
  return { value: m.value, variant: `snapshot:${m.variant}`, reasons: ['bad-snapshot'] };
}

/* ------------------------------------------------------------------ */
/* Case generators, one per kind                                       */

/* An op boundary, 0, the end, or anywhere up to a little past the end. */
function pickPosition(r, ops, L) {
  if (r.chance(0.4)) {
    const b = [0, L];
    let pos = 0;
    for (const c of ops) {
      if (typeof c.retain === 'number') pos += c.retain;
      else if (typeof c.delete === 'number') pos += c.delete;
      b.push(pos);
    }
    return Math.max(0, r.pick(b) + r.range(-1, 1));
  }
  return r.int(L + 3);
}

function pickOwn(r) {
  return r.weighted([[40, undefined], [30, true], [30, false]]);
}

/*
 * A document after a few changes, as the reference's apply builds it (its
 * early exit appends the untouched rest as it is, so such snapshots need
 * not be canonical): { atoms, doc }.
 */
function genHistory(r) {
  let atoms = genAtoms(r);
  let doc = docOps(r, atoms);
  const n = r.range(1, 3);
  for (let i = 0; i < n; i++) {
    const ch = genChange(r, atoms);
    doc = type.apply(doc, ch.comps).ops;
    atoms = ch.after;
  }
  return { atoms, doc };
}

/*
 * A document and a change against it: { atoms, doc, comps, how }.  Mostly
 * generated directly; some documents have a history, some changes are the
 * reference's compose of two consecutive changes, or its transform of a
 * change by a concurrent one (the document then is the other one's result;
 * the boundaries of a transformed op still fall between atoms).
 */
function genSetting(r, opts = {}) {
  const how = r.weighted([[70, 'plain'], [12, 'history'], [8, 'composed'], [10, 'transformed']]);
  if (how === 'plain' || how === 'history') {
    const { atoms, doc } = how === 'plain' ? (() => { const a = genAtoms(r); return { atoms: a, doc: docOps(r, a) }; })()
      : genHistory(r);
    return { atoms, doc, comps: genChange(r, atoms, opts).comps, how };
  }
  const atoms = genAtoms(r);
  const doc = docOps(r, atoms);
  if (how === 'composed') {
    const x = genChange(r, atoms, opts);
    const y = genChange(r, x.after, opts);
    return { atoms, doc, comps: type.compose(x.comps, y.comps).ops, how };
  }
  const op = genChange(r, atoms, opts);
  const other = genChange(r, atoms);
  return {
    atoms: other.after,
    doc: type.apply(doc, other.comps).ops,
    comps: type.transform(op.comps, other.comps, r.pick(['left', 'right'])).ops,
    how,
  };
}

/* Some JSON texts with their non-ASCII characters written as \u escapes (surrogate pairs as two). */
function maybeEscaped(r, value) {
  if (!r.chance(0.02)) return value;
  const upper = r.chance(0.3);
  return new RawNum(toJson(value).replace(/[\u0080-\uffff]/g, (ch) => {
    const hex = ch.charCodeAt(0).toString(16).padStart(4, '0');
    return `\\u${upper ? hex.toUpperCase() : hex}`;
  }));
}

/* An op as it is sent: wrapped or bare, numbers and strings sometimes spelled differently. */
function sendOp(r, comps) {
  return maybeEscaped(r, wrap(r, respell(r, comps)));
}

/* An op against atoms that splits the astral character at index i. */
function splitOp(r, atoms, i) {
  const p = unitsOf(atoms, 0, i);
  const L = unitLength(atoms);
  const after = L - (p + 1);                      // units after the cut, >= 1
  switch (r.int(5)) {
    case 0: return r.chance(0.5) ? [{ retain: p + 1 }] : [{ retain: p + 1 }, { insert: r.pick(['!', '👻', { image: 'x' }]) }];
    case 1: return [{ retain: p + 1 }, { delete: r.range(1, after) }];
    case 2: return p > 0 ? [{ retain: p }, { delete: 1 }] : [{ delete: 1 }, { insert: 'x' }];
    case 3: return [{ retain: p + 1, attributes: r.pick(RETAIN_ATTR_POOL) }, { retain: r.range(1, after) }];
    default: return [{ delete: p + 1 }];
  }
}

/* comps with a retain or delete running past the end of a document of L units. */
function pastTheEnd(r, comps, L) {
  const ops = comps.slice();
  const rem = L - baseLength(ops);
  const extra = r.chance(0.8) ? r.range(1, 3) : r.range(4, 1000);
  switch (r.int(4)) {
    case 0: ops.push({ retain: rem + extra }, { insert: 'x' }); break;
    case 1: ops.push({ delete: rem + extra }); break;
    case 2: ops.push({ retain: rem + extra, attributes: { bold: true } }); break;
    default: ops.push({ retain: rem + extra }); break;
  }
  return ops;
}

/*
 * apply and invert: an op against a snapshot, or one of: a malformed op, an
 * op longer than the document, an op cutting a surrogate pair, a snapshot
 * that is not a document.
 */
function genWithDocument(r, fn) {
  const make = (doc, op, variant, reasons) => ({
    fn, args: fn === 'apply' ? { doc, op } : { op, doc }, variant, reasons,
  });
  if (r.chance(0.05)) {
    // tiny ops on a tiny document, lengthened to fit
    const doc = genTinyOp(r, true);
    const op = genTinyOp(r);
    const short = baseLength(op) - docLength(doc);
    if (short > 0 && r.chance(0.9)) doc.push(insertComp('z'.repeat(short), r.pick(TINY_ATTRS)));
    const reasons = fitReasons(doc, op);
    return make(wrap(r, doc), wrap(r, op), 'tiny', reasons.length ? reasons : undefined);
  }
  const s = genSetting(r, fn === 'invert' ? { pSkip: 0.35 } : {});
  if (!r.chance(P_INVALID)) {
    return make(maybeEscaped(r, wrap(r, s.doc)), sendOp(r, s.comps), s.how === 'plain' ? 'valid' : `valid ${s.how}`);
  }
  const v = r.pick(['op', 'op', 'op', 'too-long', 'too-long', 'split-pair', 'split-pair', 'snapshot', 'snapshot']);
  if (v === 'op') {
    // the reference throws on some (invert of a null component or an object retain): both reject
    const m = malformOp(r, s.comps);
    return make(wrap(r, s.doc), m.value, m.variant, [m.reason]);
  }
  if (v === 'snapshot') {
    const m = malformSnapshot(r, s.doc);
    return make(m.value, wrap(r, s.comps), m.variant, m.reasons);
  }
  if (v === 'too-long') {
    const ops = pastTheEnd(r, s.comps, unitLength(s.atoms));
    return make(wrap(r, s.doc), wrap(r, ops), 'too-long', fitReasons(s.doc, ops));
  }
  const atoms = s.atoms.slice();
  const at = ensureAstral(r, atoms);
  const doc = docOps(r, atoms);
  const ops = splitOp(r, atoms, at);
  return make(wrap(r, doc), wrap(r, ops), 'split-pair', fitReasons(doc, ops));
}

function genTransform(r, side) {
  if (r.chance(P_BIG)) {
    return { fn: 'transform', args: { op: wrap(r, genBigOp(r)), other: wrap(r, genBigOp(r)), side }, variant: 'big-lengths' };
  }
  if (r.chance(0.1)) {
    return { fn: 'transform', args: { op: wrap(r, genTinyOp(r)), other: wrap(r, genTinyOp(r)), side }, variant: 'tiny' };
  }
  // two concurrent changes of one document (a tenth of unrelated ones)
  const { atoms } = r.chance(0.2) ? genHistory(r) : { atoms: genAtoms(r) };
  const op = genChange(r, atoms).comps;
  const other = genChange(r, r.chance(0.1) ? genAtoms(r) : atoms).comps;
  const args = { op: sendOp(r, op), other: sendOp(r, other), side };
  if (!r.chance(P_INVALID)) return { fn: 'transform', args, variant: 'valid' };
  if (r.chance(0.2)) {
    args.side = r.pick(['LEFT', 'Right', '', ' left', 'right ', 'middle', 'l', 'r', 'lefty', 'up']);
    return { fn: 'transform', args, variant: 'bad-side', reasons: ['bad-side'], sqlstate: '22023' };
  }
  const which = r.chance(0.5) ? 'op' : 'other';
  const m = malformOp(r, which === 'op' ? op : other);
  args[which] = m.value;
  return { fn: 'transform', args, variant: `${m.variant} (${which})`, reasons: [m.reason] };
}

function genCompose(r) {
  if (r.chance(P_BIG)) {
    const a = genBigOp(r);
    const b = genBigOp(r);
    return { fn: 'compose', args: { a: wrap(r, a), b: wrap(r, b) }, variant: 'big-lengths',
      reasons: splitsPair(a, b) ? ['split-pair'] : undefined };
  }
  if (r.chance(0.1)) {
    const a = genTinyOp(r);
    const b = genTinyOp(r);
    return { fn: 'compose', args: { a: wrap(r, a), b: wrap(r, b) }, variant: 'tiny',
      reasons: splitsPair(a, b) ? ['split-pair'] : undefined };
  }
  const form = r.weighted([[65, 'change-change'], [10, 'composed-change'], [15, 'doc-change'], [5, 'doc-doc'],
    [5, 'unrelated']]);
  const { atoms, doc } = r.chance(0.15) ? genHistory(r) : (() => { const x = genAtoms(r); return { atoms: x, doc: null }; })();
  let a;
  let b;
  let reasons;
  if (form === 'change-change' || form === 'composed-change') {
    const first = genChange(r, atoms);
    a = first.comps;
    let after = first.after;
    if (form === 'composed-change') {
      // a is the reference's compose of two consecutive changes
      const second = genChange(r, after);
      a = type.compose(a, second.comps).ops;
      after = second.after;
    }
    b = genChange(r, after).comps;
  } else if (form === 'doc-change') {
    a = doc || docOps(r, atoms);
    b = genChange(r, atoms).comps;
  } else if (form === 'doc-doc') {
    a = doc || docOps(r, atoms);
    b = docOps(r, genAtoms(r));
  } else {
    // b need not fit a: compose needs no document; a cut inside a pair is rejected
    a = genChange(r, atoms).comps;
    b = genChange(r, genAtoms(r)).comps;
    if (splitsPair(a, b)) reasons = ['split-pair'];
  }
  if (!r.chance(P_INVALID)) {
    return { fn: 'compose', args: { a: sendOp(r, a), b: sendOp(r, b) }, variant: form, reasons };
  }
  if (r.chance(0.15)) {
    const atoms2 = atoms.slice();
    const at = ensureAstral(r, atoms2);
    const a2 = docOps(r, atoms2);
    const b2 = splitOp(r, atoms2, at);
    return { fn: 'compose', args: { a: wrap(r, a2), b: wrap(r, b2) }, variant: 'split-pair',
      reasons: splitsPair(a2, b2) ? ['split-pair'] : undefined };
  }
  const which = r.chance(0.5) ? 'a' : 'b';
  const m = malformOp(r, which === 'a' ? a : b);
  const args = { a: wrap(r, a), b: wrap(r, b) };
  args[which] = m.value;
  return { fn: 'compose', args, variant: `${m.variant} (${which})`, reasons: [m.reason] };
}

function genNormalize(r) {
  let ops;
  if (r.chance(P_BIG)) ops = genBigOp(r);
  else if (r.chance(0.2)) ops = docOps(r, genAtoms(r));
  else ops = genSetting(r).comps;
  if (!r.chance(P_INVALID)) return { fn: 'normalize', args: { op: sendOp(r, ops) }, variant: 'valid' };
  const m = malformOp(r, ops);
  return { fn: 'normalize', args: { op: m.value }, variant: m.variant, reasons: [m.reason] };
}

/* Reasons to reject a valid cursor or presence case: a result beyond SQL's integer. */
function intRangeReasons(...positions) {
  return positions.some((p) => p > INT32_MAX) ? ['cursor-int-range'] : undefined;
}

function genTransformCursor(r) {
  const own = pickOwn(r);
  const withOwn = (args) => (own === undefined ? args : { ...args, own });
  if (r.chance(P_BIG) || r.chance(0.003)) {
    // lengths past 32-bit range, or a cursor near the end of SQL's integer
    const ops = r.chance(0.5) ? genBigOp(r) : genChange(r, genAtoms(r)).comps;
    const cursor = r.pick([0, 1, r.range(0, 100), r.range(0, INT32_MAX), INT32_MAX, INT32_MAX - 1, INT32_MAX - r.int(50)]);
    const args = withOwn({ cursor, op: wrap(r, ops) });
    return { fn: 'transform_cursor', args, variant: 'big',
      reasons: intRangeReasons(type.transformCursor(cursor, new Delta(ops), own)) };
  }
  if (r.chance(0.05)) {
    const ops = genTinyOp(r);
    return { fn: 'transform_cursor', args: withOwn({ cursor: r.int(12), op: wrap(r, ops) }), variant: 'tiny' };
  }
  const s = genSetting(r);
  const args = withOwn({ cursor: pickPosition(r, s.comps, unitLength(s.atoms)), op: sendOp(r, s.comps) });
  if (!r.chance(P_INVALID)) return { fn: 'transform_cursor', args, variant: 'valid' };
  if (r.chance(0.2)) {
    args.cursor = -r.range(1, 1000);
    return { fn: 'transform_cursor', args, variant: 'negative-cursor', reasons: ['negative-cursor'] };
  }
  const m = malformOp(r, s.comps);
  args.op = m.value;
  return { fn: 'transform_cursor', args, variant: m.variant, reasons: [m.reason] };
}

const PRESENCE_EXTRAS = [['name', 'ann'], ['color', '#f00'], ['user', { id: 3, tags: ['a', null] }], ['ts', 1.5],
  ['active', true], ['note', null], ['ü👻', 'x'], ['range', { index: 1, length: 2 }], ['colour', ''],
  ['indexes', [1, 2]], ['Index', 5], ['ops', []]];

function genPresence(r, ops, L) {
  const index = pickPosition(r, ops, L);
  const length = r.chance(0.3) ? 0 : r.chance(0.8) ? r.int(Math.max(0, L - index) + 3) : r.range(0, 50);
  const extras = r.chance(0.6) ? Array.from({ length: r.range(1, 3) }, () => r.pick(PRESENCE_EXTRAS)) : [];
  const p = {};
  const first = r.chance(0.7);
  if (first) { p.index = index; p.length = length; }
  for (const [k, v] of extras) p[k] = v;
  if (!first) { p.length = length; p.index = index; }
  if (r.chance(P_RAW_NUMBER)) { p.index = rawNumberSpelling(r, index); p.length = rawNumberSpelling(r, length); }
  return p;
}

function genTransformPresence(r) {
  const own = pickOwn(r);
  const withOwn = (args) => (own === undefined ? args : { ...args, own });
  if (r.chance(P_BIG) || r.chance(0.003)) {
    const ops = r.chance(0.5) ? genBigOp(r) : genChange(r, genAtoms(r)).comps;
    const index = r.pick([0, r.range(0, 100), r.range(0, INT32_MAX), INT32_MAX, INT32_MAX - r.int(50)]);
    const length = r.pick([0, 1, r.range(0, 100), r.range(0, INT32_MAX), INT32_MAX]);
    const presence = r.chance(0.5) ? { index, length } : { name: 'big', length, index };
    const moved = type.transformPresence(presence, ops, own);
    return { fn: 'transform_presence', args: withOwn({ presence, op: wrap(r, ops) }), variant: 'big',
      reasons: intRangeReasons(moved.index, moved.length) };
  }
  const s = genSetting(r);
  const L = unitLength(s.atoms);
  const args = withOwn({ presence: r.chance(0.05) ? null : genPresence(r, s.comps, L), op: sendOp(r, s.comps) });
  if (!r.chance(P_INVALID)) return { fn: 'transform_presence', args, variant: args.presence ? 'valid' : 'null' };
  if (r.chance(0.4)) {
    const base = genPresence(r, s.comps, L);
    const forms = [() => ({ ...base, index: -1 }), () => ({ ...base, index: 1.5 }), () => ({ ...base, index: '3' }),
      () => ({ ...base, length: -2 }), () => ({ ...base, length: null }), () => ({ ...base, index: null }),
      () => ({ ...base, index: true }), () => ({ ...base, index: 3000000000 }), () => ({ ...base, length: 0.25 }),
      () => ({ ...base, length: [1] }), () => { const p = { ...base }; delete p.length; return p; },
      () => { const p = { ...base }; delete p.index; return p; }, () => [1, 2], () => 5, () => 'abc', () => true,
      () => false, () => 0, () => '', () => [], () => ({})];
    args.presence = r.pick(forms)();
    return { fn: 'transform_presence', args, variant: 'bad-presence', reasons: ['bad-presence'] };
  }
  const m = malformOp(r, s.comps);
  args.op = m.value;
  // a null presence comes back null before the op is read, on both sides
  if (args.presence === null) return { fn: 'transform_presence', args, variant: `null, ${m.variant}` };
  return { fn: 'transform_presence', args, variant: m.variant, reasons: [m.reason] };
}

const PRESENCE_SRCS = ['a', 'b', 'c'];

/*
 * A document's history and a presence made at one of its versions, for
 * ot.presence_at.  args: doc (the create's data), history (what follows the
 * create, one entry per version from 1: {op, src?}, {del: true} or {create:
 * data}), presence, version, src.  The predicted rejections follow the
 * order of ot.presence_at's checks.
 */
/* Whether the submit path refuses to store v (README "Limits of stored JSON"). */
function pastStoredLimits(v, depth = 0) {
  if (v instanceof RawNum) return pastStoredLimits(JSON.parse(v.text), depth);	// a number or a whole op, spelled
  if (typeof v === 'number') return Math.abs(v) > MAX_SAFE;
  if (v === null || typeof v !== 'object') return false;
  if (depth + 1 > 64) return true;
  return Object.values(v).some((x) => pastStoredLimits(x, depth + 1));
}

/* A presence_at case; one whose history cannot be stored fails storing it. */
function genPresenceAt(r) {
  const c = genPresenceAtHistory(r);
  const stored = [c.args.doc, ...c.args.history.map((h) => h.op || h.create)];
  if (stored.some((x) => x !== undefined && pastStoredLimits(x))) {
    return { ...c, variant: `stored-limits, ${c.variant}`, reasons: ['stored-limits'] };
  }
  return c;
}

function genPresenceAtHistory(r) {
  let atoms = genAtoms(r, r.weighted([[10, 0], [60, 'short'], [30, 'medium']]));
  const doc = wrap(r, docOps(r, atoms));
  const n = [0, r.range(1, 4), r.range(5, 12), r.range(13, 30)][r.weighted([[5, 0], [55, 1], [32, 2], [8, 3]])];
  const pDel = r.pick([0, 0.03, 0.15]);
  const history = [];
  const states = [null, atoms];         // the document's atoms at each version (null: none)
  const nextOps = [[]];                  // the comps of the op applied at each version (the create: none)
  for (let i = 0; i < n; i++) {
    let comps = [];
    if (atoms === null) {
      atoms = genAtoms(r, r.weighted([[20, 0], [80, 'short']]));
      history.push({ create: wrap(r, docOps(r, atoms)) });
    } else if (r.chance(pDel)) {
      history.push({ del: true });
      atoms = null;
    } else {
      const ch = genChange(r, atoms);
      comps = ch.comps;
      const e = { op: sendOp(r, comps) };
      if (r.chance(0.85)) e.src = r.pick(PRESENCE_SRCS);
      history.push(e);
      atoms = ch.after;
    }
    nextOps.push(comps);
    states.push(atoms);
  }
  nextOps.push([]);
  const latest = 1 + n;
  let version = r.weighted([[8, 0], [72, 'since'], [20, latest]]);
  if (version === 'since') version = r.range(Math.max(1, latest - 6), latest);
  const at = states[version];
  const L = at ? unitLength(at) : 0;
  const args = { doc, history, presence: r.chance(0.05) ? null : genPresence(r, nextOps[version], L), version,
    src: r.pick(PRESENCE_SRCS) };
  const variant = `${n} ops${history.some((h) => h.del || h.create) ? ', re-created' : ''}`;
  if (r.chance(P_INVALID)) {
    if (r.chance(0.3)) {
      args.version = latest + r.range(1, 3);
      return { fn: 'presence_at', args, variant: `future-version, ${variant}`, reasons: ['future-version'] };
    }
    const base = genPresence(r, nextOps[version], L);
    const forms = [() => ({ ...base, index: -1 }), () => ({ ...base, index: 1.5 }), () => ({ ...base, index: '3' }),
      () => ({ ...base, length: null }), () => ({ ...base, index: true }), () => ({ ...base, index: 3000000000 }),
      () => { const p = { ...base }; delete p.length; return p; }, () => [1, 2], () => 5, () => 'abc', () => false,
      () => 0, () => ({})];
    args.presence = r.pick(forms)();
  }
  // What ot.presence_at meets from version on: a create or delete, edits.
  const since = history.slice(Math.max(0, version - 1));
  const ended = version === 0 || since.some((h) => h.del || h.create);
  const edits = since.some((h) => 'op' in h);
  const num = (x) => (x instanceof RawNum ? Number(x.text) : x);
  const bad = args.presence !== null && !(args.presence && typeof args.presence === 'object'
    && !Array.isArray(args.presence) && [args.presence.index, args.presence.length]
    .every((x) => Number.isInteger(num(x)) && num(x) >= 0 && num(x) <= INT32_MAX));
  if (!ended && states[latest] === null) {
    return { fn: 'presence_at', args, variant: `doc-missing, ${variant}`, reasons: ['doc-missing'] };
  }
  if (!ended && edits && bad) {
    return { fn: 'presence_at', args, variant: `bad-presence, ${variant}`, reasons: ['bad-presence'] };
  }
  const what = ended ? 'ended by a create or delete' : bad ? 'bad-presence passed through'
    : args.presence === null ? 'null' : 'valid';
  return { fn: 'presence_at', args, variant: `${what}, ${variant}` };
}

function genCreateData(r) {
  if (r.chance(P_INVALID)) {
    const m = malformSnapshot(r, docOps(r, genAtoms(r, r.weighted([[1, 0], [3, 'short']]))));
    return { fn: 'create_data', args: { data: m.value }, variant: m.variant, reasons: m.reasons };
  }
  const v = r.weighted([[20, 'omitted'], [10, 'sql-null'], [55, 'document'], [15, 'history']]);
  if (v === 'omitted') return { fn: 'create_data', args: {}, variant: 'omitted' };
  if (v === 'sql-null') return { fn: 'create_data', args: { nulldata: true }, variant: 'sql-null' };
  const doc = v === 'history' ? genHistory(r).doc : docOps(r, genAtoms(r));
  return { fn: 'create_data', args: { data: maybeEscaped(r, wrap(r, doc)) }, variant: v };
}

function genCase(r, kind) {
  switch (kind) {
    case 'apply': return genWithDocument(r, 'apply');
    case 'transform-left': return genTransform(r, 'left');
    case 'transform-right': return genTransform(r, 'right');
    case 'compose': return genCompose(r);
    case 'normalize': return genNormalize(r);
    case 'transform_cursor': return genTransformCursor(r);
    case 'transform_presence': return genTransformPresence(r);
    case 'invert': return genWithDocument(r, 'invert');
    case 'create_data': return genCreateData(r);
    case 'presence_at': return genPresenceAt(r);
    default: throw new Error(kind);
  }
}

/* ------------------------------------------------------------------ */
/* Fixed cases                                                         */

/*
 * The worked examples of shared/reference/sharedb-and-ot-types.md §3.9
 * (numbered as there; 22, diff, is not part of pg_ot), the rules of
 * sql/rich_text_errors.sql, and edge cases.  Expected values are checked
 * against the reference itself.
 */
function fixedCases() {
  const F = [];
  const add = (fn, args, expect, extra = {}) => F.push({ kind: `fixed ${fn}`, fn, args, expect, variant: 'fixed', ...extra });
  const ok = (v) => ({ ok: v });
  const okOps = (ops) => ({ ok: { ops } });
  const ERR = { error: true };
  const T = (op, other, side, e, extra) => add('transform', { op, other, side }, e, extra);
  const C = (a, b, e, extra) => add('compose', { a, b }, e, extra);
  const A = (doc, op, e, extra) => add('apply', { doc, op }, e, extra);
  const P = (cursor, op, own, e, extra) => add('transform_cursor', own === undefined ? { cursor, op } : { cursor, op, own }, e, extra);
  const R = (presence, op, own, e, extra) => add('transform_presence', own === undefined ? { presence, op } : { presence, op, own }, e, extra);
  const I = (op, doc, e, extra) => add('invert', { op, doc }, e, extra);
  const N = (op, e, extra) => add('normalize', { op }, e, extra);
  const D = (args, e, extra) => add('create_data', args, e, extra);
  const ins = (s, attributes) => (attributes ? { insert: s, attributes } : { insert: s });
  const doc = (...ops) => ({ ops });

  // 1, 2: 'left' gives the other op priority
  T([ins('B')], [ins('A')], 'left', okOps([{ retain: 1 }, ins('B')]));
  T([ins('B')], [ins('A')], 'right', okOps([ins('B')]));
  T([ins('A')], [ins('B')], 'left', okOps([{ retain: 1 }, ins('A')]));
  T([ins('A')], [ins('B')], 'right', okOps([ins('A')]));
  // 3: the ShareDB server and client reach "aXYb"
  T([{ retain: 1 }, ins('Y')], [{ retain: 1 }, ins('X')], 'left', okOps([{ retain: 2 }, ins('Y')]));
  T([{ retain: 1 }, ins('X')], [{ retain: 1 }, ins('Y')], 'right', okOps([{ retain: 1 }, ins('X')]));
  A(doc(ins('ab')), [{ retain: 1 }, ins('X')], okOps([ins('aXb')]));
  A(doc(ins('aXb')), [{ retain: 2 }, ins('Y')], okOps([ins('aXYb')]));
  A(doc(ins('aYb')), [{ retain: 1 }, ins('X')], okOps([ins('aXYb')]));
  // 4: attribute conflicts
  T([{ retain: 2, attributes: { color: 'red' } }], [{ retain: 2, attributes: { color: 'blue', bold: true } }], 'left', okOps([]));
  T([{ retain: 2, attributes: { color: 'red' } }], [{ retain: 2, attributes: { color: 'blue', bold: true } }], 'right',
    okOps([{ retain: 2, attributes: { color: 'red' } }]));
  T([{ retain: 2, attributes: { color: 'red', font: null } }], [{ retain: 2, attributes: { bold: true } }], 'left',
    okOps([{ retain: 2, attributes: { color: 'red', font: null } }]));
  // 5, 6, 7
  T([{ retain: 3 }, ins('bb')], [{ retain: 3 }, ins('aa')], 'left', okOps([{ retain: 5 }, ins('bb')]));
  T([{ retain: 1 }, { delete: 3 }], [{ retain: 2 }, ins('Z')], 'left',
    okOps([{ retain: 1 }, { delete: 1 }, { retain: 1 }, { delete: 2 }]));
  T([{ retain: 3 }, ins('x')], [{ delete: 5 }], 'left', okOps([ins('x')]));
  // 8 to 12, 15, 24: compose
  C([ins('A')], [{ retain: 1, attributes: { bold: true, color: 'red', font: null } }],
    okOps([ins('A', { bold: true, color: 'red' })]));
  C([{ retain: 1, attributes: { color: 'blue' } }], [{ retain: 1, attributes: { bold: true, color: 'red', font: null } }],
    okOps([{ retain: 1, attributes: { bold: true, color: 'red', font: null } }]));
  C([{ delete: 1 }], [ins('B')], okOps([ins('B'), { delete: 1 }]));
  C([ins('Hello')], [{ retain: 3 }, ins('X'), { delete: 1 }], okOps([ins('HelXo')]));
  C([{ retain: 4 }, ins('Hello')], [{ delete: 9 }], okOps([{ delete: 4 }]));
  C([{ retain: 2, attributes: { bold: true } }], [{ retain: 1, attributes: { italic: true } }],
    okOps([{ retain: 1, attributes: { italic: true, bold: true } }, { retain: 1, attributes: { bold: true } }]));
  C([ins({ image: 'a.png' })], [{ retain: 1, attributes: { alt: 'pic' } }], okOps([ins({ image: 'a.png' }, { alt: 'pic' })]));
  C(doc(), [], okOps([]));
  // 13, 14, 23: apply
  A(doc(ins('Hello', { bold: true }), ins('\n')), [{ retain: 5, attributes: { bold: null, italic: true } }],
    okOps([ins('Hello', { italic: true }), ins('\n')]));
  A(doc(ins('ab')), [{ retain: 5 }, ins('x')], okOps([ins('ab'), { retain: 3 }, ins('x')]), { reasons: ['too-long'] });
  A(doc(ins('a😀b')), doc({ retain: 3 }, ins('!')), okOps([ins('a😀!b')]));
  A(doc(ins('a😀b')), [{ retain: 1 }, { delete: 2 }], okOps([ins('ab')]));
  A(doc(ins('ab'), ins({ image: 'x.png' }), ins('c')),
    [{ retain: 2 }, { delete: 1 }, ins('Z', { link: { href: '/x', rel: ['a', null] } })],
    okOps([ins('ab'), ins('Z', { link: { href: '/x', rel: ['a', null] } }), ins('c')]));
  A(doc(ins('x', { bold: null })), [], okOps([ins('x', { bold: null })]));
  // 16 to 19: cursors and presence
  P(2, [{ retain: 2 }, ins('A')], undefined, ok(2));
  P(2, [{ retain: 2 }, ins('A')], false, ok(2));
  P(2, [{ retain: 2 }, ins('A')], true, ok(3));
  P(4, [{ delete: 1 }, { retain: 1 }, { delete: 4 }], true, ok(1));
  P(4, [{ retain: 2 }, ins('A'), { delete: 4 }], true, ok(3));
  P(4, [{ retain: 2 }, ins('A'), { delete: 4 }], false, ok(3));
  P(1, doc(ins('😀')), true, ok(3));
  P(1, [{ retain: 1 }, { delete: 2 }], undefined, ok(1));
  R({ index: 10, length: 2 }, [{ retain: 10 }, ins('foo')], false, ok({ index: 10, length: 5 }));
  R({ index: 10, length: 2 }, [{ retain: 10 }, ins('foo')], true, ok({ index: 13, length: 2 }));
  R({ index: 10, length: 3 }, [{ retain: 9 }, { delete: 3 }], undefined, ok({ index: 9, length: 1 }));
  R({ index: 10, length: 3 }, [{ retain: 9 }, { delete: 5 }], undefined, ok({ index: 9, length: 0 }));
  R({ index: 1, length: 0, name: 'ann', color: '#f00' }, [ins('😀')], undefined,
    ok({ index: 3, length: 0, name: 'ann', color: '#f00' }));
  R(null, [ins('x')], undefined, ok(null));
  R(null, [ins('x')], true, ok(null));
  R(null, 'not an op', undefined, ok(null));
  R({ index: 2, length: INT32_MAX }, [ins('x')], true, ok({ index: 3, length: INT32_MAX }));
  R({ index: new RawNum('2.0'), length: new RawNum('1e0') }, [ins('x')], true, ok({ index: 3, length: 1 }));
  R({ index: 0, length: 0 }, doc(), undefined, ok({ index: 0, length: 0 }));
  // 20, 21: invert (quill-delta 5.1.0)
  I([{ retain: 2 }, { delete: 3 }], [ins('123456')], okOps([{ retain: 2 }, ins('345')]));
  I([{ retain: 2 }, { retain: 3, attributes: { bold: true } }], [ins('123456')],
    okOps([{ retain: 2 }, { retain: 3, attributes: { bold: null } }]));
  I([{ retain: 1, attributes: { color: 'red', bold: null } }, ins('X'), { delete: 2 }],
    doc(ins('ab', { bold: true, color: 'blue' }), ins({ image: 'i.png' })),
    okOps([{ retain: 1, attributes: { bold: true, color: 'blue' } }, ins('b', { bold: true, color: 'blue' }),
      ins({ image: 'i.png' }), { delete: 1 }]));
  // AttributeMap.invert compares with ===: an equal object value is restored all the same, an equal number is not
  I([{ retain: 1, attributes: { link: { href: '/x' } } }], [ins('a', { link: { href: '/x' } })],
    okOps([{ retain: 1, attributes: { link: { href: '/x' } } }]));
  I([{ retain: 1, attributes: { size: new RawNum('1.0'), bold: true } }], [ins('a', { size: 1, bold: true })], okOps([]));
  I([{ retain: 2, attributes: {} }], [ins('ab')], okOps([]));
  I([], doc(), okOps([]));
  I([ins('😀')], doc(), okOps([{ delete: 2 }]));
  I([{ delete: 2 }], [ins('😀x')], okOps([ins('😀')]));
  // normalize is the identity; create_data keeps what it is given
  N([ins('a'), ins('b'), { retain: 1 }], ok([ins('a'), ins('b'), { retain: 1 }]));
  N(doc(ins('a'), { retain: new RawNum('2.0') }), ok(doc(ins('a'), { retain: 2 })));
  N([], ok([]));
  D({}, okOps([])); D({ nulldata: true }, okOps([]));
  D({ data: [ins('hi\n')] }, okOps([ins('hi\n')]));
  D({ data: doc(ins('x', { bold: true }), ins('x', { bold: true })) }, okOps([ins('x', { bold: true }), ins('x', { bold: true })]));
  D({ data: doc(ins(1), ins(2), ins('a', {})) }, okOps([ins(1), ins(2), ins('a', {})]));
  D({ data: [] }, okOps([]));
  // JSON duplicate keys: the last wins on both sides
  add('compose', { a: [ins('ab')], b: [{ retain: 1 }, { delete: 1 }] }, okOps([ins('a')]));
  F[F.length - 1].raw = { a: '[{"insert":"xy","insert":"ab"}]', b: '[{"retain":5,"retain":1},{"delete":1}]' };

  // sql/rich_text_errors.sql: the reference accepts (or throws), pg_ot rejects
  const E = (fn, args, reason, extra) => add(fn, args, undefined, { reasons: [reason], ...extra });
  const CE = (a, reason) => E('compose', { a, b: [] }, reason);
  CE('abc', 'not-delta'); CE({ ops: 'x' }, 'not-delta'); CE({ ops: [], extra: 1 }, 'not-delta');
  CE([1], 'not-object'); CE([{}], 'exactly-one'); CE([{ insert: 'a', retain: 1 }], 'exactly-one');
  CE([{ insert: 'a', bold: true }], 'unknown-key'); CE([{ insert: 'a', attributes: 'bold' }], 'attributes-not-object');
  CE([{ insert: 'a', attributes: null }], 'attributes-not-object');
  CE([{ delete: 1, attributes: { bold: true } }], 'delete-attributes'); CE([ins('')], 'empty-insert');
  CE([ins(null)], 'falsy-embed'); CE([ins(false)], 'falsy-embed'); CE([ins(0)], 'falsy-embed');
  CE([{ retain: '3' }], 'length-not-number'); CE([{ retain: -1 }], 'negative'); CE([{ delete: 0 }], 'zero');
  CE([{ retain: 1.5 }], 'non-integer'); CE([{ delete: MAX_SAFE + 1 }], 'out-of-range');
  CE([{ retain: MAX_SAFE }, { delete: 1 }], 'out-of-range'); CE([{ retain: { table: [1] } }], 'object-retain');
  E('apply', { doc: doc(ins('ab')), op: [{ retain: 5 }, ins('x')] }, 'too-long');
  E('apply', { doc: doc(ins('ab')), op: [{ retain: 1 }, { delete: 2 }] }, 'too-long');
  E('invert', { op: [{ delete: 3 }], doc: doc(ins('ab')) }, 'too-long');
  E('apply', { doc: doc(ins('a😀b')), op: [{ retain: 2 }, ins('!')] }, 'split-pair');
  E('apply', { doc: doc(ins('a😀b')), op: [{ retain: 1 }, { delete: 1 }] }, 'split-pair');
  E('apply', { doc: doc(ins('😀x')), op: [{ retain: 1 }] }, 'split-pair');
  E('compose', { a: [ins('😀')], b: [{ delete: 1 }] }, 'split-pair');
  E('invert', { op: [{ retain: 1 }, { delete: 1 }], doc: [ins('😀')] }, 'split-pair');
  E('invert', { op: [{ retain: 1 }, ins('x')], doc: [ins('😀')] }, 'split-pair');
  E('apply', { doc: doc({ retain: 1 }), op: [] }, 'not-document');
  E('apply', { doc: 'text', op: [] }, 'snapshot-not-delta');
  E('create_data', { data: 'text' }, 'snapshot-not-delta');
  E('create_data', { data: null }, 'snapshot-not-delta');
  E('create_data', { data: [{ delete: 1 }] }, 'not-document');
  E('create_data', { data: [{ insert: 'x', bold: true }] }, 'bad-snapshot');
  E('invert', { op: [{ retain: 1 }], doc: [{ retain: 1 }] }, 'not-document');
  // a snapshot that is no document, whatever its lengths add up to
  E('apply', { doc: [{ retain: MAX_SAFE }, { delete: 1 }], op: [] }, 'not-document');
  E('invert', { op: [], doc: { ops: [{ delete: MAX_SAFE }, { delete: 1 }] } }, 'not-document');
  E('create_data', { data: [{ retain: MAX_SAFE }, { retain: 1 }] }, 'not-document');
  E('transform_presence', { presence: { index: -1, length: 0 }, op: [] }, 'bad-presence');
  E('transform_presence', { presence: { index: 1.5, length: 0 }, op: [] }, 'bad-presence');
  E('transform_presence', { presence: { length: 1 }, op: [] }, 'bad-presence');
  E('transform_presence', { presence: [1, 2], op: [] }, 'bad-presence');
  E('transform_presence', { presence: false, op: [] }, 'bad-presence');
  E('transform_cursor', { cursor: 0, op: [{ retain: 0 }] }, 'zero');
  E('transform_cursor', { cursor: -1, op: [] }, 'negative-cursor');
  E('transform', { op: [], other: [], side: 'up' }, 'bad-side', { sqlstate: '22023' });
  E('normalize', { op: [{ insert: 'a', x: 1 }] }, 'unknown-key');
  E('transform_cursor', { cursor: INT32_MAX, op: [ins('x')] }, 'cursor-int-range');
  // both reject: the reference throws
  add('invert', { op: [{ retain: 1 }, null], doc: [ins('ab')] }, ERR, { reasons: ['not-object'] });
  add('invert', { op: [{ retain: { image: 'x' } }], doc: [ins({ image: 'y' })] }, ERR, { reasons: ['object-retain'] });
  add('apply', { doc: [ins('a')], op: [ins('x')] }, ERR, { typ: 'rich-text/v1', sqlstate: '42704' });
  return F.map((c) => {
    // a case whose JSON text is given as it is (the reference and pg_ot parse the same text)
    if (!c.raw) return c;
    const args = { ...c.args };
    for (const k of Object.keys(c.raw)) args[k] = new RawNum(c.raw[k]);
    const out = { ...c, args };
    delete out.raw;
    return out;
  });
}

/* ------------------------------------------------------------------ */
/* Reference                                                           */

function refEval(c, args) {
  if (!TYPE_NAMES.includes(c.typ)) throw new Error(`unknown type ${JSON.stringify(c.typ)}`);
  switch (c.fn) {
    case 'apply': return type.apply(args.doc, args.op);
    case 'transform': return type.transform(args.op, args.other, args.side);
    case 'compose': return type.compose(args.a, args.b);
    case 'normalize': return type.normalize(args.op);
    // transformCursor wants a Delta; an omitted is_own_op is SQL's false, JavaScript's undefined
    case 'transform_cursor': return type.transformCursor(args.cursor, new Delta(args.op), args.own);
    case 'transform_presence': return type.transformPresence(args.presence, args.op, args.own);
    case 'invert': return new Delta5(args.op).invert(new Delta5(args.doc));
    case 'create_data': return 'data' in args ? type.create(args.data) : type.create();
    // ShareDB's Backend.transformPresenceToLatestVersion: ot.transformPresence op by op
    case 'presence_at': {
      const latest = 1 + args.history.length;
      let p = args.presence;
      for (let v = args.version; v < latest; v++) {
        const o = v === 0 ? { create: args.doc } : args.history[v - 1];
        if (o.create || o.del) p = null;
        else p = p === null ? null : type.transformPresence(p, o.op, o.src === args.src);
      }
      return { version: latest, presence: p };
    }
    default: throw new Error(`harness: unknown function ${c.fn}`);
  }
}

/* A valid apply case made to give another result (--sabotage): one more character in the snapshot. */
function sabotage(parts) {
  const d = JSON.parse(parts.doc);
  (Array.isArray(d) ? d : d.ops).push({ insert: '§' });
  parts.doc = JSON.stringify(d);
}

if (require.main === module) {
  run({
    name: 'rich-text',
    script: 'rich_text.js',
    module: __filename,
    typeNames: TYPE_NAMES,
    badTypeNames: BAD_TYPE_NAMES,
    kinds: KINDS,
    reasons: REASONS,
    genCase,
    extraCases: [['fixed', fixedCases]],
    sabotage,
  });
}

module.exports = { refEval, genCase, fixedCases, splitsPair, KINDS, REASONS };
