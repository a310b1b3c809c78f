-- Retention: ot.compact cuts a document's op log at a version, keeping a
-- snapshot there; versions from the cut on read as before, earlier ones
-- raise OT007 naming the earliest readable version; a submit based before
-- the cut is refused (its resend could not be recognised); policies per
-- collection and ot.apply_retention.
-- Stored snapshots at versions 1, 4, 7, ...
SET pg_ot.snapshot_interval = 3;
\set SHOW_CONTEXT never

SELECT ot.create('ret', 't', 'text-unicode', '""');
SELECT s.version FROM generate_series(1, 9) v,
	ot.submit('ret', 't', v, '["x"]', 'c1', v) s;
SELECT ot.create('ret', 'r', 'rich-text', '{"ops": [{"insert": "a\n"}]}');
SELECT s.version FROM generate_series(1, 5) v,
	ot.submit('ret', 'r', v, ('[{"insert": "' || v || '"}]')::jsonb, 'c2', v) s;

-- Every version as it reads before the cut.
CREATE TEMP TABLE before_cut AS
SELECT d.id, v, f.* FROM (VALUES ('t', 10), ('r', 6)) d(id, last),
	generate_series(0, last) v, ot.fetch('ret', d.id, v) f;
CREATE TEMP TABLE ops_before AS SELECT * FROM ot.ops('ret', 't', 0);

-- Cut at 6 (no stored snapshot there): one is written at 6.
SELECT ot.compact('ret', 't', 6);
SELECT ot.compact('ret', 'r', 3);
SELECT doc_id IS NOT NULL AS cut, first_version FROM ot.retention_cuts ORDER BY first_version;
SELECT s.version FROM ot.snapshots s JOIN ot.documents d ON d.id = s.doc_id
WHERE d.name = 't' ORDER BY s.version;
-- The ops and snapshots before the cut are gone (ops from the latest stored
-- snapshot on would stay for the submit path, which replays from it).
SELECT min(o.version), count(*) FROM ot.operations o JOIN ot.documents d ON d.id = o.doc_id
WHERE d.name = 't';

-- Every version from the cut on reads exactly as before.
SELECT count(*) AS same FROM before_cut b, ot.fetch('ret', b.id, b.v) f
WHERE (b.id = 't' AND b.v >= 6 OR b.id = 'r' AND b.v >= 3)
  AND f.type = b.type AND f.version = b.version AND f.data = b.data;
SELECT (SELECT jsonb_agg(to_jsonb(o) ORDER BY version) FROM ot.ops('ret', 't', 6) o) =
	   (SELECT jsonb_agg(to_jsonb(o) ORDER BY version) FROM ops_before o WHERE version >= 6) AS ops_same;
SELECT * FROM ot.fetch('ret', 't');

-- Before the cut: OT007 naming the earliest readable version.
SELECT * FROM ot.fetch('ret', 't', 5);
SELECT * FROM ot.fetch('ret', 't', 0);
SELECT * FROM ot.ops('ret', 't', 5);
SELECT * FROM ot.ops('ret', 't', 0, 7);
SELECT * FROM ot.messages('ret', 'r', 2);
SELECT ot.sharedb_error_code('OT007');

-- A submit based before the cut is refused, a resend of an op from before
-- the cut too (it is not applied twice); a resend of an op kept is
-- recognised whatever its base; from the cut on, stale ops are transformed
-- as before.
SELECT * FROM ot.submit('ret', 't', 5, '[0, "y"]');
SELECT * FROM ot.submit('ret', 't', 3, '[2, "x"]', 'c1', 3);
SELECT * FROM ot.submit('ret', 't', 5, '[5, "x"]', 'c1', 6);
SELECT * FROM ot.submit('ret', 't', 6, '[6, "x"]', 'c1', 7);
SELECT * FROM ot.submit('ret', 't', 6, '["y"]', 'c3', 1);
SELECT * FROM ot.delete('ret', 'r', 2);
SELECT * FROM ot.fetch('ret', 't');

-- Compacting again moves the cut only forward; bad arguments.
SELECT ot.compact('ret', 't', 4);
SELECT ot.compact('ret', 't', 12);
SELECT ot.compact('ret', 't', 0);
SELECT ot.compact('ret', 'nothing', 1);
SELECT * FROM ot.fetch('ret', 't', 11);

-- A cut where the document did not exist: reads say it did not.
SELECT ot.delete('ret', 'r');
SELECT ot.create('ret', 'r', 'text-unicode', '"new"');
SELECT ot.compact('ret', 'r', 7);
SELECT * FROM ot.fetch('ret', 'r', 7);
SELECT * FROM ot.fetch('ret', 'r', 8);
SELECT * FROM ot.fetch('ret', 'r');

-- Policies: the last N versions, or ops newer than an interval.
SELECT ot.set_retention('ret', keep_versions => 2);
SELECT ot.set_retention('other', keep_interval => '1 day');
SELECT * FROM ot.retention_policies ORDER BY collection;
SELECT ot.create('other', 'o', 'text-unicode', '"o"');
SELECT * FROM ot.apply_retention(1);
SELECT * FROM ot.apply_retention() ORDER BY 1, 2;
SELECT * FROM ot.apply_retention();
SELECT ot.set_retention('other', keep_interval => '0 seconds');
SELECT * FROM ot.apply_retention();
SELECT * FROM ot.fetch('other', 'o');
SELECT ot.set_retention('ret', '1 day', 2);
SELECT ot.set_retention('ret', keep_versions => -1);
SELECT ot.apply_retention(0);
-- Neither: keep everything (the policy row goes).
SELECT ot.set_retention('ret');
SELECT ot.set_retention('other');
SELECT count(*) FROM ot.retention_policies;
-- Presence from a version before the cut: OT007 as well.
SELECT ot.create('ret', 'p', 'rich-text', '{"ops": [{"insert": "ab\n"}]}');
SELECT * FROM ot.submit('ret', 'p', 1, '{"ops": [{"insert": "x"}]}');
SELECT ot.compact('ret', 'p', 2);
SELECT * FROM ot.presence_at('ret', 'p', '{"index": 1, "length": 0}', 1);
SELECT * FROM ot.presence_at('ret', 'p', '{"index": 1, "length": 0}', 2);
