#!/usr/bin/env node
// Writes a seeded corpus of text-unicode, rich-text or json0 cases as JSON
// lines:
//
//   {"type": "rich-text", "seed": 42, "docs": 2000, "cases": 100000}
//   {"doc": DOCUMENT}                                  x docs
//   {"doc_index": K, "op": OP, "other": OTHER}         x cases
//
// Each case edits document K of the pool: op and other are concurrent edits,
// both valid against it, sized like typing (mostly one insert or delete of
// 1-10 characters at a random position; some replacements of a selection; a
// few pastes and, for text-unicode, large deletes; for rich-text also format
// changes of a selection).  Documents are stored once and shared by the cases
// that edit them.
//
// Text mixes ASCII prose, accented Latin, CJK and emoji in per-document
// proportions.  Document sizes are log-uniform, 100 to 20,000 characters:
//   text-unicode: a string of that many code points; deletes are {d: N} or
//     {d: "text"} in equal measure.
//   rich-text: a delta of inserts of that many UTF-16 units, in runs of plain
//     and formatted text (bold, italic, color, link...), a few line formats
//     on newlines and a few embeds ({image}, {video}, {formula}).  Positions
//     and lengths are UTF-16 units and never split a surrogate pair.
//   json0: an application's record, as a ShareDB app keeps one (a title,
//     an owner, settings, tags, and a list of items each with text, flags,
//     counters, labels and notes), of that many bytes of JSON (at least
//     the record without items, about 150); ops are one component, or a
//     quarter of them two or three made one after the other, of the kinds
//     test/differential/lib/json0_gen.js makes (li, ld, ld+li, lm, oi, od,
//     od+oi, na, si, sd and the text0 subtype), at a random place of the
//     document; a case is kept only if ot-json0 applies and transforms it
//     without an error.
//
//   node gen_corpus.js --out corpus.jsonl [--type text-unicode|rich-text|json0]
//                      [--seed 42] [--cases 100000] [--docs 2000]
//
// The same arguments give the same file byte for byte.
'use strict';

const fs = require('fs');
// The differential tests' PRNG (mulberry32): float, int, range, chance, pick,
// weighted; json0_gen.js takes it too.
const { makeRng } = require('../differential/lib/harness');

const TYPES = ['text-unicode', 'rich-text', 'json0'];

function parseArgs(argv) {
  const args = { type: 'text-unicode', seed: 42, cases: 100000, docs: 2000, out: null };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--type') args.type = v;
    else if (k === '--seed') args.seed = Number(v);
    else if (k === '--cases') args.cases = Number(v);
    else if (k === '--docs') args.docs = Number(v);
    else if (k === '--out') args.out = v;
    else throw new Error(`gen_corpus.js: unknown argument ${k}`);
    i++;
  }
  if (!TYPES.includes(args.type)) {
    throw new Error(`gen_corpus.js: --type must be one of ${TYPES.join(', ')}`);
  }
  for (const k of ['seed', 'cases', 'docs']) {
    if (!Number.isInteger(args[k]) || args[k] < (k === 'seed' ? 0 : 1)) {
      throw new Error(`gen_corpus.js: --${k} must be a whole number`);
    }
  }
  if (!args.out) throw new Error('gen_corpus.js: --out FILE is required');
  return args;
}

// ------------------------------------------------------------------ text

const ACCENTED = Array.from('éèêëàâäçôöûüùîïñíóúßÉÀÇœæ');
const PUNCT = Array.from('.,;:!?-\'"()');
const cjk = (rng) => String.fromCodePoint(rng.range(0x4e00, 0x9fa5));
const EMOJI_RANGES = [[0x1f600, 0x1f64f], [0x1f680, 0x1f6c5], [0x1f300, 0x1f5ff], [0x1f90d, 0x1f9ff]];
const emoji = (rng) => {
  const [lo, hi] = rng.pick(EMOJI_RANGES);
  return String.fromCodePoint(rng.range(lo, hi));
};
const lower = (rng) => String.fromCharCode(97 + rng.int(26));

// Per-document proportions of [ascii, accented, cjk, emoji].
const PROFILES = [
  [0.97, 0.0, 0.0, 0.03], // English
  [0.88, 0.11, 0.0, 0.01], // French / German
  [0.35, 0.0, 0.63, 0.02], // Chinese with Latin
  [0.80, 0.04, 0.01, 0.15], // chat with emoji
];

// Appends n code points to out (an array of code points) in a profile.
function text(rng, profile, n, out) {
  let word = 0;
  while (n-- > 0) {
    const r = rng.float();
    if (r < profile[0]) {
      // Latin prose: words of 1-10 letters with spaces, punctuation, newlines.
      if (word > 0 && rng.float() < 0.18) {
        const s = rng.float();
        out.push(s < 0.85 ? ' ' : s < 0.97 ? rng.pick(PUNCT) : '\n');
        word = 0;
      } else {
        out.push(rng.float() < 0.05 ? lower(rng).toUpperCase() : lower(rng));
        word++;
      }
    } else if (r < profile[0] + profile[1]) {
      out.push(rng.pick(ACCENTED));
      word++;
    } else if (r < profile[0] + profile[1] + profile[2]) {
      out.push(cjk(rng));
    } else {
      out.push(emoji(rng));
    }
  }
  return out;
}

// log-uniform document size in 100 .. 20,000
const docSize = (rng) => Math.min(20000, Math.round(100 * Math.pow(200, rng.float())));

// ---------------------------------------------------------- text-unicode

const textUnicode = {
  makeDoc(rng) {
    const n = docSize(rng);
    const profile = rng.pick(PROFILES);
    const cps = text(rng, profile, n, []);
    return { cps, profile, json: JSON.stringify(cps.join('')) };
  },

  // A typing-sized edit of doc.
  makeOp(rng, doc) {
    // An op at pos: [pos, ...components] (no leading skip at 0).
    const at = (pos, ...components) => (pos > 0 ? [pos, ...components] : components);
    const del = (pos, n) => (rng.float() < 0.5 ? { d: n } : { d: doc.cps.slice(pos, pos + n).join('') });
    const len = doc.cps.length;
    const r = rng.float();
    if (r < 0.55) {
      // type 1-10 code points
      const pos = rng.int(len + 1);
      return at(pos, text(rng, doc.profile, rng.range(1, 10), []).join(''));
    }
    if (r < 0.85) {
      // backspace / delete 1-10 code points
      const n = rng.range(1, 10);
      const pos = rng.int(len - n + 1);
      return at(pos, del(pos, n));
    }
    if (r < 0.95) {
      // replace a selection of 1-30 code points with 1-10 typed ones
      const n = rng.range(1, 30);
      const pos = rng.int(len - n + 1);
      const ins = text(rng, doc.profile, rng.range(1, 10), []).join('');
      return rng.float() < 0.5 ? at(pos, del(pos, n), ins) : at(pos, ins, del(pos, n));
    }
    if (r < 0.98) {
      // paste 50-500 code points
      const pos = rng.int(len + 1);
      return at(pos, text(rng, doc.profile, rng.range(50, 500), []).join(''));
    }
    // delete a block of 20-1000 code points
    const n = Math.min(len, rng.range(20, 1000));
    const pos = rng.int(len - n + 1);
    return at(pos, del(pos, n));
  },
};

// ------------------------------------------------------------- rich-text

const COLORS = ['#e60000', '#ff9900', '#ffff00', '#008a00', '#0066cc', '#9933ff', '#444444'];

// Inline formats, in the order keys are written.  Values are made by rng.
const INLINE = [
  ['bold', () => true],
  ['italic', () => true],
  ['underline', () => true],
  ['strike', () => true],
  ['color', (rng) => rng.pick(COLORS)],
  ['background', (rng) => rng.pick(COLORS)],
  ['link', (rng) => `https://example.com/page/${rng.int(1000)}`],
  ['size', (rng) => rng.pick(['small', 'large', 'huge'])],
  ['font', (rng) => rng.pick(['serif', 'monospace'])],
];

// Line formats, carried by a newline.  header and indent are numbers.
const LINE = [
  ['header', (rng) => rng.range(1, 3)],
  ['list', (rng) => rng.pick(['ordered', 'bullet'])],
  ['indent', (rng) => rng.range(1, 3)],
  ['align', (rng) => rng.pick(['center', 'right'])],
];

// A map of 1 to max keys of formats, or with removal, some values null.
function attributes(rng, formats, max, removal) {
  const map = {};
  const n = rng.range(1, max);
  for (let i = 0; i < n; i++) {
    const [key, value] = rng.pick(formats);
    map[key] = removal && rng.float() < 0.3 ? null : value(rng);
  }
  // written in the order of formats
  const out = {};
  for (const [key] of formats) if (key in map) out[key] = map[key];
  return out;
}

function embed(rng) {
  const r = rng.float();
  if (r < 0.6) return { image: `https://example.com/img/${rng.int(10000)}.png` };
  if (r < 0.8) return { video: `https://example.com/video/${rng.int(1000)}` };
  return { formula: rng.pick(['e=mc^2', 'a^2+b^2=c^2', '\\sum_{i=1}^n i']) };
}

// Appends an insert to a delta as quill-delta's push would: text after text
// with the same attributes joins it.
function pushInsert(ops, insert, attrs) {
  const last = ops[ops.length - 1];
  const key = attrs ? JSON.stringify(attrs) : '';
  if (typeof insert === 'string' && last && typeof last.insert === 'string' &&
      (last.attributes ? JSON.stringify(last.attributes) : '') === key) {
    last.insert += insert;
    return;
  }
  const op = { insert };
  if (attrs) op.attributes = attrs;
  ops.push(op);
}

const richText = {
  // The document is kept as characters (code points or embeds): off[i] is
  // the UTF-16 offset of character i, inline[i] the inline attributes typing
  // after it inherits.
  makeDoc(rng) {
    const units = docSize(rng);
    const profile = rng.pick(PROFILES);
    const embeds = Math.floor(units / 3000) + (rng.float() < 0.3 ? 1 : 0);
    // text of units - embeds UTF-16 units (one less if an emoji would cross)
    const cps = text(rng, profile, units - embeds, []);
    let n = 0;
    for (let w = 0; n < cps.length && w + cps[n].length <= units - embeds; n++) w += cps[n].length;
    cps.length = n;

    // Runs of 3 to 600 characters, a third of them formatted.
    const chars = [];
    const runAttrs = [];
    for (let i = 0; i < cps.length;) {
      const len = Math.round(3 * Math.pow(200, rng.float()));
      const attrs = rng.float() < 0.35 ? attributes(rng, INLINE, 3, false) : null;
      for (const end = Math.min(cps.length, i + len); i < end; i++) {
        chars.push(cps[i]);
        runAttrs.push(attrs);
      }
    }
    // Line formats on one newline in five.
    for (let i = 0; i < chars.length; i++) {
      if (chars[i] === '\n' && rng.float() < 0.2) runAttrs[i] = attributes(rng, LINE, 2, false);
    }
    // Embeds between characters, some with attributes.
    for (let e = 0; e < embeds; e++) {
      const at = rng.int(chars.length + 1);
      const attrs = rng.float() < 0.3 ? { width: String(rng.range(100, 800)) } : null;
      chars.splice(at, 0, embed(rng));
      runAttrs.splice(at, 0, attrs);
    }

    const ops = [];
    const off = new Int32Array(chars.length + 1);
    const inline = new Array(chars.length);
    for (let i = 0; i < chars.length; i++) {
      const isText = typeof chars[i] === 'string';
      pushInsert(ops, chars[i], runAttrs[i]);
      off[i + 1] = off[i] + (isText ? chars[i].length : 1);
      inline[i] = isText && chars[i] !== '\n' ? runAttrs[i] : null;
    }
    return { chars: chars.length, off, inline, profile, json: JSON.stringify(ops) };
  },

  // A typing-sized edit of doc, as Quill would send it.
  makeOp(rng, doc) {
    const len = doc.chars;
    const at = (pos, ...components) => (pos > 0 ? [{ retain: doc.off[pos] }, ...components] : components);
    const typed = (n) => text(rng, doc.profile, n, []).join('');
    // What typing at pos is formatted with: mostly the character before it.
    const typedAttrs = (pos) => {
      const r = rng.float();
      if (r < 0.8) return pos > 0 ? doc.inline[pos - 1] : null;
      return r < 0.9 ? attributes(rng, INLINE, 2, false) : null;
    };
    const del = (pos, n) => ({ delete: doc.off[pos + n] - doc.off[pos] });
    const r = rng.float();
    if (r < 0.53) {
      // type 1-10 characters
      const pos = rng.int(len + 1);
      const ops = [];
      pushInsert(ops, typed(rng.range(1, 10)), typedAttrs(pos));
      return at(pos, ...ops);
    }
    if (r < 0.80) {
      // backspace / delete 1-10 characters
      const n = Math.min(len, rng.range(1, 10));
      const pos = rng.int(len - n + 1);
      return at(pos, del(pos, n));
    }
    if (r < 0.92) {
      // format a selection of 1-200 characters, or clear a format
      const n = Math.min(len, Math.round(Math.pow(200, rng.float())));
      const pos = rng.int(len - n + 1);
      const attrs = attributes(rng, rng.float() < 0.85 ? INLINE : LINE, 2, true);
      return at(pos, { retain: doc.off[pos + n] - doc.off[pos], attributes: attrs });
    }
    if (r < 0.97) {
      // replace a selection of 1-30 characters with 1-10 typed ones
      const n = Math.min(len, rng.range(1, 30));
      const pos = rng.int(len - n + 1);
      const ops = [];
      pushInsert(ops, typed(rng.range(1, 10)), typedAttrs(pos));
      return at(pos, ...ops, del(pos, n));
    }
    if (r < 0.985) {
      // insert an embed
      const pos = rng.int(len + 1);
      return at(pos, { insert: embed(rng) });
    }
    // paste 50-500 characters in 1-3 differently formatted runs
    const pos = rng.int(len + 1);
    const ops = [];
    for (let runs = rng.range(1, 3); runs > 0; runs--) {
      pushInsert(ops, typed(rng.range(20, 170)), rng.float() < 0.5 ? attributes(rng, INLINE, 2, false) : null);
    }
    return at(pos, ...ops);
  },
};

// ----------------------------------------------------------------- json0

const json0Type = require('ot-json0').type;
const json0Gen = require('../differential/lib/json0_gen')(json0Type);

const NAMES = ['Ada', 'Grace', 'Linus', 'Zoë', 'José', '李雷', 'Mia', 'Noah'];
const LABELS = ['bug', 'ui', 'backend', 'urgent', 'later', 'docs', '設計', '🚀'];
const THEMES = ['light', 'dark', 'solarized'];

// prose of lo..hi code points in a profile
const prose = (rng, profile, lo, hi) => text(rng, profile, rng.range(lo, hi), []).join('');

function json0Item(rng, profile, id) {
  const item = { id, text: prose(rng, profile, 5, 200), done: rng.chance(0.3), votes: rng.range(0, 50) };
  if (rng.chance(0.3)) item.due = rng.chance(0.2) ? null : 1767225600000 + rng.int(365) * 86400000;
  if (rng.chance(0.5)) item.labels = Array.from({ length: rng.range(1, 3) }, () => rng.pick(LABELS));
  if (rng.chance(0.3)) {
    item.notes = Array.from({ length: rng.range(1, 3) },
      () => ({ author: rng.pick(NAMES), text: prose(rng, profile, 3, 80) }));
  }
  if (rng.chance(0.1)) item.estimate = rng.range(1, 80) / 4;
  return item;
}

const json0 = {
  makeDoc(rng) {
    const bytes = docSize(rng);
    const profile = rng.pick(PROFILES);
    const doc = {
      title: prose(rng, profile, 3, 40),
      owner: { name: rng.pick(NAMES), id: rng.range(1, 100000) },
      version: rng.range(1, 500),
      settings: { public: rng.chance(0.5), theme: rng.pick(THEMES), limit: rng.range(10, 1000) },
      tags: Array.from({ length: rng.range(0, 4) }, () => rng.pick(LABELS)),
      items: [],
    };
    let json = JSON.stringify(doc);
    while (json.length < bytes) {
      doc.items.push(json0Item(rng, profile, doc.items.length + 1));
      json = JSON.stringify(doc);
    }
    return { value: doc, json };
  },

  // One component (three quarters), or two or three made one after the
  // other; retried until it is not empty and ot-json0 applies it.
  makeOp(rng, doc) {
    for (;;) {
      const op = rng.chance(0.75) ? [json0Gen.randComponent(rng, doc.value)].filter((c) => c)
        : json0Gen.randOp(rng, doc.value, 3).op;
      if (op.length > 0) return op;
    }
  },

  // ot-json0 must apply op and transform it by other (and apply the result
  // on doc after other): cases it refuses are left out.
  valid(doc, op, other) {
    try {
      const clone = json0Gen.clone;
      json0Type.apply(clone(doc.value), op);
      const after = json0Type.apply(clone(doc.value), other);
      json0Type.apply(after, json0Type.transform(op, other, 'left'));
      return true;
    } catch (e) {
      return false;
    }
  },
};

// ------------------------------------------------------------------ main

function main() {
  const args = parseArgs(process.argv);
  const gen = { 'text-unicode': textUnicode, 'rich-text': richText, json0 }[args.type];
  const rng = makeRng(args.seed);
  const docs = [];
  for (let i = 0; i < args.docs; i++) docs.push(gen.makeDoc(rng));

  const fd = fs.openSync(args.out, 'w');
  let chunk = [JSON.stringify({ type: args.type, seed: args.seed, docs: args.docs, cases: args.cases })];
  let bytes = 0;
  const write = (line) => {
    chunk.push(line);
    if (chunk.length === 1000) {
      bytes += fs.writeSync(fd, chunk.join('\n') + '\n');
      chunk = [];
    }
  };
  for (const doc of docs) write(`{"doc":${doc.json}}`);
  for (let i = 0; i < args.cases; i++) {
    const k = rng.int(docs.length);
    let op;
    let other;
    do {
      op = gen.makeOp(rng, docs[k]);
      other = gen.makeOp(rng, docs[k]);
    } while (gen.valid && !gen.valid(docs[k], op, other));
    write(`{"doc_index":${k},"op":${JSON.stringify(op)},"other":${JSON.stringify(other)}}`);
  }
  if (chunk.length) bytes += fs.writeSync(fd, chunk.join('\n') + '\n');
  fs.closeSync(fd);
  process.stderr.write(`gen_corpus.js: ${args.cases} ${args.type} cases over ${args.docs} documents, ` +
    `seed ${args.seed}, ${(bytes / 1e6).toFixed(1)} MB -> ${args.out}\n`);
}

main();
