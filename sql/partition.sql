-- ot.partition_of (partition.c): a document's partition among N, the hash
-- ot.channel uses (ot/doc_hash.h) modulo N; ot.purge_foreign_documents, the
-- half of growing from N to 2N partitions that runs on each copy.
\set VERBOSITY terse
-- known values (FNV-1a 64 of collection, NUL, id, computed apart)
SELECT c, i, ot.partition_of(c, i, 1) AS p1, ot.partition_of(c, i, 2) AS p2, ot.partition_of(c, i, 4) AS p4,
	ot.partition_of(c, i, 8) AS p8, ot.partition_of(c, i, 1024) AS p1024,
	ot.partition_of(c, i, 1073741824) AS p2_30
FROM (VALUES ('docs', 'a'), ('docs', 'b'), ('notes', 'hello'), ('é', '日本'), ('', ''), ('x', 'y.z')) AS t(c, i);
-- the same hash as the channel's (pg_ot.notify_channels is 64)
SHOW pg_ot.notify_channels;
SELECT count(*) AS names, count(*) FILTER (WHERE ot.channel(c, i) = 'pg_ot_' || ot.partition_of(c, i, 64)) AS agree
FROM (SELECT 'c' || n, 'doc ' || n || ' ü' FROM generate_series(1, 500) AS n) AS t(c, i);
-- N must be a power of two from 1 to 2^30; NULLs give NULL
SELECT ot.partition_of('docs', 'a', 0);
SELECT ot.partition_of('docs', 'a', 3);
SELECT ot.partition_of('docs', 'a', -2);
SELECT ot.partition_of('docs', 'a', 2147483647);
SELECT ot.partition_of(NULL, 'a', 2), ot.partition_of('docs', NULL, 2), ot.partition_of('docs', 'a', NULL);

-- purge, in a database of its own (it purges every collection): documents
-- with ops, snapshots, a cut and grants, half of them foreign
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_partition_purge;
\c regress_partition_purge
SET client_min_messages = warning;
CREATE EXTENSION pg_ot;
RESET client_min_messages;
\set VERBOSITY terse
SET pg_ot.snapshot_interval = 2;
SELECT count(ot.create('prt', 'd' || n, CASE WHEN n % 2 = 0 THEN 'text-unicode' ELSE 'rich-text' END,
					   CASE WHEN n % 2 = 0 THEN '"ab"' ELSE '[{"insert": "ab"}]' END::jsonb))
FROM generate_series(1, 20) AS n;
SELECT count(*) FROM generate_series(1, 20) AS n, generate_series(1, 3) AS k,
	LATERAL ot.submit('prt', 'd' || n, NULL, CASE WHEN n % 2 = 0 THEN '["' || k || '"]' ELSE '[{"insert": "' || k || '"}]' END::jsonb);
SELECT ot.compact('prt', 'd1', 3), ot.compact('prt', 'd2', 3);
SELECT (SELECT count(*) FROM ot.operations) AS ops, (SELECT count(*) FROM ot.snapshots) AS snapshots,
	(SELECT count(*) FROM ot.retention_cuts) AS cuts
FROM ot.documents WHERE collection = 'prt' LIMIT 1 \gset before_
SELECT ot.channel('$grants', '') AS grants_channel \gset
SELECT ot.grant('prt', 'd' || n, 'alice', 'read') FROM generate_series(1, 20) AS n;
SELECT ot.grant('prt', NULL, 'bob', 'write');
-- a revoke would be announced on the grants' channel: none is
LISTEN :"grants_channel";
BEGIN;
SELECT ot.partition_of('prt', 'd' || n, 2) AS partition, count(*) FROM generate_series(1, 20) AS n GROUP BY 1 ORDER BY 1;
SELECT ot.purge_foreign_documents(0, 2) AS purged;
-- what is left is partition 0's, whole; the collection's grant stays
SELECT count(*) AS documents, bool_and(ot.partition_of(collection, name, 2) = 0) AS all_on_0 FROM ot.documents WHERE collection = 'prt';
SELECT count(*) AS foreign_rows FROM (
	SELECT doc_id FROM ot.operations UNION ALL SELECT doc_id FROM ot.snapshots
	UNION ALL SELECT doc_id FROM ot.retention_cuts) r
WHERE r.doc_id NOT IN (SELECT id FROM ot.documents);
SELECT name IS NULL AS collection_wide, principal, count(*), bool_and(name IS NULL OR ot.partition_of(collection, name, 2) = 0) AS on_0
FROM ot.grants WHERE collection = 'prt' GROUP BY 1, 2 ORDER BY 1;
SELECT name, version, (SELECT data FROM ot.fetch('prt', name)) FROM ot.documents
WHERE collection = 'prt' AND name IN ('d2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9') ORDER BY name;
-- twice: nothing more
SELECT ot.purge_foreign_documents(0, 2) AS purged_again;
-- what went: the other partition's documents and every row of theirs
SELECT :before_ops - (SELECT count(*) FROM ot.operations) AS ops_gone,
	:before_snapshots - (SELECT count(*) FROM ot.snapshots) AS snapshots_gone,
	:before_cuts - (SELECT count(*) FROM ot.retention_cuts) AS cuts_gone;
COMMIT;
-- nothing was announced (no revoke of the grants that moved): psql would show it here
SELECT 1 AS after_commit;
UNLISTEN *;
SELECT ot.purge_foreign_documents(2, 2);
SELECT ot.purge_foreign_documents(0, 3);
SELECT ot.purge_foreign_documents(NULL, 2);
-- superusers only
CREATE ROLE prt_admin IN ROLE ot_admin;
SET ROLE prt_admin;
SELECT ot.purge_foreign_documents(0, 2);
RESET ROLE;
DROP ROLE prt_admin;
SELECT count(*) AS documents FROM ot.documents WHERE collection = 'prt';
\c :regress_db
DROP DATABASE regress_partition_purge;
