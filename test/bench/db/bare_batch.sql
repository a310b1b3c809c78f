-- The same work as batch.sql in bare SQL: 50 ops in one transaction, each
-- one prepared statement (pgbench -M prepared) that bumps a document's
-- version, appends the op and NOTIFYs it, on a random one of the 100
-- documents.  Generated: 50 copies of the statement of bare.sql.
BEGIN;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
\set d random(0, 99)
\set pos random(1, 999)
WITH u AS (UPDATE bench.bare_docs SET version = version + 1, updated_at = clock_timestamp() WHERE id = :d RETURNING id, version - 1 AS v), i AS (INSERT INTO bench.bare_ops (doc_id, version, op) SELECT id, v, jsonb_build_array(:pos::int, 'x') FROM u RETURNING *) SELECT pg_notify('bench_' || doc_id, jsonb_build_object('a', 'op', 'c', 'bench', 'd', 'many' || doc_id, 'v', version, 'op', op)::text) FROM i;
COMMIT;
