-- pg_ot.user is a setting of a gateway's own session.  A role, database or
-- server default is refused (once it locked a role out: every pg_ot call of
-- the role failed with "permission denied to act as user"), and a SET by a
-- role outside ot_gateway is refused when it is made.

SELECT current_user AS superuser \gset
CREATE ROLE regress_ot_bob LOGIN IN ROLE ot_user;
CREATE ROLE regress_ot_gw LOGIN IN ROLE ot_gateway;
SELECT ot.create('acting', 'doc', 'text-unicode', '"hi"');
SELECT ot.grant('acting', NULL, 'regress_ot_bob', 'write');
SELECT ot.grant('acting', NULL, 'alice', 'read');

-- A role naming a user in its own defaults (issue 15): refused; the role
-- still works in its next session.
\c - regress_ot_bob
SELECT ot.current_principal();
ALTER ROLE regress_ot_bob SET pg_ot."user" = 'alice';
\c - regress_ot_bob
SELECT ot.current_principal();
SELECT version FROM ot.submit('acting', 'doc', 1, '["bob "]');

-- A SET by a role outside ot_gateway: refused at once, as set_config is.
SET pg_ot."user" = 'alice';
SELECT set_config('pg_ot.user', 'alice', false);
BEGIN;
SET LOCAL pg_ot."user" = 'alice';
ROLLBACK;
SELECT ot.current_principal();
SET pg_ot."user" = '';
SELECT ot.current_principal();

-- Made before pg_ot was loaded in the session, the SET cannot be checked:
-- the first call refuses to act on it instead.
\c - regress_ot_bob
SET pg_ot."user" = 'alice';
SELECT ot.current_principal();
RESET pg_ot."user";
SELECT ot.current_principal();

-- A gateway sets it in its session, per transaction or for the session.
\c - regress_ot_gw
SELECT ot.current_principal();
SET pg_ot."user" = 'alice';
SELECT ot.current_principal();
SELECT data FROM ot.fetch('acting', 'doc');
BEGIN;
SELECT set_config('pg_ot.user', 'regress_ot_bob', true);
SELECT ot.current_principal();
COMMIT;
SELECT ot.current_principal();
RESET pg_ot."user";
SELECT ot.current_principal();
-- ... but not as its default either.
ALTER ROLE regress_ot_gw SET pg_ot."user" = 'alice';

-- Superusers may not make it a default of a role or a database either.
\c - :superuser
SELECT ot.current_principal() = current_user AS acts_as_itself;
ALTER ROLE regress_ot_bob SET pg_ot."user" = 'alice';
SELECT format('ALTER DATABASE %I SET pg_ot."user" = %L', current_database(), 'alice') \gexec
ALTER ROLE regress_ot_bob SET pg_ot."user" = '';
ALTER ROLE regress_ot_bob RESET pg_ot."user";

-- A default stored unchecked (before pg_ot refused them, or by a superuser
-- in a session that had not loaded pg_ot) is ignored with a warning: the
-- role acts as itself.
\c - :superuser
ALTER ROLE regress_ot_bob SET pg_ot."user" = 'alice';
\c - regress_ot_bob
SELECT ot.current_principal();
SELECT current_setting('pg_ot.user') = '' AS ignored;
SELECT version FROM ot.submit('acting', 'doc', 2, '["again "]');

\c - :superuser
SELECT version, user_id FROM ot.ops('acting', 'doc', 1);
ALTER ROLE regress_ot_bob RESET ALL;
DROP ROLE regress_ot_bob;
DROP ROLE regress_ot_gw;
