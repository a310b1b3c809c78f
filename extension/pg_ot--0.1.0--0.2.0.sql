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
