#!/usr/bin/env node
'use strict';
/*
 * Convergence test of pg_ot: simulated ShareDB clients edit one document
 * concurrently through ot.submit and ot.ops, and must all end up with the
 * document the server holds.
 *
 *   node convergence.js [--seed N] [--clients K] [--ops N]
 *                       [--type text-unicode|rich-text] [--sabotage [side|seq]]
 *
 *   --seed N      PRNG seed (default: $SEED, else 1)
 *   --clients K   simulated clients per document (default 8)
 *   --ops N       ops to submit per document, at least (default 5000)
 *   --type T      one type only (default: text-unicode, then rich-text)
 *   --sabotage    break the client on purpose; the run must fail:
 *                 side  transform with the sides swapped (default)
 *                 seq   resend with a new seq, so an op may apply twice
 *
 * PostgreSQL is reached through the PG* environment variables; the database
 * needs CREATE EXTENSION pg_ot and the role must be a superuser (the run
 * sets pg_ot.snapshot_interval and reads ot.snapshots).
 *
 * The model (ShareDB's client, Doc in sharedb/lib/client/doc.js)
 *   Each client has its own connection, a local snapshot and version, at most
 *   one op in flight and a pending op that later local edits are composed
 *   into.  It makes random edits valid against its local snapshot (inserts
 *   with accents, combining marks, CJK and astral emoji, deletes, by count
 *   or, for text-unicode, by content; for rich-text attributes set and
 *   removed and embeds), sends the inflight op with ot.submit at its version
 *   with src = client id and seq = its op counter, and learns remote ops by
 *   reading ot.ops from its version at random moments, sometimes only a few
 *   at a time, sometimes after going offline for a while, so that submits
 *   are stale and transformed by the server.  A remote op is transformed as
 *   the client does it:
 *     inflight' = transform(inflight, remote, 'left'), remote' = transform(remote, inflight, 'right')
 *   then the same with pending; remote' is applied.  Its own (src, seq) in
 *   the stream is the ack of the inflight op.  Reconnects open a new
 *   connection and resend the inflight op with the same (src, seq), at the
 *   version it was first sent at or (as ShareDB) as transformed since at the
 *   current version: after the request was lost, while the original is still
 *   running on the old connection, or after it was applied.  Clients join
 *   at different moments (ot.fetch).  The document grows past 40,000
 *   characters, then shrinks; in the middle of the run the clients' sessions
 *   set pg_ot.snapshot_interval to 20..80, so snapshots are stored often and
 *   reads replay from many of them.
 *
 * Checks, per type
 *   - every submit of an op (sends and resends) returns the same version and
 *     op, which is the op stored at that version;
 *   - at its ack, the inflight op as the client transformed it equals the op
 *     the server stored;
 *   - after draining, every client's version and snapshot equal ot.fetch;
 *   - ot.fetch, at the latest version and at every stored snapshot's version
 *     (and the ones around it) and at random ones, equals the create data
 *     with ot.ops replayed by the npm type;
 *   - ot.ops holds one op per (src, seq), as many as were acked;
 *   - no query failed.
 * The seed fixes every client's choices; the interleaving depends on timing,
 * so a rerun may differ.  The documents stay in the database (a failure
 * names its document).
 *
 * Exit status: 0 when everything converged, 1 otherwise, 2 when the test
 * could not run.
 */

const { Client } = require('pg');
const textUnicode = require('ot-text-unicode').type;
const richText = require('rich-text');

const { Delta } = richText;
const COLLECTION = 'convergence';
const TIMEOUT_SECONDS = 100;            // per type
const STOP_AFTER = 50;                  // problems before a run stops early (or one failed query)
const START_SPREAD_MS = 300;            // clients join within this
const P_EDIT = 0.55;
const P_POLL = 0.35;
const P_PARTIAL_POLL = 0.3;             // read only the next few ops
const P_LOST_REQUEST = 0.004;
const P_RECONNECT = 0.004;
const P_DROP_AFTER_SEND = 0.004;        // the connection drops just after a send
const P_OFFLINE = 0.008;
const GROWTH_END = 0.35;                // progress where the document stops growing ...
const SHRINK_START = 0.7;               // ... and starts shrinking
const MAX_LENGTH = 40000;               // past this, edits delete

/* ------------------------------------------------------------------ */
/* Command line                                                        */

function usage(msg) {
  if (msg) console.error(`convergence.js: ${msg}`);
  console.error('usage: node convergence.js [--seed N] [--clients K] [--ops N] '
    + '[--type text-unicode|rich-text] [--sabotage [side|seq]]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { seed: process.env.SEED || '1', clients: '8', ops: '5000', type: null, sabotage: null };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const next = () => {
      if (v !== undefined) return v;
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--seed': o.seed = next(); break;
      case '--clients': o.clients = next(); break;
      case '--ops': o.ops = next(); break;
      case '--type': o.type = next(); break;
      case '--sabotage':
        if (v === undefined && /^(side|seq)$/.test(argv[i + 1] || '')) v = argv[++i];
        o.sabotage = v === undefined ? 'side' : v;
        break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  const int = (name, s, min) => {
    if (!/^\d+$/.test(String(s)) || Number(s) < min || Number(s) > 0xffffffff) {
      usage(`${name} must be an integer from ${min} to 2^32 - 1, not ${s}`);
    }
    return Number(s);
  };
  o.seed = int('seed', o.seed, 0);
  o.clients = int('clients', o.clients, 1);
  o.ops = int('ops', o.ops, 1);
  if (o.type !== null && !TYPES[o.type]) usage(`unknown type ${o.type}`);
  if (o.sabotage !== null && !/^(side|seq)$/.test(o.sabotage)) usage(`unknown sabotage ${o.sabotage}`);
  return o;
}

/* ------------------------------------------------------------------ */
/* PRNG (mulberry32) and JSON equality, shared with the differential tests */

const { makeRng, clone, deepEqual: jsonEqual } = require('../differential/lib/harness.js');

function clip(v, n = 300) {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length <= n ? s : `${s.slice(0, n)}... (${s.length} chars)`;
}

/* Ends a connection once its queries have settled (once). */
function close(conn) {
  if (!conn.closing) conn.closing = conn.last.then(() => conn.end()).catch(() => {});
  return conn.closing;
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/* ------------------------------------------------------------------ */
/* Text                                                                */

/* Pieces of inserted text: ASCII, accents, a combining mark, CJK, astral emoji (some ZWJ or flag sequences). */
const PIECES = ['a', 'e', 'o', 't', ' ', ' ', 'the ', 'and ', 'pg_ot ', 'é', 'ü', 'ñ', 'e\u0301', '中', '文', '\n',
  '😀', '🎉', '👍🏽', '👩‍💻', '𝄞', '🇫🇷', '"', '\\', '\t', '.'];

function randText(r, pieces) {
  let s = '';
  for (let i = 0; i < pieces; i++) s += r.pick(PIECES);
  return s;
}

/* Code points in s. */
function cpLength(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xD800 || c > 0xDBFF) n++;
  }
  return n;
}

/* The UTF-16 index of code point cp of s. */
function cpIndex(s, cp) {
  let i = 0;
  for (; cp > 0 && i < s.length; cp--) {
    const c = s.charCodeAt(i);
    i += c >= 0xD800 && c <= 0xDBFF ? 2 : 1;
  }
  return i;
}

/* Where an edit goes: often the ends or near the client's last edit, where concurrent edits tie. */
function pickPos(r, len, c) {
  const x = r.float();
  if (x < 0.2) return len;
  if (x < 0.3) return 0;
  if (x < 0.6) return Math.max(0, Math.min(len, c.cursor + r.range(-3, 3)));
  return r.int(len + 1);
}

/* What to do, by the phase of the run: grow, mix, shrink. */
function pickKind(r, phase, len) {
  if (len > MAX_LENGTH) return 'cut';
  if (len < 20) return 'insert';
  const weights = {
    grow: [[50, 'insert'], [5, 'paste'], [20, 'delete'], [10, 'replace'], [1, 'cut'], [10, 'format'], [4, 'embed']],
    mix: [[40, 'insert'], [1, 'paste'], [30, 'delete'], [15, 'replace'], [1, 'cut'], [10, 'format'], [3, 'embed']],
    shrink: [[30, 'insert'], [1, 'paste'], [40, 'delete'], [15, 'replace'], [8, 'cut'], [10, 'format'], [2, 'embed']],
  }[phase];
  return r.weighted(weights);
}

function insertText(r, kind) {
  return kind === 'paste' ? randText(r, r.range(200, 1500)) : randText(r, r.range(1, 6));
}

function deleteLength(r, kind, room) {
  return Math.min(room, kind === 'cut' ? r.range(100, 3000) : r.range(1, 8));
}

/* ------------------------------------------------------------------ */
/* Types: the npm reference plus a random edit against a snapshot      */

const ATTRIBUTES = [{ bold: true }, { italic: true }, { underline: true }, { color: '#c00' },
  { link: 'https://example.com/x' }, { bold: true, italic: true }, { header: 2 }];
const REMOVALS = [{ bold: null }, { italic: null }, { color: null }, { link: null, underline: null }];
const EMBEDS = [{ image: 'https://example.com/a.png' }, { video: 'https://example.com/v' }, { formula: 'e^{i\\pi}' }];

const TYPES = {
  'text-unicode': {
    type: textUnicode,
    initial: (r) => randText(r, 2000),
    fromJson: (data) => data,
    toJson: (snap) => snap,
    opFromJson: (op) => op,
    opToJson: (op) => op,
    length: (snap) => cpLength(snap),
    edit(r, snap, phase, c) {
      const len = cpLength(snap);
      const kind = pickKind(r, phase, len);
      const pos = pickPos(r, len, c);
      const op = pos > 0 ? [pos] : [];
      let ins = '';
      if (kind === 'insert' || kind === 'paste' || kind === 'embed' || kind === 'format' || pos === len) {
        ins = insertText(r, kind);
      } else {
        const n = deleteLength(r, kind, len - pos);
        if (r.chance(0.2)) {                  // by content: the server replays the text to check it
          const from = cpIndex(snap, pos);
          op.push({ d: snap.slice(from, from + cpIndex(snap.slice(from), n)) });
        } else {
          op.push({ d: n });
        }
        if (kind === 'replace') ins = insertText(r, kind);
      }
      if (ins) op.push(ins);
      c.cursor = pos + cpLength(ins);
      return textUnicode.normalize(op);
    },
  },
  'rich-text': {
    type: richText.type,
    initial(r) {
      const d = new Delta();
      for (let i = 0; i < 40; i++) {
        if (r.chance(0.1)) d.insert(r.pick(EMBEDS));
        else d.insert(randText(r, 50), r.chance(0.4) ? r.pick(ATTRIBUTES) : undefined);
      }
      return d.insert('\n');
    },
    fromJson: (data) => new Delta(clone(data)),
    toJson: (snap) => clone({ ops: snap.ops }),
    opFromJson: (op) => new Delta(clone(op)),
    opToJson: (op) => clone({ ops: op.ops }),
    length: (snap) => snap.length(),
    edit(r, snap, phase, c) {
      const len = snap.length();
      const kind = pickKind(r, phase, len);
      const pos = boundary(snap, pickPos(r, len, c));
      const op = new Delta().retain(pos);
      if (kind === 'insert' || kind === 'paste' || pos === len) {
        const text = insertText(r, kind);
        op.insert(text, r.chance(0.3) ? r.pick(ATTRIBUTES) : undefined);
        c.cursor = pos + text.length;
        return op;
      }
      if (kind === 'embed') {
        c.cursor = pos + 1;
        return op.insert(r.pick(EMBEDS), r.chance(0.3) ? r.pick(ATTRIBUTES) : undefined);
      }
      const end = boundary(snap, pos + Math.max(1, deleteLength(r, kind, len - pos)));
      c.cursor = pos;
      if (end <= pos) return op.insert(randText(r, 2));
      if (kind === 'format') return op.retain(end - pos, r.pick(r.chance(0.6) ? ATTRIBUTES : REMOVALS));
      op.delete(end - pos);
      if (kind === 'replace') op.insert(insertText(r, kind), r.chance(0.3) ? r.pick(ATTRIBUTES) : undefined);
      return op;
    },
  },
};

/* p moved off the middle of a surrogate pair (pg_ot refuses to split one). */
function boundary(doc, p) {
  let at = 0;
  for (const o of doc.ops) {
    const n = typeof o.insert === 'string' ? o.insert.length : 1;
    if (p < at + n) {
      if (p > at && typeof o.insert === 'string') {
        const ch = o.insert.charCodeAt(p - at - 1);
        if (ch >= 0xD800 && ch <= 0xDBFF) return p + 1;
      }
      return p;
    }
    at += n;
  }
  return Math.min(p, at);
}

/* ------------------------------------------------------------------ */
/* A simulated ShareDB client                                          */

const SUBMIT = 'SELECT version, op FROM ot.submit($1, $2, $3, $4::jsonb, $5, $6)';
const OPS = 'SELECT version, op, src, seq FROM ot.ops($1, $2, $3, $4)';

class SimClient {
  constructor(sim, i) {
    this.sim = sim;
    this.src = `c${i}`;
    this.r = makeRng((sim.seed * 7919 + sim.typeIndex * 104729 + i * 15485863) >>> 0);
    this.seq = 0;
    this.version = null;
    this.snap = null;
    this.inflight = null;    // { op, seq, op0, v0, sent, settled }: op as transformed since, op0 as made at v0
    this.pending = null;
    this.conn = null;
    this.spare = null;       // the next connection, opened ahead so that a resend races the original
    this.cursor = 0;
    this.offlineUntil = 0;
    this.wasOffline = false;
    this.lowInterval = this.r.range(20, 80);
    this.broken = null;
  }

  async connect() {
    const conn = new Client();
    conn.on('error', (e) => this.fail('connection', e));
    await conn.connect();
    conn.last = Promise.resolve();
    conn.interval = null;
    this.sim.conns.push(conn);
    return conn;
  }

  openSpare() {
    this.spare = this.connect();
    this.spare.catch(() => {});         // reported where it is awaited
  }

  /* A query on conn; conn.last settles once everything queued on conn has. */
  query(conn, text, values) {
    const p = conn.query(text, values);
    conn.last = p.then(() => {}, () => {});
    return p;
  }

  fail(what, e) {
    const msg = `${this.src}: ${what}: ${e && e.message ? e.message : e}`;
    this.sim.errors.push(msg);
    this.sim.stopEarly();
    if (!this.broken) this.broken = msg;
  }

  // Transform as the stock client does (sides swapped when sabotaged).
  transformX(a, b) {
    const { type } = this.sim.T;
    const [left, right] = this.sim.sabotage === 'side' ? ['right', 'left'] : ['left', 'right'];
    return [type.transform(clone(a), clone(b), left), type.transform(clone(b), clone(a), right)];
  }

  async start() {
    await sleep(this.r.int(START_SPREAD_MS));
    this.conn = await this.connect();
    this.openSpare();
    const res = await this.query(this.conn, 'SELECT version, data FROM ot.fetch($1, $2)', [COLLECTION, this.sim.id]);
    this.version = Number(res.rows[0].version);
    this.snap = this.sim.T.fromJson(res.rows[0].data);
  }

  edit() {
    const { T } = this.sim;
    const op = T.edit(this.r, this.snap, this.sim.phase(), this);
    this.snap = T.type.apply(this.snap, op);
    this.pending = this.pending ? T.type.compose(clone(this.pending), clone(op)) : op;
    this.sim.stats.edits++;
  }

  /* Pending becomes inflight and is sent (unless the request is "lost"); true if sent. */
  flush() {
    if (this.inflight || !this.pending || this.broken) return false;
    this.inflight = { op: this.pending, seq: ++this.seq, op0: this.pending, v0: this.version, sent: false, settled: false };
    this.pending = null;
    this.sim.sent++;
    if (!this.sim.draining && this.r.chance(P_LOST_REQUEST)) return false;
    this.submit(this.inflight.op, this.version, this.inflight.seq);
    return true;
  }

  /* Sends an op (not awaited: the client goes on editing); records the result. */
  submit(op, v, seq) {
    const { sim } = this;
    const conn = this.conn;
    const want = sim.phase() === 'mix' ? this.lowInterval : null;
    if (conn.interval !== want) {
      conn.interval = want;
      this.query(conn, want ? `SET pg_ot.snapshot_interval = ${want}` : 'RESET pg_ot.snapshot_interval')
        .catch((e) => this.fail('set snapshot_interval', e));
    }
    const f = this.inflight;
    f.sent = true;
    this.query(conn, SUBMIT, [COLLECTION, sim.id, v, JSON.stringify(sim.T.opToJson(op)), this.src, seq])
      .then((res) => {
        if (f.seq === seq) f.settled = true;
        sim.recordResult(this.src, seq, v, Number(res.rows[0].version), res.rows[0].op);
      }, (e) => this.fail(`submit seq ${seq} at version ${v}`, e));
  }

  /* A new connection; the inflight op is sent again with the same (src, seq). */
  async reconnect() {
    const { sim } = this;
    const old = this.conn;
    this.conn = await this.spare;
    this.openSpare();
    sim.stats.reconnects++;
    close(old);
    const f = this.inflight;
    if (!f) return;
    sim.stats.resends++;
    if (!f.sent) sim.stats.resendLost++;
    else if (!f.settled) sim.stats.resendRaced++;
    else sim.stats.resendApplied++;
    if (sim.sabotage === 'seq') f.seq = ++this.seq;
    if (this.r.chance(0.5)) this.submit(f.op0, f.v0, f.seq);       // as first made
    else this.submit(f.op, this.version, f.seq);                  // as transformed since (ShareDB)
  }

  /* Reads the ops after this.version (all of them, or the next few). */
  async poll(all) {
    const to = !all && this.r.chance(P_PARTIAL_POLL) ? this.version + this.r.range(1, 8) : null;
    let res;
    try {
      res = await this.query(this.conn, OPS, [COLLECTION, this.sim.id, this.version, to]);
    } catch (e) {
      this.fail('ot.ops', e);
      return;
    }
    for (const row of res.rows) {
      if (Number(row.version) !== this.version) {
        this.sim.problem(`${this.src}: ot.ops from ${this.version} returned version ${row.version}`);
        this.broken = 'out of order';
        return;
      }
      this.receive(row);
    }
  }

  receive(row) {
    const { sim } = this;
    const { T } = sim;
    const seq = row.seq === null ? null : Number(row.seq);
    const f = this.inflight;
    if (f && row.src === this.src && seq === f.seq) {             // the ack
      if (!jsonEqual(T.opToJson(f.op), row.op)) {
        sim.problem(`${this.src}: seq ${seq} applied at ${row.version} as ${clip(row.op)}, `
          + `but the client transformed it to ${clip(T.opToJson(f.op))}`);
      }
      sim.acked.add(`${this.src}/${seq}`);
      this.inflight = null;
      this.version++;
      return;
    }
    if (row.src === this.src) sim.problem(`${this.src}: its seq ${seq} at version ${row.version} is no ack (applied twice?)`);
    let op = T.opFromJson(row.op);
    if (f) [f.op, op] = this.transformX(f.op, op);
    if (this.pending) [this.pending, op] = this.transformX(this.pending, op);
    this.snap = T.type.apply(this.snap, op);
    this.version++;
  }

  async step() {
    const { r } = this;
    const now = Date.now();
    if (r.chance(P_EDIT)) this.edit();
    if (now >= this.offlineUntil) {
      if (this.wasOffline) {
        this.wasOffline = false;
        if (r.chance(0.5)) await this.reconnect();
      } else if (this.inflight && (!this.inflight.sent ? r.chance(0.2) : r.chance(P_RECONNECT))) {
        await this.reconnect();
      }
      if (this.flush() && r.chance(P_DROP_AFTER_SEND)) await this.reconnect();
      if (r.chance(P_POLL)) await this.poll(false);
      if (r.chance(P_OFFLINE)) {
        this.offlineUntil = now + r.range(20, 250);
        this.wasOffline = true;
      }
    }
    await sleep(r.int(3));
  }

  /* Edits until the run has its ops, then sends and reads until nothing is left. */
  async run() {
    try {
      await this.start();
      while (!this.sim.generated() && !this.broken && !this.sim.aborted) await this.step();
      while ((this.inflight || this.pending) && !this.broken && !this.sim.aborted) {
        if (this.inflight && !this.inflight.sent) await this.reconnect();
        this.flush();
        await this.poll(true);
        await sleep(1);
      }
    } catch (e) {
      this.fail('client', e && e.stack ? e.stack : e);
    }
    if (this.spare) await this.spare.catch((e) => this.fail('spare connection', e));
  }
}

/* ------------------------------------------------------------------ */
/* One document, one type                                              */

class Sim {
  constructor(opt, typeName, typeIndex) {
    this.name = typeName;
    this.T = TYPES[typeName];
    this.typeIndex = typeIndex;
    this.seed = opt.seed;
    this.sabotage = opt.sabotage;
    this.target = opt.ops;
    this.nclients = opt.clients;
    this.id = `${typeName}-seed${opt.seed}-${Date.now().toString(36)}-${process.pid}`;
    this.sent = 0;
    this.draining = false;
    this.aborted = false;
    this.checking = false;
    this.conns = [];
    this.problems = [];
    this.errors = [];
    this.results = new Map();       // "src/seq" -> { version, op } of its first returned submit
    this.acked = new Set();
    this.stats = { edits: 0, reconnects: 0, resends: 0, resendLost: 0, resendRaced: 0, resendApplied: 0,
      submits: 0, stale: 0, maxBehind: 0, maxLength: 0 };
  }

  generated() {
    if (this.sent >= this.target) this.draining = true;
    return this.draining;
  }

  phase() {
    const f = this.sent / this.target;
    return f < GROWTH_END ? 'grow' : f < SHRINK_START ? 'mix' : 'shrink';
  }

  problem(msg) {
    this.problems.push(msg);
    this.stopEarly();
  }

  /* A failing run stops soon, instead of running on with broken clients. */
  stopEarly() {
    if (this.aborted || this.checking || (this.problems.length < STOP_AFTER && this.errors.length === 0)) return;
    this.aborted = true;
    this.problems.push('the run stopped early');
  }

  recordResult(src, seq, v, version, op) {
    const key = `${src}/${seq}`;
    this.stats.submits++;
    if (version > v) this.stats.stale++;
    this.stats.maxBehind = Math.max(this.stats.maxBehind, version - v);
    const first = this.results.get(key);
    if (!first) this.results.set(key, { version, op });
    else if (first.version !== version || !jsonEqual(first.op, op)) {
      this.problem(`${key}: a resend returned version ${version} ${clip(op)}, the first submit ${first.version} ${clip(first.op)}`);
    }
  }

  async run() {
    const t0 = Date.now();
    const admin = new Client();
    await admin.connect();
    try {
      const r = makeRng((this.seed ^ (0x9E3779B9 * (this.typeIndex + 1))) >>> 0);
      await admin.query('SELECT ot.create($1, $2, $3, $4::jsonb)',
        [COLLECTION, this.id, this.name, JSON.stringify(this.T.toJson(this.T.initial(r)))]);
      const clients = [];
      for (let i = 0; i < this.nclients; i++) clients.push(new SimClient(this, i));
      const timer = setTimeout(() => {           // a hung query would never return: give up
        console.log(`convergence ${this.name}: timed out after ${TIMEOUT_SECONDS}s (seed ${this.seed}); `
          + `document ${COLLECTION}/${this.id}; ${this.problems.length + this.errors.length} problems so far`);
        for (const m of [...this.errors, ...this.problems].slice(0, 10)) console.log(`  ${m}`);
        process.exit(1);
      }, TIMEOUT_SECONDS * 1000);
      const sizer = setInterval(() => {
        for (const c of clients) if (c.snap) this.stats.maxLength = Math.max(this.stats.maxLength, this.T.length(c.snap));
      }, 50);
      await Promise.all(clients.map((c) => c.run()));
      // Everything is sent and acked: each client reads up to the end.
      for (const c of clients) if (!c.broken && !this.aborted) await c.poll(true);
      clearTimeout(timer);
      clearInterval(sizer);
      await Promise.all(this.conns.map(close));
      this.checking = true;
      await this.check(admin, clients);
    } finally {
      await admin.end();
    }
    this.seconds = (Date.now() - t0) / 1000;
  }

  async check(admin, clients) {
    const { T } = this;
    const fetchAt = async (v) => (await admin.query('SELECT version, data FROM ot.fetch($1, $2, $3)',
      [COLLECTION, this.id, v])).rows[0];
    const server = await fetchAt(null);
    const version = Number(server.version);

    // (a) clients
    for (const c of clients) {
      if (c.broken) { this.problem(`${c.src} stopped: ${c.broken}`); continue; }
      if (c.version !== version) this.problem(`${c.src} is at version ${c.version}, the server at ${version}`);
      else if (!jsonEqual(T.toJson(c.snap), server.data)) {
        this.problem(`${c.src}'s snapshot differs from ot.fetch at version ${version}: `
          + `${clip(T.toJson(c.snap))} vs ${clip(server.data)}`);
      }
    }

    // (b) history: replay with the npm type, compare with ot.fetch at sampled versions
    const rows = (await admin.query('SELECT version, op, "create", src, seq FROM ot.ops($1, $2, 0)',
      [COLLECTION, this.id])).rows;
    const snaps = (await admin.query(`SELECT s.version FROM ot.snapshots s JOIN ot.documents d ON d.id = s.doc_id
      WHERE d.collection = $1 AND d.name = $2 ORDER BY s.version`, [COLLECTION, this.id])).rows.map((x) => Number(x.version));
    this.snapshots = snaps.length;
    const sample = new Set([version]);
    for (const s of snaps) for (const v of [s - 1, s, s + 1]) if (v >= 1 && v <= version) sample.add(v);
    const r = makeRng(this.seed);
    for (let i = 0; i < 40; i++) sample.add(r.range(1, version));
    if (rows.length !== version || !rows[0] || !rows[0].create) {
      this.problem(`ot.ops has ${rows.length} rows for version ${version}, the first ${clip(rows[0])}`);
      return;
    }
    let snap = T.type.create(clone(rows[0].create.data));
    const seen = new Set();
    for (let v = 1; v <= version; v++) {
      if (sample.has(v)) {
        const at = await fetchAt(v);
        if (!jsonEqual(T.toJson(snap), at.data)) {
          this.problem(`ot.fetch at version ${v} differs from the replayed ops: ${clip(at.data)} vs ${clip(T.toJson(snap))}`);
        }
      }
      if (v === version) break;
      const row = rows[v];
      const key = `${row.src}/${row.seq}`;
      if (row.src === null || seen.has(key)) this.problem(`version ${v}: (src, seq) ${key} is missing or repeated`);
      seen.add(key);
      const res = this.results.get(key);
      if (res && (res.version !== v || !jsonEqual(res.op, row.op))) {
        this.problem(`${key}: submit returned version ${res.version} ${clip(res.op)}, ot.ops has it at ${v} as ${clip(row.op)}`);
      }
      snap = T.type.apply(snap, T.opFromJson(row.op));
    }

    // (c) one op per acked (src, seq)
    if (seen.size !== version - 1 || this.acked.size !== version - 1) {
      this.problem(`${version - 1} ops stored, ${seen.size} distinct (src, seq), ${this.acked.size} acked`);
    }
    for (const key of this.acked) if (!seen.has(key)) this.problem(`${key} was acked but is not stored`);

    // the run exercised what it is meant to
    if (this.target >= 2000 && !this.sabotage) {
      const s = this.stats;
      if (s.resends === 0 || s.stale === 0 || snaps.length < 10) {
        this.problem(`too little exercised: ${s.resends} resends, ${s.stale} stale submits, ${snaps.length} snapshots`);
      }
    }
  }
}

/* ------------------------------------------------------------------ */
/* Main                                                                */

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const names = opt.type ? [opt.type] : Object.keys(TYPES);
  try {
    const probe = new Client();
    await probe.connect();
    const ok = (await probe.query("SELECT to_regproc('ot.submit') IS NOT NULL AS ok, rolsuper FROM pg_roles WHERE rolname = current_user")).rows[0];
    await probe.end();
    if (!ok.ok) throw new Error('no ot.submit: run CREATE EXTENSION pg_ot in this database first');
    if (!ok.rolsuper) throw new Error('the role must be a superuser (it sets pg_ot.snapshot_interval)');
  } catch (e) {
    console.log(`convergence: cannot run: ${e.message}`);
    process.exit(2);
  }
  if (opt.sabotage) console.log(`sabotage: ${opt.sabotage === 'side' ? 'clients transform with the sides swapped' : 'resends take a new seq'}; the run must fail`);
  let failed = false;
  for (let i = 0; i < names.length; i++) {
    const sim = new Sim(opt, names[i], i);
    await sim.run();
    const s = sim.stats;
    const bad = sim.problems.length + sim.errors.length;
    failed = failed || bad > 0;
    console.log(`  ${sim.name}: document ${COLLECTION}/${sim.id}, ${s.edits} edits, `
      + `${s.stale} of ${s.submits} submits transformed (up to ${s.maxBehind} ops behind), `
      + `resends ${s.resendLost} lost / ${s.resendRaced} raced / ${s.resendApplied} after apply, `
      + `${sim.snapshots} snapshots stored, longest ${s.maxLength}, ${sim.seconds.toFixed(1)}s`);
    for (const m of sim.errors.slice(0, 10)) console.log(`  error: ${m}`);
    for (const m of sim.problems.slice(0, 10)) console.log(`  divergence: ${m}`);
    const more = sim.errors.length + sim.problems.length - Math.min(10, sim.errors.length) - Math.min(10, sim.problems.length);
    if (more > 0) console.log(`  ... ${more} more`);
    console.log(`convergence ${sim.name}: ${sim.nclients} clients, ${sim.acked.size} ops, ${s.resends} resends, `
      + `${sim.problems.length} divergence${sim.errors.length ? `, ${sim.errors.length} error${sim.errors.length === 1 ? '' : 's'}` : ''} (seed ${opt.seed})`);
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(2);
});
