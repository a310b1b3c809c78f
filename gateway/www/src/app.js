// The pg_ot demo page: a rich-text document in Quill and a text-unicode
// document in a textarea, both through the stock ShareDB client over a
// WebSocket to pg_ot_gateway (the page's own origin).
import 'quill/dist/quill.snow.css';
import 'quill-cursors/css';
import './style.css';

import ReconnectingWebSocket from 'reconnecting-websocket';
import ShareDB from 'sharedb/lib/client';
import richText from 'rich-text';
import { type as textUnicode } from 'ot-text-unicode';

import { identity } from './identity.js';
import { bindPlain } from './plain.js';
import { bindRich } from './rich.js';
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

const richDoc = connection.get(COLLECTION, docName);
const plainDoc = connection.get(COLLECTION, `${docName}-text`);

// For the browser tests and the curious: the live objects.
window.pgOt = { connection, richDoc, plainDoc, me, ready: { rich: false, plain: false } };

// Subscribes, and creates the document if nobody has yet (a race another
// tab may win: its document then arrives instead).
function open(doc, type, initial, bind) {
	doc.subscribe((err) => {
		if (err) return console.error(err);
		if (doc.type) return bind();
		doc.create(initial, type, (createErr) => {
			if (createErr && createErr.code !== 'ERR_DOC_ALREADY_CREATED') console.error(createErr);
			if (doc.type) bind(); else doc.once('load', bind);
		});
	});
}

open(richDoc, 'rich-text', WELCOME_RICH, () => {
	window.pgOt.quill = bindRich(document.getElementById('rich'), richDoc,
		connection.getDocPresence(COLLECTION, docName), me);
	window.pgOt.ready.rich = true;
});
open(plainDoc, 'text-unicode', WELCOME_PLAIN, () => {
	bindPlain({
		textarea: document.getElementById('plain'),
		overlay: document.getElementById('plain-overlay'),
		list: document.getElementById('plain-cursors'),
		doc: plainDoc,
		// text-unicode has no presence transform: untyped presence, moved by plain.js
		presence: connection.getPresence(`${COLLECTION}.${docName}-text.cursors`),
		connection,
		me,
	});
	window.pgOt.ready.plain = true;
});
watchStatus(connection, [richDoc, plainDoc], document.getElementById('status'));

document.getElementById('picker').addEventListener('submit', (event) => {
	event.preventDefault();
	const name = document.getElementById('doc-name').value.trim();
	if (name) location.search = `?doc=${encodeURIComponent(name)}${params.get('name') ? `&name=${encodeURIComponent(me.name)}` : ''}`;
});
