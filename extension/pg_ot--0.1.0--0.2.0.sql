/* pg_ot--0.1.0--0.2.0.sql: update of pg_ot from 0.1.0 to 0.2.0 */

\echo Use "ALTER EXTENSION pg_ot UPDATE TO '0.2.0'" to load this file. \quit

-- Every change to an object of 0.1.0 is made here as it is made in
-- pg_ot--0.2.0.sql, so that an updated database and a fresh 0.2.0 install
-- have the same schema (make check compares their pg_dump --schema-only).

-----------------------------------------------------------------------------
-- The write path in C (submit.c, store.c, batch.c): the four functions keep
-- their signatures, comments and grants; the PL/pgSQL helpers go.
-----------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION ot.create(collection text, id text, type text, data jsonb DEFAULT NULL,
						  src text DEFAULT NULL, seq bigint DEFAULT NULL)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'pg_ot_create_document'
	LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION ot.submit(collection text, id text, base_version bigint, operation jsonb,
						  src text DEFAULT NULL, seq bigint DEFAULT NULL)
RETURNS TABLE (version bigint, op jsonb)
	AS 'MODULE_PATHNAME', 'pg_ot_submit_op'
	LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION ot.delete(collection text, id text, version bigint DEFAULT NULL,
						  src text DEFAULT NULL, seq bigint DEFAULT NULL)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'pg_ot_delete_document'
	LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION ot.submit_batch(batch jsonb) RETURNS SETOF jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_submit_batch'
	LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

DROP FUNCTION ot._submit_message(jsonb, text);
DROP FUNCTION ot._integer_field(jsonb, text);
DROP FUNCTION ot._check_name(text, text);
DROP FUNCTION ot._write(ot.documents, bigint, jsonb, jsonb, boolean, text, bigint, text);
DROP FUNCTION ot._check_create(jsonb);
DROP FUNCTION ot._check_storable(jsonb, text);
DROP FUNCTION ot._append_delete(ot.documents, text, bigint, text);
DROP FUNCTION ot._append_create(ot.documents, jsonb, text, bigint, text);
DROP FUNCTION ot._append_edit(ot.documents, jsonb, record, text, bigint, text);
DROP FUNCTION ot._reject_missing(ot.documents);
DROP FUNCTION ot._lock(text, text, boolean);
DROP FUNCTION ot._snapshot_due(bigint, bigint, bigint);
DROP FUNCTION ot._fit(text, jsonb, bigint, bigint[]);
DROP FUNCTION ot._measure(text, jsonb);

-----------------------------------------------------------------------------
-- Retention (below): the readers of a version raise OT007 before the cut.
-----------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION ot.sharedb_error_code(sqlstate text, reading boolean DEFAULT false)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE sqlstate
		WHEN 'OT001' THEN 'ERR_OT_OP_BADLY_FORMED'
		WHEN 'OT002' THEN 'ERR_OT_OP_NOT_APPLIED'
		WHEN 'OT003' THEN 'ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT'
		WHEN 'OT004' THEN 'ERR_DOC_DOES_NOT_EXIST'
		WHEN 'OT005' THEN 'ERR_DOC_ALREADY_CREATED'
		WHEN 'OT006' THEN 'ERR_DOC_WAS_DELETED'
		WHEN 'OT007' THEN 'ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND'
		WHEN '42704' THEN 'ERR_DOC_TYPE_NOT_RECOGNIZED'
		WHEN '0A000' THEN 'ERR_TYPE_DOES_NOT_SUPPORT_PRESENCE'
		WHEN '22023' THEN 'ERR_MESSAGE_BADLY_FORMED'
		WHEN '42501' THEN CASE WHEN reading THEN 'ERR_SNAPSHOT_READS_REJECTED'
							   ELSE 'ERR_OP_SUBMIT_REJECTED' END
		ELSE 'ERR_UNKNOWN_ERROR'
	END;
$$;

CREATE OR REPLACE FUNCTION ot.fetch(collection text, id text, at_version bigint DEFAULT NULL)
RETURNS TABLE (type text, version bigint, data jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	d record;
	s record;
BEGIN
	PERFORM ot._authorize($1, $2, 'read');
	SELECT o.id, o.version INTO d FROM ot.documents o WHERE o.collection = $1 AND o.name = $2;
	version := coalesce($3, d.version, 0);
	IF version < 0 THEN
		PERFORM ot._reject('22023', 'version must not be negative');
	END IF;
	IF version > coalesce(d.version, 0) THEN
		PERFORM ot._reject('OT003', format('version %s is newer than the document''s version %s',
										   version, coalesce(d.version, 0)),
			format('Document "%s" of collection "%s".', $2, $1));
	END IF;
	IF d.id IS NOT NULL THEN
		PERFORM ot._check_cut(d.id, version, $1, $2);
		s := ot._snapshot_at(d.id, version);
		type := s.type;
		data := s.data;
	END IF;
	RETURN NEXT;
END
$$;

CREATE OR REPLACE FUNCTION ot._ops(c text, n text, since bigint, upto bigint)
RETURNS SETOF ot.operations LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF since IS NULL OR since < 0 THEN
		PERFORM ot._reject('22023', 'from_version must be a version, 0 or more');
	END IF;
	PERFORM ot._check_cut(d.id, since, c, n) FROM ot.documents d
	WHERE d.collection = c AND d.name = n;
	RETURN QUERY
		SELECT o.* FROM ot.operations o JOIN ot.documents d ON d.id = o.doc_id
		WHERE d.collection = c AND d.name = n AND o.version >= since
		  AND (upto IS NULL OR o.version < upto)
		ORDER BY o.version;
END
$$;

-----------------------------------------------------------------------------
-- Retention.  A policy per collection bounds the op log; ot.compact cuts one
-- document's log at a version, keeping a snapshot there, so every version
-- from the cut on reads as before and earlier ones raise OT007.  A submit
-- based before the cut is refused (submit.c), as its resend could not be
-- recognised among the deleted ops.  Compaction does not lock the document
-- row: it deletes only ops and snapshots older than the cut and than the
-- document's latest snapshot, which no submit reads or writes.
-----------------------------------------------------------------------------

CREATE TABLE ot.retention_policies (
	collection text PRIMARY KEY
		CHECK (collection <> '' AND octet_length(collection) <= 1024),
	keep_interval interval,		-- keep the ops newer than this ...
	keep_versions bigint		-- ... or the last this many versions
		CHECK (keep_versions >= 0),
	CHECK ((keep_interval IS NULL) <> (keep_versions IS NULL))
);
COMMENT ON TABLE ot.retention_policies IS
	'how much op log each collection keeps (no row: everything)';

CREATE TABLE ot.retention_cuts (
	doc_id bigint PRIMARY KEY REFERENCES ot.documents ON DELETE CASCADE,
	first_version bigint NOT NULL CHECK (first_version > 0),	-- the earliest readable version
	cut_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE ot.retention_cuts IS
	'per compacted document, its earliest readable version (a snapshot is kept there)';

-- Raises OT007 when version v of document doc_id was compacted away.
CREATE FUNCTION ot._check_cut(doc_id bigint, v bigint, c text, n text)
RETURNS void LANGUAGE plpgsql STABLE AS $$
DECLARE
	first bigint;
BEGIN
	SELECT r.first_version INTO first FROM ot.retention_cuts r WHERE r.doc_id = $1;
	IF first IS NOT NULL AND v < first THEN
		PERFORM ot._reject('OT007', format('version %s of document "%s" of collection "%s" was compacted',
										   v, n, c),
			format('The earliest readable version is %s.', first));
	END IF;
END
$$;

CREATE FUNCTION ot.set_retention(collection text, keep_interval interval DEFAULT NULL,
								 keep_versions bigint DEFAULT NULL)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF $2 IS NOT NULL AND $3 IS NOT NULL THEN
		PERFORM ot._reject('22023', 'give keep_interval or keep_versions, not both');
	END IF;
	IF $2 IS NOT NULL AND $2 < interval '0' OR $3 < 0 THEN
		PERFORM ot._reject('22023', 'a retention must not be negative');
	END IF;
	IF $2 IS NULL AND $3 IS NULL THEN
		DELETE FROM ot.retention_policies p WHERE p.collection = $1;
	ELSE
		INSERT INTO ot.retention_policies VALUES ($1, $2, $3)
		ON CONFLICT ON CONSTRAINT retention_policies_pkey DO UPDATE
			SET keep_interval = excluded.keep_interval, keep_versions = excluded.keep_versions;
	END IF;
END
$$;
COMMENT ON FUNCTION ot.set_retention(text, interval, bigint) IS
	'sets a collection''s retention: ops newer than keep_interval, or the last keep_versions versions; neither: everything';

CREATE FUNCTION ot.compact(collection text, id text, before_version bigint)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	d record;
	s record;
	cut bigint;
	keep bigint;
BEGIN
	SELECT o.id, o.version, o.snapshot_version INTO d
	FROM ot.documents o WHERE o.collection = $1 AND o.name = $2;
	IF NOT FOUND OR d.version = 0 THEN
		PERFORM ot._reject('OT004', format('document "%s" of collection "%s" does not exist', $2, $1));
	END IF;
	IF $3 IS NULL OR $3 < 1 OR $3 > d.version THEN
		PERFORM ot._reject('22023', format('before_version must be from 1 to the document''s version %s',
										   d.version));
	END IF;
	cut := coalesce((SELECT r.first_version FROM ot.retention_cuts r WHERE r.doc_id = d.id), 0);
	IF $3 <= cut THEN
		RETURN cut;
	END IF;
	s := ot._snapshot_at(d.id, $3);
	IF s.type IS NOT NULL THEN
		INSERT INTO ot.snapshots (doc_id, version, type, data) VALUES (d.id, $3, s.type, s.data)
		ON CONFLICT DO NOTHING;
	END IF;
	-- The latest snapshot and the ops after it are what submits replay.
	keep := least($3, d.snapshot_version);
	DELETE FROM ot.operations o WHERE o.doc_id = d.id AND o.version < keep;
	DELETE FROM ot.snapshots o WHERE o.doc_id = d.id AND o.version < keep;
	INSERT INTO ot.retention_cuts (doc_id, first_version) VALUES (d.id, $3)
	ON CONFLICT (doc_id) DO UPDATE
		SET first_version = greatest(ot.retention_cuts.first_version, excluded.first_version),
			cut_at = pg_catalog.clock_timestamp();
	RETURN $3;
END
$$;
COMMENT ON FUNCTION ot.compact(text, text, bigint) IS
	'deletes a document''s ops before a version, keeping a snapshot there; returns its earliest readable version';

CREATE FUNCTION ot.apply_retention(max_documents integer DEFAULT 100)
RETURNS TABLE (collection text, id text, first_version bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r record;
BEGIN
	IF $1 IS NULL OR $1 < 1 THEN
		PERFORM ot._reject('22023', 'max_documents must be 1 or more');
	END IF;
	FOR r IN
		SELECT t.collection, t.name, t.want FROM (
			SELECT d.collection, d.name, coalesce(c.first_version, 0) AS cut,
				CASE WHEN p.keep_versions IS NOT NULL THEN d.version - p.keep_versions
					 ELSE coalesce((SELECT min(o.version) FROM ot.operations o
									WHERE o.doc_id = d.id
									  AND o.created_at > pg_catalog.clock_timestamp() - p.keep_interval),
								   d.version) END AS want
			FROM ot.retention_policies p
			JOIN ot.documents d ON d.collection = p.collection
			LEFT JOIN ot.retention_cuts c ON c.doc_id = d.id) t
		WHERE t.want > t.cut AND t.want >= 1
		ORDER BY t.want - t.cut DESC
		LIMIT $1
	LOOP
		collection := r.collection;
		id := r.name;
		first_version := ot.compact(r.collection, r.name, r.want);
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION ot.apply_retention(integer) IS
	'compacts at most max_documents documents as their collections'' policies say; returns what it cut';

REVOKE ALL ON FUNCTION ot._check_cut(bigint, bigint, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ot.set_retention(text, interval, bigint), ot.compact(text, text, bigint),
	ot.apply_retention(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ot.set_retention(text, interval, bigint), ot.compact(text, text, bigint),
	ot.apply_retention(integer) TO ot_admin;
GRANT SELECT ON ot.retention_policies, ot.retention_cuts TO ot_admin;

-- Presence from a version before the cut raises OT007 too.
CREATE OR REPLACE FUNCTION ot.presence_at(collection text, id text, range jsonb, base_version bigint,
							   src text DEFAULT NULL)
RETURNS TABLE (version bigint, presence jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	d record;
	o record;
BEGIN
	PERFORM ot._authorize($1, $2, 'read');
	IF $4 IS NULL OR $4 < 0 THEN
		PERFORM ot._reject('22023', 'base_version must be a version, 0 or more');
	END IF;
	-- STABLE: the row and the ops below are read in one snapshot.
	SELECT x.id, x.type, x.version INTO d FROM ot.documents x WHERE x.collection = $1 AND x.name = $2;
	version := coalesce(d.version, 0);
	IF $4 > version THEN
		PERFORM ot._reject('OT003', format('version %s is newer than the document''s version %s',
										   $4, version),
			format('Document "%s" of collection "%s".', $2, $1));
	END IF;
	IF d.id IS NOT NULL AND $4 < version THEN
		PERFORM ot._check_cut(d.id, $4, $1, $2);
	END IF;
	IF EXISTS (SELECT FROM ot.operations x
			   WHERE x.doc_id = d.id AND x.version >= $4 AND x.version < presence_at.version
				 AND (x.del OR x.create_data IS NOT NULL)) THEN
		presence := 'null';
		RETURN NEXT;
		RETURN;
	END IF;
	IF d.type IS NULL THEN
		PERFORM ot._reject('OT004', format('document "%s" of collection "%s" does not exist', $2, $1),
			CASE WHEN version > 0 THEN format('It was deleted at version %s.', version - 1) END);
	END IF;
	IF d.type <> 'http://sharejs.org/types/rich-text/v1' THEN
		PERFORM ot._reject('0A000', format('documents of type %s do not support presence',
			CASE d.type WHEN 'http://sharejs.org/types/text-unicode' THEN 'text-unicode' ELSE d.type END),
			format('Document "%s" of collection "%s"; only rich-text has presence.', $2, $1));
	END IF;
	presence := coalesce($3, 'null');
	IF presence = 'null' THEN
		RETURN NEXT;
		RETURN;
	END IF;
	FOR o IN SELECT x.op, x.src FROM ot.operations x
			 WHERE x.doc_id = d.id AND x.version >= $4 AND x.version < presence_at.version
			 ORDER BY x.version LOOP
		presence := ot.transform_presence(d.type, presence, o.op, coalesce(o.src = $5, false));
	END LOOP;
	RETURN NEXT;
END
$$;

-----------------------------------------------------------------------------
-- Queries (query.c): the documents of a collection matching a ShareDB query
-- in sharedb-mongo's language (a subset), the readable ones only.  $count's
-- answer, ShareDB's "extra", is ot.query_extra's.
-----------------------------------------------------------------------------

CREATE FUNCTION ot.query(collection text, query jsonb)
RETURNS TABLE (id text, type text, version bigint, data jsonb, ctime timestamptz, mtime timestamptz)
	AS 'MODULE_PATHNAME', 'pg_ot_query'
	LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION ot.query(text, jsonb) IS
	'the documents of a collection the acting user may read that match a query ($eq $ne $in $nin $gt $gte $lt $lte $exists $and $or on dotted paths and _id _type _v _m.ctime _m.mtime; $sort $skip $limit; none with $count)';

CREATE FUNCTION ot.query_extra(collection text, query jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_query_extra'
	LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION ot.query_extra(text, jsonb) IS
	'a query''s ShareDB extra: with $count, how many readable documents match (after $skip and $limit); else null';

REVOKE ALL ON FUNCTION ot.query(text, jsonb), ot.query_extra(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ot.query(text, jsonb), ot.query_extra(text, jsonb)
	TO ot_user, ot_gateway, ot_admin;

-----------------------------------------------------------------------------
-- Partitions (partition.c; README "Partitions").  Documents may live on N
-- PostgreSQL primaries, each with pg_ot: a document is on partition
-- ot.partition_of(collection, id, N), its channel's hash modulo N.
-----------------------------------------------------------------------------

CREATE FUNCTION ot.partition_of(collection text, id text, partitions integer) RETURNS integer
	AS 'MODULE_PATHNAME', 'pg_ot_partition_of'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.partition_of(text, text, integer) IS
	'the partition (0 to partitions - 1) of a document among partitions, a power of two: FNV-1a of collection, NUL, id modulo partitions';

-- Growing from N to 2N partitions (test/partition/clusters.sh double; README, Partitions): partition
-- p + N starts as a physical copy of p, then each of the two removes the
-- documents that are the other's.  With session_replication_role = replica
-- (so superusers only) no trigger fires: the grants that go were not
-- revoked, only moved, and the rows go in any order.
CREATE FUNCTION ot.purge_foreign_documents(partition integer, partitions integer) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET session_replication_role = replica AS $$
DECLARE
	gone bigint;
BEGIN
	IF $1 IS NULL OR $2 IS NULL OR $1 < 0 OR $1 >= $2 THEN
		RAISE EXCEPTION 'partition must be from 0 to partitions - 1, not % of %', $1, $2
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM ot.partition_of('', '', $2);	-- partitions is a power of two
	WITH foreign_docs AS MATERIALIZED (
			SELECT d.id FROM ot.documents d WHERE ot.partition_of(d.collection, d.name, $2) <> $1),
		o AS (DELETE FROM ot.operations x USING foreign_docs f WHERE x.doc_id = f.id),
		s AS (DELETE FROM ot.snapshots x USING foreign_docs f WHERE x.doc_id = f.id),
		c AS (DELETE FROM ot.retention_cuts x USING foreign_docs f WHERE x.doc_id = f.id),
		d AS (DELETE FROM ot.documents x USING foreign_docs f WHERE x.id = f.id RETURNING 1)
	SELECT count(*) INTO gone FROM d;
	-- Grants on one document go with it; a collection's stay on every partition.
	DELETE FROM ot.grants g
	WHERE g.name IS NOT NULL AND ot.partition_of(g.collection, g.name, $2) <> $1;
	RETURN gone;
END
$$;
COMMENT ON FUNCTION ot.purge_foreign_documents(integer, integer) IS
	'deletes the documents (ops, snapshots, cuts, grants) that are not on partition of partitions; returns how many (superusers only: for growing by copies)';
REVOKE ALL ON FUNCTION ot.purge_foreign_documents(integer, integer) FROM PUBLIC;
