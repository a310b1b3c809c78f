// The history view of an editor's document: a slider over its versions that
// shows any past version read-only (ShareDB's connection.fetchSnapshot, the
// message nf), a time field that finds the version of a moment
// (fetchSnapshotByTimestamp, nt), and "restore this version", which submits
// the op that brings the document back to the version shown: an ordinary
// doc.submitOp at the document's current version, which the server
// transforms against concurrent edits and sends to everyone like any other.
//
// pg_ot's ops and snapshots carry no time (ShareDB's op messages have no
// m.ts and its nf replies no metadata), so the slider counts versions and
// the time field asks the server.

const el = (tag, { dataset = {}, ...props } = {}, ...children) => {
	const e = Object.assign(document.createElement(tag), props);
	for (const [k, v] of Object.entries(dataset)) e.dataset[k] = v;
	e.append(...children);
	return e;
};

// root: an empty element for the panel; toggle: the button that shows and
// hides it; kind: 'rich' or 'plain' (the test ids' prefix); viewer(element):
// {show(data), contents()}, the read-only editor; diff(current, past): the op from the
// current data to the past one; noop(op): whether it changes nothing.
export function historyView({ root, toggle, kind, connection, viewer, diff, noop }) {
	const id = (what) => `${kind}-history-${what}`;
	const slider = el('input', { type: 'range', min: '1', max: '1', value: '1', step: '1', disabled: true,
		dataset: { testid: id('slider') }, title: 'the version shown' });
	const label = el('span', { className: 'history-label', dataset: { testid: id('label') } });
	const when = el('input', { type: 'datetime-local', step: '1', dataset: { testid: id('time') }, title: 'a moment (your time zone)' });
	const go = el('button', { type: 'submit', textContent: 'Show' });
	const timeForm = el('form', { className: 'history-time', dataset: { testid: id('time-form') } },
		el('label', { textContent: 'at ' }, when), go);
	const view = el('div', { className: 'history-view', id: id('view'), dataset: { testid: id('view') } });
	const restore = el('button', { type: 'button', textContent: 'Restore this version', disabled: true,
		dataset: { testid: id('restore') } });
	const message = el('span', { className: 'history-message', dataset: { testid: id('message') } });
	root.replaceChildren(
		el('div', { className: 'history-bar' }, slider, label),
		timeForm, view, el('div', { className: 'history-bar' }, restore, message));
	const shown = viewer(view);

	let doc = null;
	let past = null;			// the snapshot shown: {v, data}
	let asked = 0;				// the last request: an answer to an older one is dropped
	let following = true;		// the slider stays at the latest version as it grows
	const isOpen = () => !root.hidden;

	const say = (text, error = false) => {
		message.textContent = text;
		message.classList.toggle('error', error);
	};
	const render = () => {
		const latest = doc && doc.type ? doc.version : 0;
		slider.max = String(Math.max(1, latest));
		slider.disabled = latest < 1;
		label.textContent = past ? `version ${past.v} of ${latest}` : latest ? `${latest} versions` : '';
		label.dataset.v = past ? String(past.v) : '';
		label.dataset.latest = String(latest);
		restore.disabled = !past || !doc || !doc.type || past.v >= latest;
	};
	const showSnapshot = (snapshot, n) => {
		if (n !== asked) return;
		if (!snapshot.type) {
			say(`there is no version ${snapshot.v}`, true);
			return;
		}
		past = { v: snapshot.v, data: snapshot.data };
		following = doc && past.v >= doc.version;
		slider.value = String(past.v);
		shown.show(snapshot.data);
		view.dataset.v = String(past.v);
		say('');
		render();
	};
	const failed = (what) => (err) => say(`${what}: ${err.message}${err.code ? ` (${err.code})` : ''}`, true);
	const fetchVersion = (v) => {
		if (!doc) return;
		const n = ++asked;
		const d = doc;
		connection.fetchSnapshot(d.collection, d.id, v, (err, snapshot) => {
			if (d !== doc) return;
			if (err) { if (n === asked) failed(`version ${v} could not be read`)(err); return; }
			showSnapshot(snapshot, n);
		});
	};

	slider.addEventListener('input', () => {
		following = false;
		fetchVersion(Number(slider.value));
	});
	timeForm.addEventListener('submit', (event) => {
		event.preventDefault();
		const ts = new Date(when.value).getTime();
		if (!doc || !Number.isFinite(ts)) return say('pick a date and a time', true);
		const n = ++asked;
		const d = doc;
		connection.fetchSnapshotByTimestamp(d.collection, d.id, ts, (err, snapshot) => {
			if (d !== doc) return;
			if (err) { if (n === asked) failed('that moment could not be read')(err); return; }
			if (n === asked && !snapshot.type) return say('the document did not exist yet', true);
			showSnapshot(snapshot, n);
		});
	});
	restore.addEventListener('click', () => {
		if (!past || !doc || !doc.type) return;
		const d = doc;
		const from = past.v;
		const op = diff(d.data, past.data);
		if (noop(op)) return say(`the document already equals version ${from}`);
		restore.disabled = true;
		d.submitOp(op, { source: 'history' }, (err) => {
			if (d !== doc) return;
			if (err) failed(`version ${from} was not restored`)(err);
			else say(`version ${from} restored as version ${d.version}`);
			render();
		});
	});
	toggle.addEventListener('click', () => {
		root.hidden = !root.hidden;
		toggle.setAttribute('aria-expanded', String(!root.hidden));
		if (isOpen() && doc && doc.type) fetchVersion(following ? doc.version : Number(slider.value));
	});

	// Following the latest version reads it at most every 300 ms while
	// someone types.
	let pendingFetch = null;
	const onChange = () => {
		render();
		if (pendingFetch || !isOpen() || !following || !doc.type) return;
		pendingFetch = setTimeout(() => {
			pendingFetch = null;
			if (doc && doc.type && isOpen() && following && (!past || past.v !== doc.version)) fetchVersion(doc.version);
		}, 300);
	};
	const EVENTS = ['op', 'load', 'nothing pending'];
	return {
		viewer: shown,
		// Shows doc's history from now on (null: none).
		bind(next) {
			if (doc) {
				for (const e of EVENTS) doc.removeListener(e, onChange);
			}
			doc = next;
			past = null;
			asked++;
			following = true;
			shown.show(null);
			delete view.dataset.v;
			say('');
			if (doc) {
				for (const e of EVENTS) doc.on(e, onChange);
				onChange();
			}
			render();
		},
	};
}
