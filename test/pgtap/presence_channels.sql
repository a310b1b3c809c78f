-- Presence channels (ot.authorize_presence): a channel names exactly one
-- document for the acting user, never one of another collection that the
-- dot split makes it look like, and the work of resolving it is bounded.
-- Run by test/pgtap/run.sh; changes nothing (rolled back).
BEGIN;
SELECT plan(23);

CREATE ROLE pgtap_pgw LOGIN IN ROLE ot_gateway;

-- Collection "pa" is readable by anonymous; document "c" of collection
-- "pa.b" (whose stock-client channel is "pa.b.c", as for document "b.c" of
-- "pa") belongs to victim.  "notes" holds ids with dots.
DO $$
BEGIN
	PERFORM ot.create('pa.b', 'c', 'rich-text');
	PERFORM ot.grant('pa', NULL, 'anonymous', 'read');
	PERFORM ot.grant('pa.b', 'c', 'victim', 'write');
	PERFORM ot.grant('notes', NULL, 'victim', 'read');
	PERFORM ot.grant('pb', NULL, 'both', 'read');
	PERFORM ot.grant('pb.x', NULL, 'both', 'read');
	PERFORM ot.create('pb.x', 'y', 'rich-text');
END
$$;

-- query returns the rows of expected; an error fails the test instead of ending the script.
CREATE FUNCTION pg_temp.names(query text, expected text, what text)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RETURN results_eq(query, expected, what);
EXCEPTION WHEN OTHERS THEN
	RETURN fail(what) || E'\n' || diag(format('    raised %s: %s', SQLSTATE, SQLERRM));
END
$$;

SET ROLE pgtap_pgw;

SET pg_ot."user" = 'anonymous';
SELECT pg_temp.names($$SELECT * FROM ot.authorize_presence('pa.b.c')$$, $$VALUES ('pa', 'b.c')$$,
	'read on collection pa: channel pa.b.c names document b.c of pa, not c of pa.b');
SELECT throws_ok($$SELECT * FROM ot.authorize_presence('pa.b.c', 'pa.b', 'c')$$, '42501', NULL,
	'read on collection pa gives no presence of document c of collection pa.b');
SELECT pg_temp.names($$SELECT * FROM ot.authorize_presence('pa.b.c', 'pa', 'b.c')$$, $$VALUES ('pa', 'b.c')$$,
	'a document''s presence names that document');
SELECT throws_ok($$SELECT * FROM ot.authorize_presence('pa.x', 'pa', 'y')$$, '22023', NULL,
	'a document''s presence on a channel that is not its name is badly formed');
SELECT throws_ok($$SELECT * FROM ot.authorize_presence('pa.x', 'pa', NULL)$$, '22023', NULL,
	'a collection without an id is badly formed');
SELECT throws_ok($$SELECT * FROM ot.authorize_presence('pa')$$, '42501', NULL, 'a channel without a dot names nothing');
SELECT throws_ok($$SELECT * FROM ot.authorize_presence('.pa')$$, '42501', NULL, 'an empty collection names nothing');
SELECT throws_ok($$SELECT * FROM ot.authorize_presence('pa.')$$, '42501', NULL, 'an empty id names nothing');
SELECT throws_ok($$SELECT * FROM ot.authorize_presence('other.doc')$$, '42501', NULL, 'no grant: refused');

SET pg_ot."user" = 'victim';
SELECT pg_temp.names($$SELECT * FROM ot.authorize_presence('pa.b.c')$$, $$VALUES ('pa.b', 'c')$$,
	'the owner of pa.b/c: the same channel names her document');
SELECT pg_temp.names($$SELECT * FROM ot.authorize_presence('pa.b.c', 'pa.b', 'c')$$, $$VALUES ('pa.b', 'c')$$,
	'and her document''s presence names it');
SELECT pg_temp.names($$SELECT * FROM ot.authorize_presence('notes.readme.md')$$, $$VALUES ('notes', 'readme.md')$$,
	'an id with a dot, readable through its collection');

-- Readable on both splits: the existing document first, then the shortest collection.
SET pg_ot."user" = 'both';
SELECT pg_temp.names($$SELECT * FROM ot.authorize_presence('pb.x.y')$$, $$VALUES ('pb.x', 'y')$$,
	'both splits readable: the one naming an existing document');
SELECT pg_temp.names($$SELECT * FROM ot.authorize_presence('pb.x.z')$$, $$VALUES ('pb', 'x.z')$$,
	'both splits readable, no document: the shortest collection');

-- Bounded work: at most 32 dots, at most 2,049 bytes, parts of at most 1,024 bytes.
SET pg_ot."user" = 'anonymous';
SELECT pg_temp.names(format($$SELECT * FROM ot.authorize_presence(%L)$$, 'pa.' || repeat('x.', 30) || 'x'),
	format($$VALUES ('pa', %L)$$, repeat('x.', 30) || 'x'), '31 dots');
SELECT throws_ok(format($$SELECT * FROM ot.authorize_presence(%L)$$, 'pa.' || repeat('x.', 32) || 'x'), '42501', NULL,
	'33 dots name nothing');
SELECT throws_ok(format($$SELECT * FROM ot.authorize_presence(%L)$$, 'pa.' || repeat('x', 2047)), '42501', NULL,
	'a channel over 2,049 bytes names nothing');
SELECT throws_ok(format($$SELECT * FROM ot.authorize_presence(%L)$$, 'pa.' || repeat('x', 1025)), '42501', NULL,
	'an id over 1,024 bytes names nothing');
RESET pg_ot."user";
RESET ROLE;

-- What a refused channel of 2,049 dots costs: index scans of ot.grants and
-- ot.documents in this transaction (the split by split check made thousands).
CREATE FUNCTION pg_temp.scans() RETURNS bigint LANGUAGE sql AS $$
	SELECT coalesce(sum(idx_scan + seq_scan), 0)::bigint FROM pg_stat_xact_user_tables
	WHERE schemaname = 'ot' AND relname IN ('grants', 'documents');
$$;
CREATE TEMP TABLE scans AS SELECT pg_temp.scans() AS before;
SET ROLE pgtap_pgw;
SET pg_ot."user" = 'anonymous';
SELECT throws_ok(format($$SELECT * FROM ot.authorize_presence(%L)$$, repeat('.', 2049)), '42501', NULL,
	'2,049 dots: refused');
SELECT throws_ok(format($$SELECT * FROM ot.authorize_presence(%L)$$, repeat('pa.', 683)), '42501', NULL,
	'683 splits: refused');
RESET pg_ot."user";
RESET ROLE;
SELECT cmp_ok(pg_temp.scans() - (SELECT before FROM scans), '=', 0::bigint,
	'a channel with too many dots costs no table access');
UPDATE scans SET before = pg_temp.scans();
SET ROLE pgtap_pgw;
SET pg_ot."user" = 'anonymous';
SELECT throws_ok(format($$SELECT * FROM ot.authorize_presence(%L)$$, repeat('q.', 32) || 'q'), '42501', NULL,
	'32 dots, none readable: refused');
RESET pg_ot."user";
RESET ROLE;
SELECT cmp_ok(pg_temp.scans() - (SELECT before FROM scans), '<=', 80::bigint,
	'32 dots cost at most a few index scans per split');

SELECT * FROM finish();
ROLLBACK;
