-- The write path skips one check per op: the foreign key doc_id ->
-- ot.documents, whose row it has locked FOR UPDATE before it appends
-- (store.c, skip_document_key_check).  Every other foreign key on the op
-- log is still checked, through the direct path as through statements.
-- (Run as a superuser, who passes every grant.)

CREATE TABLE fk_users (name text PRIMARY KEY);
INSERT INTO fk_users VALUES ('alice');
ALTER TABLE ot.operations ADD CONSTRAINT operations_user_fk
	FOREIGN KEY (user_id) REFERENCES fk_users (name) NOT VALID;	-- the other tests' rows stay
SELECT ot.grant('fk', NULL, 'alice', 'write'), ot.grant('fk', NULL, 'mallory', 'write');
SELECT set_config('pg_ot.user', 'alice', false);

-- A known author: create, then edit.
SELECT ot.create('fk', 'a', 'text-unicode', '"hi"');
SELECT version FROM ot.submit('fk', 'a', 1, '[2, "!"]');
SELECT version, data FROM ot.fetch('fk', 'a');

-- An author the added key does not know: the edit fails with 23503 and
-- leaves nothing behind; the create fails the same way.
SELECT set_config('pg_ot.user', 'mallory', false);
DO $$
BEGIN
	PERFORM ot.submit('fk', 'a', 2, '[3, "?"]');
	RAISE 'no error';
EXCEPTION WHEN foreign_key_violation THEN
	RAISE NOTICE 'submit: %', SQLSTATE;
END $$;
DO $$
BEGIN
	PERFORM ot.create('fk', 'b', 'text-unicode', '"x"');
	RAISE 'no error';
EXCEPTION WHEN foreign_key_violation THEN
	RAISE NOTICE 'create: %', SQLSTATE;
END $$;
SELECT version, data FROM ot.fetch('fk', 'a');
SELECT count(*) AS ops FROM ot.operations o JOIN ot.documents d ON d.id = o.doc_id
	WHERE d.collection = 'fk';

-- A batch: the unknown author's op fails the batch (a failed write is not
-- one op's rejection: batch.c has no subtransaction per op).
SELECT r ? 'ack' AS acked, r->'error'->>'code' AS code FROM ot.submit_batch(
	'[{"user": "alice", "message": {"a": "op", "c": "fk", "d": "a", "v": 2, "op": [3, "."]}},
	  {"user": "mallory", "message": {"a": "op", "c": "fk", "d": "a", "v": 3, "op": [4, "?"]}}]') AS r;
SELECT set_config('pg_ot.user', 'alice', false);
SELECT version, data FROM ot.fetch('fk', 'a');

-- Every op row references its document: the skipped check loses nothing.
SELECT count(*) AS orphans FROM ot.operations o
	WHERE NOT EXISTS (SELECT FROM ot.documents d WHERE d.id = o.doc_id);

ALTER TABLE ot.operations DROP CONSTRAINT operations_user_fk;
DROP TABLE fk_users;
