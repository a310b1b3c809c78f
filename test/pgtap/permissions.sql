-- The permission matrix of pg_ot: who may read and write which documents,
-- acting as a SQL role or as a user a gateway names.  Run by
-- test/pgtap/run.sh; changes nothing (rolled back, roles included).
BEGIN;
SELECT plan(255);

CREATE ROLE pgtap_alice LOGIN IN ROLE ot_user;
CREATE ROLE pgtap_bob LOGIN IN ROLE ot_user;
CREATE ROLE pgtap_gw LOGIN IN ROLE ot_gateway;
CREATE ROLE pgtap_admin LOGIN IN ROLE ot_admin;
CREATE ROLE pgtap_gwadmin LOGIN IN ROLE ot_gateway, ot_admin;
CREATE ROLE pgtap_nobody LOGIN;

-- query returns the rows of expected (an SQL query); an error fails the
-- test instead of ending the script.
CREATE FUNCTION pg_temp.allowed(query text, expected text, what text)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RETURN results_eq(query, expected, what);
EXCEPTION WHEN OTHERS THEN
	RETURN fail(what) || E'\n' || diag(format('    raised %s: %s', SQLSTATE, SQLERRM));
END
$$;

-- query raises 42501.
CREATE FUNCTION pg_temp.denied(query text, what text) RETURNS text LANGUAGE sql AS $$
	SELECT throws_ok(query, '42501', NULL, what || ' denied');
$$;

CREATE FUNCTION pg_temp.check(allowed boolean, query text, expected text, what text)
RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN allowed THEN pg_temp.allowed(query, expected, what || ' allowed')
				ELSE pg_temp.denied(query, what) END;
$$;

-- One op message in a gateway batch for u (none when NULL): acked at
-- version ack, or (ack NULL) rejected with ERR_OP_SUBMIT_REJECTED.
CREATE FUNCTION pg_temp.batch(u text, message jsonb, ack int, what text)
RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.allowed(
		format($q$SELECT r->'error'->>'code', (r->'ack'->>'v')::int FROM ot.submit_batch(%L) r$q$,
			   jsonb_build_array(jsonb_strip_nulls(jsonb_build_object('user', u, 'message', message)))),
		CASE WHEN ack IS NULL THEN $q$VALUES ('ERR_OP_SUBMIT_REJECTED', NULL::int)$q$
			 ELSE format('VALUES (NULL::text, %s)', ack) END,
		what || CASE WHEN ack IS NULL THEN ' rejected' ELSE ' acked' END);
$$;

-- Every function against document "doc" of collection c, which holds "hello"
-- at version 1, for the current principal with access level (none, read,
-- write).  batch_user: the batch's "user" when acting for a gateway user;
-- NULL for a SQL role, which may not call submit_batch.  12 tests.
CREATE FUNCTION pg_temp.matrix(c text, level text, batch_user text)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	r boolean := level IN ('read', 'write');
	w boolean := level = 'write';
	gw boolean := batch_user IS NOT NULL;
	d text := format('%L, %L', c, 'doc');
	m jsonb := jsonb_build_object('a', 'op', 'c', c, 'd', 'doc');
	edit jsonb := m || '{"v": 2, "op": ["> "]}';
	del jsonb := m || '{"del": true}';
	created jsonb := m || '{"create": {"type": "text-unicode", "data": "x"}}';
	t text := c || ':';
BEGIN
	RETURN NEXT pg_temp.check(r, format('SELECT version, data FROM ot.fetch(%s)', d),
		$v$VALUES (1::bigint, '"hello"'::jsonb)$v$, t || ' fetch');
	RETURN NEXT pg_temp.check(r, format('SELECT version, data FROM ot.fetch_at(%s, clock_timestamp())', d),
		$v$VALUES (1::bigint, '"hello"'::jsonb)$v$, t || ' fetch_at');
	RETURN NEXT pg_temp.check(r, format($q$SELECT version, "create"->>'type' FROM ot.ops(%s, 0)$q$, d),
		$v$VALUES (0::bigint, 'http://sharejs.org/types/text-unicode')$v$, t || ' ops');
	RETURN NEXT pg_temp.check(r, format($q$SELECT x->>'v', x->'create'->>'data' FROM ot.messages(%s, 0) x$q$, d),
		$v$VALUES ('0', 'hello')$v$, t || ' messages');
	-- (a presence made before the create ends there: null at version 1)
	RETURN NEXT pg_temp.check(r, format($q$SELECT version, presence FROM ot.presence_at(%s, '{"index": 0, "length": 0}', 0)$q$, d),
		$v$VALUES (1::bigint, 'null'::jsonb)$v$, t || ' presence_at');
	RETURN NEXT pg_temp.check(w, format($q$SELECT version, op FROM ot.submit(%s, 1, '[5, " world"]')$q$, d),
		$v$VALUES (1::bigint, '[5, " world"]'::jsonb)$v$, t || ' submit');
	IF gw THEN
		RETURN NEXT pg_temp.batch(batch_user, edit, CASE WHEN w THEN 2 END, t || ' submit_batch edit');
	ELSE
		RETURN NEXT pg_temp.denied(format('SELECT ot.submit_batch(%L)', jsonb_build_array(
			jsonb_build_object('user', current_user, 'message', edit))), t || ' submit_batch edit (not a gateway)');
	END IF;
	-- Versions from here on count the batch edit when there was one.
	RETURN NEXT pg_temp.check(w, format('SELECT ot.delete(%s)', d),
		format('VALUES (%s::bigint)', CASE WHEN gw THEN 4 ELSE 3 END), t || ' delete');
	RETURN NEXT pg_temp.check(w, format($q$SELECT ot.create(%s, 'text-unicode', '"again"')$q$, d),
		format('VALUES (%s::bigint)', CASE WHEN gw THEN 5 ELSE 4 END), t || ' create');
	IF gw THEN
		RETURN NEXT pg_temp.batch(batch_user, del, CASE WHEN w THEN 5 END, t || ' submit_batch del');
		RETURN NEXT pg_temp.batch(batch_user, created, CASE WHEN w THEN 6 END, t || ' submit_batch create');
	ELSE
		RETURN NEXT pg_temp.denied(format('SELECT ot.submit_batch(%L)', jsonb_build_array(
			jsonb_build_object('user', current_user, 'message', del))), t || ' submit_batch del (not a gateway)');
		RETURN NEXT pg_temp.denied(format('SELECT ot.submit_batch(%L)', jsonb_build_array(
			jsonb_build_object('user', current_user, 'message', created))), t || ' submit_batch create (not a gateway)');
	END IF;
	RETURN NEXT pg_temp.check(r, format('SELECT version, data FROM ot.fetch(%s)', d),
		CASE WHEN NOT w THEN $v$VALUES (1::bigint, '"hello"'::jsonb)$v$
			 WHEN gw THEN $v$VALUES (7::bigint, '"x"'::jsonb)$v$
			 ELSE $v$VALUES (4::bigint, '"again"'::jsonb)$v$ END, t || ' fetch after the writes');
END
$$;

---------------------------------------------------------------------------
-- The matrix: {SQL role, gateway user} x {document, collection grant} x
-- {no grant, read, write}.  Each collection also holds grants that must not
-- count: write for another user, for anonymous, on a sibling document (or
-- another collection).
---------------------------------------------------------------------------

DO $$
DECLARE
	a record;
	scope text;
	level text;
	c text;
BEGIN
	FOR a IN SELECT * FROM (VALUES ('sql role', 'pgtap_alice', 'pgtap_bob'),
								   ('gateway user', 'alice', 'bob')) v(mode, who, other) LOOP
		FOREACH scope IN ARRAY ARRAY['document', 'collection'] LOOP
			FOREACH level IN ARRAY ARRAY['none', 'read', 'write'] LOOP
				c := format('%s, %s grant, %s', a.mode, scope, level);
				PERFORM ot.create(c, 'doc', 'text-unicode', '"hello"');
				PERFORM ot.grant(c, 'doc', a.other, 'write');
				PERFORM ot.grant(c, NULL, a.other, 'write');
				PERFORM ot.grant(c, NULL, 'anonymous', 'write');
				IF scope = 'document' THEN
					PERFORM ot.grant(c, 'sibling', a.who, 'write');
				ELSE
					PERFORM ot.grant(c || ' (other)', NULL, a.who, 'write');
				END IF;
				IF level <> 'none' THEN
					PERFORM ot.grant(c, CASE scope WHEN 'document' THEN 'doc' END, a.who, level);
				END IF;
			END LOOP;
		END LOOP;
	END LOOP;
END
$$;

SET ROLE pgtap_alice;
SELECT pg_temp.matrix(format('sql role, %s grant, %s', s, l), l, NULL)
FROM unnest(ARRAY['document', 'collection']) s, unnest(ARRAY['none', 'read', 'write']) l;
RESET ROLE;

SET ROLE pgtap_gw;
SET pg_ot."user" = 'alice';
SELECT pg_temp.matrix(format('gateway user, %s grant, %s', s, l), l, 'alice')
FROM unnest(ARRAY['document', 'collection']) s, unnest(ARRAY['none', 'read', 'write']) l;
RESET pg_ot."user";
RESET ROLE;

---------------------------------------------------------------------------
-- Who acts: the SQL role, or pg_ot.user set by a gateway; the op records it.
---------------------------------------------------------------------------

DO $$
BEGIN
	PERFORM ot.grant('who', NULL, 'pgtap_alice', 'write');
	PERFORM ot.grant('who', NULL, 'alice', 'write');
END
$$;
SET ROLE pgtap_alice;
SELECT pg_temp.allowed('SELECT ot.current_principal()', $$VALUES ('pgtap_alice')$$,
	'a SQL role acts as itself');
SELECT pg_temp.allowed($$SELECT ot.create('who', 'doc', 'text-unicode', '"hi"')$$, 'VALUES (1::bigint)',
	'pgtap_alice creates who/doc');
RESET ROLE;
SET ROLE pgtap_gw;
SELECT pg_temp.allowed('SELECT ot.current_principal()', $$VALUES ('pgtap_gw')$$,
	'a gateway without pg_ot.user acts as itself');
SET pg_ot."user" = 'alice';
SELECT pg_temp.allowed('SELECT ot.current_principal()', $$VALUES ('alice')$$,
	'a gateway acts as pg_ot.user');
SELECT pg_temp.allowed($$SELECT version FROM ot.submit('who', 'doc', 1, '["a"]')$$, 'VALUES (1::bigint)',
	'gateway user alice submits to who/doc');
SELECT pg_temp.batch('alice', '{"a": "op", "c": "who", "d": "doc", "v": 2, "op": ["b"]}', 2,
	'batch op of user alice on who/doc');
RESET pg_ot."user";
DO $$ BEGIN PERFORM set_config('pg_ot.user', 'alice', false); END $$;
SELECT pg_temp.allowed('SELECT ot.current_principal()', $$VALUES ('alice')$$,
	'set_config(''pg_ot.user'', ...) works too');
RESET pg_ot."user";
RESET ROLE;
SELECT pg_temp.allowed($$SELECT version, user_id FROM ot.ops('who', 'doc', 0)$$,
	$$VALUES (0::bigint, 'pgtap_alice'), (1, 'alice'), (2, 'alice')$$,
	'each op records the principal that submitted it');

-- A resend is recognised by (src, seq) only among its user's own ops.
SELECT ot.grant('who', NULL, 'mallory', 'write');
SET ROLE pgtap_gw;
SET pg_ot."user" = 'alice';
SELECT pg_temp.allowed($$SELECT version FROM ot.submit('who', 'doc', 3, '["d"]', 'alice-client', 1)$$,
	'VALUES (3::bigint)', 'alice submits (alice-client, 1)');
SELECT pg_temp.allowed($$SELECT version FROM ot.submit('who', 'doc', 3, '["d"]', 'alice-client', 1)$$,
	'VALUES (3::bigint)', 'alice''s resend is acknowledged at its version');
SET pg_ot."user" = 'mallory';
SELECT pg_temp.denied($$SELECT * FROM ot.submit('who', 'doc', 4, '["e"]', 'alice-client', 1)$$,
	'mallory naming alice''s (src, seq)');
SELECT pg_temp.batch('mallory', '{"a": "op", "c": "who", "d": "doc", "v": 4, "src": "alice-client", "seq": 1, "op": ["e"]}',
	NULL, 'mallory naming alice''s (src, seq) in a batch');
RESET pg_ot."user";
RESET ROLE;
SELECT pg_temp.allowed($$SELECT max(version), count(*) FILTER (WHERE user_id = 'mallory') FROM ot.ops('who', 'doc', 0)$$,
	$$VALUES (3::bigint, 0::bigint)$$, 'nothing of mallory''s was applied');

-- Only members of ot_gateway may set pg_ot.user: not to borrow a user's
-- access, nor to shed their own.  The SET is refused when it is made.
SET ROLE pgtap_bob;
SELECT pg_temp.denied($$SET pg_ot."user" = 'alice'$$, 'ot_user bob setting pg_ot.user to alice');
SELECT pg_temp.denied($$SET LOCAL pg_ot."user" = 'alice'$$, 'ot_user bob setting pg_ot.user to alice locally');
SELECT pg_temp.denied($$SELECT set_config('pg_ot.user', 'alice', false)$$, 'ot_user bob naming alice with set_config');
SELECT pg_temp.allowed('SELECT ot.current_principal()', $$VALUES ('pgtap_bob')$$,
	'ot_user bob, refused, acts as himself');
RESET ROLE;
SET ROLE pgtap_alice;
SELECT pg_temp.denied($$SET pg_ot."user" = 'bob'$$, 'ot_user alice setting pg_ot.user to bob');
SET pg_ot."user" = '';
SELECT pg_temp.allowed($$SELECT version FROM ot.fetch('who', 'doc')$$, 'VALUES (4::bigint)',
	'an empty pg_ot.user means the SQL role itself');
RESET pg_ot."user";
RESET ROLE;
SET ROLE pgtap_admin;
SELECT pg_temp.denied($$SET pg_ot."user" = 'alice'$$, 'ot_admin (not a gateway) setting pg_ot.user');
RESET ROLE;
SET ROLE pgtap_nobody;
SELECT pg_temp.denied($$SET pg_ot."user" = 'alice'$$, 'a role in no ot role setting pg_ot.user');
RESET ROLE;
-- Set by a gateway, it is not honoured once the session's role is no gateway.
SET ROLE pgtap_gw;
SET pg_ot."user" = 'alice';
RESET ROLE;
SET ROLE pgtap_bob;
SELECT pg_temp.denied('SELECT ot.current_principal()', 'pg_ot.user of a gateway after SET ROLE bob: current_principal');
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('who', 'doc')$$, 'pg_ot.user of a gateway after SET ROLE bob: fetch');
SELECT pg_temp.denied($$SELECT * FROM ot.submit('who', 'doc', 3, '["c"]')$$, 'pg_ot.user of a gateway after SET ROLE bob: submit');
RESET ROLE;
RESET pg_ot."user";
-- Nobody makes it a role or database default (55P02): it would apply to
-- every session of the role.
SELECT throws_ok($$ALTER ROLE pgtap_bob SET pg_ot."user" = 'alice'$$, '55P02', NULL,
	'pg_ot.user as a role default refused');
SELECT throws_ok($$ALTER ROLE pgtap_gw SET pg_ot."user" = 'alice'$$, '55P02', NULL,
	'pg_ot.user as a gateway role''s default refused');

---------------------------------------------------------------------------
-- '*' is any authenticated user; 'anonymous' is not one.
---------------------------------------------------------------------------

DO $$
BEGIN
	PERFORM ot.create('star', 'doc', 'text-unicode', '"hello"');
	PERFORM ot.grant('star', NULL, '*', 'write');
END
$$;
SET ROLE pgtap_bob;
SELECT pg_temp.allowed($$SELECT version FROM ot.fetch('star', 'doc')$$, 'VALUES (1::bigint)',
	'* covers SQL role pgtap_bob: fetch');
SELECT pg_temp.allowed($$SELECT version FROM ot.submit('star', 'doc', 1, '["b"]')$$, 'VALUES (1::bigint)',
	'* covers SQL role pgtap_bob: submit');
RESET ROLE;
SET ROLE pgtap_gw;
SET pg_ot."user" = 'carol';
SELECT pg_temp.allowed($$SELECT version FROM ot.fetch('star', 'doc')$$, 'VALUES (2::bigint)',
	'* covers gateway user carol: fetch');
SELECT pg_temp.allowed($$SELECT version FROM ot.submit('star', 'doc', 2, '["c"]')$$, 'VALUES (2::bigint)',
	'* covers gateway user carol: submit');
SET pg_ot."user" = 'anonymous';
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('star', 'doc')$$, '* does not cover anonymous: fetch');
SELECT pg_temp.denied($$SELECT * FROM ot.messages('star', 'doc', 0)$$, '* does not cover anonymous: messages');
SELECT pg_temp.denied($$SELECT * FROM ot.submit('star', 'doc', 3, '["a"]')$$, '* does not cover anonymous: submit');
SELECT pg_temp.allowed(
	$$SELECT r->'error'->>'code', (r->'ack'->>'v')::int FROM ot.submit_batch('[
		{"user": "anonymous", "message": {"a": "op", "c": "star", "d": "doc", "v": 3, "op": ["a"]}},
		{"user": "dave", "message": {"a": "op", "c": "star", "d": "doc", "v": 3, "op": ["d"]}}]') r$$,
	$$VALUES ('ERR_OP_SUBMIT_REJECTED', NULL::int), (NULL, 3)$$,
	'one batch under *: anonymous''s op rejected, dave''s acked');
RESET pg_ot."user";
RESET ROLE;
DO $$ BEGIN PERFORM ot.grant('star', 'doc', 'anonymous', 'read'); END $$;
SET ROLE pgtap_gw;
SET pg_ot."user" = 'anonymous';
SELECT pg_temp.allowed($$SELECT version FROM ot.fetch('star', 'doc')$$, 'VALUES (4::bigint)',
	'a read grant to anonymous lets anonymous fetch');
SELECT pg_temp.denied($$SELECT * FROM ot.submit('star', 'doc', 4, '["a"]')$$, 'anonymous with read (and * write): submit');
SELECT pg_temp.batch('anonymous', '{"a": "op", "c": "star", "d": "doc", "v": 4, "op": ["a"]}', NULL,
	'anonymous with read (and * write): batch op');
RESET pg_ot."user";
RESET ROLE;
SET ROLE pgtap_nobody;
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('star', 'doc')$$, 'a role in no ot role, under *: fetch');
SELECT pg_temp.denied($$SELECT ot.create('star', 'new', 'text-unicode')$$, 'a role in no ot role, under *: create');
RESET ROLE;
DO $$
BEGIN
	PERFORM ot.create('anon', 'doc', 'text-unicode', '"hello"');
	PERFORM ot.grant('anon', NULL, 'anonymous', 'write');
END
$$;
SET ROLE pgtap_bob;
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('anon', 'doc')$$, 'a grant to anonymous does not cover pgtap_bob: fetch');
RESET ROLE;
SET ROLE pgtap_gw;
SET pg_ot."user" = 'bob';
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('anon', 'doc')$$, 'a grant to anonymous does not cover gateway user bob: fetch');
RESET pg_ot."user";
RESET ROLE;

---------------------------------------------------------------------------
-- Alice's document: bob may not read or write it, nor learn it exists.
---------------------------------------------------------------------------

DO $$
BEGIN
	PERFORM ot.create('private', 'doc', 'text-unicode', '"secret"');
	PERFORM ot.grant('private', 'doc', 'pgtap_alice', 'write');
	PERFORM ot.grant('private', 'doc', 'alice', 'write');
END
$$;
SET ROLE pgtap_alice;
SELECT pg_temp.allowed($$SELECT data FROM ot.fetch('private', 'doc')$$, $$VALUES ('"secret"'::jsonb)$$,
	'pgtap_alice fetches her document');
SELECT pg_temp.allowed($$SELECT * FROM ot.authorize_presence('private.doc')$$, $$VALUES ('private', 'doc')$$,
	'pgtap_alice may use the presence channel of her document');
RESET ROLE;
SET ROLE pgtap_bob;
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('private', 'doc')$$, 'pgtap_bob on alice''s document: fetch');
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('private', 'doc', 1)$$, 'pgtap_bob on alice''s document: fetch at version');
SELECT pg_temp.denied($$SELECT * FROM ot.fetch_at('private', 'doc', clock_timestamp())$$, 'pgtap_bob on alice''s document: fetch_at');
SELECT pg_temp.denied($$SELECT * FROM ot.ops('private', 'doc', 0)$$, 'pgtap_bob on alice''s document: ops');
SELECT pg_temp.denied($$SELECT * FROM ot.messages('private', 'doc', 0)$$, 'pgtap_bob on alice''s document: messages');
SELECT pg_temp.denied($$SELECT * FROM ot.presence_at('private', 'doc', 'null', 0)$$, 'pgtap_bob on alice''s document: presence_at');
SELECT pg_temp.denied($$SELECT * FROM ot.submit('private', 'doc', 1, '["x"]')$$, 'pgtap_bob on alice''s document: submit');
SELECT pg_temp.denied($$SELECT ot.delete('private', 'doc')$$, 'pgtap_bob on alice''s document: delete');
SELECT pg_temp.denied($$SELECT ot.create('private', 'doc', 'text-unicode')$$, 'pgtap_bob on alice''s document: create');
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('private', 'missing')$$, 'pgtap_bob on a missing document (the same error): fetch');
RESET ROLE;
SET ROLE pgtap_gw;
SET pg_ot."user" = 'bob';
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('private', 'doc')$$, 'gateway user bob on alice''s document: fetch');
SELECT pg_temp.denied($$SELECT * FROM ot.fetch_at('private', 'doc', clock_timestamp())$$, 'gateway user bob on alice''s document: fetch_at');
SELECT pg_temp.denied($$SELECT * FROM ot.ops('private', 'doc', 0)$$, 'gateway user bob on alice''s document: ops');
SELECT pg_temp.denied($$SELECT * FROM ot.messages('private', 'doc', 0)$$, 'gateway user bob on alice''s document: messages');
SELECT pg_temp.denied($$SELECT * FROM ot.presence_at('private', 'doc', 'null', 0)$$, 'gateway user bob on alice''s document: presence_at');
SELECT pg_temp.denied($$SELECT ot.authorize_presence('private.doc')$$, 'gateway user bob on alice''s document: presence channel');
SELECT pg_temp.denied($$SELECT ot.authorize_presence('private')$$, 'gateway user bob: a channel without a dot');
SELECT pg_temp.denied($$SELECT * FROM ot.submit('private', 'doc', 1, '["x"]')$$, 'gateway user bob on alice''s document: submit');
SELECT pg_temp.batch('bob', '{"a": "op", "c": "private", "d": "doc", "v": 1, "op": ["x"]}', NULL,
	'gateway user bob on alice''s document: batch op');
-- A batch op without "user" acts as pg_ot.user, not as the gateway.
SELECT pg_temp.batch(NULL, '{"a": "op", "c": "private", "d": "doc", "v": 1, "op": ["x"]}', NULL,
	'batch op without "user" while pg_ot.user = bob');
SET pg_ot."user" = 'alice';
SELECT pg_temp.batch('bob', '{"a": "op", "c": "private", "d": "doc", "v": 1, "op": ["x"]}', NULL,
	'batch op for bob while pg_ot.user = alice (the batch''s user counts)');
SELECT pg_temp.allowed($$SELECT version, data FROM ot.fetch('private', 'doc')$$,
	$$VALUES (1::bigint, '"secret"'::jsonb)$$, 'alice''s document is unchanged');
RESET pg_ot."user";
RESET ROLE;

---------------------------------------------------------------------------
-- ot_admin: every document as itself, never while acting for a user.
---------------------------------------------------------------------------

SET ROLE pgtap_admin;
SELECT pg_temp.allowed($$SELECT ot.create('admin', 'doc', 'text-unicode', '"a"')$$, 'VALUES (1::bigint)',
	'ot_admin without grants: create');
SELECT pg_temp.allowed($$SELECT version FROM ot.submit('admin', 'doc', 1, '["b"]')$$, 'VALUES (1::bigint)',
	'ot_admin without grants: submit');
SELECT pg_temp.allowed($$SELECT data FROM ot.fetch('private', 'doc')$$, $$VALUES ('"secret"'::jsonb)$$,
	'ot_admin without grants: fetch');
SELECT pg_temp.allowed($$SELECT version FROM ot.fetch_at('private', 'doc', clock_timestamp())$$, 'VALUES (1::bigint)',
	'ot_admin without grants: fetch_at');
SELECT pg_temp.allowed($$SELECT version FROM ot.ops('private', 'doc', 0)$$, 'VALUES (0::bigint)',
	'ot_admin without grants: ops');
SELECT pg_temp.allowed($$SELECT x->>'v' FROM ot.messages('private', 'doc', 0) x$$, $$VALUES ('0')$$,
	'ot_admin without grants: messages');
SELECT pg_temp.allowed($$SELECT version, presence FROM ot.presence_at('private', 'doc', 'null', 0)$$,
	$$VALUES (1::bigint, 'null'::jsonb)$$, 'ot_admin without grants: presence_at');
SELECT pg_temp.allowed($$SELECT ot.delete('admin', 'doc')$$, 'VALUES (3::bigint)',
	'ot_admin without grants: delete');
SELECT pg_temp.denied($$SELECT ot.submit_batch('[]')$$, 'ot_admin (not a gateway): submit_batch');
SELECT pg_temp.allowed($$SELECT count(*) FROM ot.documents WHERE collection = 'private'$$, 'VALUES (1::bigint)',
	'ot_admin reads the tables');
SELECT pg_temp.denied($$INSERT INTO ot.grants VALUES ('private', NULL, 'pgtap_admin', 'write')$$, 'ot_admin: INSERT INTO ot.grants');
SELECT pg_temp.denied($$UPDATE ot.documents SET version = 0$$, 'ot_admin: UPDATE ot.documents');
RESET ROLE;
SET ROLE pgtap_gwadmin;
SELECT pg_temp.allowed($$SELECT version FROM ot.fetch('private', 'doc')$$, 'VALUES (1::bigint)',
	'gateway and admin, acting as itself: fetch');
SET pg_ot."user" = 'carol';
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('private', 'doc')$$, 'gateway and admin, acting for carol: fetch');
SELECT pg_temp.denied($$SELECT * FROM ot.submit('private', 'doc', 1, '["x"]')$$, 'gateway and admin, acting for carol: submit');
RESET pg_ot."user";
SELECT pg_temp.batch('carol', '{"a": "op", "c": "private", "d": "doc", "v": 1, "op": ["x"]}', NULL,
	'gateway and admin, batch op for carol');
RESET ROLE;
SELECT pg_temp.allowed($$SELECT version FROM ot.fetch('private', 'doc')$$, 'VALUES (1::bigint)',
	'a superuser acting as itself: fetch');
SET pg_ot."user" = 'carol';
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('private', 'doc')$$, 'a superuser acting for carol: fetch');
RESET pg_ot."user";

---------------------------------------------------------------------------
-- Grants change and go: downgrade, revoke, document vs collection grant.
---------------------------------------------------------------------------

DO $$
BEGIN
	PERFORM ot.create('revoke', 'doc', 'text-unicode', '"r"');
	PERFORM ot.grant('revoke', 'doc', 'pgtap_bob', 'write');
END
$$;
SET ROLE pgtap_bob;
SELECT pg_temp.allowed($$SELECT version FROM ot.submit('revoke', 'doc', 1, '["w"]')$$, 'VALUES (1::bigint)',
	'bob with write: submit');
RESET ROLE;
SET ROLE pgtap_admin;
SELECT lives_ok($$SELECT ot.grant('revoke', 'doc', 'pgtap_bob', 'read')$$, 'ot_admin downgrades bob to read');
RESET ROLE;
SET ROLE pgtap_bob;
SELECT pg_temp.denied($$SELECT * FROM ot.submit('revoke', 'doc', 2, '["w"]')$$, 'bob downgraded to read: submit');
SELECT pg_temp.allowed($$SELECT version FROM ot.fetch('revoke', 'doc')$$, 'VALUES (2::bigint)',
	'bob downgraded to read: fetch');
RESET ROLE;
SET ROLE pgtap_admin;
SELECT pg_temp.allowed($$SELECT ot.revoke('revoke', 'doc', 'pgtap_bob')$$, 'VALUES (true)',
	'ot_admin revokes bob''s grant');
SELECT pg_temp.allowed($$SELECT ot.revoke('revoke', 'doc', 'pgtap_bob')$$, 'VALUES (false)',
	'revoking it again finds nothing');
RESET ROLE;
SET ROLE pgtap_bob;
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('revoke', 'doc')$$, 'bob after revoke: fetch');
SELECT pg_temp.denied($$SELECT * FROM ot.ops('revoke', 'doc', 0)$$, 'bob after revoke: ops');
RESET ROLE;
-- A collection grant outlives the revoke of a document grant, and vice versa.
DO $$
BEGIN
	PERFORM ot.grant('revoke', NULL, 'pgtap_bob', 'read');
	PERFORM ot.grant('revoke', 'doc', 'pgtap_bob', 'read');
END
$$;
SELECT pg_temp.allowed($$SELECT ot.revoke('revoke', 'doc', 'pgtap_bob')$$, 'VALUES (true)',
	'revoke bob''s document grant');
SET ROLE pgtap_bob;
SELECT pg_temp.allowed($$SELECT version FROM ot.fetch('revoke', 'doc')$$, 'VALUES (2::bigint)',
	'bob still reads through the collection grant');
RESET ROLE;
DO $$ BEGIN PERFORM ot.grant('revoke', 'doc', 'pgtap_bob', 'read'); END $$;
SELECT pg_temp.allowed($$SELECT ot.revoke('revoke', NULL, 'pgtap_bob')$$, 'VALUES (true)',
	'revoke bob''s collection grant');
SET ROLE pgtap_bob;
SELECT pg_temp.allowed($$SELECT version FROM ot.fetch('revoke', 'doc')$$, 'VALUES (2::bigint)',
	'bob still reads through the document grant');
RESET ROLE;
SELECT pg_temp.allowed($$SELECT ot.revoke('revoke', 'doc', 'pgtap_bob')$$, 'VALUES (true)',
	'revoke bob''s document grant again');
SET ROLE pgtap_bob;
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('revoke', 'doc')$$, 'bob with neither grant: fetch');
RESET ROLE;
-- The same for a gateway user.
DO $$ BEGIN PERFORM ot.grant('revoke', 'doc', 'bob', 'write'); END $$;
SET ROLE pgtap_gw;
SELECT pg_temp.batch('bob', '{"a": "op", "c": "revoke", "d": "doc", "v": 2, "op": ["g"]}', 2,
	'gateway user bob with write: batch op');
RESET ROLE;
SELECT pg_temp.allowed($$SELECT ot.revoke('revoke', 'doc', 'bob')$$, 'VALUES (true)',
	'revoke gateway user bob''s grant');
SET ROLE pgtap_gw;
SELECT pg_temp.batch('bob', '{"a": "op", "c": "revoke", "d": "doc", "v": 3, "op": ["g"]}', NULL,
	'gateway user bob after revoke: batch op');
SET pg_ot."user" = 'bob';
SELECT pg_temp.denied($$SELECT * FROM ot.fetch('revoke', 'doc')$$, 'gateway user bob after revoke: fetch');
RESET pg_ot."user";
RESET ROLE;

---------------------------------------------------------------------------
-- Only ot_admin grants; nobody but ot_admin touches the tables.
---------------------------------------------------------------------------

SET ROLE pgtap_alice;
SELECT pg_temp.denied($$SELECT ot.grant('private', NULL, 'pgtap_alice', 'write')$$, 'ot_user: grant');
SELECT pg_temp.denied($$SELECT ot.revoke('private', 'doc', 'alice')$$, 'ot_user: revoke');
SELECT pg_temp.denied($$SELECT * FROM ot.grants$$, 'ot_user: SELECT ot.grants');
SELECT pg_temp.denied($$INSERT INTO ot.grants VALUES ('private', NULL, 'pgtap_alice', 'write')$$, 'ot_user: INSERT INTO ot.grants');
SELECT pg_temp.denied($$SELECT * FROM ot.operations$$, 'ot_user: SELECT ot.operations');
SELECT pg_temp.denied($$SELECT ot._granted('private', 'doc', 'write', 'pgtap_alice')$$, 'ot_user: internal ot._granted');
SELECT pg_temp.denied($$SELECT * FROM ot._snapshot_at(1, 1)$$, 'ot_user: internal ot._snapshot_at');
RESET ROLE;
SET ROLE pgtap_gw;
SELECT pg_temp.denied($$SELECT ot.grant('private', NULL, 'bob', 'write')$$, 'ot_gateway: grant');
SELECT pg_temp.denied($$SELECT * FROM ot.snapshots$$, 'ot_gateway: SELECT ot.snapshots');
SELECT pg_temp.denied($$DELETE FROM ot.grants$$, 'ot_gateway: DELETE FROM ot.grants');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
