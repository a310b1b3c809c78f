/* pg_ot--0.2.0.sql: install script of pg_ot 0.2.0 */

\echo Use "CREATE EXTENSION pg_ot" to load this file. \quit

COMMENT ON SCHEMA ot IS 'pg_ot: operational transformation types, documents and ops';

-- Pure functions over the OT types.  "type" is a type name ('text-unicode',
-- 'rich-text') or its URI ('http://sharejs.org/types/text-unicode',
-- 'http://sharejs.org/types/rich-text/v1').

CREATE FUNCTION ot.apply(type text, snapshot jsonb, op jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_apply'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.apply(text, jsonb, jsonb) IS
	'the snapshot with op applied';

CREATE FUNCTION ot.transform(type text, op jsonb, other jsonb, side text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_transform'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.transform(text, jsonb, jsonb, text) IS
	'op transformed to apply after other; side (left or right) breaks ties as the type does';

CREATE FUNCTION ot.compose(type text, a jsonb, b jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_compose'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.compose(text, jsonb, jsonb) IS
	'one op with the effect of a followed by b';

CREATE FUNCTION ot.normalize(type text, op jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_normalize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.normalize(text, jsonb) IS
	'op in canonical form: empty components dropped, neighbours merged';

CREATE FUNCTION ot.transform_cursor(type text, cursor int, op jsonb,
									is_own_op bool DEFAULT false) RETURNS int
	AS 'MODULE_PATHNAME', 'pg_ot_transform_cursor'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.transform_cursor(text, int, jsonb, bool) IS
	'where a cursor position lands once op is applied';

CREATE FUNCTION ot.transform_presence(type text, presence jsonb, op jsonb,
									  is_own_op bool DEFAULT false) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_transform_presence'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.transform_presence(text, jsonb, jsonb, bool) IS
	'a presence range {index, length} once op is applied (rich-text)';

CREATE FUNCTION ot.invert(type text, op jsonb, snapshot jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_invert'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.invert(text, jsonb, jsonb) IS
	'the op that undoes op once op has been applied to snapshot';

CREATE FUNCTION ot.create_data(type text, data jsonb DEFAULT NULL) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_create_data'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ot.create_data(text, jsonb) IS
	'the initial snapshot of a new document of the type';

CREATE FUNCTION ot.apply_ops(type text, snapshot jsonb, ops jsonb[]) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_apply_ops'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.apply_ops(text, jsonb, jsonb[]) IS
	'the snapshot with ops applied in turn (composed pairwise, then applied once)';

CREATE FUNCTION ot.type_uri(type text) RETURNS text
	AS 'MODULE_PATHNAME', 'pg_ot_type_uri'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.type_uri(text) IS
	'the URI of a type given by name or URI';

-----------------------------------------------------------------------------
-- Roles.  Roles belong to the cluster, so they are created only if missing
-- and survive DROP EXTENSION.
--   ot_user     edits documents as itself (its role name is the principal)
--   ot_gateway  edits for the users it authenticates (sets pg_ot.user)
--   ot_admin    grants access; reads and edits every document as itself
-----------------------------------------------------------------------------

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
-- Documents, their op log and stored snapshots.  No role but the owner
-- touches these tables; everyone goes through the functions below, which
-- check ot.grants.
-----------------------------------------------------------------------------

CREATE TABLE ot.documents (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	collection text NOT NULL
		CHECK (collection <> '' AND octet_length(collection) <= 1024),
	name text NOT NULL
		CHECK (name <> '' AND octet_length(name) <= 1024),
	type text,					-- the type's URI; NULL before create, after delete
	version bigint NOT NULL DEFAULT 0,	-- ops applied, counting create and delete
	length bigint NOT NULL DEFAULT 0,	-- in the type's units
	astral bigint[] DEFAULT '{}',	-- where characters past U+FFFF start (rich-text);
									-- NULL: too many to track
	snapshot_version bigint NOT NULL DEFAULT 0,	-- latest row of ot.snapshots
	snapshot_bytes bigint NOT NULL DEFAULT 0,	-- its stored size
	tail_bytes bigint NOT NULL DEFAULT 0,	-- stored size of the ops after it
	created_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	updated_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	UNIQUE (collection, name)
) WITH (fillfactor = 70);		-- room for HOT updates: one per op
COMMENT ON TABLE ot.documents IS
	'one row per document (collection, name); its version, type and snapshot bookkeeping';

CREATE TABLE ot.operations (
	doc_id bigint NOT NULL REFERENCES ot.documents ON DELETE CASCADE,
	version bigint NOT NULL,	-- the version the op applied to (ShareDB op.v)
	op jsonb,					-- an edit, as transformed and applied
	create_data jsonb,			-- a create: {"type": uri, "data": ...} as submitted
	del boolean NOT NULL DEFAULT false,	-- a delete
	src text,					-- the submitting client (ShareDB src) ...
	seq bigint,					-- ... and its op number: together, the op's identity
	user_id text NOT NULL,		-- the principal that submitted it
	created_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	PRIMARY KEY (doc_id, version),
	CHECK ((op IS NOT NULL)::int + (create_data IS NOT NULL)::int + del::int = 1),
	CHECK ((src IS NULL) = (seq IS NULL))
);
COMMENT ON TABLE ot.operations IS
	'every op ever applied to a document, in version order';
-- A resend is found by the submit path; this makes a second apply impossible.
CREATE UNIQUE INDEX operations_src_seq ON ot.operations (doc_id, src, seq)
	WHERE src IS NOT NULL;

CREATE TABLE ot.snapshots (
	doc_id bigint NOT NULL REFERENCES ot.documents ON DELETE CASCADE,
	version bigint NOT NULL,	-- the snapshot after this many ops
	type text NOT NULL,
	data jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	PRIMARY KEY (doc_id, version)
);
-- lz4 compresses and decompresses large snapshots several times faster
-- than pglz; use it where the server has it.
DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_settings
			   WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
		ALTER TABLE ot.snapshots ALTER COLUMN data SET COMPRESSION lz4;
	END IF;
END
$$;
COMMENT ON TABLE ot.snapshots IS
	'stored snapshots: one at each create, then whenever the ops since the last one reach pg_ot.snapshot_interval or outweigh it';

CREATE TABLE ot.grants (
	collection text NOT NULL,
	name text,					-- NULL: every document of the collection
	principal text NOT NULL,	-- a user, ''*'' (any authenticated user) or ''anonymous''
	access text NOT NULL CHECK (access IN ('read', 'write')),
	UNIQUE NULLS NOT DISTINCT (collection, name, principal)
);
COMMENT ON TABLE ot.grants IS
	'who may read or write which documents; write implies read; nothing is allowed without a grant';

-- Keys the extension and the gateways share, and nobody else: 'notify' signs
-- the notifications the extension writes (any role that can connect may
-- NOTIFY, so a gateway trusts only signed ones); 'session' signs the client
-- ids a gateway issues.  Made at CREATE EXTENSION from the server's strong
-- random source; not dumped, so a restored database gets keys of its own.
CREATE TABLE ot.secrets (
	purpose text PRIMARY KEY,
	secret bytea NOT NULL CHECK (octet_length(secret) >= 32)
);
COMMENT ON TABLE ot.secrets IS
	'keys shared by the extension and the gateways (readable by ot_gateway only)';
INSERT INTO ot.secrets
SELECT purpose, pg_catalog.decode(pg_catalog.replace(
		pg_catalog.gen_random_uuid()::text || pg_catalog.gen_random_uuid()::text ||
		pg_catalog.gen_random_uuid()::text, '-', ''), 'hex')
FROM (VALUES ('notify'), ('session')) AS p(purpose);
REVOKE ALL ON ot.secrets FROM PUBLIC;
GRANT SELECT ON ot.secrets TO ot_gateway;

SELECT pg_catalog.pg_extension_config_dump('ot.documents', '');
SELECT pg_catalog.pg_extension_config_dump('ot.operations', '');
SELECT pg_catalog.pg_extension_config_dump('ot.snapshots', '');
SELECT pg_catalog.pg_extension_config_dump('ot.grants', '');
SELECT pg_catalog.pg_extension_config_dump(
	pg_catalog.pg_get_serial_sequence('ot.documents', 'id'), '');

-----------------------------------------------------------------------------
-- Who acts, and may they.
-----------------------------------------------------------------------------

CREATE FUNCTION ot.current_principal() RETURNS text
	AS 'MODULE_PATHNAME', 'pg_ot_current_principal'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ot.current_principal() IS
	'the user pg_ot acts for: pg_ot.user when a member of ot_gateway set it, else the SQL role';

CREATE FUNCTION ot._is_admin() RETURNS boolean
	AS 'MODULE_PATHNAME', 'pg_ot_is_admin'
	LANGUAGE C STABLE PARALLEL SAFE;

-- Has who a grant to access (read or write) the document?  (In SQL
-- functions a column hides a parameter of the same name: hence $n.)
CREATE FUNCTION ot._granted(c text, n text, access text, who text)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT EXISTS (
		SELECT FROM ot.grants g
		WHERE g.collection = $1 AND (g.name IS NULL OR g.name = $2)
		  AND (g.principal = $4 OR (g.principal = '*' AND $4 <> 'anonymous'))
		  AND (g.access = 'write' OR $3 = 'read'));
$$;

-- May who access the document?  who is given by the gateway's batch; when
-- NULL it is the current principal, and members of ot_admin may.
CREATE FUNCTION ot._may(c text, n text, access text, who text DEFAULT NULL)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT (who IS NULL AND ot._is_admin())
		OR ot._granted(c, n, access, coalesce(who, ot.current_principal()));
$$;

-- The acting principal, if it may access the document; else 42501.
CREATE FUNCTION ot._authorize(c text, n text, access text, who text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF ot._may(c, n, access, who) THEN
		RETURN coalesce(who, ot.current_principal());
	END IF;
	who := coalesce(who, ot.current_principal());
	RAISE EXCEPTION 'permission denied to % document "%" of collection "%"',
		CASE access WHEN 'read' THEN 'read' ELSE 'write' END, n, c
		USING ERRCODE = 'insufficient_privilege',
			  DETAIL = pg_catalog.format('User "%s" has no %s grant on it.', who, access);
END
$$;

CREATE FUNCTION ot.grant(collection text, id text, principal text, access text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF access IS NULL OR access NOT IN ('read', 'write') THEN
		RAISE EXCEPTION 'access must be "read" or "write", not %', coalesce('"' || access || '"', 'null')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF collection IS NULL OR principal IS NULL OR principal = '' THEN
		RAISE EXCEPTION 'collection and principal must not be null or empty'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO ot.grants AS g VALUES ($1, $2, $3, $4)
		ON CONFLICT ON CONSTRAINT grants_collection_name_principal_key
		DO UPDATE SET access = excluded.access;
END
$$;
COMMENT ON FUNCTION ot.grant(text, text, text, text) IS
	'lets principal (a user, * for any authenticated user, or anonymous) read or write a document, or a whole collection when id is null';

CREATE FUNCTION ot.revoke(collection text, id text, principal text)
RETURNS boolean LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	WITH gone AS (
		DELETE FROM ot.grants g
		WHERE g.collection = $1 AND g.name IS NOT DISTINCT FROM $2 AND g.principal = $3
		RETURNING 1)
	SELECT EXISTS (SELECT FROM gone);
$$;
COMMENT ON FUNCTION ot.revoke(text, text, text) IS
	'removes the grant made by ot.grant with the same collection, id and principal; true if there was one';

-- A grant that goes is NOTIFYed on ot.channel('$grants', ''), signed
-- (notify.c): gateways end the sessions of its principal that hold what it
-- covered.  TRUNCATE takes every grant: {"a": "revoke", "all": true}.  The
-- channel is only known once ot.channel exists, hence the triggers further
-- down.  (Only the owner may change ot.grants, directly or through
-- ot.grant and ot.revoke; anyone else it were granted to could not publish,
-- and the change would fail rather than go unannounced.)
CREATE FUNCTION ot._publish_revoke(message text) RETURNS void
	AS 'MODULE_PATHNAME', 'pg_ot_publish_revoke'
	LANGUAGE C STRICT;

CREATE FUNCTION ot._grant_gone() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM ot._publish_revoke(pg_catalog.jsonb_build_object(
		'a', 'revoke', 'c', OLD.collection, 'd', OLD.name, 'u', OLD.principal)::text);
	RETURN NULL;
END
$$;

CREATE FUNCTION ot._grants_truncated() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM ot._publish_revoke('{"a": "revoke", "all": true}');
	RETURN NULL;
END
$$;

-- What numbers the stamps of revocations and presence (notify.c): one per
-- transaction, so that a gateway recognises a replayed one.
CREATE SEQUENCE ot.notify_revoke_seq;
CREATE SEQUENCE ot.notify_presence_seq;
REVOKE ALL ON ot.notify_revoke_seq, ot.notify_presence_seq FROM PUBLIC;

-----------------------------------------------------------------------------
-- Errors.  Every rejection has its SQLSTATE; this is the one place that maps
-- them onto ShareDB's error codes (README "Errors").
-----------------------------------------------------------------------------

CREATE FUNCTION ot.sharedb_error_code(sqlstate text, reading boolean DEFAULT false)
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
COMMENT ON FUNCTION ot.sharedb_error_code(text, boolean) IS
	'the ShareDB error code for a pg_ot SQLSTATE (reading: the failure was of a read)';

-----------------------------------------------------------------------------
-- Snapshots.  A submit appends its op and keeps only the document's length
-- beside the stored snapshot; reads replay the ops since that snapshot.
-----------------------------------------------------------------------------

-- The data of document doc_id at version upto, from its stored snapshot at
-- version since, which the edits in between follow.
CREATE FUNCTION ot._replay(doc_id bigint, type text, since bigint, upto bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT ot.apply_ops($2, s.data,
		coalesce((SELECT pg_catalog.array_agg(o.op ORDER BY o.version)
				  FROM ot.operations o
				  WHERE o.doc_id = $1 AND o.version >= $3 AND o.version < $4), '{}'))
	FROM ot.snapshots s
	WHERE s.doc_id = $1 AND s.version = $3;
$$;

-- The document at version v (type and data NULL when it did not exist then).
CREATE FUNCTION ot._snapshot_at(doc_id bigint, v bigint, OUT type text, OUT data jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	base record;
BEGIN
	SELECT s.version, s.type INTO base FROM ot.snapshots s
	WHERE s.doc_id = $1 AND s.version <= v ORDER BY s.version DESC LIMIT 1;
	IF NOT FOUND OR EXISTS (SELECT FROM ot.operations o
							WHERE o.doc_id = $1 AND o.version >= base.version
							  AND o.version < v AND o.del) THEN
		RETURN;
	END IF;
	type := base.type;
	data := ot._replay($1, base.type, base.version, v);
END
$$;

-----------------------------------------------------------------------------
-- Notifications.  Each op, once inserted, is announced on its document's
-- channel as the ShareDB message subscribers receive.
-----------------------------------------------------------------------------

CREATE FUNCTION ot.channel(collection text, id text) RETURNS text
	AS 'MODULE_PATHNAME', 'pg_ot_channel'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ot.channel(text, text) IS
	'the NOTIFY channel of a document: pg_ot_<FNV-1a of collection, NUL, id modulo pg_ot.notify_channels>';

CREATE TRIGGER grants_gone AFTER DELETE OR UPDATE OF collection, name, principal ON ot.grants
	FOR EACH ROW EXECUTE FUNCTION ot._grant_gone();
CREATE TRIGGER grants_truncated AFTER TRUNCATE ON ot.grants
	FOR EACH STATEMENT EXECUTE FUNCTION ot._grants_truncated();

-- The ShareDB op message for o, without its body when bare.
CREATE FUNCTION ot._message(c text, n text, o ot.operations, bare boolean DEFAULT false)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT pg_catalog.jsonb_build_object('a', 'op', 'c', c, 'd', n, 'v', o.version)
		|| CASE WHEN o.src IS NULL THEN '{}'
				ELSE pg_catalog.jsonb_build_object('src', o.src, 'seq', o.seq) END
		|| CASE WHEN bare THEN '{"ref": true}'
				WHEN o.del THEN '{"del": true}'
				WHEN o.op IS NULL THEN pg_catalog.jsonb_build_object('create', o.create_data)
				ELSE pg_catalog.jsonb_build_object('op', o.op) END;
$$;

-- Announces each op, signed, on its document's channel (notify.c): the
-- text of ot._message, or, past the 7,999 bytes a payload may hold, a
-- reference that readers follow with ot.messages.
CREATE FUNCTION ot._notify() RETURNS trigger
	AS 'MODULE_PATHNAME', 'pg_ot_notify_op'
	LANGUAGE C;

-- A gateway's presence message, signed, on ot.channel('$presence', channel)
-- for the other gateways (notify.c).
CREATE FUNCTION ot.publish_presence(channel text, message text) RETURNS void
	AS 'MODULE_PATHNAME', 'pg_ot_publish_presence'
	LANGUAGE C STRICT;
COMMENT ON FUNCTION ot.publish_presence(text, text) IS
	'NOTIFYs a presence message, signed, to the gateways that LISTEN on ot.channel(''$presence'', channel) (ot_gateway only)';
REVOKE ALL ON FUNCTION ot.publish_presence(text, text) FROM PUBLIC;

CREATE TRIGGER notify AFTER INSERT ON ot.operations
	FOR EACH ROW EXECUTE FUNCTION ot._notify();

-----------------------------------------------------------------------------
-- The submit path.
-----------------------------------------------------------------------------

CREATE FUNCTION ot._reject(sqlstate text, message text, detail text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF detail IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message;
	END IF;
	RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message, DETAIL = detail;
END
$$;

-- The write path -- ot.create, ot.submit, ot.delete and ot.submit_batch --
-- is C (submit.c: the sequencer; store.c: the rows it reads and writes;
-- batch.c: the gateway's batches), with statements prepared once per
-- backend.  Every check, transform and fit happens before anything is
-- written, so a rejected op has changed nothing.

-----------------------------------------------------------------------------
-- The document API.
-----------------------------------------------------------------------------

CREATE FUNCTION ot.create(collection text, id text, type text, data jsonb DEFAULT NULL,
						  src text DEFAULT NULL, seq bigint DEFAULT NULL)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'pg_ot_create_document'
	LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION ot.create(text, text, text, jsonb, text, bigint) IS
	'creates a document of the type with initial data; returns its version (1 for a new document)';

CREATE FUNCTION ot.submit(collection text, id text, base_version bigint, operation jsonb,
						  src text DEFAULT NULL, seq bigint DEFAULT NULL)
RETURNS TABLE (version bigint, op jsonb)
	AS 'MODULE_PATHNAME', 'pg_ot_submit_op'
	LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION ot.submit(text, text, bigint, jsonb, text, bigint) IS
	'applies an op made at base_version (NULL: the current version); returns the version it applied at and the op as transformed';

CREATE FUNCTION ot.delete(collection text, id text, version bigint DEFAULT NULL,
						  src text DEFAULT NULL, seq bigint DEFAULT NULL)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'pg_ot_delete_document'
	LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION ot.delete(text, text, bigint, text, bigint) IS
	'deletes a document (it can be created again); returns its new version';

CREATE FUNCTION ot.fetch(collection text, id text, at_version bigint DEFAULT NULL)
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
COMMENT ON FUNCTION ot.fetch(text, text, bigint) IS
	'the document at a version (NULL: the latest); type and data are NULL where it does not exist';

CREATE FUNCTION ot.fetch_at(collection text, id text, at timestamptz)
RETURNS TABLE (type text, version bigint, data jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM ot._authorize($1, $2, 'read');
	IF $3 IS NULL THEN
		PERFORM ot._reject('22023', 'timestamp must not be null');
	END IF;
	RETURN QUERY SELECT * FROM ot.fetch($1, $2, coalesce(
		(SELECT o.version + 1 FROM ot.operations o JOIN ot.documents d ON d.id = o.doc_id
		 WHERE d.collection = $1 AND d.name = $2 AND o.created_at <= $3
		 ORDER BY o.version DESC LIMIT 1), 0));
END
$$;
COMMENT ON FUNCTION ot.fetch_at(text, text, timestamptz) IS
	'the document as it was at a moment: after every op committed by then';

-- The op rows of a document with from <= version < upto (NULL: the latest).
CREATE FUNCTION ot._ops(c text, n text, since bigint, upto bigint)
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

CREATE FUNCTION ot.ops(collection text, id text, from_version bigint, to_version bigint DEFAULT NULL)
RETURNS TABLE (version bigint, op jsonb, "create" jsonb, del boolean, src text, seq bigint,
			   user_id text, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM ot._authorize($1, $2, 'read');
	RETURN QUERY
		SELECT o.version, o.op, o.create_data, o.del, o.src, o.seq, o.user_id, o.created_at
		FROM ot._ops($1, $2, $3, $4) o;
END
$$;
COMMENT ON FUNCTION ot.ops(text, text, bigint, bigint) IS
	'the ops of a document with from_version <= version < to_version (NULL: to the latest)';

CREATE FUNCTION ot.messages(collection text, id text, from_version bigint,
							to_version bigint DEFAULT NULL)
RETURNS SETOF jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM ot._authorize($1, $2, 'read');
	RETURN QUERY SELECT ot._message($1, $2, o) FROM ot._ops($1, $2, $3, $4) o;
END
$$;
COMMENT ON FUNCTION ot.messages(text, text, bigint, bigint) IS
	'the ops of ot.ops as the ShareDB messages subscribers receive (how a gateway fills a gap)';

/*
 * A ShareDB presence (rich-text: a range {"index", "length", ...}) made at
 * base_version, moved to the current version as a ShareDB server does it
 * (Backend.transformPresenceToLatestVersion): through every op since, own
 * (the op's src is src; a NULL src owns none) or not.  A create or delete
 * since ends the presence: it becomes null, whatever the document is now.
 * A null presence stays null; one made at the current version comes back as
 * it is.  (The inputs are not named version and presence: PostgreSQL does
 * not let an input and an output column share a name.)
 */
CREATE FUNCTION ot.presence_at(collection text, id text, range jsonb, base_version bigint,
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
COMMENT ON FUNCTION ot.presence_at(text, text, jsonb, bigint, text) IS
	'a presence made at base_version moved through every op since (own: the op''s src is src); returns the current version and the presence, null after a create or delete (rich-text only)';

/*
 * The one document (collection, id) a presence channel names for the
 * acting user, or 42501.  ShareDB names a document's channel
 * "<collection>.<id>", and collections and ids may hold dots, so a channel
 * may split into several (collection, id); the gateway relays presence only
 * between sessions whose channel resolved to the same document, so a grant
 * on one split never shows or reaches the presence of another.
 *
 * With doc_collection and doc_id (what a document's presence message says
 * it is about) the channel must be exactly their name and names that
 * document.  Otherwise it names, of the splits the user may read, the one
 * naming an existing document, else the one with the shortest collection.
 * The work is bounded: a channel longer than 2,049 bytes or with more than
 * 32 dots names nothing (each part is at most 1,024 bytes).
 */
CREATE FUNCTION ot.authorize_presence(channel text, doc_collection text DEFAULT NULL,
									  doc_id text DEFAULT NULL)
RETURNS TABLE (collection text, id text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	parts text[];
BEGIN
	IF $2 IS NOT NULL OR $3 IS NOT NULL THEN
		IF $2 IS NULL OR $3 IS NULL OR $1 IS DISTINCT FROM $2 || '.' || $3 THEN
			PERFORM ot._reject('22023', 'the presence channel of a document is "<collection>.<id>"',
				format('Channel "%s", document "%s" of collection "%s".', left($1, 200), $3, $2));
		END IF;
		IF ot._may($2, $3, 'read') THEN
			collection := $2;
			id := $3;
			RETURN NEXT;
			RETURN;
		END IF;
	ELSIF octet_length($1) <= 2049 AND length($1) - length(replace($1, '.', '')) <= 32 THEN
		parts := string_to_array($1, '.');
		SELECT s.c, s.i INTO collection, id
		FROM (SELECT array_to_string(parts[1:k], '.') AS c, array_to_string(parts[k + 1:], '.') AS i
			  FROM generate_series(1, cardinality(parts) - 1) AS k) AS s
		WHERE octet_length(s.c) BETWEEN 1 AND 1024 AND octet_length(s.i) BETWEEN 1 AND 1024
		  AND ot._may(s.c, s.i, 'read')
		ORDER BY EXISTS (SELECT FROM ot.documents d WHERE d.collection = s.c AND d.name = s.i) DESC,
				 octet_length(s.c)
		LIMIT 1;
		IF FOUND THEN
			RETURN NEXT;
			RETURN;
		END IF;
	END IF;
	RAISE EXCEPTION 'permission denied to presence channel "%"', left($1, 200)
		USING ERRCODE = 'insufficient_privilege',
			  DETAIL = format('User "%s" may read no document the channel names.', ot.current_principal());
END
$$;
COMMENT ON FUNCTION ot.authorize_presence(text, text, text) IS
	'the document (collection, id) presence channel names for the acting user (one it may read; with doc_collection and doc_id, exactly that one), else 42501';

-----------------------------------------------------------------------------
-- The gateway's entry point: many submits in one transaction.
-----------------------------------------------------------------------------

-- Ops run in document order, so that batches lock documents in one order and
-- never deadlock; a rejected op is its {"error": ...} result, and a failing
-- system (SQLSTATE classes 40, 53, 57, 58, XX) fails the whole batch
-- (batch.c).
CREATE FUNCTION ot.submit_batch(batch jsonb) RETURNS SETOF jsonb
	AS 'MODULE_PATHNAME', 'pg_ot_submit_batch'
	LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION ot.submit_batch(jsonb) IS
	'submits up to 64 ShareDB op messages [{"user": u, "message": m}, ...] in one transaction; one result per op, in order: {"ops": [...], "ack": {...}} or {"error": {"code", "message"}}';

-----------------------------------------------------------------------------
-- Privileges: the pure functions are PUBLIC; documents only through the
-- roles above.
-----------------------------------------------------------------------------

DO $$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
			 WHERE p.pronamespace = 'ot'::regnamespace
			   AND (p.proname LIKE '\_%' OR p.prosecdef) LOOP
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
	ot.authorize_presence(text, text, text)
	TO ot_user, ot_gateway, ot_admin;
GRANT EXECUTE ON FUNCTION ot.submit_batch(jsonb), ot.publish_presence(text, text) TO ot_gateway;
GRANT EXECUTE ON FUNCTION
	ot.grant(text, text, text, text),
	ot.revoke(text, text, text)
	TO ot_admin;
GRANT SELECT ON ot.documents, ot.operations, ot.snapshots, ot.grants TO ot_admin;

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
