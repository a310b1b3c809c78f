'use strict';
/*
 * The type-independent part of the differential harnesses (text_unicode.js,
 * rich_text.js): command line, seeded PRNG, JSON helpers, the reference run
 * in a worker thread with a stall watchdog, one psql session evaluating every
 * case, classification, and the report.
 *
 * A harness describes its type with a spec and calls run(spec):
 *
 *   name          the type as printed ("text-unicode")
 *   script        the harness file name, for usage and rerun hints
 *   module        the harness's own path; the reference worker requires it
 *                 and calls its exported refEval(c, args)
 *   typeNames     the names and URIs cases use (one picked per case)
 *   badTypeNames  unknown type names (about pBadType of the random cases)
 *   kinds         the kinds of random cases, generated round robin
 *   reasons       { reason: { sqlstate, re } }: why pg_ot rejects, by
 *                 design, input the reference accepts
 *   genCase(r, kind)  one random case
 *   extraCases    [[origin, () => cases], ...], added after the random ones
 *   sabotage(parts)   parts of a valid apply case changed so that the
 *                 result must differ (--sabotage)
 *   plainJson     true when args hold no RawNum: written by JSON.stringify
 *                 (the same text, faster)
 *   predict(c, ref)   optional: sets c.reasons from the reference's result
 *                 (called once the references are in, before comparing)
 *
 * A case is { fn, args, variant, kind?, typ?, reasons?, strict?, sqlstate?,
 * expect?, tags? }.  tags (strings) are tallied per kind in the report, as
 * rows "kind + tag" under the totals.  fn is the ot.* function (apply, transform, compose, normalize,
 * transform_cursor, transform_presence, invert, create_data, presence_at);
 * args are its JSON arguments (RawNum writes a number verbatim).  presence_at
 * runs on a document the case builds from args.doc and args.history (see
 * SQL_CALLS) and rolls back, so nothing stays in the database.  reasons lists the
 * predicted by-design rejections (strict: false when pg_ot may also accept);
 * sqlstate restricts the SQLSTATE of a rejection both sides agree on; expect
 * ({ok: v} or {error: true}) is checked against the reference itself.
 *
 * See text_unicode.js for the command line and how a run works.
 */

const { spawn, spawnSync } = require('child_process');
const { Worker } = require('worker_threads');
const path = require('path');
const { StringDecoder } = require('string_decoder');

const DEFAULT_MIN_RANDOM_CASES = 100000;
const DEFAULT_ERROR_SQLSTATES = ['OT001', 'OT002', '22023', '42704'];
const DEFAULT_P_BAD_TYPE = 0.002;

/* ------------------------------------------------------------------ */
/* Command line                                                        */

function parseArgs(argv, script, minCases) {
  const usage = (msg) => {
    if (msg) console.error(`${script}: ${msg}`);
    console.error(`usage: node ${script} [--seed N] [--cases N] [--batch N] [--only ID,...] `
      + '[--sabotage N] [--show N]');
    process.exit(2);
  };
  const o = {
    seed: process.env.SEED !== undefined && process.env.SEED !== '' ? process.env.SEED : '1',
    cases: minCases, batch: 5000, only: null, sabotage: 0, show: 10,
  };
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
      case '--cases': o.cases = next(); break;
      case '--batch': o.batch = next(); break;
      case '--only': o.only = next(); break;
      case '--sabotage': o.sabotage = next(); break;
      case '--show': o.show = next(); break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  const int = (name, s, min) => {
    if (!/^\d+$/.test(String(s))) usage(`${name} must be a non-negative integer, not ${s}`);
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < min) usage(`${name} must be an integer >= ${min}`);
    return n;
  };
  o.seed = int('seed', o.seed, 0);
  if (o.seed > 0xffffffff) usage('seed must be below 2^32');
  o.cases = int('cases', o.cases, 0);
  o.batch = int('batch', o.batch, 1);
  o.sabotage = int('sabotage', o.sabotage, 0);
  o.show = int('show', o.show, 0);
  if (o.only !== null) {
    o.only = new Set(String(o.only).split(',').filter(Boolean).map((s) => int('only', s.trim(), 0)));
  }
  return o;
}

/* ------------------------------------------------------------------ */
/* PRNG (mulberry32) and JSON helpers                                  */

function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    float: next,
    int: (n) => Math.floor(next() * n),               // 0 .. n-1
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    weighted: (pairs) => {                              // [[weight, value], ...]
      let total = 0;
      for (const [w] of pairs) total += w;
      let x = next() * total;
      for (const [w, v] of pairs) { if ((x -= w) < 0) return v; }
      return pairs[pairs.length - 1][1];
    },
  };
}

/* A number written with a chosen JSON spelling (2.0, 2e0, ...). */
class RawNum {
  constructor(text) { this.text = text; }
}

/* JSON text, writing RawNum verbatim. */
function toJson(v) {
  if (v instanceof RawNum) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${toJson(v[k])}`).join(',')}}`;
  }
  const s = JSON.stringify(v);
  if (s === undefined) throw new Error(`cannot serialize ${String(v)}`);
  return s;
}

/* The JSON object text of named JSON texts. */
function partsJson(parts) {
  return `{${Object.keys(parts).map((k) => `${JSON.stringify(k)}:${parts[k]}`).join(',')}}`;
}

const clone = (v) => JSON.parse(JSON.stringify(v));

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !deepEqual(a[k], b[k])) return false;
  }
  return true;
}

function clip(s, n) {
  return s.length <= n ? s : `${s.slice(0, n)}... (${s.length} chars; rerun with --only to see all)`;
}

/* ------------------------------------------------------------------ */
/* Reference                                                           */

/*
 * The reference result of a case, {ok: value} or {error: message}, from a
 * fresh parse of exactly the JSON text PostgreSQL gets (references mutate
 * their inputs) and normalized through JSON (undefined becomes null).
 */
function reference(refEval, c) {
  try {
    const v = refEval(c, JSON.parse(c.json));
    return { ok: v === undefined ? null : JSON.parse(JSON.stringify(v)) };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
}

/*
 * The reference results of all cases, computed in a worker thread
 * (reference_worker.js) so that a reference call that never returns (a walk
 * looping on some malformed input) is reported instead of hanging the run.
 */
const REFERENCE_STALL_SECONDS = 30;

function computeReferences(spec, cases) {
  return new Promise((resolve, reject) => {
    const progress = new Int32Array(new SharedArrayBuffer(4));
    const input = cases.map((c) => ({ fn: c.fn, typ: c.typ, json: c.json }));
    const worker = new Worker(path.join(__dirname, 'reference_worker.js'),
      { workerData: { module: spec.module, progress } });
    let last = -1;
    let since = Date.now();
    const timer = setInterval(() => {
      const at = Atomics.load(progress, 0);
      if (at !== last) { last = at; since = Date.now(); return; }
      if (Date.now() - since < REFERENCE_STALL_SECONDS * 1000) return;
      clearInterval(timer);
      worker.terminate();
      const c = cases[at];
      reject(new Error(`the reference has not returned for ${REFERENCE_STALL_SECONDS}s on case ${c.id} `
        + `(${c.kind} [${c.variant}]): ${clip(c.json, 2000)}; the generator must not produce such inputs`));
    }, 1000);
    worker.once('message', (out) => { clearInterval(timer); resolve(out); });
    worker.once('error', (e) => { clearInterval(timer); reject(e); });
    worker.postMessage(input);
  });
}

/* ------------------------------------------------------------------ */
/* PostgreSQL                                                          */

const PSQL = process.env.PSQL || 'psql';

/*
 * Every ot.* function, as a PL/pgSQL statement setting v from the case's
 * JSON arguments c.args.
 */
const SQL_CALLS = {
  apply: "v := ot.apply(c.typ, c.args->'doc', c.args->'op');",
  transform: "v := ot.transform(c.typ, c.args->'op', c.args->'other', c.args->>'side');",
  compose: "v := ot.compose(c.typ, c.args->'a', c.args->'b');",
  normalize: "v := ot.normalize(c.typ, c.args->'op');",
  transform_cursor: `IF c.args ? 'own' THEN
          v := to_jsonb(ot.transform_cursor(c.typ, (c.args->>'cursor')::int, c.args->'op', (c.args->>'own')::bool));
        ELSE
          v := to_jsonb(ot.transform_cursor(c.typ, (c.args->>'cursor')::int, c.args->'op'));
        END IF;`,
  transform_presence: `IF c.args ? 'own' THEN
          v := ot.transform_presence(c.typ, c.args->'presence', c.args->'op', (c.args->>'own')::bool);
        ELSE
          v := ot.transform_presence(c.typ, c.args->'presence', c.args->'op');
        END IF;`,
  invert: "v := ot.invert(c.typ, c.args->'op', c.args->'doc');",
  create_data: `IF c.args ? 'data' THEN
          v := ot.create_data(c.typ, c.args->'data');
        ELSIF c.args ? 'nulldata' THEN
          v := ot.create_data(c.typ, NULL);
        ELSE
          v := ot.create_data(c.typ);
        END IF;`,
  // Document ot_diff/presence_at: created from doc, then each entry of
  // history in turn ({"op", "src"?} submitted at the current version with
  // seq its position, {"del": true}, or {"create": data}); then the presence
  // made at version moved to the latest.  ZZ000 undoes it all and carries
  // {"version", "presence"} out; any other error is the case's result.
  presence_at: `BEGIN
          PERFORM ot.create('ot_diff', 'presence_at', c.typ, c.args->'doc');
          FOR h IN SELECT e.x, e.i FROM jsonb_array_elements(c.args->'history') WITH ORDINALITY AS e(x, i) LOOP
            IF h.x ? 'del' THEN
              PERFORM ot.delete('ot_diff', 'presence_at');
            ELSIF h.x ? 'create' THEN
              PERFORM ot.create('ot_diff', 'presence_at', c.typ, h.x->'create');
            ELSE
              PERFORM ot.submit('ot_diff', 'presence_at', NULL, h.x->'op', h.x->>'src',
                                CASE WHEN h.x ? 'src' THEN h.i END);
            END IF;
          END LOOP;
          SELECT jsonb_build_object('version', p.version, 'presence', p.presence) INTO v
          FROM ot.presence_at('ot_diff', 'presence_at', c.args->'presence', (c.args->>'version')::bigint,
                              c.args->>'src') p;
          RAISE EXCEPTION USING ERRCODE = 'ZZ000', MESSAGE = 'harness: undo the case', DETAIL = v::text;
        EXCEPTION WHEN SQLSTATE 'ZZ000' THEN
          GET STACKED DIAGNOSTICS msg = PG_EXCEPTION_DETAIL;
          v := msg::jsonb;
        END;`,
};

const SETUP_SQL = `
SET client_min_messages = warning;
SET statement_timeout = 0;
SET jit = off;
CREATE TEMP TABLE ot_diff_case (id int PRIMARY KEY, fn text NOT NULL, typ text NOT NULL, args jsonb NOT NULL);
CREATE FUNCTION pg_temp.ot_diff_run(lo int, hi int) RETURNS TABLE (case_id int, res jsonb)
LANGUAGE plpgsql AS $ot_diff$
DECLARE
  c record;
  h record;
  v jsonb;
  st text;
  msg text;
BEGIN
  FOR c IN SELECT d.id, d.fn, d.typ, d.args FROM ot_diff_case d WHERE d.id >= lo AND d.id < hi ORDER BY d.id LOOP
    v := NULL;
    BEGIN
      ${Object.keys(SQL_CALLS).map((fn, i) => `${i ? 'ELSIF' : 'IF'} c.fn = '${fn}' THEN\n        ${SQL_CALLS[fn]}`).join('\n      ')}
      ELSE
        RAISE EXCEPTION 'harness: unknown function %', c.fn;
      END IF;
      v := CASE WHEN v IS NULL THEN '{"sqlnull": true}'::jsonb ELSE jsonb_build_object('ok', v) END;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
      v := jsonb_build_object('error', jsonb_build_object('sqlstate', st, 'message', msg));
    END;
    case_id := c.id;
    res := v;
    RETURN NEXT;
  END LOOP;
END
$ot_diff$;
`;

/* A value for COPY's text format. */
function copyText(s) {
  return s.replace(/[\\\t\n\r]/g, (ch) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[ch]);
}

function uncopyText(s) {
  if (s.indexOf('\\') < 0) return s;
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (m, e) => {
    switch (e[0]) {
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'v': return '\v';
      case 'x': return String.fromCharCode(parseInt(e.slice(1), 16));
      default:
        if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
        return e;
    }
  });
}

function psqlEnv() {
  return { ...process.env, PGCLIENTENCODING: 'UTF8' };
}

function psqlSimple(sql) {
  const r = spawnSync(PSQL, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { env: psqlEnv(), encoding: 'utf8' });
  if (r.error) return { ok: false, out: '', err: String(r.error.message) };
  return { ok: r.status === 0, out: r.stdout, err: r.stderr };
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

async function waitForServer(seconds) {
  for (let i = 0; i < seconds * 2; i++) {
    if (psqlSimple('SELECT 1').ok) return true;
    await sleep(500);
  }
  return false;
}

/*
 * One psql session: load cases, evaluate them batch statements at a time.
 * Resolves with the results it got (Map id -> result) and whether psql ended
 * well.
 */
function psqlRun(cases, batch) {
  return new Promise((resolve) => {
    const parts = [SETUP_SQL, 'COPY ot_diff_case (id, fn, typ, args) FROM STDIN;\n'];
    for (const c of cases) parts.push(`${c.id}\t${copyText(c.fn)}\t${copyText(c.typ)}\t${copyText(c.sendJson)}\n`);
    parts.push('\\.\n');
    for (let i = 0; i < cases.length; i += batch) {
      const lo = cases[i].id;
      const hi = cases[Math.min(i + batch, cases.length) - 1].id + 1;
      parts.push(`COPY (SELECT case_id, res FROM pg_temp.ot_diff_run(${lo}, ${hi})) TO STDOUT;\n`);
    }
    const child = spawn(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
      { env: psqlEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    const results = new Map();
    let pending = '';
    const decoder = new StringDecoder('utf8');
    const take = (text) => {
      pending += text;
      let nl;
      let start = 0;
      while ((nl = pending.indexOf('\n', start)) >= 0) {
        const line = pending.slice(start, nl);
        start = nl + 1;
        const tab = line.indexOf('\t');
        if (tab < 0) { out.push(line); continue; }
        const id = Number(line.slice(0, tab));
        try {
          results.set(id, JSON.parse(uncopyText(line.slice(tab + 1))));
        } catch (e) {
          results.set(id, { harness: `unparseable result: ${line.slice(tab + 1, tab + 200)}` });
        }
      }
      pending = pending.slice(start);
    };
    child.stdout.on('data', (b) => take(decoder.write(b)));
    child.stderr.on('data', (b) => err.push(b));
    child.stdin.on('error', () => { /* psql went away; reported by its exit status */ });
    child.on('error', (e) => err.push(Buffer.from(String(e.message))));
    child.on('close', (code, signal) => {
      take(decoder.end());
      resolve({ ok: code === 0, code, signal, results, stderr: Buffer.concat(err).toString('utf8'), stray: out });
    });
    child.stdin.end(parts.join(''));
  });
}

/*
 * Evaluate all cases.  Normally one session; when the server crashes (or
 * psql fails) the first unanswered case is isolated by re-running its batch
 * one case per statement, recorded as crashed, and the run goes on.
 */
async function evaluate(cases, batch, log) {
  const results = new Map();
  const crashes = [];
  let i = 0;
  while (i < cases.length) {
    const run = await psqlRun(cases.slice(i), batch);
    for (const [k, v] of run.results) results.set(k, v);
    if (run.ok) break;
    let k = i;
    while (k < cases.length && results.has(cases[k].id)) k++;
    if (k >= cases.length) break;
    log(`psql failed after ${k} of ${cases.length} cases (exit ${run.code}${run.signal ? `, ${run.signal}` : ''}): `
      + `${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    if (!(await waitForServer(60))) throw new Error('the server did not come back');
    const slice = cases.slice(k, k + batch);
    const one = await psqlRun(slice, 1);
    for (const [id, v] of one.results) results.set(id, v);
    let m = k;
    while (m < cases.length && results.has(cases[m].id)) m++;
    if (one.ok || m >= k + slice.length) { i = m; continue; }
    if (m === k && k === i && crashes.length === 0 && one.results.size === 0 && /could not connect|connection to server/.test(one.stderr)
      && !/terminated|closed the connection unexpectedly/.test(one.stderr)) {
      throw new Error(`cannot run psql: ${one.stderr.trim()}`);
    }
    const msg = one.stderr.trim().split('\n').slice(-3).join(' | ');
    results.set(cases[m].id, { crash: msg || `psql exit ${one.code}` });
    crashes.push(cases[m].id);
    log(`case ${cases[m].id} (${cases[m].kind}) broke the session: ${msg}`);
    if (crashes.length >= 10) {
      log('10 cases broke the session; giving up on the rest');
      for (let j = m + 1; j < cases.length; j++) if (!results.has(cases[j].id)) results.set(cases[j].id, { crash: 'not run' });
      break;
    }
    if (!(await waitForServer(60))) throw new Error('the server did not come back');
    i = m + 1;
  }
  return { results, crashes };
}

/* ------------------------------------------------------------------ */
/* Comparison                                                          */

function errorMatches(reasons, reason, err) {
  const spec = reasons[reason];
  if (!spec) throw new Error(`unknown reason ${reason}`);
  return err.sqlstate === spec.sqlstate && (!spec.re || spec.re.test(err.message || ''));
}

/*
 * match: equal results, or both rejected (pg_ot with one of errorSqlstates);
 * rejected: the reference accepted, pg_ot raised a predicted reason;
 * mismatch: anything else.
 */
function classify(spec, c, ref, pg) {
  if (!pg) return { cls: 'mismatch', why: 'no result from PostgreSQL' };
  if (pg.crash) return { cls: 'mismatch', why: `the case broke the psql session: ${pg.crash}` };
  if (pg.harness) return { cls: 'mismatch', why: pg.harness };
  const pgOk = Object.prototype.hasOwnProperty.call(pg, 'ok');
  if ('ok' in ref) {
    if (pgOk) {
      if (c.reasons && c.strict !== false) {
        return { cls: 'mismatch', why: `pg_ot accepted input expected to be rejected (${c.reasons.join(' or ')})` };
      }
      return deepEqual(ref.ok, pg.ok) ? { cls: 'match', sub: 'ok' } : { cls: 'mismatch', why: 'different results' };
    }
    if (pg.error) {
      if (c.reasons) {
        for (const reason of c.reasons) if (errorMatches(spec.reasons, reason, pg.error)) return { cls: 'rejected', reason };
        return { cls: 'mismatch', why: `pg_ot's error does not match the predicted reason (${c.reasons.join(' or ')})` };
      }
      return { cls: 'mismatch', why: 'pg_ot rejected input the reference accepts (no by-design reason predicted)' };
    }
    return { cls: 'mismatch', why: 'pg_ot returned SQL NULL' };
  }
  if (pg.error) {
    const allowed = c.sqlstates || spec.errorSqlstates;
    if (allowed.includes(pg.error.sqlstate)) return { cls: 'match', sub: 'error' };
    return { cls: 'mismatch', why: `both rejected, but pg_ot's SQLSTATE ${pg.error.sqlstate} is not ${allowed.join('/')}` };
  }
  return { cls: 'mismatch', why: pgOk ? 'the reference threw but pg_ot returned a value' : 'the reference threw but pg_ot returned SQL NULL' };
}

/* ------------------------------------------------------------------ */
/* Report                                                              */

function sqlLiteral(s) { return `'${s.replace(/'/g, "''")}'`; }

/* A SQL statement running case c (with the JSON text PostgreSQL got). */
function reproSql(c) {
  const a = c.parts;
  const j = (text) => `${sqlLiteral(text)}::jsonb`;
  const t = sqlLiteral(c.typ);
  const own = 'own' in a ? `, ${a.own}` : '';
  switch (c.fn) {
    case 'apply': return `SELECT ot.apply(${t}, ${j(a.doc)}, ${j(a.op)});`;
    case 'transform': return `SELECT ot.transform(${t}, ${j(a.op)}, ${j(a.other)}, ${sqlLiteral(JSON.parse(a.side))});`;
    case 'compose': return `SELECT ot.compose(${t}, ${j(a.a)}, ${j(a.b)});`;
    case 'normalize': return `SELECT ot.normalize(${t}, ${j(a.op)});`;
    case 'transform_cursor': return `SELECT ot.transform_cursor(${t}, ${a.cursor}, ${j(a.op)}${own});`;
    case 'transform_presence': return `SELECT ot.transform_presence(${t}, ${j(a.presence)}, ${j(a.op)}${own});`;
    case 'invert': return `SELECT ot.invert(${t}, ${j(a.op)}, ${j(a.doc)});`;
    case 'create_data': return 'data' in a ? `SELECT ot.create_data(${t}, ${j(a.data)});`
      : 'nulldata' in a ? `SELECT ot.create_data(${t}, NULL);` : `SELECT ot.create_data(${t});`;
    case 'presence_at': return ['BEGIN;', `SELECT ot.create('ot_diff', 'presence_at', ${t}, ${j(a.doc)});`,
      ...JSON.parse(a.history).map((h, i) => ('del' in h ? "SELECT ot.delete('ot_diff', 'presence_at');"
        : 'create' in h ? `SELECT ot.create('ot_diff', 'presence_at', ${t}, ${j(toJson(h.create))});`
          : `SELECT version FROM ot.submit('ot_diff', 'presence_at', NULL, ${j(toJson(h.op))}, `
            + `${'src' in h ? `${sqlLiteral(h.src)}, ${i + 1}` : 'NULL, NULL'});`)),
      `SELECT * FROM ot.presence_at('ot_diff', 'presence_at', ${j(a.presence)}, ${a.version}, `
        + `${sqlLiteral(JSON.parse(a.src))});`, 'ROLLBACK;'].join(' ');
    default: return '';
  }
}

function describe(c, ref, pg, verdict, seed, full) {
  const lim = full ? Infinity : 1500;
  const lines = [];
  lines.push(`--- seed ${seed}, case ${c.id}: ${c.kind} [${c.variant}] type ${JSON.stringify(c.typ)}`);
  if (verdict) lines.push(`    verdict:   ${verdict.cls}${verdict.reason ? ` (${verdict.reason})` : ''}${verdict.why ? `: ${verdict.why}` : ''}`);
  if (c.reasons) lines.push(`    predicted: rejected for ${c.reasons.join(' or ')}${c.strict === false ? ' (or accepted)' : ''}`);
  lines.push(`    input:     ${clip(c.sendJson, lim)}`);
  lines.push(`    reference: ${clip(JSON.stringify(ref), lim)}`);
  lines.push(`    pg_ot:     ${clip(JSON.stringify(pg), lim)}`);
  const sql = reproSql(c);
  if (sql.length <= 4000 || full) lines.push(`    sql:       ${sql}`);
  return lines.join('\n');
}

/* ------------------------------------------------------------------ */
/* Main                                                                */

async function main(spec) {
  const minCases = spec.minRandomCases || DEFAULT_MIN_RANDOM_CASES;
  spec.errorSqlstates = spec.errorSqlstates || DEFAULT_ERROR_SQLSTATES;
  const pBadType = spec.pBadType !== undefined ? spec.pBadType : DEFAULT_P_BAD_TYPE;
  const opt = parseArgs(process.argv.slice(2), spec.script, minCases);
  const t0 = Date.now();
  const log = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

  // 1. generate
  const r = makeRng(opt.seed);
  const cases = [];
  let id = 0;
  const push = (c, kind, origin) => {
    c.id = id++;
    c.kind = c.kind || kind;
    c.origin = origin;
    if (!c.typ) c.typ = r.pick(spec.typeNames);
    c.sqlstates = c.sqlstate ? [c.sqlstate] : undefined;
    delete c.sqlstate;
    if (origin === 'random' && r.chance(pBadType)) {
      c.typ = r.pick(spec.badTypeNames);
      // an unknown type; an input with another rejection (22023, say) may be refused for that first
      c.sqlstates = ['42704', ...(c.sqlstates || [])];
      c.reasons = undefined;
      c.variant = `unknown-type(${c.variant})`;
    }
    c.parts = {};
    for (const k of Object.keys(c.args)) c.parts[k] = spec.plainJson ? JSON.stringify(c.args[k]) : toJson(c.args[k]);
    c.json = partsJson(c.parts);
    c.sendJson = c.json;
    delete c.args;
    cases.push(c);
  };
  for (let i = 0; i < opt.cases; i++) {
    const kind = spec.kinds[i % spec.kinds.length];
    push(spec.genCase(r, kind), kind, 'random');
  }
  for (const [origin, make] of spec.extraCases || []) for (const c of make()) push(c, c.kind, origin);
  log(`generated ${cases.length} cases (${opt.cases} random, seed ${opt.seed})`);

  // 2. reference
  const refs = new Map();
  const selfCheck = [];
  let refList;
  try {
    refList = await computeReferences(spec, cases);
  } catch (e) {
    console.log(`harness: ${e.message}`);
    process.exit(2);
  }
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const ref = refList[i];
    refs.set(c.id, ref);
    if (spec.predict) spec.predict(c, ref);
    if (c.expect) {
      const good = c.expect.error ? 'error' in ref : 'ok' in ref && deepEqual(ref.ok, c.expect.ok);
      if (!good) selfCheck.push(`case ${c.id} ${c.kind} ${c.sendJson}: reference gave ${JSON.stringify(ref)}, expected ${JSON.stringify(c.expect)}`);
    }
  }
  if (selfCheck.length) {
    console.log('harness self-check failed: the reference disagrees with expected values:');
    for (const s of selfCheck) console.log(`  ${s}`);
    process.exit(2);
  }
  log('reference results computed');

  // sabotage: PostgreSQL sees a different snapshot than the reference did
  if (opt.sabotage > 0) {
    const pool = cases.filter((c) => c.fn === 'apply' && c.origin === 'random' && !c.reasons && 'ok' in refs.get(c.id));
    for (let n = 0; n < opt.sabotage && pool.length; n++) {
      const c = pool.splice(r.int(pool.length), 1)[0];
      spec.sabotage(c.parts);
      c.sendJson = partsJson(c.parts);
      c.variant += ' SABOTAGED';
    }
    log(`sabotaged ${opt.sabotage} apply cases; each must show as a mismatch`);
  }

  let run = cases;
  if (opt.only) run = cases.filter((c) => opt.only.has(c.id));

  // 3. PostgreSQL
  const probe = psqlSimple("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'ot'");
  if (!probe.ok) {
    console.log(`cannot reach PostgreSQL with ${PSQL}: ${probe.err.trim()}`);
    process.exit(2);
  }
  if (Number(probe.out.trim()) === 0) {
    console.log('no functions in schema ot: run CREATE EXTENSION pg_ot in this database first');
    process.exit(2);
  }
  let evaluated;
  try {
    evaluated = await evaluate(run, opt.batch, log);
  } catch (e) {
    console.log(`harness: ${e.message}`);
    process.exit(2);
  }
  log(`PostgreSQL evaluated ${evaluated.results.size} cases`);

  // 4. compare
  const stats = new Map();
  const tagStats = new Map();
  const reasonTotals = new Map();
  const mismatches = [];
  let rejected = 0;
  let randomRun = 0;
  for (const c of run) {
    if (c.origin === 'random') randomRun++;
    const ref = refs.get(c.id);
    const pg = evaluated.results.get(c.id);
    const v = classify(spec, c, ref, pg);
    const group = c.kind;
    if (!stats.has(group)) stats.set(group, { cases: 0, ok: 0, err: 0, rejected: new Map(), mismatch: 0 });
    const s = stats.get(group);
    s.cases++;
    if (v.cls === 'match') { if (v.sub === 'ok') s.ok++; else s.err++; }
    else if (v.cls === 'rejected') {
      rejected++;
      s.rejected.set(v.reason, (s.rejected.get(v.reason) || 0) + 1);
      reasonTotals.set(v.reason, (reasonTotals.get(v.reason) || 0) + 1);
    } else { s.mismatch++; mismatches.push({ c, ref, pg, v }); }
    for (const tag of c.tags || []) {
      const key = `${group} + ${tag}`;
      if (!tagStats.has(key)) tagStats.set(key, { cases: 0, ok: 0, err: 0, rej: 0, mismatch: 0 });
      const t = tagStats.get(key);
      t.cases++;
      if (v.cls === 'match') { if (v.sub === 'ok') t.ok++; else t.err++; } else if (v.cls === 'rejected') t.rej++; else t.mismatch++;
    }
    if (opt.only) console.log(describe(c, ref, pg, v, opt.seed, true));
  }

  // 5. report
  const pad = (x, n) => String(x).padStart(n);
  console.log('');
  console.log(`${'function'.padEnd(26)}${pad('cases', 8)}${pad('match:ok', 10)}${pad('match:err', 10)}${pad('by-design', 10)}${pad('mismatch', 10)}  by-design reasons`);
  const order = [...spec.kinds, ...[...stats.keys()].filter((k) => !spec.kinds.includes(k)).sort()];
  const tot = { cases: 0, ok: 0, err: 0, rej: 0, mis: 0 };
  for (const k of order) {
    const s = stats.get(k);
    if (!s) continue;
    let rej = 0;
    for (const n of s.rejected.values()) rej += n;
    tot.cases += s.cases; tot.ok += s.ok; tot.err += s.err; tot.rej += rej; tot.mis += s.mismatch;
    const reasons = [...s.rejected].sort().map(([k2, n]) => `${k2} ${n}`).join(', ');
    console.log(`${k.padEnd(26)}${pad(s.cases, 8)}${pad(s.ok, 10)}${pad(s.err, 10)}${pad(rej, 10)}${pad(s.mismatch, 10)}  ${reasons}`);
  }
  console.log(`${'total'.padEnd(26)}${pad(tot.cases, 8)}${pad(tot.ok, 10)}${pad(tot.err, 10)}${pad(tot.rej, 10)}${pad(tot.mis, 10)}`);
  if (tagStats.size) {
    console.log('of which, by tag:');
    const tagOrder = [...tagStats.keys()].sort((a, b) => {
      const ka = spec.kinds.indexOf(a.split(' + ')[0]);
      const kb = spec.kinds.indexOf(b.split(' + ')[0]);
      return ka !== kb ? ka - kb : a < b ? -1 : 1;
    });
    for (const k of tagOrder) {
      const t = tagStats.get(k);
      console.log(`${`  ${k}`.padEnd(26)}${pad(t.cases, 8)}${pad(t.ok, 10)}${pad(t.err, 10)}${pad(t.rej, 10)}${pad(t.mismatch, 10)}`);
    }
  }
  if (reasonTotals.size) {
    console.log(`rejected by design: ${[...reasonTotals].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  if (evaluated.crashes.length) console.log(`cases that broke the psql session: ${evaluated.crashes.join(', ')}`);
  if (mismatches.length && !opt.only) {
    const why = new Map();
    for (const m of mismatches) why.set(`${m.c.kind}: ${m.v.why}`, (why.get(`${m.c.kind}: ${m.v.why}`) || 0) + 1);
    console.log('\nmismatches by kind and cause:');
    for (const [k, n] of [...why].sort((a, b) => b[1] - a[1])) console.log(`  ${pad(n, 6)}  ${k}`);
    console.log(`\nfirst ${Math.min(opt.show, mismatches.length)} of ${mismatches.length} mismatches `
      + `(rerun one with: node ${spec.script} --seed ${opt.seed} --cases ${opt.cases} --only ID):`);
    for (const m of mismatches.slice(0, opt.show)) console.log(describe(m.c, m.ref, m.pg, m.v, opt.seed, false));
  }
  console.log('');
  log('done');
  if (randomRun < minCases) {
    console.log(`only ${randomRun} random cases ran; at least ${minCases} are required for a pass`);
  }
  console.log(`differential ${spec.name}: ${run.length} cases, ${mismatches.length} mismatches, ${rejected} rejected by design (seed ${opt.seed})`);
  process.exit(mismatches.length > 0 || randomRun < minCases ? 1 : 0);
}

/* Runs the harness described by spec (exit status 0, 1, or 2 on a harness failure). */
function run(spec) {
  main(spec).catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(2);
  });
}

module.exports = {
  makeRng, RawNum, toJson, partsJson, clone, deepEqual, clip, sqlLiteral,
  reference, classify, reproSql, run,
};
