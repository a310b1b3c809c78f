// A textarea bound to a text-unicode document.  text-unicode counts Unicode
// code points, a textarea UTF-16 units: edits are diffed in units (never
// splitting a surrogate pair) and sent in code points.  text-unicode has no
// presence transform, so cursors travel on an untyped presence channel and
// each client moves the ones it holds through the ops it applies.
import { type as textUnicode } from 'ot-text-unicode';

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

// The text-unicode op turning before into after: one changed middle.
function diff(before, after) {
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

export function bindPlain(textarea, list, doc, presence, me) {
	let shown = '';
	const remote = new Map();		// presence id -> {index, length, name, color}

	const renderCursors = () => {
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
	const show = (text) => {
		const start = codePoints(textarea.value.slice(0, textarea.selectionStart));
		const end = codePoints(textarea.value.slice(0, textarea.selectionEnd));
		return (op) => {
			textarea.value = shown = text;
			if (document.activeElement === textarea) {
				const [s, e] = op ? [textUnicode.transformPosition(start, op), textUnicode.transformPosition(end, op)] : [start, end];
				textarea.setSelectionRange(unitOffset(text, s), unitOffset(text, e));
			}
		};
	};
	const load = () => {
		show(doc.data)(null);
		textarea.disabled = false;
	};
	doc.on('load', load);
	if (doc.type) load();

	const local = presence.create();
	const share = () => {
		if (!doc.type) return;
		const start = codePoints(textarea.value.slice(0, textarea.selectionStart));
		const end = codePoints(textarea.value.slice(0, textarea.selectionEnd));
		local.submit({ index: start, length: end - start, name: me.name, color: me.color });
	};

	textarea.addEventListener('input', () => {
		const op = diff(shown, textarea.value);
		shown = textarea.value;
		if (op.length) doc.submitOp(op, { source: textarea });
		share();
	});
	for (const event of ['select', 'keyup', 'click', 'focus']) textarea.addEventListener(event, share);
	doc.on('op', (op, source) => {
		for (const c of remote.values()) {
			const end = textUnicode.transformPosition(c.index + c.length, op);
			c.index = textUnicode.transformPosition(c.index, op);
			c.length = end - c.index;
		}
		renderCursors();
		if (source !== textarea) show(doc.data)(op);
	});

	presence.subscribe();
	presence.on('receive', (id, value) => {
		if (value) remote.set(id, { ...value });
		else remote.delete(id);
		renderCursors();
	});
}
