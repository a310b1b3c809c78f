// A textarea bound to a text-unicode document, with the other users'
// cursors drawn over it and listed below it.
//
// text-unicode counts Unicode code points, a textarea UTF-16 units: edits
// are diffed in units (never splitting a surrogate pair) and sent in code
// points.
//
// text-unicode has no presence transform (the gateway refuses doc presence
// on it), so cursors travel on an untyped presence channel and are moved
// here, the way ShareDB moves doc presence: a cursor is sent only when this
// client has nothing pending, stamped with the document version it belongs
// to; a receiver holds it until it has nothing pending and has reached that
// version, brings it up to date through the server's ops since (seen on the
// wire), and from then on moves it through every op it applies.  An insert
// at a cursor pushes the cursor only when it is its owner's own insert.

const codePoints = (s) => {
	let n = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c < 0xd800 || c > 0xdbff) n++;
	}
	return n;
};

// The UTF-16 offset of code point offset n in s.
const unitOffset = (s, n) => {
	let i = 0;
	for (let k = 0; k < n && i < s.length; k++) {
		const c = s.charCodeAt(i);
		i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
	}
	return i;
};

const isHigh = (c) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c) => c >= 0xdc00 && c <= 0xdfff;

// The text-unicode op turning before into after: one changed middle (also
// what history.js submits to restore a past version).
export function diff(before, after) {
	let start = 0;
	while (start < before.length && start < after.length && before[start] === after[start]) start++;
	if (start > 0 && isHigh(before.charCodeAt(start - 1))) start--;
	let end = 0;
	while (end < before.length - start && end < after.length - start &&
		before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
	if (end > 0 && isLow(before.charCodeAt(before.length - end))) end--;
	const removed = codePoints(before.slice(start, before.length - end));
	const inserted = after.slice(start, after.length - end);
	const op = [];
	const skip = codePoints(before.slice(0, start));
	if (skip) op.push(skip);
	if (removed) op.push({ d: removed });
	if (inserted) op.push(inserted);
	return op;
}

// A code point position moved through a text-unicode op.  As
// ot-text-unicode's transformPosition, except that an insert exactly at the
// position goes before it when the op is the position's owner's (own).
export function movePosition(cursor, op, own) {
	let pos = 0;
	for (const c of op) {
		if (pos > cursor) break;
		if (typeof c === 'number') {
			pos += c;
		} else if (typeof c === 'string') {
			if (pos === cursor && !own) break;
			const n = codePoints(c);
			pos += n;
			cursor += n;
		} else {
			const n = typeof c.d === 'number' ? c.d : codePoints(c.d);
			cursor -= Math.min(n, cursor - pos);
		}
	}
	return cursor;
}

function moveRange(range, op, own) {
	const end = movePosition(range.index + range.length, op, own);
	const index = movePosition(range.index, op, own);
	return { ...range, index, length: Math.max(0, end - index) };
}

const OP_CACHE = 1000;		// server ops kept to bring late cursors up to date

// Binds textarea to doc; returns unbind(), which removes every listener,
// destroys the presence and empties the textarea and the cursors (the caller
// then destroys the doc).
export function bindPlain({ textarea, overlay, list, doc, presence, connection, me }) {
	const dom = new AbortController();		// the DOM listeners, removed at once
	const signal = dom.signal;
	// Our ops' src as the others see it: the part of connection.id before the
	// dot.  The rest is the gateway's proof that the id is ours, never shared.
	const ownSrc = () => (connection.id || '').split('.')[0];
	let shown = '';
	const remote = new Map();		// presence id -> {index, length, name, color, src}, in the text shown
	const waiting = new Map();		// presence id -> a received value not yet at this version
	const serverOps = new Map();	// version -> {op, src}: the op that took the document from version to version + 1

	/* ---------- drawing ---------- */

	const layers = new Map();		// presence id -> mirror element
	const mirrorStyle = (el) => {
		const cs = getComputedStyle(textarea);
		el.style.left = `${textarea.offsetLeft + textarea.clientLeft}px`;
		el.style.top = `${textarea.offsetTop + textarea.clientTop}px`;
		el.style.width = `${textarea.clientWidth}px`;
		el.style.height = `${textarea.clientHeight}px`;
		el.style.padding = cs.padding;
		el.style.font = cs.font;
		el.style.letterSpacing = cs.letterSpacing;
		el.style.tabSize = cs.tabSize;
	};
	// One transparent copy of the text per cursor, wrapped as the textarea
	// wraps it, with the caret (and the selection) where the cursor is.
	const drawOverlay = () => {
		for (const [id, el] of layers) {
			if (!remote.has(id)) {
				el.remove();
				layers.delete(id);
			}
		}
		const text = textarea.value;
		for (const [id, c] of remote) {
			let el = layers.get(id);
			if (!el) {
				el = document.createElement('div');
				el.className = 'plain-mirror';
				overlay.append(el);
				layers.set(id, el);
			}
			mirrorStyle(el);
			// Rebuilt only when something it shows changed.
			const key = JSON.stringify([text, c.index, c.length, c.name, c.color]);
			if (el.drawn === key) {
				el.scrollTop = textarea.scrollTop;
				continue;
			}
			el.drawn = key;
			const from = unitOffset(text, c.index);
			const to = unitOffset(text, c.index + c.length);
			const caret = document.createElement('span');
			caret.className = 'plain-caret';
			caret.dataset.testid = 'plain-caret';
			caret.dataset.name = c.name;
			caret.dataset.index = String(c.index);
			caret.style.borderColor = c.color;
			const flag = document.createElement('span');
			flag.className = 'plain-flag';
			flag.textContent = c.name;
			flag.style.background = c.color;
			caret.append(flag);
			const parts = [text.slice(0, from)];
			if (to > from) {
				const selection = document.createElement('span');
				selection.className = 'plain-selection';
				selection.style.background = c.color;
				selection.textContent = text.slice(from, to);
				parts.push(selection);
			}
			parts.push(caret, text.slice(to), '\u200b');
			el.replaceChildren(...parts);
			el.scrollTop = textarea.scrollTop;
		}
	};
	const drawList = () => {
		list.replaceChildren(...[...remote.values()].map((c) => {
			const li = document.createElement('li');
			const chip = document.createElement('span');
			chip.className = 'chip';
			chip.style.background = c.color;
			li.append(chip, `${c.name} at ${c.index}${c.length ? ` (+${c.length})` : ''}`);
			li.dataset.name = c.name;
			li.dataset.index = String(c.index);
			return li;
		}));
	};
	const draw = () => {
		drawOverlay();
		drawList();
	};
	textarea.addEventListener('scroll', () => {
		for (const el of layers.values()) el.scrollTop = textarea.scrollTop;
	}, { signal });
	const resized = new ResizeObserver(drawOverlay);
	resized.observe(textarea);

	/* ---------- the text ---------- */

	const show = (text, op) => {
		const start = codePoints(textarea.value.slice(0, textarea.selectionStart));
		const end = codePoints(textarea.value.slice(0, textarea.selectionEnd));
		const focused = document.activeElement === textarea;
		textarea.value = shown = text;
		if (focused) {
			const [s, e] = op ? [movePosition(start, op, false), movePosition(end, op, false)] : [start, end];
			textarea.setSelectionRange(unitOffset(text, s), unitOffset(text, e));
		}
	};
	const load = () => {
		show(doc.data, null);
		textarea.disabled = false;
		draw();
	};
	doc.on('load', load);
	if (doc.type) load();

	textarea.addEventListener('input', () => {
		const op = diff(shown, textarea.value);
		shown = textarea.value;
		if (op.length) doc.submitOp(op, { source: textarea });
		share();
	}, { signal });
	const onOp = (op, source, src) => {
		if (source !== textarea) show(doc.data, op);
		for (const [id, c] of remote) remote.set(id, moveRange(c, op, !source && src === c.src));
		draw();
		settle();
	};
	doc.on('op', onOp);

	// The server's ops as they arrive, remote ones and the acks of ours (the
	// op in flight is, by then, the op as the server applied it).
	const onReceive = (request) => {
		const m = request.data;
		if (!m || m.a !== 'op' || m.c !== doc.collection || m.d !== doc.id || m.error || typeof m.v !== 'number') return;
		if (Array.isArray(m.op)) serverOps.set(m.v, { op: m.op, src: m.src });
		else if (!m.create && !m.del && doc.inflightOp && doc.inflightOp.seq === m.seq && Array.isArray(doc.inflightOp.op)) {
			serverOps.set(m.v, { op: doc.inflightOp.op, src: ownSrc() });
		} else if (m.create || m.del) serverOps.set(m.v, { op: null });
		serverOps.delete(m.v - OP_CACHE);
	};
	connection.on('receive', onReceive);

	/* ---------- cursors: ours ---------- */

	const local = presence.create();
	let sharing = false;
	// Sends where our cursor is, once nothing of ours is pending, so that it
	// belongs to a version every other client will have.
	function share() {
		if (sharing || !doc.type) return;
		sharing = true;
		doc.whenNothingPending(() => {
			sharing = false;
			if (signal.aborted) return;
			if (doc.hasPending()) return share();
			if (!doc.type || connection.state !== 'connected') return;
			const start = codePoints(textarea.value.slice(0, textarea.selectionStart));
			const end = codePoints(textarea.value.slice(0, textarea.selectionEnd));
			local.submit({ index: start, length: end - start, name: me.name, color: me.color, v: doc.version, src: ownSrc() },
				(err) => { if (err) console.warn('plain-text cursor not sent:', err.message); });
		});
	}
	for (const event of ['select', 'keyup', 'click', 'focus']) textarea.addEventListener(event, share, { signal });
	const onState = (state) => { if (state === 'connected' && document.activeElement === textarea) share(); };
	connection.on('state', onState);

	/* ---------- cursors: theirs ---------- */

	// Brings the cursors received at another version to the text shown,
	// once this client has nothing pending (its text is then exactly the
	// server's at doc.version).
	let settling = false;
	function settle() {
		if (settling || waiting.size === 0) return;
		settling = true;
		doc.whenNothingPending(() => {
			settling = false;
			if (signal.aborted) return;
			if (doc.hasPending()) return settle();
			for (const [id, value] of waiting) {
				if (typeof value.v === 'number' && value.v > doc.version) continue;	// ops still to come
				let c = { index: value.index, length: value.length, name: value.name, color: value.color, src: value.src };
				for (let v = value.v; typeof v === 'number' && v < doc.version; v++) {
					const item = serverOps.get(v);
					if (!item) break;		// not seen: as it came, until its owner moves it
					if (item.op === null) { c = null; break; }
					c = moveRange(c, item.op, item.src === c.src);
				}
				waiting.delete(id);
				if (c) remote.set(id, c); else remote.delete(id);
			}
			draw();
		});
	}

	presence.subscribe((err) => { if (err) console.warn('plain-text cursors unavailable:', err.message); });
	presence.on('receive', (id, value) => {
		if (signal.aborted) return;
		if (value && Number.isInteger(value.index) && Number.isInteger(value.length)) {
			waiting.set(id, value);
			settle();
		} else {
			waiting.delete(id);
			remote.delete(id);
			draw();
		}
	});

	return function unbind() {
		dom.abort();
		resized.disconnect();
		doc.removeListener('load', load);
		doc.removeListener('op', onOp);
		connection.removeListener('receive', onReceive);
		connection.removeListener('state', onState);
		presence.destroy((err) => { if (err) console.warn('plain-text cursors not left:', err.message); });
		remote.clear();
		waiting.clear();
		draw();
		textarea.disabled = true;
		textarea.value = '';
	};
}
