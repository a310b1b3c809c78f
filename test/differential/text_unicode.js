#!/usr/bin/env node
'use strict';
/*
 * Differential test of pg_ot's text-unicode functions against the JavaScript
 * reference, npm ot-text-unicode 4.0.0.
 *
 *   node text_unicode.js [--seed N] [--cases N] [--batch N] [--only ID,...]
 *                        [--sabotage N] [--show N]
 *
 *   --seed N      PRNG seed (default: $SEED, else 1)
 *   --cases N     number of random cases (default 100000; fewer fails the run)
 *   --batch N     cases per SQL statement (default 5000)
 *   --only IDS    run only these case ids (as printed in a report) and print
 *                 their full inputs; same --seed and --cases as the report
 *   --sabotage N  corrupt the input PostgreSQL sees for N valid apply cases,
 *                 to show that the comparison can fail (expect N mismatches)
 *   --show N      print details of the first N mismatches (default 10)
 *
 * PostgreSQL is reached with psql (PSQL overrides the binary) and the usual
 * PG* environment variables; the database must have CREATE EXTENSION pg_ot.
 *
 * How it works
 *   1. A seeded PRNG generates cases: documents (empty to several thousand
 *      code points of ASCII, accents, combining marks, CJK, astral emoji,
 *      JSON-escaped characters), ops against them, and about 3% deliberately
 *      invalid inputs.  Each input pg_ot rejects on purpose although the
 *      reference accepts it carries the reason(s) it is expected to be
 *      rejected for.  The 46 saved transform cases of ot-text 1.0.2 and a
 *      set of fixed worked examples are added on top.
 *   2. The reference result of each case is computed here (in a worker
 *      thread with a stall watchdog), from a fresh parse of exactly the JSON
 *      text sent to PostgreSQL (the reference mutates its inputs).
 *   3. One psql session loads all cases with COPY into a temp table and runs
 *      a temp plpgsql function that evaluates every case in its own
 *      BEGIN ... EXCEPTION block, returning {"ok": result} or
 *      {"error": {"sqlstate", "message"}} per case (COPY ... TO STDOUT).
 *      If the server crashes, the failing case is isolated and reported.
 *   4. Results are compared as JSON values and each case is classified as
 *      match (equal results, or both rejected with an OT001/OT002/22023/42704
 *      error), rejected-by-design (the reference accepted, pg_ot raised the
 *      SQLSTATE and message of a predicted reason, see REASONS; these are the
 *      rules of README "Differences from the JavaScript reference") or
 *      mismatch (anything else).
 * Exit status: 0 when nothing mismatched and at least 100000 random cases
 * ran; 1 otherwise; 2 when the harness itself could not run.
 *
 * Steps 2 to 4, the command line and the report are lib/harness.js, shared
 * with rich_text.js; this file holds the type's generators, its reference
 * mapping (refEval) and its by-design reasons.
 */

const fs = require('fs');
const { type } = require('ot-text-unicode');
const { RawNum, clone, run } = require('./lib/harness');
const { cps, pickMode, randCps, randStr, bigCount } = require('./lib/text');

const TYPE_NAMES = ['text-unicode', 'http://sharejs.org/types/text-unicode'];
const BAD_TYPE_NAMES = ['text-unicod', 'Text-Unicode', 'text-unicode ', 'http://sharejs.org/types/textunicode',
  'no-such-type', ''];
const P_INVALID = 0.03;       // share of deliberately invalid inputs per kind
const P_RAW_NUMBER = 0.02;    // share of ops whose numbers are written as 2.0, 2e0, ...
const MAX_SAFE = 9007199254740991;

/* Reasons pg_ot rejects, by design, input the reference accepts. */
const REASONS = {
  'non-integer': { sqlstate: 'OT001', re: /is not an integer/ },
  'bad-component': { sqlstate: 'OT001', re: /is not a valid component/ },
  'delete-past-end': { sqlstate: 'OT002', re: /deletes past the end/ },
  'delete-mismatch': { sqlstate: 'OT002', re: /does not match the document/ },
  // transform_cursor and invert run checkOp (trailing/adjacent skips, zero or
  // empty components, negative counts, a non-array op), the reference does not
  'check-op': { sqlstate: 'OT001', re: null },
  // normalize rejects negative counts and non-array ops
  'negative': { sqlstate: 'OT001', re: /negative/ },
  'not-array': { sqlstate: 'OT001', re: null },
  // a count above 2^53 - 1, or counts adding up past it
  'out-of-range': { sqlstate: 'OT001', re: /out of range|op is too long$/ },
  // invert with an op that skips past the end of the snapshot
  'skip-past-end': { sqlstate: 'OT002', re: /too long for this document/ },
  // ot.transform_cursor takes and returns a SQL int
  'negative-cursor': { sqlstate: '22023', re: /negative/ },
  'cursor-int-range': { sqlstate: '22003', re: /out of range/ },
};

const KINDS = ['apply', 'transform-left', 'transform-right', 'compose', 'normalize', 'transform_cursor',
  'invert', 'create_data'];

/* ------------------------------------------------------------------ */
/* Documents                                                           */

function genDocCps(r) {
  const n = r.weighted([[8, 0], [45, 'short'], [40, 'medium'], [7, 'long']]);
  const len = n === 0 ? 0 : n === 'short' ? r.range(1, 20) : n === 'medium' ? r.range(21, 220)
    : r.range(1000, 6000);
  return randCps(r, len, pickMode(r));
}

/* ------------------------------------------------------------------ */
/* Op generation                                                       */

function isSkip(c) { return typeof c === 'number'; }
function isDel(c) { return c !== null && typeof c === 'object' && !Array.isArray(c) && 'd' in c; }

/* Code points of the document an (array, well-formed) op walks over. */
function preLen(op) {
  let n = 0;
  for (const c of op) {
    if (typeof c === 'number') n += c;
    else if (isDel(c)) n += typeof c.d === 'number' ? c.d : cps(c.d).length;
  }
  return n;
}

/*
 * A checkOp-valid op against a document of code points dc.  Mostly
 * normalized; some keep adjacent inserts / deletes (allowed by checkOp).
 */
function genOp(r, dc, opts = {}) {
  const L = dc.length;
  const op = [];
  let pos = 0;
  const delStyle = opts.delStyle || r.weighted([[40, 'count'], [40, 'text'], [20, 'mixed']]);
  const insMode = r.chance(0.7) ? null : pickMode(r);
  const steps = r.chance(0.03) ? 0 : r.chance(0.08) ? r.range(8, 40) : r.range(1, 6);
  const pSkip = opts.pSkip !== undefined ? opts.pSkip : 0.4;
  for (let s = 0; s < steps; s++) {
    const x = r.float();
    const rem = L - pos;
    if (x < pSkip) {
      if (rem > 0) {
        const k = r.chance(0.5) ? r.range(1, rem) : r.range(1, Math.min(rem, 12));
        op.push(k);
        pos += k;
      }
    } else if (x < pSkip + 0.3 || rem === 0) {
      const n = r.chance(0.1) ? (r.chance(0.05) ? r.range(500, 3000) : r.range(1, 60)) : r.range(1, 6);
      op.push(randStr(r, n, insMode));
    } else {
      const k = r.chance(0.2) ? r.range(1, rem) : r.range(1, Math.min(rem, 6));
      const text = delStyle === 'text' || (delStyle === 'mixed' && r.chance(0.5));
      op.push({ d: text ? dc.slice(pos, pos + k).join('') : k });
      pos += k;
    }
  }
  // combine adjacent skips, drop a trailing skip: the minimum checkOp wants
  const out = [];
  for (const c of op) {
    if (isSkip(c) && out.length && isSkip(out[out.length - 1])) out[out.length - 1] += c;
    else out.push(c);
  }
  if (out.length && isSkip(out[out.length - 1])) out.pop();
  // skip-only ops end up empty; keep only a few of those
  if (out.length === 0 && steps > 0 && !opts.retried && r.chance(0.8)) return genOp(r, dc, { ...opts, retried: true });
  if (opts.raw || r.chance(0.3)) return out;
  return type.normalize(clone(out));
}

/* An op of counted components past 32-bit range (see bigCount). */
const P_BIG = 0.01;
function genBigOp(r) {
  const out = [];
  const n = r.range(1, 6);
  for (let i = 0; i < n; i++) {
    const x = r.float();
    const c = x < 0.4 ? bigCount(r) : x < 0.7 ? { d: bigCount(r) } : randStr(r, r.range(1, 4));
    if (isSkip(c) && out.length && isSkip(out[out.length - 1])) out[out.length - 1] += c;
    else out.push(c);
  }
  if (out.length && isSkip(out[out.length - 1])) out.pop();
  return out;
}

/* Spell some numbers of op as 2.0, 2e0, ... (same value; pg_ot must accept). */
function rawNumberSpelling(r, n) {
  const forms = [`${n}.0`, `${n}.000`, `${n}e0`, `${n}E+0`, `${n}0e-1`, `${n}.0e0`];
  if (n % 10 === 0) forms.push(`${n / 10}e1`);
  if (n >= 10) forms.push(`${n / 10}e1`); // e.g. 1.2e1
  return new RawNum(r.pick(forms));
}

function maybeRawNumbers(r, op, p = P_RAW_NUMBER) {
  if (!Array.isArray(op) || !r.chance(p)) return op;
  const out = op.map((c) => {
    if (typeof c === 'number' && Number.isInteger(c) && c > 0 && r.chance(0.6)) return rawNumberSpelling(r, c);
    if (isDel(c) && typeof c.d === 'number' && Number.isInteger(c.d) && c.d > 0 && r.chance(0.6)) {
      return { d: rawNumberSpelling(r, c.d) };
    }
    return c;
  });
  return out;
}

/* Insert x at a random index of op. */
function insertAt(r, op, x) {
  const i = r.int(op.length + 1);
  return op.slice(0, i).concat([x], op.slice(i));
}

/* ------------------------------------------------------------------ */
/* Mutations producing invalid ops                                     */

/* An op the reference's checkOp rejects, but whose walk still fits dc. */
function mutCheckOp(r, op, L, allowPastEnd) {
  const choices = ['zero-skip', 'empty-insert', 'zero-delete', 'empty-delete-text', 'negative-skip',
    'negative-delete'];
  const rem = L - preLen(op);
  if (rem >= 1 || allowPastEnd) choices.push('trailing-skip', 'trailing-skip');
  if (op.some((c) => isSkip(c) && c >= 2)) choices.push('adjacent-skips', 'adjacent-skips');
  const v = r.pick(choices);
  switch (v) {
    case 'trailing-skip': return { op: op.concat([rem >= 1 ? r.range(1, rem) : r.range(1, 3)]), variant: v };
    case 'adjacent-skips': {
      const idx = op.map((c, i) => (isSkip(c) && c >= 2 ? i : -1)).filter((i) => i >= 0);
      const i = r.pick(idx);
      const a = r.range(1, op[i] - 1);
      return { op: op.slice(0, i).concat([a, op[i] - a], op.slice(i + 1)), variant: v };
    }
    case 'zero-skip': return { op: insertAt(r, op, 0), variant: v };
    case 'empty-insert': return { op: insertAt(r, op, ''), variant: v };
    case 'zero-delete': return { op: insertAt(r, op, { d: 0 }), variant: v };
    case 'empty-delete-text': return { op: insertAt(r, op, { d: '' }), variant: v };
    case 'negative-skip': return { op: insertAt(r, op, -r.range(1, 3)), variant: v };
    case 'negative-delete': return { op: insertAt(r, op, { d: -r.range(1, 3) }), variant: v };
    default: throw new Error(v);
  }
}

/* A number of op (a skip or a counted delete) made non-integral. */
function mutNonInteger(r, op) {
  const idx = op.map((c, i) => (isSkip(c) || (isDel(c) && typeof c.d === 'number') ? i : -1))
    .filter((i) => i >= 0);
  // dyadic fractions only: the reference's walks never end on 0.001-style residues
  const frac = r.pick([0.5, 0.25, 0.125]);
  if (idx.length === 0 || r.chance(0.2)) {
    return { op: insertAt(r, op, { d: r.pick([0.5, 1.5, 2.25]) }), variant: 'non-integer-delete' };
  }
  const i = r.pick(idx);
  const out = op.slice();
  const n = isSkip(out[i]) ? out[i] : out[i].d;
  let x = r.chance(0.5) && n > 1 ? n - frac : n + frac;
  // past 2^40 a double cannot hold the fraction: write it out
  if (Number.isInteger(x) || n > 2 ** 40) x = new RawNum(`${n}.${String(frac).split('.')[1]}`);
  out[i] = isSkip(out[i]) ? x : { d: x };
  return { op: out, variant: 'non-integer' };
}

/* A component that is not a skip, insert or {"d": ...}. */
function mutBadComponent(r, op, onlyRefAccepted) {
  const dels = op.map((c, i) => (isDel(c) ? i : -1)).filter((i) => i >= 0);
  const forms = ['true', 'true', 'false', 'extra-key', 'extra-key'];
  if (!onlyRefAccepted) forms.push('null', 'array', 'empty-object', 'insert-object', 'd-null', 'd-bool', 'd-array');
  const v = r.pick(forms);
  switch (v) {
    case 'true': return { op: insertAt(r, op, true), variant: 'bad-component-true' };
    case 'false': return { op: insertAt(r, op, false), variant: 'bad-component-false' };
    case 'extra-key': {
      if (dels.length === 0) return { op: insertAt(r, op, true), variant: 'bad-component-true' };
      const i = r.pick(dels);
      const out = op.slice();
      out[i] = r.chance(0.5) ? { d: out[i].d, x: 2 } : { extra: null, d: out[i].d };
      return { op: out, variant: 'bad-component-extra-key' };
    }
    case 'null': return { op: insertAt(r, op, null), variant: 'bad-component-null' };
    case 'array': return { op: insertAt(r, op, r.pick([[], [1], ['a']])), variant: 'bad-component-array' };
    case 'empty-object': return { op: insertAt(r, op, {}), variant: 'bad-component-empty-object' };
    case 'insert-object': return { op: insertAt(r, op, { i: 'x' }), variant: 'bad-component-insert-object' };
    case 'd-null': return { op: insertAt(r, op, { d: null }), variant: 'bad-component-d-null' };
    case 'd-bool': return { op: insertAt(r, op, { d: true }), variant: 'bad-component-d-bool' };
    case 'd-array': return { op: insertAt(r, op, { d: [1] }), variant: 'bad-component-d-array' };
    default: throw new Error(v);
  }
}

/* A delete that runs past the end of dc (the reference truncates). */
function mutDeletePastEnd(r, op, dc) {
  const L = dc.length;
  const out = op.slice();
  let rem = L - preLen(op);
  if (rem > 1 && r.chance(0.5)) {
    const k = r.range(1, rem - 1);
    out.push(k);
    rem -= k;
  }
  const extra = r.range(1, r.chance(0.8) ? 3 : 50);
  if (r.chance(0.5)) {
    out.push({ d: rem + extra });
    return { op: out, variant: 'delete-past-end', reasons: ['delete-past-end'] };
  }
  // the text is right as far as the document goes, then runs on
  out.push({ d: dc.slice(L - rem).join('') + randStr(r, extra) });
  return { op: out, variant: 'delete-past-end-text', reasons: ['delete-past-end', 'delete-mismatch'] };
}

/* A {"d": text} whose text differs from the document (same length). */
function mutDeleteMismatch(r, op, dc) {
  let out = op.slice();
  let idx = out.map((c, i) => (isDel(c) && cps(String(c.d)).length > 0 ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0) {
    const rem = dc.length - preLen(op);
    if (rem < 1) return null;
    const k = r.range(1, Math.min(rem, 8));
    out.push({ d: dc.slice(dc.length - rem, dc.length - rem + k).join('') });
    idx = [out.length - 1];
  }
  const i = r.pick(idx);
  // give it its text, then change one code point of it
  let pre = 0;
  for (let j = 0; j < i; j++) pre += isSkip(out[j]) ? out[j] : isDel(out[j]) ? (typeof out[j].d === 'number' ? out[j].d : cps(out[j].d).length) : 0;
  const n = typeof out[i].d === 'number' ? out[i].d : cps(out[i].d).length;
  const text = dc.slice(pre, pre + n);
  const at = r.int(text.length);
  const lookalike = { 'é': 'e', 'e': 'é', 'a': 'A', '👻': '🤖', '中': '文', ' ': '\u00a0' };
  let c = lookalike[text[at]] || r.pick(['x', 'é', '👻', '中', 'e\u0301'.slice(0, 1)]);
  if (c === text[at]) c = c === 'x' ? 'y' : 'x';
  text[at] = c;
  out = out.slice();
  out[i] = { d: text.join('') };
  return { op: out, variant: 'delete-mismatch', reasons: ['delete-mismatch'] };
}

/* Ops the reference's checkOp rejects (pg_ot must reject them too). */
function refRejectedOp(r, op, L) {
  const v = r.pick(['checkop', 'checkop', 'not-array', 'zero-first', 'bad-shape']);
  if (v === 'checkop') {
    const m = mutCheckOp(r, op, L, true);
    return { op: m.op, variant: `ref-rejects:${m.variant}` };
  }
  if (v === 'not-array') {
    return { op: r.pick(['abc', 5, { d: 1 }, {}, null, true, '']), variant: 'ref-rejects:not-array' };
  }
  if (v === 'zero-first') return { op: [0, 'a'], variant: 'ref-rejects:[0,"a"]' };
  const bad = r.pick([null, {}, [], { d: null }, { d: true }, { i: 'x' }, { d: [] }]);
  return { op: insertAt(r, op, bad), variant: 'ref-rejects:bad-shape' };
}

/* ------------------------------------------------------------------ */
/* Case generators, one per kind                                       */

function genApply(r) {
  let dc = genDocCps(r);
  let op = genOp(r, dc);
  if (!r.chance(P_INVALID)) return { fn: 'apply', args: { doc: dc.join(''), op: maybeRawNumbers(r, op) }, variant: 'valid' };
  const v = r.pick(['non-integer', 'bad-component', 'delete-past-end', 'delete-mismatch', 'delete-mismatch',
    'ref-rejects', 'ref-rejects', 'skip-past-end', 'doc-not-string']);
  let m;
  switch (v) {
    case 'non-integer': m = mutNonInteger(r, op); m.reasons = ['non-integer']; break;
    case 'bad-component': m = mutBadComponent(r, op, false); m.reasons = ['bad-component']; break;
    case 'delete-past-end': m = mutDeletePastEnd(r, op, dc); break;
    case 'delete-mismatch':
      if (dc.length === 0) { dc = randCps(r, r.range(1, 30), pickMode(r)); op = genOp(r, dc); }
      m = mutDeleteMismatch(r, op, dc) || mutDeletePastEnd(r, op, dc);
      break;
    case 'ref-rejects': m = refRejectedOp(r, op, dc.length); break;
    case 'skip-past-end':
      m = { op: op.concat([dc.length - preLen(op) + r.range(1, 5), 'x']), variant: 'ref-rejects:skip-past-end' };
      break;
    case 'doc-not-string':
      return { fn: 'apply', args: { doc: r.pick([5, null, ['a'], { a: 'b' }, true]), op }, variant: 'ref-rejects:doc-not-string' };
    default: throw new Error(v);
  }
  return { fn: 'apply', args: { doc: dc.join(''), op: m.op }, variant: m.variant, reasons: m.reasons };
}

function genTransform(r, side) {
  if (r.chance(P_BIG)) {
    return { fn: 'transform', args: { op: genBigOp(r), other: genBigOp(r), side }, variant: 'big-counts' };
  }
  const dc = genDocCps(r);
  const op = genOp(r, dc);
  const other = genOp(r, r.chance(0.1) ? genDocCps(r) : dc);
  if (!r.chance(P_INVALID)) {
    return { fn: 'transform', args: { op: maybeRawNumbers(r, op), other: maybeRawNumbers(r, other), side }, variant: 'valid' };
  }
  const v = r.pick(['bad-side', 'non-integer', 'bad-component', 'ref-rejects', 'ref-rejects']);
  const which = r.chance(0.5) ? 'op' : 'other';
  const args = { op, other, side };
  let m;
  switch (v) {
    case 'bad-side':
      args.side = r.pick(['LEFT', 'Right', '', ' left', 'right ', 'middle', 'l', 'r', 'lefty']);
      return { fn: 'transform', args, variant: 'ref-rejects:bad-side', sqlstate: '22023' };
    case 'non-integer': m = mutNonInteger(r, args[which]); m.reasons = ['non-integer']; break;
    case 'bad-component': m = mutBadComponent(r, args[which], false); m.reasons = ['bad-component']; break;
    case 'ref-rejects': m = refRejectedOp(r, args[which], dc.length); break;
    default: throw new Error(v);
  }
  args[which] = m.op;
  return { fn: 'transform', args, variant: `${m.variant} (${which})`, reasons: m.reasons };
}

function genCompose(r) {
  if (r.chance(P_BIG)) return { fn: 'compose', args: { a: genBigOp(r), b: genBigOp(r) }, variant: 'big-counts' };
  const dc = genDocCps(r);
  const a = genOp(r, dc);
  let b;
  if (r.chance(0.1)) b = genOp(r, genDocCps(r));   // compose needs no document: b need not fit
  else b = genOp(r, cps(type.apply(dc.join(''), clone(a))));
  if (!r.chance(P_INVALID)) return { fn: 'compose', args: { a: maybeRawNumbers(r, a), b: maybeRawNumbers(r, b) }, variant: 'valid' };
  const v = r.pick(['non-integer', 'bad-component', 'ref-rejects', 'ref-rejects']);
  const which = r.chance(0.5) ? 'a' : 'b';
  const args = { a, b };
  let m;
  switch (v) {
    case 'non-integer': m = mutNonInteger(r, args[which]); m.reasons = ['non-integer']; break;
    case 'bad-component': m = mutBadComponent(r, args[which], false); m.reasons = ['bad-component']; break;
    case 'ref-rejects': m = refRejectedOp(r, args[which], dc.length); break;
    default: throw new Error(v);
  }
  args[which] = m.op;
  return { fn: 'compose', args, variant: `${m.variant} (${which})`, reasons: m.reasons };
}

/* Split a component into 2 or 3 adjacent ones of the same kind. */
function explode(r, c) {
  const parts = r.range(2, 3);
  if (typeof c === 'number') {
    if (c < parts) return [c];
    const out = [];
    let left = c;
    for (let i = 0; i < parts - 1; i++) { const k = r.range(1, left - (parts - 1 - i)); out.push(k); left -= k; }
    out.push(left);
    return out;
  }
  const splitText = (s) => {
    const a = cps(s);
    if (a.length < 2) return [s];
    const at = r.range(1, a.length - 1);
    return [a.slice(0, at).join(''), a.slice(at).join('')];
  };
  if (typeof c === 'string') return splitText(c);
  if (typeof c.d === 'number') {
    if (c.d < 2) return [c];
    const k = r.range(1, c.d - 1);
    return [{ d: k }, { d: c.d - k }];
  }
  const [x, y] = splitText(c.d);
  if (y === undefined) return [c];
  // text + text keeps the text; text + count or count + text loses it
  const form = r.weighted([[60, 'tt'], [20, 'tc'], [20, 'ct']]);
  if (form === 'tt') return [{ d: x }, { d: y }];
  if (form === 'tc') return [{ d: x }, { d: cps(y).length }];
  return [{ d: cps(x).length }, { d: y }];
}

function genNormalize(r) {
  const dc = genDocCps(r);
  let op = r.chance(P_BIG) ? genBigOp(r) : genOp(r, dc, { raw: true });
  const NOOPS = [0, '', { d: 0 }, { d: '' }];
  // un-normalize: split components, sprinkle no-ops, add trailing skips
  const out = [];
  const pSplit = r.pick([0, 0.2, 0.5]);
  const pNoop = r.pick([0, 0.1, 0.3]);
  for (const c of op) {
    if (r.chance(pNoop)) out.push(r.pick(NOOPS));
    if (r.chance(pSplit)) out.push(...explode(r, c)); else out.push(c);
  }
  if (r.chance(pNoop)) out.push(r.pick(NOOPS));
  if (r.chance(0.3)) {
    out.push(r.range(1, 20));
    if (r.chance(0.3)) out.push(r.range(1, 20));
    if (r.chance(0.2)) out.push(r.pick(NOOPS));
  }
  op = out;
  if (!r.chance(P_INVALID)) return { fn: 'normalize', args: { op: maybeRawNumbers(r, op) }, variant: 'valid' };
  const v = r.pick(['negative', 'non-integer', 'bad-component', 'bad-component', 'not-array', 'out-of-range']);
  switch (v) {
    case 'negative': {
      const n = -r.range(1, 5);
      return { fn: 'normalize', args: { op: insertAt(r, op, r.chance(0.5) ? n : { d: n }) }, variant: 'negative',
        reasons: ['negative'] };
    }
    case 'non-integer': {
      const m = mutNonInteger(r, op);
      return { fn: 'normalize', args: { op: m.op }, variant: m.variant, reasons: ['non-integer'] };
    }
    case 'bad-component': {
      const m = mutBadComponent(r, op, false);
      return { fn: 'normalize', args: { op: m.op }, variant: m.variant, reasons: ['bad-component'] };
    }
    case 'not-array': {
      const x = r.pick(['abc', 'a👻b', 5, 0, {}, { 0: 'a', length: 1 }, { d: 1 }, null, true]);
      return { fn: 'normalize', args: { op: x }, variant: 'not-array', reasons: ['not-array'] };
    }
    case 'out-of-range': {
      const big = r.pick(['9007199254740992', '9007199254740993', '1e16', '18446744073709551616', '1e300']);
      const comp = r.chance(0.5) ? new RawNum(big) : { d: new RawNum(big) };
      return { fn: 'normalize', args: { op: insertAt(r, op, comp) }, variant: 'out-of-range',
        reasons: ['out-of-range'] };
    }
    default: throw new Error(v);
  }
}

/* Positions worth testing a cursor at: op component boundaries, 0, the end. */
function pickCursor(r, op, L) {
  if (r.chance(0.4)) {
    const b = [0, L];
    let pos = 0;
    for (const c of op) {
      if (isSkip(c)) pos += c;
      else if (isDel(c)) pos += typeof c.d === 'number' ? c.d : cps(c.d).length;
      b.push(pos);
    }
    return Math.max(0, r.pick(b) + r.range(-1, 1));
  }
  return r.int(L + 3);
}

function genTransformCursor(r) {
  if (r.chance(P_BIG)) {
    const op = genBigOp(r);
    const cursor = r.pick([0, 1, r.range(0, 100), r.range(0, 2147483647), 2147483647, 2147483646]);
    const c = { fn: 'transform_cursor', args: { cursor, op }, variant: 'big-counts' };
    // ot.transform_cursor returns a SQL int
    if (type.transformPosition(cursor, clone(op)) > 2147483647) c.reasons = ['cursor-int-range'];
    return c;
  }
  const dc = genDocCps(r);
  const op = genOp(r, dc);
  const cursor = pickCursor(r, op, dc.length);
  const args = { cursor, op };
  const own = r.weighted([[50, undefined], [25, true], [25, false]]);
  if (own !== undefined) args.own = own;
  if (!r.chance(P_INVALID)) { args.op = maybeRawNumbers(r, op); return { fn: 'transform_cursor', args, variant: 'valid' }; }
  const v = r.pick(['check-op', 'check-op', 'check-op', 'non-integer', 'bad-component', 'not-array',
    'negative-cursor']);
  let m;
  switch (v) {
    case 'check-op': m = mutCheckOp(r, op, dc.length, true); m.reasons = ['check-op']; break;
    case 'non-integer': m = mutNonInteger(r, op); m.reasons = ['non-integer']; break;
    case 'bad-component': m = mutBadComponent(r, op, false); m.reasons = ['bad-component']; break;
    case 'not-array':
      m = { op: r.pick(['abc', 5, { d: 1 }, {}, { 0: 'a', length: 1 }, null]), variant: 'not-array', reasons: ['check-op'] };
      break;
    case 'negative-cursor':
      args.cursor = -r.range(1, 1000);
      return { fn: 'transform_cursor', args, variant: 'negative-cursor', reasons: ['negative-cursor'] };
    default: throw new Error(v);
  }
  args.op = m.op;
  return { fn: 'transform_cursor', args, variant: m.variant, reasons: m.reasons };
}

function genInvert(r) {
  let dc = genDocCps(r);
  let op = genOp(r, dc, { pSkip: 0.35 });
  if (!r.chance(P_INVALID)) return { fn: 'invert', args: { op: maybeRawNumbers(r, op), doc: dc.join('') }, variant: 'valid' };
  if (dc.length < 2) { dc = randCps(r, r.range(2, 30), pickMode(r)); op = genOp(r, dc); }
  const v = r.pick(['check-op', 'check-op', 'non-integer', 'bad-component', 'delete-past-end', 'delete-mismatch',
    'delete-mismatch', 'not-array', 'skip-past-end']);
  let m;
  switch (v) {
    case 'check-op': m = mutCheckOp(r, op, dc.length, false); m.reasons = ['check-op']; break;
    case 'non-integer': m = mutNonInteger(r, op); m.reasons = ['non-integer']; break;
    case 'bad-component': m = mutBadComponent(r, op, true); m.reasons = ['bad-component']; break;
    case 'delete-past-end': m = mutDeletePastEnd(r, op, dc); break;
    case 'delete-mismatch': m = mutDeleteMismatch(r, op, dc) || mutDeletePastEnd(r, op, dc); break;
    case 'not-array':
      m = { op: r.pick(['abc', 5, { d: 1 }, {}, { 0: 'a', length: 1 }]), variant: 'not-array', reasons: ['check-op'] };
      break;
    case 'skip-past-end':
      m = { op: op.concat([dc.length - preLen(op) + r.range(1, 5), 'x']), variant: 'skip-past-end',
        reasons: ['skip-past-end'] };
      break;
    default: throw new Error(v);
  }
  return { fn: 'invert', args: { op: m.op, doc: dc.join('') }, variant: m.variant, reasons: m.reasons };
}

function genCreateData(r) {
  if (r.chance(P_INVALID)) {
    const data = r.pick([null, 5, 0, true, false, [], ['a'], {}, { a: 'b' }, 1.5]);
    return { fn: 'create_data', args: { data }, variant: 'ref-rejects:not-a-string', sqlstate: '22023' };
  }
  const v = r.weighted([[35, 'omitted'], [10, 'sql-null'], [55, 'string']]);
  if (v === 'omitted') return { fn: 'create_data', args: {}, variant: 'omitted' };
  if (v === 'sql-null') return { fn: 'create_data', args: { nulldata: true }, variant: 'sql-null' };
  const s = r.chance(0.1) ? '' : randStr(r, r.chance(0.1) ? r.range(100, 3000) : r.range(1, 30));
  return { fn: 'create_data', args: { data: s }, variant: 'string' };
}

function genCase(r, kind) {
  switch (kind) {
    case 'apply': return genApply(r);
    case 'transform-left': return genTransform(r, 'left');
    case 'transform-right': return genTransform(r, 'right');
    case 'compose': return genCompose(r);
    case 'normalize': return genNormalize(r);
    case 'transform_cursor': return genTransformCursor(r);
    case 'invert': return genInvert(r);
    case 'create_data': return genCreateData(r);
    default: throw new Error(kind);
  }
}

/* ------------------------------------------------------------------ */
/* Upstream saved cases and fixed examples                             */

/* The 46 saved transform cases of ot-text 1.0.2, in its old notation. */
function upstreamCases() {
  const file = require.resolve('ot-text/test/text-transform-tests.json');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  // upstream's readOp: numbers stay, {i:s} -> s, else {d: c.d.length}; normalized
  const readCounted = (line) => type.normalize(JSON.parse(line).map((c) => (typeof c === 'number' ? c
    : c.i !== undefined ? c.i : { d: c.d.length })));
  // the same, keeping the deleted text
  const readGiven = (line) => type.normalize(JSON.parse(line).map((c) => (typeof c === 'number' ? c
    : c.i !== undefined ? c.i : { d: c.d })));
  const out = [];
  let n = 0;
  for (let i = 0; i + 3 < lines.length; i += 4) {
    n++;
    const side = lines[i + 2].trim();
    for (const [form, read] of [['counted', readCounted], ['given', readGiven]]) {
      const op = read(lines[i]);
      const other = read(lines[i + 1]);
      const expected = read(lines[i + 3]);
      for (const s of ['left', 'right']) {
        out.push({
          kind: `upstream transform-${s}`, fn: 'transform', args: { op, other, side: s },
          variant: `upstream #${n} ${form}${s === side ? '' : ' (other side)'}`,
          // the file's expectation, checked against the reference itself
          expect: form === 'counted' && s === side ? { ok: expected } : undefined,
        });
      }
      // upstream also composes otherOp with the expectation ("without crashing")
      out.push({ kind: 'upstream compose', fn: 'compose', args: { a: other, b: expected },
        variant: `upstream #${n} ${form}` });
    }
  }
  if (n !== 46) throw new Error(`expected 46 saved cases in ${file}, found ${n}`);
  return out;
}

/* Worked examples (expected values checked against the reference) and edge cases. */
function fixedCases() {
  const F = [];
  const add = (fn, args, expect, extra = {}) => F.push({ kind: `fixed ${fn}`, fn, args, expect, variant: 'fixed', ...extra });
  const ok = (v) => ({ ok: v });
  const ERR = { error: true };
  const T = (op, other, side, e, extra) => add('transform', { op, other, side }, e, extra);
  const C = (a, b, e) => add('compose', { a, b }, e);
  const P = (cursor, op, e, extra) => add('transform_cursor', { cursor, op }, e, extra);
  const N = (op, e, extra) => add('normalize', { op }, e, extra);
  const A = (doc, op, e, extra) => add('apply', { doc, op }, e, extra);
  const I = (op, doc, e, extra) => add('invert', { op, doc }, e, extra);

  A('hi there', [3, { d: 5 }, '🤖👻💃'], ok('hi 🤖👻💃'));
  A('abc', [5, 'x'], ERR);
  A('abc', [1, { d: 10 }], ok('a'), { reasons: ['delete-past-end'] });
  A('abc', [3, 'x'], ok('abcx'));
  A('abc', [1, { d: 'x' }], ok('ac'), { reasons: ['delete-mismatch'] });
  A('é', [{ d: 'e\u0301' }], ok(''), { reasons: ['delete-mismatch', 'delete-past-end'] });
  A('e\u0301x', [{ d: 'é' }], ok('\u0301x'), { reasons: ['delete-mismatch'] });
  A('abc', [1, 2], ERR); A('abc', [3], ERR); A('abc', [''], ERR); A('abc', [{ d: 0 }], ERR);
  A('abc', [0, 'a'], ERR); A('abc', 'x', ERR);
  A('abcd', [new RawNum('2.0'), 'x'], ok('abxcd'));
  A('abcd', [new RawNum('1e0'), { d: new RawNum('2.00') }], ok('ad'));
  A('abcd', [new RawNum('0.2e1'), { d: new RawNum('10E-1') }], ok('abd'));
  A('ab', [1, true], ok('ab'), { reasons: ['bad-component'] });
  A('ab', [1, true, 1, 'x'], ok('abx'), { reasons: ['bad-component'] });
  A('ab', [{ d: 1, x: 2 }], ok('b'), { reasons: ['bad-component'] });
  A('abc', [1.5, 'x'], ok('abxc'), { reasons: ['non-integer'] });
  A('😭😭', [1, '👻'], ok('😭👻😭'));
  A('', ['\u{10ffff}\uffff\u2028"\\/\t\n'], ok('\u{10ffff}\uffff\u2028"\\/\t\n'));

  N([0, 'a', 0, 'b', 0], ok(['ab'])); N([1, 1, 'hi'], ok([2, 'hi'])); N([{ d: 'ab' }, { d: 2 }], ok([{ d: 4 }]));
  N([0], ok([])); N([''], ok([])); N([{ d: 0 }], ok([])); N([{ d: '' }], ok([])); N([1, 1], ok([]));
  N([{ d: 1 }, { d: 1 }, 'hi'], ok([{ d: 2 }, 'hi'])); N(['a', 100], ok(['a'])); N(['a', 'b'], ok(['ab']));
  N(['a', 1, 'b'], ok(['a', 1, 'b'])); N([{ d: 'ab' }, { d: 'cd' }], ok([{ d: 'abcd' }]));
  N([{ d: 2 }, { d: 'cd' }], ok([{ d: 4 }])); N([{ d: '👻' }, { d: '' }, { d: '🥰' }], ok([{ d: '👻🥰' }]));
  N([], ok([])); N([2, 0, 3], ok([])); N([2, 0, 3, 'x'], ok([5, 'x']));
  // counts may add up to at most 2^53 - 1 (README); the reference takes any sum
  N([MAX_SAFE, 'a'], ok([MAX_SAFE, 'a']), { reasons: ['out-of-range'] });
  N([new RawNum('9007199254740992'), 'a'], ok([9007199254740992, 'a']), { reasons: ['out-of-range'] });
  N([MAX_SAFE, 1, 'a'], ok([9007199254740992, 'a']), { reasons: ['out-of-range'], strict: false });
  N([{ d: MAX_SAFE }, { d: 1 }], ok([{ d: 9007199254740992 }]), { reasons: ['out-of-range'], strict: false });
  N([-1, 'a'], ok([-1, 'a']), { reasons: ['negative'] });
  N([new RawNum('-0'), 'a'], ok(['a']));
  N([new RawNum('-0.0'), 'a', new RawNum('0.0')], ok(['a']));
  N([null, 'a'], ERR); N([false, 'a'], ok(['a']), { reasons: ['bad-component'] });
  N('abc', ok(['abc']), { reasons: ['not-array'] });

  T(['👻'], ['🥰'], 'left', ok(['👻'])); T(['👻'], ['🥰'], 'right', ok([1, '👻']));
  T([2, 'x'], [2, 'y'], 'left', ok([2, 'x'])); T([2, 'x'], [2, 'y'], 'right', ok([3, 'x']));
  T([1, { d: 'abcde' }], [3, { d: 'cdefghi' }], 'left', ok([1, { d: 'ab' }]));
  T([3, { d: 'cdefghi' }], [1, { d: 'abcde' }], 'left', ok([1, { d: 'fghi' }]));
  T([3, 'X'], [1, { d: 5 }], 'left', ok([1, 'X'])); T([3, 'X'], [1, { d: 5 }], 'right', ok([1, 'X']));
  T([1, { d: 4 }], [3, 'XY'], 'left', ok([1, { d: 2 }, 2, { d: 2 }]));
  T([1, { d: 'bcde' }], [3, 'XY'], 'right', ok([1, { d: 'bc' }, 2, { d: 'de' }]));
  T([1, 'x'], ['👻'], 'left', ok([2, 'x']));
  T([1, 'Y'], [1, 'X'], 'left', ok([1, 'Y'])); T([1, 'X'], [1, 'Y'], 'right', ok([2, 'X']));
  T([{ d: 3 }], [{ d: 3 }], 'left', ok([])); T([1, 'a'], [{ d: 3 }], 'left', ok(['a']));
  T(['a', 'b'], ['c'], 'left', ok(['a', 1, 'b'])); T(['a', 'b'], ['c'], 'right', ok([1, 'ab']));
  T([1, 'x'], [1, 'y'], 'up', ERR, { sqlstate: '22023' });
  T([MAX_SAFE, 'x'], [{ d: MAX_SAFE }], 'left', ok(['x']), { reasons: ['out-of-range'] });

  C([3, 'abc'], [4, { d: 1 }], ok([3, 'ac'])); C(['abc'], [{ d: 3 }], ok([]));
  C([{ d: 2 }], ['xy'], ok(['xy', { d: 2 }])); C([{ d: 'ab' }], ['xy'], ok(['xy', { d: 'ab' }]));
  C([{ d: 'ab' }], [{ d: 'cd' }], ok([{ d: 'abcd' }])); C([2, { d: 'cd' }], [{ d: 'ab' }], ok([{ d: 'abcd' }]));
  C([{ d: 'ab' }], [{ d: 2 }], ok([{ d: 4 }])); C([1, 'a👻b'], [2, { d: 1 }], ok([1, 'ab']));
  C(['👻🥰💃'], [1, { d: 1 }], ok(['👻💃'])); C([], [5, 'x'], ok([5, 'x'])); C([], [{ d: 3 }], ok([{ d: 3 }]));
  C([{ d: MAX_SAFE }], [{ d: 1 }], ok([{ d: 9007199254740992 }]), { reasons: ['out-of-range'], strict: false });

  for (const [c, e] of [[0, 0], [10, 10], [11, 16], [20, 25], [30, 25], [40, 25], [41, 26], [100, 85]]) {
    P(c, [10, 'oh hi', 10, { d: 20 }], ok(e));
  }
  for (const [c, e] of [[10, 10], [25, 25], [35, 25], [45, 25], [55, 35]]) P(c, [25, { d: 20 }], ok(e));
  P(1, ['👻🥰💃'], ok(4)); P(1, [2, '👻🥰💃'], ok(1)); P(0, ['abc'], ok(0)); P(5, [3, { d: 2 }, 'zz'], ok(3));
  P(2, [3, { d: 2 }, 'zz'], ok(2)); P(8, [3, { d: 2 }, 'zz'], ok(8));
  P(5, [MAX_SAFE, 'x'], ok(5), { reasons: ['out-of-range'] }); P(2147483647, [2147483646, { d: 'a' }], ok(2147483646));
  P(2147483647, ['x'], ok(2147483648), { reasons: ['cursor-int-range'] });
  P(5, [3, 'x', 2], ok(6), { reasons: ['check-op'] }); P(5, [1, 2, 'x'], ok(6), { reasons: ['check-op'] });
  P(5, [0, 'x'], ok(6), { reasons: ['check-op'] }); P(-1, ['x'], ok(-1), { reasons: ['negative-cursor'] });
  P(3, 'abc', ok(6), { reasons: ['check-op'] });

  I([2, 'hi', 3, { d: 'xyz' }], 'abcdexyz', ok([2, { d: 'hi' }, 3, 'xyz']));
  I([2, { d: 5 }], 'a hello', ok([2, 'hello'])); I([2, { d: 5 }, 'Q'], 'a hello!', ok([2, 'hello', { d: 'Q' }]));
  I([{ d: 2 }, 'x', { d: 'cd' }], 'abcd', ok(['ab', { d: 'x' }, 'cd']));
  I([], '', ok([])); I(['👻'], '', ok([{ d: '👻' }])); I([{ d: 1 }], '👻x', ok(['👻']));
  I([1, { d: 5 }], 'abc', ok([1, 'bc']), { reasons: ['delete-past-end'] });
  I([1, { d: 'bX' }], 'abc', ok([1, 'bX']), { reasons: ['delete-mismatch'] });
  I([1, 'x', 2], 'abc', ok([1, { d: 'x' }]), { reasons: ['check-op'] });
  I([4, 'x'], 'abc', ok([4, { d: 'x' }]), { reasons: ['skip-past-end'] });

  add('create_data', {}, ok('')); add('create_data', { nulldata: true }, ok(''));
  add('create_data', { data: 'x👻' }, ok('x👻')); add('create_data', { data: '' }, ok(''));
  add('create_data', { data: null }, ERR, { sqlstate: '22023' }); add('create_data', { data: 1 }, ERR, { sqlstate: '22023' });
  return F;
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
    case 'transform_cursor': return type.transformPosition(args.cursor, args.op);
    case 'invert': return type.invertWithDoc(args.op, args.doc);
    case 'create_data': return 'data' in args ? type.create(args.data) : type.create();
    default: throw new Error(`harness: unknown function ${c.fn}`);
  }
}

/* A valid apply case made to give another result (--sabotage). */
function sabotage(parts) {
  parts.doc = JSON.stringify(`${JSON.parse(parts.doc)}§`);
}

if (require.main === module) {
  run({
    name: 'text-unicode',
    script: 'text_unicode.js',
    module: __filename,
    typeNames: TYPE_NAMES,
    badTypeNames: BAD_TYPE_NAMES,
    kinds: KINDS,
    reasons: REASONS,
    genCase,
    extraCases: [['upstream', upstreamCases], ['fixed', fixedCases]],
    sabotage,
  });
}

module.exports = { refEval, genCase, genOp, upstreamCases, fixedCases, KINDS, REASONS };
