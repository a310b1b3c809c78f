-- Documents: create, submit, fetch, delete and history, for both types, as
-- a ShareDB server does them.  (The tests run as a superuser, who passes
-- every grant; test/pgtap covers permissions.)

-- A document that was never created is version 0 with no type.
SELECT * FROM ot.fetch('notes', 'a');

-- text-unicode: create leaves version 1, each op adds one.
SELECT ot.create('notes', 'a', 'text-unicode', '"hello"');
SELECT * FROM ot.submit('notes', 'a', 1, '[5, " world"]');
SELECT * FROM ot.fetch('notes', 'a');

-- A stale op is transformed against every op since its version, on side
-- left: "!" was made at version 1, before " world".
SELECT * FROM ot.submit('notes', 'a', 1, '[5, "!"]');
SELECT * FROM ot.submit('notes', 'a', 1, '[{"d": 1}, "J"]');
SELECT * FROM ot.fetch('notes', 'a');

-- A NULL base version means "the current version": nothing to transform.
SELECT * FROM ot.submit('notes', 'a', NULL, '[1, {"d": 4}, "ack"]');
SELECT * FROM ot.fetch('notes', 'a');

-- Resends: the same (src, seq) returns the original result and applies
-- nothing, whether resent at its base version or at a later one.
SELECT * FROM ot.submit('notes', 'a', 5, '["> "]', 'client-1', 1);
SELECT * FROM ot.submit('notes', 'a', 5, '["> "]', 'client-1', 1);
SELECT * FROM ot.submit('notes', 'a', 5, '[2, "X"]', 'client-2', 1);
SELECT * FROM ot.submit('notes', 'a', 5, '["> "]', 'client-1', 1);
SELECT * FROM ot.fetch('notes', 'a');
SELECT count(*) AS ops FROM ot.ops('notes', 'a', 0);

-- The log: every op with the version it applied to, src, seq and user.
SELECT version, op, "create", del, src, seq, user_id FROM ot.ops('notes', 'a', 0);
SELECT version, op FROM ot.ops('notes', 'a', 2, 4);

-- History: the document at every version.
SELECT v, f.* FROM generate_series(0, 7) v, ot.fetch('notes', 'a', v) f;

-- Delete: the document keeps its version and can be created again, with
-- another type.
SELECT ot.delete('notes', 'a');
SELECT * FROM ot.fetch('notes', 'a');
SELECT ot.create('notes', 'a', 'rich-text', '[{"insert": "Again\n"}]');
SELECT * FROM ot.fetch('notes', 'a');
SELECT * FROM ot.fetch('notes', 'a', 7);
SELECT * FROM ot.fetch('notes', 'a', 8);
SELECT version, "create", del FROM ot.ops('notes', 'a', 7);

-- rich-text: lengths in UTF-16 units; an emoji counts 2.
SELECT ot.create('rich', 'r', 'http://sharejs.org/types/rich-text/v1',
				 '{"ops": [{"insert": "Hi 😀 there\n"}]}');
SELECT * FROM ot.submit('rich', 'r', 1, '{"ops": [{"retain": 5}, {"insert": "!"}]}');
SELECT * FROM ot.submit('rich', 'r', 1, '[{"retain": 3, "attributes": {"bold": true}}]');
SELECT * FROM ot.submit('rich', 'r', 1, '{"ops": [{"retain": 5}, {"insert": "?"}]}');
SELECT * FROM ot.fetch('rich', 'r');

-- An embed counts 1; attributes set to null are removed.
SELECT * FROM ot.submit('rich', 'r', NULL, '{"ops": [{"insert": {"image": "a.png"}}]}');
SELECT * FROM ot.submit('rich', 'r', NULL, '{"ops": [{"retain": 1}, {"retain": 3, "attributes": {"bold": null}}]}');
SELECT * FROM ot.fetch('rich', 'r');

-- Create without data, and with the data a create op carries as submitted.
SELECT ot.create('notes', 'empty', 'text-unicode');
SELECT * FROM ot.fetch('notes', 'empty');
SELECT "create" FROM ot.ops('notes', 'empty', 0);

-- Resending a create: with its (src, seq) it is acknowledged, not repeated.
SELECT ot.create('notes', 'c', 'text-unicode', '"x"', 'client-3', 7);
SELECT ot.create('notes', 'c', 'text-unicode', '"x"', 'client-3', 7);
-- also once the document is gone: the resend is still its original.
SELECT ot.delete('notes', 'c');
SELECT ot.create('notes', 'c', 'text-unicode', '"x"', 'client-3', 7);
SELECT * FROM ot.fetch('notes', 'c');

-- Stored snapshots: one at each create, then every pg_ot.snapshot_interval
-- ops (or when the ops since the last one outweigh it).  Reads replay the
-- ops after the latest one and give the same document.
SET pg_ot.snapshot_interval = 3;
SELECT ot.create('notes', 'long', 'text-unicode', to_jsonb(repeat('x', 200)));
SELECT count(*) FROM generate_series(1, 10) i, ot.submit('notes', 'long', NULL, to_jsonb(ARRAY[i::text]));
SELECT s.version FROM ot.snapshots s JOIN ot.documents d ON d.id = s.doc_id
	WHERE d.name = 'long' ORDER BY s.version;
SELECT data #>> '{}' = '10987654321' || repeat('x', 200) AS replayed FROM ot.fetch('notes', 'long');
SELECT v, data #>> '{}' = coalesce((SELECT string_agg(i::text, '' ORDER BY i DESC)
									   FROM generate_series(1, v - 1) i), '')
			|| repeat('x', 200) AS replayed
	FROM generate_series(1, 11) v, ot.fetch('notes', 'long', v);
RESET pg_ot.snapshot_interval;

-- A large document: the op log, not the document, grows with each op.
SELECT ot.create('notes', 'big', 'text-unicode', to_jsonb(repeat('abcdefghij', 100000)));
SELECT * FROM ot.submit('notes', 'big', 1, '[500000, "HERE"]');
SELECT length, snapshot_version, version FROM ot.documents WHERE name = 'big';
SELECT substr(data #>> '{}', 499995, 14) FROM ot.fetch('notes', 'big');

-- History at a moment: after every op committed by then.
SELECT ot.create('notes', 'timed', 'text-unicode', '"v1"');
SELECT clock_timestamp() AS after_create \gset
SELECT pg_sleep(0.01);
SELECT version FROM ot.submit('notes', 'timed', 1, '[2, "+"]');
SELECT * FROM ot.fetch_at('notes', 'timed', :'after_create');
SELECT * FROM ot.fetch_at('notes', 'timed', clock_timestamp());
SELECT * FROM ot.fetch_at('notes', 'timed', '2000-01-01');

-- The gateway's batch: one result per message, in order; a rejected op
-- does not abort the others.
SELECT ot.create('notes', 'batch', 'text-unicode', '"ab"');
SELECT * FROM ot.submit_batch('[
	{"message": {"a": "op", "c": "notes", "d": "batch", "v": 1, "src": "g1", "seq": 1, "op": [1, "X"]}},
	{"message": {"a": "op", "c": "notes", "d": "batch", "v": 1, "src": "g2", "seq": 1, "op": ["Y"]}},
	{"message": {"a": "op", "c": "notes", "d": "batch", "v": 9, "src": "g3", "seq": 1, "op": ["Z"]}},
	{"message": {"a": "op", "c": "notes", "d": "new", "v": 0, "src": "g3", "seq": 2,
				 "create": {"type": "rich-text", "data": [{"insert": "n\n"}]}}},
	{"message": {"a": "op", "c": "notes", "d": "batch", "v": 1, "src": "g1", "seq": 1, "op": [1, "X"]}},
	{"message": {"a": "op", "c": "notes", "d": "batch", "v": 3, "src": "g3", "seq": 3, "del": true}}
]');
SELECT * FROM ot.fetch('notes', 'new');
SELECT version, op, del, src, seq FROM ot.ops('notes', 'batch', 0);

-- The ShareDB messages of the log, as a gateway reads them to fill a gap.
SELECT ot.messages('notes', 'batch', 0);
