// A Quill 2 editor bound to a rich-text document, with remote cursors from
// ShareDB doc presence (quill-cursors); and a read-only Quill for showing a
// past version (history.js).
import Quill from 'quill';
// The core entry: the default one injects its CSS as a <style> element at
// run time, which a CSP without style-src 'unsafe-inline' refuses; app.js
// bundles the same CSS from quill-cursors/css into app.css instead.
import QuillCursors from 'quill-cursors/core';

Quill.register('modules/cursors', QuillCursors);

// Binds a new Quill in element (an empty <div>) to doc; returns the Quill and
// unbind(), which removes every listener and destroys the presence (the
// caller then destroys the doc and the element, toolbar included).
export function bindRich(element, doc, presence, me) {
	const quill = new Quill(element, {
		theme: 'snow',
		modules: { cursors: true, toolbar: [['bold', 'italic', 'underline'], [{ header: [1, 2, false] }], ['link', 'clean']] },
	});
	const cursors = quill.getModule('cursors');
	quill.disable();

	const load = () => {
		quill.setContents(doc.data, 'silent');
		quill.enable();
	};
	doc.on('load', load);		// a hard rollback brings a fresh snapshot
	if (doc.type) load();

	quill.on('text-change', (delta, old, source) => {
		if (source === 'user') doc.submitOp(delta, { source: quill });
	});
	const onOp = (op, source) => {
		if (source !== quill) quill.updateContents(op, 'api');
	};
	doc.on('op', onOp);

	const local = presence.create();
	const share = () => {
		const range = quill.getSelection();
		if (range && doc.type) local.submit({ index: range.index, length: range.length, name: me.name, color: me.color });
	};
	quill.on('selection-change', (range, old, source) => { if (source === 'user') share(); });
	quill.on('text-change', (delta, old, source) => { if (source === 'user') share(); });
	presence.subscribe();
	presence.on('receive', (id, range) => {
		if (!range) {
			cursors.removeCursor(id);
			return;
		}
		cursors.createCursor(id, range.name || 'someone', range.color || '#888');
		cursors.moveCursor(id, range);
	});
	const unbind = () => {
		doc.removeListener('load', load);
		doc.removeListener('op', onOp);
		quill.disable();
		quill.off('text-change');
		quill.off('selection-change');
		// Tells the others this cursor is gone, then leaves the channel.
		presence.destroy((err) => { if (err) console.warn('rich-text cursors not left:', err.message); });
	};
	return { quill, unbind };
}

// A read-only Quill without a toolbar, for the history view.
export function richViewer(element) {
	const quill = new Quill(element, { theme: 'snow', readOnly: true, modules: { toolbar: false } });
	return { show: (data) => quill.setContents(data || [], 'silent'), contents: () => quill.getContents().ops };
}
