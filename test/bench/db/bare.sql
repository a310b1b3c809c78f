-- The ceiling: what one op costs at least, as one statement: bump a
-- document's version, append the op, and NOTIFY it.
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (
	UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp()
	WHERE id = :d RETURNING id, version - 1 AS v),
i AS (
	INSERT INTO bench.bare_ops (doc_id, version, op)
	SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *)
SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench',
	'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
