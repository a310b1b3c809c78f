'use strict';
/*
 * Ways to break the reference server on purpose, to show that the suite can
 * fail: SABOTAGE=name[,name...] test/gateway/run.sh must then fail (run
 * test/gateway/sabotage.sh for all of them).  Test code only; never used by
 * a normal run.
 *
 *   drop-broadcast   every 4th op sent to a connection is lost
 *   dup-broadcast    every op sent to a connection is sent twice
 *   echo-own         a connection's own ops reach it by its subscription too
 *   no-dedupe        a resent op (same src, seq) is applied again
 *   ack-version      acks carry the wrong version
 *   ignore-version   f / s / bf / bs with versions are answered with snapshots
 *   type-name        snapshots and creates name the type, not its URI
 *   error-code       every error reply says ERR_UNKNOWN_ERROR
 *   close-on-error   the connection is closed after an error reply
 *   no-bulk          bf / bs / bu are refused
 *   no-presence-leave  the p: null of a presence that goes is not sent
 *   no-presence-transform  presence is fanned out as sent, not transformed
 *   wrong-side       the server transforms a stale op with the sides swapped
 *   query-no-move    a subscribed query's diffs lose their moves
 */

const KNOWN = ['drop-broadcast', 'dup-broadcast', 'echo-own', 'no-dedupe', 'ack-version', 'ignore-version', 'type-name',
	'error-code', 'close-on-error', 'no-bulk', 'no-presence-leave', 'no-presence-transform', 'wrong-side',
	'query-no-move'];

function install(backend, spec, types) {
	const on = new Set(spec.split(',').filter(Boolean));
	for (const s of on) if (!KNOWN.includes(s)) throw new Error(`unknown sabotage ${s}; known: ${KNOWN.join(' ')}`);
	const nameOf = (uri) => {
		for (const t of types) if (t.uri === uri) return t.name;
		return uri;
	};

	if (on.has('query-no-move')) {
		const Agent = require('sharedb/lib/agent');
		const send = Agent.prototype.send;
		Agent.prototype.send = function (m) {
			if (m && m.a === 'q' && Array.isArray(m.diff)) m.diff = m.diff.filter((d) => d.type !== 'move');
			return send.call(this, m);
		};
	}
	if (on.has('echo-own')) {
		require('sharedb/lib/agent').prototype._isOwnOp = () => false;
	}
	if (on.has('wrong-side')) {
		for (const t of types) {
			const transform = t.transform.bind(t);
			t.transform = (op, other, side) => transform(op, other, side === 'left' ? 'right' : 'left');
		}
	}
	if (on.has('no-dedupe')) {
		const db = backend.db;
		const orig = db.getOpsToSnapshot.bind(db);
		db.getOpsToSnapshot = (c, id, from, snapshot, options, cb) => orig(c, id, from, snapshot, options,
			(err, ops) => cb(err, ops && ops.map((op) => ({ ...op, src: `not-${op.src}` }))));
	}
	if (on.has('ignore-version') || on.has('no-bulk')) {
		backend.use('receive', (ctx, next) => {
			const m = ctx.data;
			if (m && on.has('no-bulk') && ['bf', 'bs', 'bu'].includes(m.a)) m.a = `${m.a}-refused`;
			if (m && on.has('ignore-version')) {
				if ((m.a === 'f' || m.a === 's') && m.v != null) delete m.v;
				if ((m.a === 'bf' || m.a === 'bs') && m.b && !Array.isArray(m.b)) m.b = Object.keys(m.b);
			}
			next();
		});
	}
	if (on.has('no-presence-transform')) {
		const sent = new Map();
		backend.use('receivePresence', (ctx, next) => {
			sent.set(`${ctx.presence.ch}/${ctx.presence.id}/${ctx.presence.pv}`, JSON.parse(JSON.stringify(ctx.presence)));
			next();
		});
		backend.use('sendPresence', (ctx, next) => {
			const orig = sent.get(`${ctx.presence.ch}/${ctx.presence.id}/${ctx.presence.pv}`);
			if (orig && ctx.presence.p) {
				ctx.presence.p = orig.p;
				ctx.presence.v = orig.v;
			}
			next();
		});
	}

	// Outgoing messages, per connection.
	return function wrap(stream) {
		const write = stream.write.bind(stream);
		let ops = 0;
		stream.write = (message, ...rest) => {
			let m = JSON.parse(JSON.stringify(message));
			const isBroadcast = m.a === 'op' && !m.error && ('op' in m || m.create || m.del);
			if (isBroadcast && on.has('drop-broadcast') && ++ops % 4 === 0) return true;
			if (m.a === 'op' && !m.error && !isBroadcast && on.has('ack-version')) m.v += 1;
			if (on.has('type-name')) {
				if (m.create && m.create.type) m.create.type = nameOf(m.create.type);
				if ((m.a === 'f' || m.a === 's') && m.data && m.data.type) m.data.type = nameOf(m.data.type);
				if ((m.a === 'bf' || m.a === 'bs') && m.data) {
					for (const k of Object.keys(m.data)) if (m.data[k].type) m.data[k].type = nameOf(m.data[k].type);
				}
			}
			if (m.a === 'p' && m.p === null && on.has('no-presence-leave')) return true;
			if (m.error && on.has('error-code')) m.error.code = 'ERR_UNKNOWN_ERROR';
			const r = write(m, ...rest);
			if (isBroadcast && on.has('dup-broadcast')) write(m);
			if (m.error && on.has('close-on-error')) setImmediate(() => stream.destroy());
			return r;
		};
		return stream;
	};
}

module.exports = { install, KNOWN };
