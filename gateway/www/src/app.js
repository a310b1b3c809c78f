// The pg_ot demo page: a rich-text document in Quill and a text-unicode
// document in a textarea, both through the stock ShareDB client over a
// WebSocket to pg_ot_gateway (the page's own origin); the list of the
// collection's documents (a subscribed query), "new document", and a history
// view of each editor's document.
import 'quill/dist/quill.snow.css';
import 'quill-cursors/css';
import './style.css';

import ReconnectingWebSocket from 'reconnecting-websocket';
import ShareDB from 'sharedb/lib/client';
import richText from 'rich-text';
import { type as textUnicode } from 'ot-text-unicode';

import { historyView } from './history.js';
import { identity } from './identity.js';
import { documentList } from './list.js';
import { bindPlain, diff as plainDiff } from './plain.js';
import { bindRich, richViewer } from './rich.js';
import { watchStatus } from './status.js';

ShareDB.types.register(richText.type);
ShareDB.types.register(textUnicode);

const COLLECTION = 'demo';
const WELCOME_RICH = [
	{ insert: 'Welcome to pg_ot' },
	{ insert: '\n', attributes: { header: 1 } },
	{ insert: 'This text lives in PostgreSQL. Open the page in another tab and type in both: every keystroke is an operation the database transforms, stores and sends to everyone else.\n' },
];
const WELCOME_PLAIN = 'Plain text, edited together. Each code point counts once: 😀 is one.\n';

const params = new URLSearchParams(location.search);
const docName = params.get('doc') || 'welcome';
const me = identity(params);

document.getElementById('doc-name').value = docName;
document.getElementById('me').replaceChildren(Object.assign(document.createElement('span'), { className: 'chip' }), me.name);
document.querySelector('#me .chip').style.background = me.color;
document.title = `${docName} · pg_ot`;

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
// ShareDB resends what is pending itself: nothing may be queued while closed.
const socket = new ReconnectingWebSocket(url, [], { maxEnqueuedMessages: 0, minReconnectionDelay: 200, maxReconnectionDelay: 2000 });
const connection = new ShareDB.Connection(socket);

// For the browser tests and the curious: the live objects (richDoc,
// plainDoc and quill change when an editor opens another document).
window.pgOt = { connection, me, ready: { rich: false, plain: false } };

const panes = {};
const renderStatus = watchStatus(connection,
	() => Object.values(panes).map((p) => p.doc()).filter(Boolean), document.getElementById('status'));
let list = null;

// The URL names what the editors show, so that a reload shows it again:
// ?doc=NAME opens NAME and NAME-text; ?rich=ID and ?plain=ID another one.
function remember() {
	const next = new URLSearchParams(location.search);
	const rich = panes.rich.id();
	const plain = panes.plain.id();
	if (rich && rich !== docName) next.set('rich', rich); else next.delete('rich');
	if (plain && plain !== `${docName}-text`) next.set('plain', plain); else next.delete('plain');
	history.replaceState(null, '', `?${next}`);
}

// An editor pane: shows one document at a time; open(id) unbinds and
// destroys the one shown (unsubscribed, its presence left) and subscribes
// to the next, creating it with initial if it does not exist (initial null:
// it must exist).
function pane({ kind, type, bind, clear, history }) {
	const error = document.getElementById(`${kind}-error`);
	const title = document.getElementById(`${kind}-id`);
	let doc = null;
	let unbind = null;
	const touched = () => setTimeout(renderStatus);
	const showError = (text) => {
		error.textContent = text;
		error.hidden = !text;
	};
	const close = () => {
		if (!doc) return;
		const old = doc;
		doc = null;
		window.pgOt.ready[kind] = false;
		history.bind(null);
		if (unbind) unbind();
		unbind = null;
		clear();
		old.removeListener('op', touched);
		old.removeListener('nothing pending', renderStatus);
		old.destroy((err) => { if (err) console.warn(`${old.id} not closed:`, err.message); });
	};
	const open = (id, initial, onOpen) => {
		if (doc && doc.id === id) return onOpen && onOpen(null, doc);
		close();
		const d = doc = connection.get(COLLECTION, id);
		window.pgOt[`${kind}Doc`] = d;
		title.textContent = id;
		showError('');
		if (list) list.render();
		remember();
		d.on('op', touched);			// a local op is counted once pushed
		d.on('nothing pending', renderStatus);
		const failed = (what, err) => {
			showError(`${what} "${id}": ${err.message}${err.code ? ` (${err.code})` : ''}`);
			console.warn(what, id, err);
			if (onOpen) onOpen(err);
		};
		let created = false;
		const ready = () => {
			if (d !== doc) return;
			if (d.type && d.type.name !== type) return failed('Not a document of this editor:', new Error(`its type is ${d.type.name}`));
			unbind = bind(d);
			history.bind(d);
			window.pgOt.ready[kind] = true;
			if (onOpen) onOpen(null, d, created);
		};
		// Subscribes, and creates the document if nobody has yet (a race
		// another tab may win: its document then arrives instead).
		d.subscribe((err) => {
			if (d !== doc) return;
			if (err) return failed('Cannot open', err);
			if (d.type) return ready();
			// From the list (no initial): gone since it was listed, not made anew.
			if (initial === null) return failed('Cannot open', new Error('it does not exist (any more)'));
			d.create(initial, type, (createErr) => {
				if (d !== doc) return;
				if (createErr && createErr.code !== 'ERR_DOC_ALREADY_CREATED') return failed('Cannot create', createErr);
				created = !createErr;
				if (d.type) ready(); else d.once('load', ready);
			});
		});
	};
	return { open, doc: () => doc, id: () => (doc ? doc.id : null) };
}

const richHistory = historyView({
	root: document.getElementById('rich-history'),
	toggle: document.getElementById('rich-history-toggle'),
	kind: 'rich',
	connection,
	viewer: richViewer,
	diff: (current, past) => richText.type.diff(current, past),
	noop: (op) => op.ops.length === 0,
});
const plainHistory = historyView({
	root: document.getElementById('plain-history'),
	toggle: document.getElementById('plain-history-toggle'),
	kind: 'plain',
	connection,
	viewer: (element) => {
		const area = Object.assign(document.createElement('textarea'), { readOnly: true, spellcheck: false, className: 'history-text' });
		element.append(area);
		return { show: (data) => { area.value = typeof data === 'string' ? data : ''; }, contents: () => area.value };
	},
	diff: plainDiff,
	noop: (op) => op.length === 0,
});

panes.rich = pane({
	kind: 'rich',
	type: 'rich-text',
	history: richHistory,
	// A fresh element each time: Quill cannot be unbound from one.
	clear: () => {
		const element = Object.assign(document.createElement('div'), { id: 'rich' });
		element.dataset.testid = 'rich';
		document.getElementById('rich-host').replaceChildren(element);
		window.pgOt.quill = null;
	},
	bind: (doc) => {
		const element = document.getElementById('rich');
		const { quill, unbind } = bindRich(element, doc, connection.getDocPresence(COLLECTION, doc.id), me);
		window.pgOt.quill = quill;
		return unbind;
	},
});
panes.plain = pane({
	kind: 'plain',
	type: 'text-unicode',
	history: plainHistory,
	clear: () => {},		// plain.js's unbind empties the textarea
	bind: (doc) => bindPlain({
		textarea: document.getElementById('plain'),
		overlay: document.getElementById('plain-overlay'),
		list: document.getElementById('plain-cursors'),
		doc,
		// text-unicode has no presence transform: untyped presence, moved by plain.js
		presence: connection.getPresence(`${COLLECTION}.${doc.id}.cursors`),
		connection,
		me,
	}),
});

panes.rich.open(params.get('rich') || docName, WELCOME_RICH);
panes.plain.open(params.get('plain') || `${docName}-text`, WELCOME_PLAIN);

list = documentList({
	list: document.getElementById('doc-list'),
	error: document.getElementById('doc-list-error'),
	connection,
	collection: COLLECTION,
	open: (kind, id) => panes[kind].open(id, null),
	isOpen: (id) => panes.rich.id() === id || panes.plain.id() === id,
});
window.pgOt.list = list.query;
window.pgOt.history = { rich: richHistory.viewer, plain: plainHistory.viewer };

// "New document": a name (or a made-up one) and a type; created, then opened
// in its editor.  A name already taken is opened, and said so.
const ID_CHARS = 'abcdefghijkmnpqrstuvwxyz23456789';
const madeUpId = () => `doc-${Array.from({ length: 6 }, () => ID_CHARS[Math.floor(Math.random() * ID_CHARS.length)]).join('')}`;
document.getElementById('new-doc').addEventListener('submit', (event) => {
	event.preventDefault();
	const nameField = document.getElementById('new-doc-name');
	const kind = document.getElementById('new-doc-type').value === 'text-unicode' ? 'plain' : 'rich';
	const message = document.getElementById('new-doc-message');
	const id = nameField.value.trim() || madeUpId();
	const initial = kind === 'rich' ? [{ insert: id }, { insert: '\n', attributes: { header: 1 } }] : `${id}\n`;
	message.textContent = '';
	const listed = (list.query.results || []).find((d) => d.id === id);
	if (listed && listed.type && listed.type.name !== document.getElementById('new-doc-type').value) {
		message.textContent = `"${id}" exists, and is ${listed.type.name}`;
		return;
	}
	panes[kind].open(id, initial, (err, doc, created) => {
		if (err) return;
		nameField.value = '';
		message.textContent = created ? `"${id}" created` : `"${id}" exists: opened it`;
	});
});

document.getElementById('picker').addEventListener('submit', (event) => {
	event.preventDefault();
	const name = document.getElementById('doc-name').value.trim();
	if (name) location.search = `?doc=${encodeURIComponent(name)}${params.get('name') ? `&name=${encodeURIComponent(me.name)}` : ''}`;
});
