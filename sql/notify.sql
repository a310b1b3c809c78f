-- Notifications: each op is announced on its document's channel, signed:
-- "<mac> <meta>\n<body>", mac the hex HMAC-SHA256 under the 'notify' key of
-- channel NUL meta LF body, meta what a gateway routes by, body the ShareDB
-- message subscribers receive.  Revoked grants and presence are signed and
-- stamped.  A second connection (dblink) LISTENs and reads what arrived;
-- pgcrypto checks the signatures.

CREATE EXTENSION dblink;
CREATE EXTENSION pgcrypto;
-- A known key, so that the output is the same every run.  (Each backend
-- reads the key once, at its first notification: this one has made none.)
UPDATE ot.secrets SET secret = decode(repeat('6b', 48), 'hex') WHERE purpose = 'notify';
SELECT dblink_connect('listener', format('dbname=%s port=%s host=%s', current_database(),
	current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)));

-- What arrived, taken apart: the channel, meta, body, and whether the mac
-- is the key's over channel NUL meta LF body.  (A query on the listener
-- first, so that everything sent before has been read.)
CREATE FUNCTION arrived(OUT channel text, OUT meta jsonb, OUT body text, OUT signed boolean)
RETURNS SETOF record LANGUAGE plpgsql AS $$
BEGIN
	PERFORM * FROM dblink('listener', 'SELECT 1') AS t(x int);
	RETURN QUERY
	SELECT notify_name, split_part(rest, E'\n', 1)::jsonb,
		   substr(rest, strpos(rest, E'\n') + 1),
		   left(extra, 65) = encode(hmac(convert_to(notify_name, 'UTF8') || '\x00'::bytea ||
										 convert_to(rest, 'UTF8'),
										 decode(repeat('6b', 48), 'hex'), 'sha256'), 'hex') || ' '
	FROM dblink_get_notify('listener'), LATERAL substr(extra, 66) AS rest;
END
$$;

-- Channels: a stable hash of (collection, id) onto pg_ot.notify_channels.
SELECT ot.channel('notes', 'n1'), ot.channel('notes', 'n2'), ot.channel('other', 'n1'),
	   ot.channel('notes', 'n1') = ot.channel('notes', 'n1') AS stable;
SHOW pg_ot.notify_channels;

SELECT dblink_exec('listener', 'LISTEN ' || ot.channel('notes', 'n1'));

SELECT ot.create('notes', 'n1', 'text-unicode', '"hi"', 'client-a', 1);
SELECT version FROM ot.submit('notes', 'n1', 1, '[2, "!"]', 'client-a', 2);
SELECT version FROM ot.submit('notes', 'n1', 2, '["> "]');		-- a SQL caller: no src
SELECT ot.delete('notes', 'n1', NULL, 'client-b', 1);

-- An op too large for a NOTIFY payload (7,999 bytes) is announced without
-- its body; the gateway reads it with ot.messages.  7,786 bytes of text is
-- the most that still fits with this document's names.
SELECT ot.create('notes', 'n1', 'text-unicode', NULL, 'client-a', 3);
SELECT version FROM ot.submit('notes', 'n1', 5, to_jsonb(ARRAY[repeat('y', 7786)]), 'client-a', 4);
SELECT version FROM ot.submit('notes', 'n1', 6, to_jsonb(ARRAY[repeat('y', 7787)]), 'client-a', 5);

-- Nothing is announced for a rolled-back op.
BEGIN;
SELECT version FROM ot.submit('notes', 'n1', 7, '["never"]', 'client-a', 6);
ROLLBACK;

-- The body is the message ot.messages gives for the same op, byte for byte.
SELECT channel = ot.channel('notes', 'n1') AS channel, signed, meta,
	   CASE WHEN meta ? 'ref' THEN body = '' ELSE body = (
			SELECT m::text FROM ot.messages('notes', 'n1', (meta->>'v')::bigint,
											(meta->>'v')::bigint + 1) m) END AS body_is_message,
	   CASE WHEN length(body) > 200 THEN left(body, 60) || '...' ELSE body END AS body
FROM arrived();

-- Revoked grants go out on ot.channel('$grants', ''), stamped: t (the
-- server's clock), n (one per transaction, from ot.notify_revoke_seq), i (the
-- transaction's count).  TRUNCATE revokes every grant at once.
SELECT dblink_exec('listener', 'LISTEN ' || ot.channel('$grants', ''));
SELECT ot.grant('notes', NULL, 'alice', 'write'), ot.grant('notes', 'n1', 'bob', 'read'),
	   ot.grant('other', NULL, 'carol', 'read');
SELECT ot.revoke('notes', NULL, 'alice');
BEGIN;
DELETE FROM ot.grants WHERE principal = 'bob';
TRUNCATE ot.grants;
COMMIT;
SELECT channel = ot.channel('$grants', '') AS channel, signed, meta - 't' - 'n' AS meta,
	   (meta->>'t')::bigint BETWEEN (extract(epoch FROM now() - interval '1 hour') * 1e6)::bigint
		   AND (extract(epoch FROM clock_timestamp()) * 1e6)::bigint AS t_is_now,
	   (meta->>'n')::bigint - min((meta->>'n')::bigint) OVER () AS n_from_first, body
FROM arrived();

-- A gateway's presence goes out on ot.channel('$presence', channel), stamped
-- the same way (ot.notify_presence_seq); only members of ot_gateway may.
SELECT dblink_exec('listener', 'LISTEN ' || ot.channel('$presence', 'notes.n1'));
CREATE ROLE notify_gateway IN ROLE ot_gateway;
CREATE ROLE notify_user IN ROLE ot_user;
SET ROLE notify_gateway;
SELECT ot.publish_presence('notes.n1', '{"a": "p", "ch": "notes.n1", "id": "x", "p": null}');
SET ROLE notify_user;
SELECT ot.publish_presence('notes.n1', '{"a": "p", "ch": "notes.n1", "id": "y", "p": null}');
RESET ROLE;
SELECT channel = ot.channel('$presence', 'notes.n1') AS channel, signed, meta - 't' - 'n' AS meta, body
FROM arrived();
DROP ROLE notify_gateway, notify_user;

-- Unsigned (pg_ot.sign_notifications off, for benchmarks only): the same
-- payload with a mac of zeros, which gateways drop.
SET pg_ot.sign_notifications = off;
SELECT version FROM ot.submit('notes', 'n1', 7, '["u"]');
RESET pg_ot.sign_notifications;
SELECT signed, left(body, 40) AS body FROM arrived();

-- Without a 'notify' key nothing can be announced: a write fails (55000)
-- rather than go out unsigned.  (A new connection: this one has read it.)
DELETE FROM ot.secrets WHERE purpose = 'notify';
SELECT dblink_connect('fresh', format('dbname=%s port=%s host=%s', current_database(),
	current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)));
\set VERBOSITY terse
SELECT * FROM dblink('fresh', $$SELECT version FROM ot.submit('notes', 'n1', NULL, '["k"]')$$) AS t(v bigint);
\set VERBOSITY default
INSERT INTO ot.secrets VALUES ('notify', decode(repeat('6b', 48), 'hex'));
SELECT * FROM dblink('fresh', $$SELECT version FROM ot.submit('notes', 'n1', NULL, '["k"]')$$) AS t(v bigint);
SELECT dblink_disconnect('fresh');

SELECT dblink_disconnect('listener');
DROP FUNCTION arrived();
DROP EXTENSION pgcrypto;
DROP EXTENSION dblink;
