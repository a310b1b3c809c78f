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
 * text_unicode.js).  Cases are generated the way applications edit
 * (lib/json0_gen.js, shared with test/bench/gen_corpus.js): a document of
 * nested lists and objects holding numbers, booleans, null and strings
 * (ASCII, accents, CJK, astral emoji); ops of one to four components
 * built against the document as it is after the previous ones: li, ld (with
 * the value there), ld+li, lm, oi, od (with the value there), od+oi, na
 * (integers and fractions), text edits as the legacy si / sd and as the
 * subtype {p, t: "text0", o: [...]} with UTF-16 offsets that do not split a
 * character, and the subtypes ShareDB applications register, text-unicode
 * (on strings) and rich-text (on deltas {ops} with attributes and embeds,
 * on missing keys and strings), registered here on the reference as
 * json0.registerSubtype does; the report tallies the cases using each.  Kinds: apply, transform left, transform right, compose (the
 * second op made on the first's result), normalize, invert; each gets
 * cases/6 of the random cases.  jsonb reorders object keys: results compare
 * by value.
 */

const json0 = require('ot-json0').type;
const textUnicode = require('ot-text-unicode').type;
const richText = require('rich-text');

/*
 * What the subtypes saw that pg_ot cannot take, when probe.on (predict's
 * second run of a case): a string with a lone surrogate given to
 * text-unicode or rich-text, a value new Delta() misreads (a list that is
 * not of insert components) given to rich-text's apply.  json0's transform
 * applies the other op to the value an ld / od removes, which may be such a
 * value even though neither op was made on one.
 */
const probe = { on: false, hits: new Set() };
const LONE_CHAR = /[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/;
function probeString(s) {
  if (typeof s === 'string' && LONE_CHAR.test(s)) probe.hits.add('lone-surrogate');
}
function probeDelta(v) {
  const ops = Array.isArray(v) ? v : v && Array.isArray(v.ops) ? v.ops : [];
  for (const c of ops) {
    const ok = c !== null && typeof c === 'object' && !Array.isArray(c) && 'insert' in c
      && Object.keys(c).every((k) => k === 'insert' || k === 'attributes');
    if (!ok) probe.hits.add('not-a-delta');
    else probeString(c.insert);
  }
}
const probedTextUnicode = {
  ...textUnicode,
  apply(s, o) { if (probe.on) probeString(s); return textUnicode.apply(s, o); },
};
const probedRichText = {
  ...richText.type,
  apply(s, o) { if (probe.on) probeDelta(s); return richText.type.apply(s, o); },
};

// as ShareDB applications register them (ot-json0 keys subtypes by name)
json0.registerSubtype(probedTextUnicode);
json0.registerSubtype(probedRichText);

const { run } = require('./lib/harness');
const { clone, randOp, randDoc } = require('./lib/json0_gen')(json0,
  { subtypes: { textUnicode, richText } });
const SUBTYPES = ['text-unicode', 'rich-text'];

const TYPE_NAMES = ['json0', 'http://sharejs.org/types/JSONv0'];
const BAD_TYPE_NAMES = ['json', 'JSON0', 'json0 ', 'http://sharejs.org/types/JSONv1', ''];
const KINDS = ['apply', 'transform-left', 'transform-right', 'compose', 'normalize', 'invert'];
const REASONS = {
  // jsonb cannot hold a lone UTF-16 surrogate; the reference's od/ld value
  // rewriting (and si/sd offsets) can split a pair.
  'lone-surrogate': { sqlstate: '0A000', re: /lone UTF-16 surrogate/ },
  // the od/ld value rewriting gives rich-text a value new Delta() misreads
  // (a list of other things than inserts), which pg_ot does not take for a delta
  'not-a-delta': { sqlstate: 'OT001', re: /rich-text (op component|snapshot)/ },
};
// JSON.stringify writes a lone surrogate as an escape, never a pair
const LONE = /\\ud[89a-f][0-9a-f]{2}/i;

/*
 * Marks the case as refused by design when the reference's result holds a
 * lone surrogate; only transform rewrites text at offsets not chosen on that
 * text.
 */
function predict(c, ref) {
  if (c.fn !== 'transform' || !('ok' in ref)) return;
  if (LONE.test(JSON.stringify(ref.ok))) {
    c.reasons = ['lone-surrogate'];
    return;
  }
  // and when the rewriting gave a subtype what pg_ot cannot take (probe)
  const args = JSON.parse(c.json);
  if (!rewritesThroughSubtype(args.op, args.other) && !rewritesThroughSubtype(args.other, args.op)) return;
  probe.on = true;
  probe.hits.clear();
  try {
    refEval(c, args);
  } catch (e) {
    // the reference accepted it in its own run
  }
  probe.on = false;
  if (probe.hits.size) {
    c.reasons = [...probe.hits].sort();
    c.strict = false;
  }
}

/* Whether an ld / od of xs may take the change of a subtype component of ys. */
function rewritesThroughSubtype(xs, ys) {
  if (!Array.isArray(xs) || !Array.isArray(ys)) return false;
  return xs.some((x) => x && (x.ld !== undefined || x.od !== undefined) && Array.isArray(x.p)
    && ys.some((y) => y && SUBTYPES.includes(y.t) && Array.isArray(y.p) && y.p.length >= x.p.length));
}

/* The subtypes the case's ops use, tallied in the report. */
function subtypeTags(args) {
  const found = new Set();
  for (const v of Object.values(args)) {
    if (!Array.isArray(v)) continue;
    for (const c of v) if (c && SUBTYPES.includes(c.t)) found.add(c.t);
  }
  return [...found];
}

function genCase(r, kind) {
  const c = genCase1(r, kind);
  c.tags = subtypeTags(c.args);
  return c;
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
    predict,
    plainJson: true,
  });
}

module.exports = { refEval, genCase, KINDS, REASONS };
