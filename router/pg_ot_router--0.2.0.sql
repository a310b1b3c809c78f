/* pg_ot_router--0.2.0.sql: install script of pg_ot_router 0.2.0 */

\echo Use "CREATE EXTENSION pg_ot_router CASCADE" to load this file. \quit

-- A router database: pg_ot's document API under pg_ot's names and
-- signatures, each call run by PL/Proxy on the partition that holds its
-- document (cluster pg_ot: a SQL/MED server of that name whose options
-- p0 .. p(N-1) are the partitions' conninfos; ot.set_partitions makes it).
-- The partition's pg_ot does every check; PL/Proxy connects to it as the
-- caller's role (current_user), so a role acts there as itself.  README
-- "Partitions".

COMMENT ON SCHEMA ot IS 'pg_ot_router: pg_ot''s document API, each call run on its document''s partition (PL/Proxy cluster pg_ot)';

-- pg_ot's roles, so that the router grants what pg_ot grants.  Roles belong
-- to the cluster: created only if missing, they stay after DROP EXTENSION.
DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['ot_user', 'ot_gateway', 'ot_admin'] LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
		END IF;
	END LOOP;
END
$$;

GRANT USAGE ON SCHEMA ot TO PUBLIC;

-----------------------------------------------------------------------------
-- The mapping and the cluster.
-----------------------------------------------------------------------------

CREATE FUNCTION ot.partition_of(collection text, id text, partitions integer) RETURNS integer
	AS 'MODULE_PATHNAME', 'pg_ot_router_partition_of'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.partition_of(text, text, integer) IS
	'the partition (0 to partitions - 1) of a document among partitions, a power of two: as pg_ot''s ot.partition_of';

-- The low 32 bits of the document's hash: PL/Proxy runs a call on partition
-- hash & (N - 1), which is ot.partition_of(collection, id, N).  (Never set
-- the cluster's modular_mapping: it maps with % instead.)
CREATE FUNCTION ot._hash(collection text, id text) RETURNS integer
	AS 'MODULE_PATHNAME', 'pg_ot_router_hash'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION ot.partitions() RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT count(*)::integer
	FROM pg_catalog.pg_foreign_server s, pg_catalog.pg_options_to_table(s.srvoptions) o
	WHERE s.srvname = 'pg_ot' AND o.option_name ~ '^p[0-9]+$';
$$;
COMMENT ON FUNCTION ot.partitions() IS
	'how many partitions cluster pg_ot has (0: none defined yet)';

CREATE FUNCTION ot.partition_conninfos() RETURNS TABLE (partition integer, conninfo text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT substr(o.option_name, 2)::integer, o.option_value
	FROM pg_catalog.pg_foreign_server s, pg_catalog.pg_options_to_table(s.srvoptions) o
	WHERE s.srvname = 'pg_ot' AND o.option_name ~ '^p[0-9]+$'
	ORDER BY 1;
$$;
COMMENT ON FUNCTION ot.partition_conninfos() IS
	'the partitions of cluster pg_ot in order, each with its conninfo (what a gateway connects to)';

-- Where a grant runs: on the document's partition, or, for a whole
-- collection (id NULL), on every partition.
CREATE FUNCTION ot._hashes(collection text, id text) RETURNS SETOF integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT ot._hash($1, $2) WHERE $2 IS NOT NULL
	UNION ALL
	SELECT p FROM pg_catalog.generate_series(0, ot.partitions() - 1) AS p WHERE $2 IS NULL;
$$;

-- Defines cluster pg_ot: server pg_ot of the plproxy wrapper with options
-- p0 .. p(N-1), one conninfo per partition in order (N a power of two), a
-- user mapping for PUBLIC with no user (PL/Proxy then connects as the
-- caller's role), and USAGE for pg_ot's roles.  Run again with 2N
-- conninfos after growing (test/partition/clusters.sh double; README, Partitions); sessions of the
-- router see the change at their next call.
CREATE FUNCTION ot.set_partitions(conninfos text[]) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	n integer := coalesce(cardinality(conninfos), 0);
	opts text[] := '{}';
	have text[];
	i integer;
BEGIN
	IF n = 0 OR n > 1073741824 OR (n & (n - 1)) <> 0 OR array_position(conninfos, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'conninfos must be a power of two of conninfos, one per partition, not %', n
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT array_agg(o.option_name) INTO have
	FROM pg_foreign_server s, pg_options_to_table(s.srvoptions) o WHERE s.srvname = 'pg_ot';
	IF NOT EXISTS (SELECT FROM pg_foreign_server WHERE srvname = 'pg_ot') THEN
		FOR i IN 0 .. n - 1 LOOP
			opts := opts || format('p%s %L', i, conninfos[i + 1]);
		END LOOP;
		EXECUTE format('CREATE SERVER pg_ot FOREIGN DATA WRAPPER plproxy OPTIONS (%s)',
					   array_to_string(opts, ', '));
	ELSE
		FOR i IN 0 .. n - 1 LOOP
			opts := opts || format('%s p%s %L', CASE WHEN format('p%s', i) = ANY (have) THEN 'SET' ELSE 'ADD' END,
								   i, conninfos[i + 1]);
		END LOOP;
		opts := opts || ARRAY(SELECT format('DROP %I', h) FROM unnest(have) h
							  WHERE h ~ '^p[0-9]+$' AND substr(h, 2)::bigint >= n);
		EXECUTE format('ALTER SERVER pg_ot OPTIONS (%s)', array_to_string(opts, ', '));
	END IF;
	IF NOT EXISTS (SELECT FROM pg_user_mappings WHERE srvname = 'pg_ot' AND usename = 'public') THEN
		CREATE USER MAPPING FOR PUBLIC SERVER pg_ot;
	END IF;
	GRANT USAGE ON FOREIGN SERVER pg_ot TO ot_user, ot_gateway, ot_admin;
	RETURN n;
END
$$;
COMMENT ON FUNCTION ot.set_partitions(text[]) IS
	'defines cluster pg_ot: one conninfo per partition, in order, a power of two of them; returns how many (superusers only)';

-----------------------------------------------------------------------------
-- The document API: on the document's partition.
-----------------------------------------------------------------------------

CREATE FUNCTION ot.create(collection text, id text, type text, data jsonb DEFAULT NULL,
						  src text DEFAULT NULL, seq bigint DEFAULT NULL)
RETURNS bigint LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(collection, id);
$$;
COMMENT ON FUNCTION ot.create(text, text, text, jsonb, text, bigint) IS
	'pg_ot''s ot.create, on the document''s partition';

CREATE FUNCTION ot.submit(collection text, id text, base_version bigint, operation jsonb,
						  src text DEFAULT NULL, seq bigint DEFAULT NULL)
RETURNS TABLE (version bigint, op jsonb) LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(collection, id);
$$;
COMMENT ON FUNCTION ot.submit(text, text, bigint, jsonb, text, bigint) IS
	'pg_ot''s ot.submit, on the document''s partition';

CREATE FUNCTION ot.delete(collection text, id text, version bigint DEFAULT NULL,
						  src text DEFAULT NULL, seq bigint DEFAULT NULL)
RETURNS bigint LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(collection, id);
$$;
COMMENT ON FUNCTION ot.delete(text, text, bigint, text, bigint) IS
	'pg_ot''s ot.delete, on the document''s partition';

CREATE FUNCTION ot.fetch(collection text, id text, at_version bigint DEFAULT NULL)
RETURNS TABLE (type text, version bigint, data jsonb) LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(collection, id);
$$;
COMMENT ON FUNCTION ot.fetch(text, text, bigint) IS
	'pg_ot''s ot.fetch, on the document''s partition';

CREATE FUNCTION ot.fetch_at(collection text, id text, at timestamptz)
RETURNS TABLE (type text, version bigint, data jsonb) LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(collection, id);
$$;
COMMENT ON FUNCTION ot.fetch_at(text, text, timestamptz) IS
	'pg_ot''s ot.fetch_at, on the document''s partition (its clock)';

CREATE FUNCTION ot.ops(collection text, id text, from_version bigint, to_version bigint DEFAULT NULL)
RETURNS TABLE (version bigint, op jsonb, "create" jsonb, del boolean, src text, seq bigint,
			   user_id text, created_at timestamptz) LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(collection, id);
$$;
COMMENT ON FUNCTION ot.ops(text, text, bigint, bigint) IS
	'pg_ot''s ot.ops, on the document''s partition';

CREATE FUNCTION ot.messages(collection text, id text, from_version bigint,
							to_version bigint DEFAULT NULL)
RETURNS SETOF jsonb LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(collection, id);
$$;
COMMENT ON FUNCTION ot.messages(text, text, bigint, bigint) IS
	'pg_ot''s ot.messages, on the document''s partition';

CREATE FUNCTION ot.presence_at(collection text, id text, range jsonb, base_version bigint,
							   src text DEFAULT NULL)
RETURNS TABLE (version bigint, presence jsonb) LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(collection, id);
$$;
COMMENT ON FUNCTION ot.presence_at(text, text, jsonb, bigint, text) IS
	'pg_ot''s ot.presence_at, on the document''s partition';

CREATE FUNCTION ot.channel(collection text, id text) RETURNS text LANGUAGE plproxy STRICT AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(collection, id);
$$;
COMMENT ON FUNCTION ot.channel(text, text) IS
	'pg_ot''s ot.channel: the NOTIFY channel of the document on its partition';

CREATE FUNCTION ot.compact(collection text, id text, before_version bigint)
RETURNS bigint LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(collection, id);
$$;
COMMENT ON FUNCTION ot.compact(text, text, bigint) IS
	'pg_ot''s ot.compact, on the document''s partition';

-- A channel may name several (collection, id), which may be on several
-- partitions: through the router the document must be given.
CREATE FUNCTION ot._authorize_presence(channel text, doc_collection text, doc_id text)
RETURNS TABLE (collection text, id text) LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hash(doc_collection, doc_id);
	TARGET ot.authorize_presence;
$$;

CREATE FUNCTION ot.authorize_presence(channel text, doc_collection text DEFAULT NULL,
									  doc_id text DEFAULT NULL)
RETURNS TABLE (collection text, id text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF $2 IS NULL AND $3 IS NULL THEN
		RAISE EXCEPTION 'through the router, ot.authorize_presence needs doc_collection and doc_id'
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'The documents a channel may name can be on several partitions.';
	END IF;
	RETURN QUERY SELECT * FROM ot._authorize_presence($1, $2, $3);
END
$$;
COMMENT ON FUNCTION ot.authorize_presence(text, text, text) IS
	'pg_ot''s ot.authorize_presence, on the partition of the document given (doc_collection and doc_id are required here)';

-----------------------------------------------------------------------------
-- Grants and retention: one document's on its partition, a collection's on
-- every partition.  Each partition commits its part alone: if one fails,
-- the others have done theirs; ot.grant, ot.revoke and ot.set_retention
-- are idempotent, so run the call again.
-----------------------------------------------------------------------------

CREATE FUNCTION ot._grant(collection text, id text, principal text, access text)
RETURNS SETOF integer LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hashes(collection, id);
	SELECT 1 FROM ot.grant(collection, id, principal, access);
$$;

CREATE FUNCTION ot.grant(collection text, id text, principal text, access text)
RETURNS void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT count(*) FROM ot._grant($1, $2, $3, $4);
$$;
COMMENT ON FUNCTION ot.grant(text, text, text, text) IS
	'pg_ot''s ot.grant: on the document''s partition, or on every partition when id is null';

CREATE FUNCTION ot._revoke(collection text, id text, principal text)
RETURNS SETOF boolean LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ot._hashes(collection, id);
	TARGET ot.revoke;
$$;

CREATE FUNCTION ot.revoke(collection text, id text, principal text)
RETURNS boolean LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT coalesce(bool_or(r), false) FROM ot._revoke($1, $2, $3) AS r;
$$;
COMMENT ON FUNCTION ot.revoke(text, text, text) IS
	'pg_ot''s ot.revoke: on the document''s partition, or on every partition when id is null; true if any had the grant';

CREATE FUNCTION ot._set_retention(collection text, keep_interval interval, keep_versions bigint)
RETURNS SETOF integer LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ALL;
	SELECT 1 FROM ot.set_retention(collection, keep_interval, keep_versions);
$$;

CREATE FUNCTION ot.set_retention(collection text, keep_interval interval DEFAULT NULL,
								 keep_versions bigint DEFAULT NULL)
RETURNS void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT count(*) FROM ot._set_retention($1, $2, $3);
$$;
COMMENT ON FUNCTION ot.set_retention(text, interval, bigint) IS
	'pg_ot''s ot.set_retention, on every partition';

CREATE FUNCTION ot.apply_retention(max_documents integer DEFAULT 100)
RETURNS TABLE (collection text, id text, first_version bigint) LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ALL;
$$;
COMMENT ON FUNCTION ot.apply_retention(integer) IS
	'pg_ot''s ot.apply_retention on every partition (each compacts up to max_documents)';

-----------------------------------------------------------------------------
-- Queries span a collection, so every partition: their rows, merged.
-- Without an order across partitions, $sort, $skip and $limit are refused;
-- $count is the sum of the partitions' counts.
-----------------------------------------------------------------------------

CREATE FUNCTION ot._query_spans(query jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF jsonb_typeof(query) = 'object' AND query ?| ARRAY['$sort', '$skip', '$limit'] THEN
		RAISE EXCEPTION 'through the router, a query may not have $sort, $skip or $limit'
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'A collection''s documents are on every partition, and the router does not order their merged rows.',
				  HINT = 'Order the rows in SQL (ORDER BY), or query each partition.';
	END IF;
END
$$;

CREATE FUNCTION ot._query(collection text, query jsonb)
RETURNS TABLE (id text, type text, version bigint, data jsonb, ctime timestamptz, mtime timestamptz)
LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ALL;
	TARGET ot.query;
$$;

CREATE FUNCTION ot.query(collection text, query jsonb)
RETURNS TABLE (id text, type text, version bigint, data jsonb, ctime timestamptz, mtime timestamptz)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM ot._query_spans($2);
	RETURN QUERY SELECT * FROM ot._query($1, $2);
END
$$;
COMMENT ON FUNCTION ot.query(text, jsonb) IS
	'pg_ot''s ot.query on every partition, the rows merged in no order ($sort, $skip and $limit refused: 0A000)';

CREATE FUNCTION ot._query_extra(collection text, query jsonb) RETURNS SETOF jsonb
LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ALL;
	TARGET ot.query_extra;
$$;

CREATE FUNCTION ot.query_extra(collection text, query jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM ot._query_spans($2);
	RETURN (SELECT to_jsonb(sum(e::text::bigint)) FROM ot._query_extra($1, $2) AS e
			WHERE e IS NOT NULL AND e <> 'null');
END
$$;
COMMENT ON FUNCTION ot.query_extra(text, jsonb) IS
	'pg_ot''s ot.query_extra: with $count, the sum of every partition''s count; else null';

-----------------------------------------------------------------------------
-- The rest of pg_ot's SQL API, on any partition: the acting user as the
-- partitions see it, and the pure functions.
-----------------------------------------------------------------------------

CREATE FUNCTION ot.current_principal() RETURNS text LANGUAGE plproxy AS $$
	CLUSTER 'pg_ot';
	RUN ON ANY;
$$;
COMMENT ON FUNCTION ot.current_principal() IS
	'pg_ot''s ot.current_principal on a partition: the role this session acts as there';

CREATE FUNCTION ot.sharedb_error_code(sqlstate text, reading boolean DEFAULT false)
RETURNS text LANGUAGE plproxy AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;
CREATE FUNCTION ot.apply(type text, snapshot jsonb, op jsonb)
RETURNS jsonb LANGUAGE plproxy STRICT AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;
CREATE FUNCTION ot.transform(type text, op jsonb, other jsonb, side text)
RETURNS jsonb LANGUAGE plproxy STRICT AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;
CREATE FUNCTION ot.compose(type text, a jsonb, b jsonb)
RETURNS jsonb LANGUAGE plproxy STRICT AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;
CREATE FUNCTION ot.normalize(type text, op jsonb)
RETURNS jsonb LANGUAGE plproxy STRICT AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;
CREATE FUNCTION ot.transform_cursor(type text, cursor int, op jsonb, is_own_op bool DEFAULT false)
RETURNS int LANGUAGE plproxy STRICT AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;
CREATE FUNCTION ot.transform_presence(type text, presence jsonb, op jsonb, is_own_op bool DEFAULT false)
RETURNS jsonb LANGUAGE plproxy STRICT AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;
CREATE FUNCTION ot.invert(type text, op jsonb, snapshot jsonb)
RETURNS jsonb LANGUAGE plproxy STRICT AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;
CREATE FUNCTION ot.create_data(type text, data jsonb DEFAULT NULL)
RETURNS jsonb LANGUAGE plproxy AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;
CREATE FUNCTION ot.apply_ops(type text, snapshot jsonb, ops jsonb[])
RETURNS jsonb LANGUAGE plproxy STRICT AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;
CREATE FUNCTION ot.type_uri(type text)
RETURNS text LANGUAGE plproxy STRICT AS $$ CLUSTER 'pg_ot'; RUN ON ANY; $$;

-----------------------------------------------------------------------------
-- Privileges, as pg_ot's.  They only spare a trip: each partition checks
-- again, and its grants decide.
-----------------------------------------------------------------------------

DO $$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
			 WHERE p.pronamespace = 'ot'::regnamespace
			   AND p.proname NOT IN ('partition_of', 'partitions', 'partition_conninfos', 'channel', 'current_principal', 'sharedb_error_code',
									 'apply', 'transform', 'compose', 'normalize', 'transform_cursor',
									 'transform_presence', 'invert', 'create_data', 'apply_ops', 'type_uri')
	LOOP
		EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
	END LOOP;
END
$$;

GRANT EXECUTE ON FUNCTION
	ot.create(text, text, text, jsonb, text, bigint),
	ot.submit(text, text, bigint, jsonb, text, bigint),
	ot.delete(text, text, bigint, text, bigint),
	ot.fetch(text, text, bigint),
	ot.fetch_at(text, text, timestamptz),
	ot.ops(text, text, bigint, bigint),
	ot.messages(text, text, bigint, bigint),
	ot.presence_at(text, text, jsonb, bigint, text),
	ot.authorize_presence(text, text, text), ot._authorize_presence(text, text, text),
	ot.query(text, jsonb), ot._query(text, jsonb), ot._query_spans(jsonb),
	ot.query_extra(text, jsonb), ot._query_extra(text, jsonb),
	ot._hash(text, text)
	TO ot_user, ot_gateway, ot_admin;
GRANT EXECUTE ON FUNCTION
	ot.grant(text, text, text, text), ot._grant(text, text, text, text),
	ot.revoke(text, text, text), ot._revoke(text, text, text),
	ot.set_retention(text, interval, bigint), ot._set_retention(text, interval, bigint),
	ot.compact(text, text, bigint),
	ot.apply_retention(integer),
	ot._hashes(text, text)
	TO ot_admin;
