#!/usr/bin/env node
// Throughput of the JavaScript reference types on the corpus bench_core.c
// reads: ot-text-unicode 4.0.0, rich-text 4.1.0 or ot-json0 1.1.0, as the
// corpus header says.
//
//   node bench_core.js CORPUS.jsonl [MIN_SECONDS]
//
// Parses every line first; then, after one untimed warm-up pass, times whole
// passes of type.transform(op, other, 'left') and of type.apply(doc, op)
// until the calls have taken MIN_SECONDS (default 2).  Prints the same
// checksums and figures as bench_core.c.  ot-json0's apply modifies the
// document it is given (it copies the op itself), so json0's apply runs on
// copies of the documents (json0Copy) made before each chunk of 10 cases
// and not timed, as bench_core.c copies what the C core modifies.
'use strict';

const fs = require('fs');

// ------------------------------------------------------------- checksums

// 32-bit FNV-1a over a byte stream that describes each result, the same as
// bench_core.c builds.  Numbers go in as 4 bytes, little-endian.
const FNV_OFFSET = 2166136261;

class Hash {
  constructor() {
    this.h = FNV_OFFSET;
  }

  byte(b) {
    this.h = Math.imul(this.h ^ b, 16777619) >>> 0;
  }

  bytes(buf) {
    let h = this.h;
    for (let i = 0; i < buf.length; i++) h = Math.imul(h ^ buf[i], 16777619) >>> 0;
    this.h = h;
  }

  u32(v) {
    this.byte(v & 0xff);
    this.byte((v >>> 8) & 0xff);
    this.byte((v >>> 16) & 0xff);
    this.byte(v >>> 24);
  }

  tag(c) {
    this.byte(c.charCodeAt(0));
  }

  // Byte length in UTF-8, then the bytes.
  string(s) {
    const buf = Buffer.from(s, 'utf8');
    this.u32(buf.length);
    this.bytes(buf);
  }

  // A JSON value: n, t, f; # and the number as a string; s and a string;
  // [ and the items; { and the members in key order.
  json(v) {
    if (v === null) this.tag('n');
    else if (v === true) this.tag('t');
    else if (v === false) this.tag('f');
    else if (typeof v === 'number') {
      this.tag('#');
      this.string(String(v));
    } else if (typeof v === 'string') {
      this.tag('s');
      this.string(v);
    } else if (Array.isArray(v)) {
      this.tag('[');
      this.u32(v.length);
      for (const item of v) this.json(item);
    } else {
      const keys = Object.keys(v).sort();
      this.tag('{');
      this.u32(keys.length);
      for (const k of keys) {
        this.string(k);
        this.json(v[k]);
      }
    }
  }
}

// Code points in a JS string (surrogate pairs count once).
function strPosToUni(s) {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0xdc00 && u <= 0xdfff) n--;
  }
  return n;
}

// The sum functions add a result to hash and return its size: components of
// an op or a delta, code points of a text-unicode document.

// Per component: r N, i and the text, d N, or D and the deleted text.
function tuSumOp(op, hash) {
  hash.u32(op.length);
  for (const c of op) {
    if (typeof c === 'number') {
      hash.tag('r');
      hash.u32(c);
    } else if (typeof c === 'string') {
      hash.tag('i');
      hash.string(c);
    } else if (typeof c.d === 'number') {
      hash.tag('d');
      hash.u32(c.d);
    } else {
      hash.tag('D');
      hash.string(c.d);
    }
  }
  return op.length;
}

function tuSumDoc(doc, hash) {
  hash.string(doc);
  return strPosToUni(doc);
}

// Per component: i, r or d and the length in UTF-16 units; s and the text,
// or e and the embed; then, unless it has none or an empty map, a and the
// attributes.
function rtSumDelta(delta, hash) {
  const ops = delta.ops;
  hash.u32(ops.length);
  for (const c of ops) {
    if (typeof c.delete === 'number') {
      hash.tag('d');
      hash.u32(c.delete);
    } else if (typeof c.retain === 'number') {
      hash.tag('r');
      hash.u32(c.retain);
    } else if (typeof c.insert === 'string') {
      hash.tag('i');
      hash.u32(c.insert.length);
      hash.tag('s');
      hash.string(c.insert);
    } else {
      hash.tag('i');
      hash.u32(1);
      hash.tag('e');
      hash.json(c.insert);
    }
    if (c.attributes && Object.keys(c.attributes).length > 0) {
      hash.tag('a');
      hash.json(c.attributes);
    }
  }
  return ops.length;
}

// The canonical JSON of a json0 result: JSON.stringify's, with the members
// of every object in key order (UTF-16 code units, as sort() compares).
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

// Its UTF-8 bytes; the size is their number.
function j0Sum(v, hash) {
  const buf = Buffer.from(canonical(v), 'utf8');
  hash.bytes(buf);
  return buf.length;
}

// ----------------------------------------------------------------- types

// A deep copy of a JSON value.
function json0Copy(v) {
  if (Array.isArray(v)) {
    const a = new Array(v.length);
    for (let i = 0; i < v.length; i++) a[i] = json0Copy(v[i]);
    return a;
  }
  if (v !== null && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = json0Copy(v[k]);
    return o;
  }
  return v;
}

const TYPES = {
  'text-unicode': {
    type: require('ot-text-unicode').type,
    sum: { transform: tuSumOp, apply: tuSumDoc },
  },
  'rich-text': {
    type: require('rich-text').type,
    sum: { transform: rtSumDelta, apply: rtSumDelta },
  },
  json0: {
    type: require('ot-json0').type,
    sum: { transform: j0Sum, apply: j0Sum },
    prep: { apply: (c) => ({ doc: json0Copy(c.doc), op: c.op, other: c.other }) },
  },
};

// ---------------------------------------------------------------- corpus

function loadCorpus(path) {
  const lines = fs.readFileSync(path, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = JSON.parse(lines[0]);
  if (!TYPES[header.type]) throw new Error(`${path}: unknown type ${header.type}`);
  if (lines.length !== 1 + header.docs + header.cases) {
    throw new Error(`${path}: ${lines.length} lines, not 1 + ${header.docs} + ${header.cases}`);
  }
  const docs = [];
  for (let i = 1; i <= header.docs; i++) docs.push(JSON.parse(lines[i]).doc);
  const cases = [];
  for (let i = 1 + header.docs; i < lines.length; i++) {
    const c = JSON.parse(lines[i]);
    cases.push({ doc: docs[c.doc_index], op: c.op, other: c.other });
  }
  return { type: header.type, docs, cases };
}

// ---------------------------------------------------------------- timing

const CALLS = {
  transform: (type, c) => type.transform(c.op, c.other, 'left'),
  apply: (type, c) => type.apply(c.doc, c.op),
};

let sink = null; // keeps the latest result alive

const CHUNK = 10;

// One pass of call over the cases, in chunks of CHUNK copies made by prep
// when the call modifies its arguments (a whole pass otherwise); returns the
// seconds the calls took.
function pass(call, type, cases, prep) {
  const step = prep ? CHUNK : cases.length;
  let ns = 0n;
  for (let start = 0; start < cases.length; start += step) {
    const chunk = prep ? cases.slice(start, start + step).map(prep) : cases;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < chunk.length; i++) sink = call(type, chunk[i]);
    ns += process.hrtime.bigint() - t0;
  }
  return Number(ns) / 1e9;
}

function measure(call, type, cases, prep, minSeconds) {
  pass(call, type, cases, prep); // warm-up
  let passes = 0;
  let elapsed = 0;
  do {
    elapsed += pass(call, type, cases, prep);
    passes++;
  } while (elapsed < minSeconds);
  return (passes * cases.length) / elapsed;
}

function main() {
  const path = process.argv[2];
  const minSeconds = process.argv[3] ? Number(process.argv[3]) : 2;
  if (!path) {
    process.stderr.write('usage: node bench_core.js CORPUS.jsonl [MIN_SECONDS]\n');
    process.exit(2);
  }
  const t0 = Date.now();
  const corpus = loadCorpus(path);
  const { type, sum } = TYPES[corpus.type];
  const prep = TYPES[corpus.type].prep || {};
  const cases = corpus.cases;
  process.stderr.write(`bench_core.js: ${cases.length} ${corpus.type} cases over ${corpus.docs.length} ` +
    `documents parsed in ${((Date.now() - t0) / 1000).toFixed(1)} s (not timed)\n`);

  console.log(`type ${corpus.type}`);
  console.log(`cases ${cases.length}`);
  console.log(`docs ${corpus.docs.length}`);
  // Checksums of the results, outside the timing.
  for (const name of Object.keys(CALLS)) {
    const hash = new Hash();
    let size = 0;
    const copy = prep[name] || ((c) => c);
    for (const c of cases) size += sum[name](CALLS[name](type, copy(c)), hash);
    console.log(`check ${name} size ${size} hash ${hash.h}`);
  }
  const rates = {};
  for (const name of Object.keys(CALLS)) rates[name] = measure(CALLS[name], type, cases, prep[name], minSeconds);
  for (const name of Object.keys(CALLS)) console.log(`${name}/s ${rates[name].toFixed(0)}`);
  if (sink === undefined) console.log(''); // the results are used
}

main();
