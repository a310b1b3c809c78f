-- The schema contract of pg_ot: tables, trigger, functions, roles and
-- privileges.  Run by test/pgtap/run.sh; changes nothing (rolled back).
BEGIN;
SELECT plan(487);

-- The C module is loaded (pg_ot.* settings exist once it is).
SELECT lives_ok($$SELECT ot.type_uri('text-unicode')$$, 'pg_ot loads');

---------------------------------------------------------------------------
-- Schema and tables
---------------------------------------------------------------------------

SELECT has_schema('ot');
SELECT tables_are('ot', ARRAY['documents', 'operations', 'snapshots', 'grants', 'secrets',
	'retention_policies', 'retention_cuts']);
SELECT sequences_are('ot', ARRAY['documents_id_seq', 'notify_revoke_seq', 'notify_presence_seq']);

-- Every column: type and nullability (table, column, type, not null).
CREATE TEMP TABLE expected_columns (t name, c name, type text, not_null boolean, ord int);
INSERT INTO expected_columns SELECT *, row_number() OVER () FROM (VALUES
	('documents', 'id', 'bigint', true),
	('documents', 'collection', 'text', true),
	('documents', 'name', 'text', true),
	('documents', 'type', 'text', false),
	('documents', 'version', 'bigint', true),
	('documents', 'length', 'bigint', true),
	('documents', 'astral', 'bigint[]', false),
	('documents', 'snapshot_version', 'bigint', true),
	('documents', 'snapshot_bytes', 'bigint', true),
	('documents', 'tail_bytes', 'bigint', true),
	('documents', 'created_at', 'timestamp with time zone', true),
	('documents', 'updated_at', 'timestamp with time zone', true),
	('operations', 'doc_id', 'bigint', true),
	('operations', 'version', 'bigint', true),
	('operations', 'op', 'jsonb', false),
	('operations', 'create_data', 'jsonb', false),
	('operations', 'del', 'boolean', true),
	('operations', 'src', 'text', false),
	('operations', 'seq', 'bigint', false),
	('operations', 'user_id', 'text', true),
	('operations', 'created_at', 'timestamp with time zone', true),
	('snapshots', 'doc_id', 'bigint', true),
	('snapshots', 'version', 'bigint', true),
	('snapshots', 'type', 'text', true),
	('snapshots', 'data', 'jsonb', true),
	('snapshots', 'created_at', 'timestamp with time zone', true),
	('grants', 'collection', 'text', true),
	('grants', 'name', 'text', false),
	('grants', 'principal', 'text', true),
	('grants', 'access', 'text', true),
	('secrets', 'purpose', 'text', true),
	('secrets', 'secret', 'bytea', true),
	('retention_policies', 'collection', 'text', true),
	('retention_policies', 'keep_interval', 'interval', false),
	('retention_policies', 'keep_versions', 'bigint', false),
	('retention_cuts', 'doc_id', 'bigint', true),
	('retention_cuts', 'first_version', 'bigint', true),
	('retention_cuts', 'cut_at', 'timestamp with time zone', true)
) v;

SELECT columns_are('ot', t, array_agg(c ORDER BY ord))
FROM expected_columns GROUP BY t ORDER BY t;
SELECT col_type_is('ot', t, c, type, format('ot.%s.%s is %s', t, c, type))
FROM expected_columns ORDER BY ord;
SELECT CASE WHEN not_null THEN col_not_null('ot', t, c, format('ot.%s.%s is NOT NULL', t, c))
			ELSE col_is_null('ot', t, c, format('ot.%s.%s is nullable', t, c)) END
FROM expected_columns ORDER BY ord;

SELECT is((SELECT attidentity FROM pg_attribute
		   WHERE attrelid = to_regclass('ot.documents') AND attname = 'id'), 'a'::"char",
	'ot.documents.id is GENERATED ALWAYS AS IDENTITY');

-- Keys, uniqueness, foreign keys.
SELECT col_is_pk('ot', 'documents', ARRAY['id'], 'ot.documents PK (id)');
SELECT col_is_pk('ot', 'operations', ARRAY['doc_id', 'version'], 'ot.operations PK (doc_id, version)');
SELECT col_is_pk('ot', 'snapshots', ARRAY['doc_id', 'version'], 'ot.snapshots PK (doc_id, version)');
SELECT hasnt_pk('ot', 'grants', 'ot.grants has no PK');
SELECT col_is_pk('ot', 'retention_policies', ARRAY['collection'], 'ot.retention_policies PK (collection)');
SELECT col_is_pk('ot', 'retention_cuts', ARRAY['doc_id'], 'ot.retention_cuts PK (doc_id)');
SELECT fk_ok('ot', 'retention_cuts', 'doc_id', 'ot', 'documents', 'id');
SELECT col_is_unique('ot', 'documents', ARRAY['collection', 'name'],
	'ot.documents UNIQUE (collection, name)');
SELECT col_is_unique('ot', 'grants', ARRAY['collection', 'name', 'principal'],
	'ot.grants UNIQUE (collection, name, principal)');
SELECT is((SELECT i.indnullsnotdistinct FROM pg_constraint k JOIN pg_index i ON i.indexrelid = k.conindid
		   WHERE k.conname = 'grants_collection_name_principal_key'
			 AND k.conrelid = to_regclass('ot.grants')), true,
	'ot.grants unique key is NULLS NOT DISTINCT (one collection-wide grant per principal)');
SELECT has_index('ot', 'operations', 'operations_src_seq', ARRAY['doc_id', 'src', 'seq'],
	'ot.operations has index operations_src_seq (doc_id, src, seq)');
SELECT index_is_unique('ot', 'operations', 'operations_src_seq',
	'operations_src_seq is unique');
SELECT is((SELECT pg_get_expr(indpred, indrelid) FROM pg_index
		   WHERE indexrelid = to_regclass('ot.operations_src_seq')), '(src IS NOT NULL)',
	'operations_src_seq is partial: WHERE src IS NOT NULL');
SELECT fk_ok('ot', 'operations', 'doc_id', 'ot', 'documents', 'id');
SELECT fk_ok('ot', 'snapshots', 'doc_id', 'ot', 'documents', 'id');
SELECT results_eq(
	$$SELECT conrelid::regclass::text, confdeltype::text FROM pg_constraint
	  WHERE connamespace = 'ot'::regnamespace AND contype = 'f' ORDER BY 1$$,
	$$VALUES ('ot.operations', 'c'), ('ot.retention_cuts', 'c'), ('ot.snapshots', 'c')$$,
	'the only foreign keys are ON DELETE CASCADE to ot.documents');
SELECT set_eq(
	$$SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint
	  WHERE connamespace = 'ot'::regnamespace AND contype = 'c'$$,
	$$VALUES
	  ('ot.documents', 'CHECK (((collection <> ''''::text) AND (octet_length(collection) <= 1024)))'),
	  ('ot.documents', 'CHECK (((name <> ''''::text) AND (octet_length(name) <= 1024)))'),
	  ('ot.grants', 'CHECK ((access = ANY (ARRAY[''read''::text, ''write''::text])))'),
	  ('ot.operations', 'CHECK (((src IS NULL) = (seq IS NULL)))'),
	  ('ot.operations', 'CHECK ((((((op IS NOT NULL))::integer + ((create_data IS NOT NULL))::integer) + (del)::integer) = 1))'),
	  ('ot.secrets', 'CHECK ((octet_length(secret) >= 32))'),
	  ('ot.retention_policies', 'CHECK (((collection <> ''''::text) AND (octet_length(collection) <= 1024)))'),
	  ('ot.retention_policies', 'CHECK ((keep_versions >= 0))'),
	  ('ot.retention_policies', 'CHECK (((keep_interval IS NULL) <> (keep_versions IS NULL)))'),
	  ('ot.retention_cuts', 'CHECK ((first_version > 0))')$$,
	'check constraints');

-- The trigger that announces each op.
SELECT triggers_are('ot', 'operations', ARRAY['notify']);
SELECT trigger_is('ot', 'operations', 'notify', 'ot', '_notify');
SELECT is((SELECT tgtype::int FROM pg_trigger
		   WHERE tgrelid = to_regclass('ot.operations') AND tgname = 'notify'), 1 | 4,
	'notify is AFTER INSERT FOR EACH ROW');
SELECT is((SELECT tgenabled FROM pg_trigger
		   WHERE tgrelid = to_regclass('ot.operations') AND tgname = 'notify'), 'O'::"char",
	'notify is enabled');

-- The triggers that announce revoked grants: a row deleted or changed, or
-- the table truncated.
SELECT triggers_are('ot', 'grants', ARRAY['grants_gone', 'grants_truncated']);
SELECT trigger_is('ot', 'grants', 'grants_gone', 'ot', '_grant_gone');
SELECT trigger_is('ot', 'grants', 'grants_truncated', 'ot', '_grants_truncated');
SELECT is((SELECT tgtype::int FROM pg_trigger
		   WHERE tgrelid = to_regclass('ot.grants') AND tgname = 'grants_truncated'), 32,
	'grants_truncated is AFTER TRUNCATE FOR EACH STATEMENT');

---------------------------------------------------------------------------
-- Functions: exact signatures, results, volatility, SECURITY DEFINER
---------------------------------------------------------------------------

-- (name, argument types, arguments as declared, pgTAP return type, declared
-- result, volatility, SECURITY DEFINER, EXECUTE for ot_user, ot_gateway,
-- ot_admin, PUBLIC)
CREATE TEMP TABLE expected_functions (f name, args name[], declared text, returns text,
	result text, volatility text, definer boolean,
	for_user boolean, for_gateway boolean, for_admin boolean, for_public boolean);
INSERT INTO expected_functions VALUES
	('apply', '{text,jsonb,jsonb}', 'type text, snapshot jsonb, op jsonb',
	 'jsonb', 'jsonb', 'immutable', false, true, true, true, true),
	('transform', '{text,jsonb,jsonb,text}', 'type text, op jsonb, other jsonb, side text',
	 'jsonb', 'jsonb', 'immutable', false, true, true, true, true),
	('compose', '{text,jsonb,jsonb}', 'type text, a jsonb, b jsonb',
	 'jsonb', 'jsonb', 'immutable', false, true, true, true, true),
	('normalize', '{text,jsonb}', 'type text, op jsonb',
	 'jsonb', 'jsonb', 'immutable', false, true, true, true, true),
	('transform_cursor', '{text,integer,jsonb,boolean}',
	 'type text, cursor integer, op jsonb, is_own_op boolean DEFAULT false',
	 'integer', 'integer', 'immutable', false, true, true, true, true),
	('transform_presence', '{text,jsonb,jsonb,boolean}',
	 'type text, presence jsonb, op jsonb, is_own_op boolean DEFAULT false',
	 'jsonb', 'jsonb', 'immutable', false, true, true, true, true),
	('invert', '{text,jsonb,jsonb}', 'type text, op jsonb, snapshot jsonb',
	 'jsonb', 'jsonb', 'immutable', false, true, true, true, true),
	('create_data', '{text,jsonb}', 'type text, data jsonb DEFAULT NULL::jsonb',
	 'jsonb', 'jsonb', 'immutable', false, true, true, true, true),
	('apply_ops', '{text,jsonb,jsonb[]}', 'type text, snapshot jsonb, ops jsonb[]',
	 'jsonb', 'jsonb', 'immutable', false, true, true, true, true),
	('type_uri', '{text}', 'type text',
	 'text', 'text', 'immutable', false, true, true, true, true),
	('sharedb_error_code', '{text,boolean}', 'sqlstate text, reading boolean DEFAULT false',
	 'text', 'text', 'immutable', false, true, true, true, true),
	('channel', '{text,text}', 'collection text, id text',
	 'text', 'text', 'stable', false, true, true, true, true),
	('partition_of', '{text,text,integer}', 'collection text, id text, partitions integer',
	 'integer', 'integer', 'immutable', false, true, true, true, true),
	('purge_foreign_documents', '{integer,integer}', 'partition integer, partitions integer',
	 'bigint', 'bigint', 'volatile', false, false, false, false, false),
	('current_principal', '{}', '',
	 'text', 'text', 'stable', false, true, true, true, true),
	('create', '{text,text,text,jsonb,text,bigint}',
	 'collection text, id text, type text, data jsonb DEFAULT NULL::jsonb, src text DEFAULT NULL::text, seq bigint DEFAULT NULL::bigint',
	 'bigint', 'bigint', 'volatile', true, true, true, true, false),
	('submit', '{text,text,bigint,jsonb,text,bigint}',
	 'collection text, id text, base_version bigint, operation jsonb, src text DEFAULT NULL::text, seq bigint DEFAULT NULL::bigint',
	 'setof record', 'TABLE(version bigint, op jsonb)', 'volatile', true, true, true, true, false),
	('delete', '{text,text,bigint,text,bigint}',
	 'collection text, id text, version bigint DEFAULT NULL::bigint, src text DEFAULT NULL::text, seq bigint DEFAULT NULL::bigint',
	 'bigint', 'bigint', 'volatile', true, true, true, true, false),
	('fetch', '{text,text,bigint}', 'collection text, id text, at_version bigint DEFAULT NULL::bigint',
	 'setof record', 'TABLE(type text, version bigint, data jsonb)', 'stable', true, true, true, true, false),
	('fetch_at', '{text,text,timestamp with time zone}', 'collection text, id text, at timestamp with time zone',
	 'setof record', 'TABLE(type text, version bigint, data jsonb)', 'stable', true, true, true, true, false),
	('ops', '{text,text,bigint,bigint}',
	 'collection text, id text, from_version bigint, to_version bigint DEFAULT NULL::bigint',
	 'setof record', 'TABLE(version bigint, op jsonb, "create" jsonb, del boolean, src text, seq bigint, user_id text, created_at timestamp with time zone)',
	 'stable', true, true, true, true, false),
	('messages', '{text,text,bigint,bigint}',
	 'collection text, id text, from_version bigint, to_version bigint DEFAULT NULL::bigint',
	 'setof jsonb', 'SETOF jsonb', 'stable', true, true, true, true, false),
	('presence_at', '{text,text,jsonb,bigint,text}',
	 'collection text, id text, range jsonb, base_version bigint, src text DEFAULT NULL::text',
	 'setof record', 'TABLE(version bigint, presence jsonb)', 'stable', true, true, true, true, false),
	('authorize_presence', '{text,text,text}',
	 'channel text, doc_collection text DEFAULT NULL::text, doc_id text DEFAULT NULL::text',
	 'setof record', 'TABLE(collection text, id text)', 'stable', true, true, true, true, false),
	('query', '{text,jsonb}', 'collection text, query jsonb',
	 'setof record', 'TABLE(id text, type text, version bigint, data jsonb, ctime timestamp with time zone, mtime timestamp with time zone)',
	 'stable', true, true, true, true, false),
	('query_extra', '{text,jsonb}', 'collection text, query jsonb',
	 'jsonb', 'jsonb', 'stable', true, true, true, true, false),
	('submit_batch', '{jsonb}', 'batch jsonb',
	 'setof jsonb', 'SETOF jsonb', 'volatile', true, false, true, false, false),
	('publish_presence', '{text,text}', 'channel text, message text',
	 'void', 'void', 'volatile', false, false, true, false, false),
	('grant', '{text,text,text,text}', 'collection text, id text, principal text, access text',
	 'void', 'void', 'volatile', true, false, false, true, false),
	('revoke', '{text,text,text}', 'collection text, id text, principal text',
	 'boolean', 'boolean', 'volatile', true, false, false, true, false),
	('set_retention', '{text,interval,bigint}',
	 'collection text, keep_interval interval DEFAULT NULL::interval, keep_versions bigint DEFAULT NULL::bigint',
	 'void', 'void', 'volatile', true, false, false, true, false),
	('compact', '{text,text,bigint}', 'collection text, id text, before_version bigint',
	 'bigint', 'bigint', 'volatile', true, false, false, true, false),
	('apply_retention', '{integer}', 'max_documents integer DEFAULT 100',
	 'setof record', 'TABLE(collection text, id text, first_version bigint)', 'volatile', true, false, false, true, false);

-- The oid of an expected function, or NULL when it is missing.
CREATE FUNCTION pg_temp.oid_of(f name, args name[]) RETURNS oid LANGUAGE sql AS $$
	SELECT to_regprocedure(format('ot.%I(%s)', f, array_to_string(args, ',')))::oid;
$$;

SELECT set_eq(
	$$SELECT proname::text FROM pg_proc
	  WHERE pronamespace = 'ot'::regnamespace AND proname !~ '^_'$$,
	$$SELECT f::text FROM expected_functions$$,
	'the public functions of ot are exactly those listed (no overloads, no extras)');
SELECT has_function('ot', f, args, format('ot.%s(%s) exists', f, array_to_string(args, ', ')))
FROM expected_functions ORDER BY f;
SELECT function_returns('ot', f, args, returns, format('ot.%s returns %s', f, returns))
FROM expected_functions ORDER BY f;
SELECT is(pg_get_function_arguments(pg_temp.oid_of(f, args)), declared,
		  format('ot.%s arguments: names and defaults', f))
FROM expected_functions ORDER BY f;
SELECT is(pg_get_function_result(pg_temp.oid_of(f, args)), result,
		  format('ot.%s result: %s', f, result))
FROM expected_functions ORDER BY f;
SELECT volatility_is('ot', f, args, volatility, format('ot.%s is %s', f, volatility))
FROM expected_functions ORDER BY f;

-- The pure OT functions: STRICT (but create_data), PARALLEL SAFE, in C.
SELECT results_eq(
	$$SELECT proname::text COLLATE "default", proisstrict, proparallel::text, l.lanname::text COLLATE "default"
	  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
	  WHERE pronamespace = 'ot'::regnamespace AND proname IN ('apply', 'transform', 'compose',
		'normalize', 'transform_cursor', 'transform_presence', 'invert', 'create_data',
		'apply_ops', 'type_uri')
	  ORDER BY 1$$,
	$$VALUES ('apply', true, 's', 'c'), ('apply_ops', true, 's', 'c'),
			 ('compose', true, 's', 'c'), ('create_data', false, 's', 'c'),
			 ('invert', true, 's', 'c'), ('normalize', true, 's', 'c'),
			 ('transform', true, 's', 'c'), ('transform_cursor', true, 's', 'c'),
			 ('transform_presence', true, 's', 'c'), ('type_uri', true, 's', 'c')$$,
	'pure functions: C, PARALLEL SAFE, STRICT but create_data');

-- SECURITY DEFINER: exactly the document API and grant/revoke, each with a
-- fixed search_path.
SELECT set_eq(
	$$SELECT proname::text FROM pg_proc WHERE pronamespace = 'ot'::regnamespace AND prosecdef$$,
	$$SELECT f::text FROM expected_functions WHERE definer$$,
	'SECURITY DEFINER functions are exactly the document API, grant and revoke');
SELECT is(p.proconfig, ARRAY['search_path=pg_catalog, pg_temp'],
		  format('SECURITY DEFINER ot.%s sets search_path = pg_catalog, pg_temp', e.f))
FROM expected_functions e LEFT JOIN pg_proc p ON p.oid = pg_temp.oid_of(e.f, e.args)
WHERE e.definer ORDER BY e.f;
SELECT is_empty(
	$$SELECT oid::regprocedure FROM pg_proc
	  WHERE pronamespace = 'ot'::regnamespace AND prosecdef
		AND proconfig IS DISTINCT FROM ARRAY['search_path=pg_catalog, pg_temp']$$,
	'no SECURITY DEFINER function in ot lacks search_path = pg_catalog, pg_temp');

---------------------------------------------------------------------------
-- Settings
---------------------------------------------------------------------------

SELECT results_eq(
	$$SELECT name::text, context::text, vartype::text FROM pg_settings WHERE name LIKE 'pg\_ot.%' ORDER BY name$$,
	$$VALUES ('pg_ot.notify_channels', 'sighup', 'integer'),
			 ('pg_ot.query_max_documents', 'superuser', 'integer'),
			 ('pg_ot.query_max_results', 'superuser', 'integer'),
			 ('pg_ot.sign_notifications', 'superuser', 'bool'),
			 ('pg_ot.snapshot_interval', 'superuser', 'integer'),
			 ('pg_ot.user', 'user', 'string')$$,
	'settings pg_ot.*: who may change them');

---------------------------------------------------------------------------
-- Roles
---------------------------------------------------------------------------

SELECT has_role(r) FROM unnest(ARRAY['ot_user', 'ot_gateway', 'ot_admin']) r;
SELECT hasnt_user(r, format('%s is NOLOGIN', r))
FROM unnest(ARRAY['ot_user', 'ot_gateway', 'ot_admin']) r;
SELECT is_empty(
	$$SELECT rolname FROM pg_roles WHERE rolname IN ('ot_user', 'ot_gateway', 'ot_admin')
	  AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls)$$,
	'the ot roles have no attribute beyond NOLOGIN');
SELECT is_empty(
	$$SELECT m.member::regrole, m.roleid::regrole FROM pg_auth_members m
	  WHERE m.member IN (SELECT oid FROM pg_roles WHERE rolname IN ('ot_user', 'ot_gateway', 'ot_admin'))$$,
	'the ot roles are members of no role');

---------------------------------------------------------------------------
-- Privileges
---------------------------------------------------------------------------

SELECT schema_privs_are('ot', r, ARRAY['USAGE'], format('%s may use schema ot, not create in it', r))
FROM unnest(ARRAY['public', 'ot_user', 'ot_gateway', 'ot_admin']) r;

-- EXECUTE on every public function, per role.
SELECT function_privs_are('ot', e.f, e.args, r.role,
		CASE WHEN r.allowed THEN ARRAY['EXECUTE'] ELSE '{}' END::name[],
		format('%s %s EXECUTE ot.%s', r.role, CASE WHEN r.allowed THEN 'has' ELSE 'has no' END, e.f))
FROM expected_functions e,
	LATERAL (VALUES ('public', e.for_public), ('ot_user', e.for_user),
					('ot_gateway', e.for_gateway), ('ot_admin', e.for_admin)) r(role, allowed)
ORDER BY e.f, r.role;
SELECT is_empty(
	$$SELECT p.oid::regprocedure, r FROM pg_proc p,
		unnest(ARRAY['public', 'ot_user', 'ot_gateway', 'ot_admin']) r
	  WHERE p.pronamespace = 'ot'::regnamespace AND p.proname ~ '^_'
		AND has_function_privilege(r, p.oid, 'EXECUTE')$$,
	'no internal ot._* function is executable by PUBLIC or the ot roles');

-- Tables: only ot_admin reads, nobody writes; nor through column grants.
SELECT table_privs_are('ot', t, r,
		CASE WHEN r = 'ot_admin' THEN ARRAY['SELECT'] ELSE '{}' END::name[],
		format('%s has %s on ot.%s', r, CASE WHEN r = 'ot_admin' THEN 'only SELECT' ELSE 'no privileges' END, t))
FROM unnest(ARRAY['documents', 'operations', 'snapshots', 'grants', 'retention_policies', 'retention_cuts']) t,
	unnest(ARRAY['public', 'ot_user', 'ot_gateway', 'ot_admin']) r
ORDER BY t, r;
SELECT is_empty(
	$$SELECT t, r, p FROM unnest(ARRAY['ot.documents', 'ot.operations', 'ot.snapshots', 'ot.grants',
			'ot.retention_policies', 'ot.retention_cuts']) t,
		unnest(ARRAY['public', 'ot_user', 'ot_gateway', 'ot_admin']) r,
		unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p
	  WHERE has_any_column_privilege(r, t, p) AND NOT (r = 'ot_admin' AND p = 'SELECT')$$,
	'no column privileges on the tables beyond ot_admin SELECT');
-- The shared keys: only the gateways read them; no one else, not even ot_admin.
SELECT table_privs_are('ot', 'secrets', r,
		CASE WHEN r = 'ot_gateway' THEN ARRAY['SELECT'] ELSE '{}' END::name[],
		format('%s has %s on ot.secrets', r, CASE WHEN r = 'ot_gateway' THEN 'only SELECT' ELSE 'no privileges' END))
FROM unnest(ARRAY['public', 'ot_user', 'ot_gateway', 'ot_admin']) r
ORDER BY r;
SELECT results_eq($$SELECT purpose FROM ot.secrets WHERE octet_length(secret) >= 32 ORDER BY 1$$,
	ARRAY['notify', 'session'], 'ot.secrets holds a key of 32 bytes or more for notify and session');
SELECT sequence_privs_are('ot', s, r, '{}'::name[],
		format('%s has no privileges on ot.%s', r, s))
FROM unnest(ARRAY['documents_id_seq', 'notify_revoke_seq', 'notify_presence_seq']) s,
	unnest(ARRAY['public', 'ot_user', 'ot_gateway', 'ot_admin']) r;

SELECT * FROM finish();
ROLLBACK;
