-- Notifications: each op is announced on its document's channel as the
-- ShareDB message subscribers receive.  A second connection (dblink) LISTENs
-- and reads what arrived.

CREATE EXTENSION dblink;
SELECT dblink_connect('listener', format('dbname=%s port=%s host=%s', current_database(),
	current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)));

-- Channels: a stable hash of (collection, id) onto pg_ot.notify_channels.
SELECT ot.channel('notes', 'n1'), ot.channel('notes', 'n2'), ot.channel('other', 'n1'),
	   ot.channel('notes', 'n1') = ot.channel('notes', 'n1') AS stable;
SHOW pg_ot.notify_channels;

SELECT dblink_exec('listener', 'LISTEN ' || ot.channel('notes', 'n1'));

SELECT ot.create('notes', 'n1', 'text-unicode', '"hi"', 'client-a', 1);
SELECT version FROM ot.submit('notes', 'n1', 1, '[2, "!"]', 'client-a', 2);
SELECT version FROM ot.submit('notes', 'n1', 2, '["> "]');		-- a SQL caller: no src
SELECT ot.delete('notes', 'n1', NULL, 'client-b', 1);

-- An op too large for a NOTIFY payload is announced without its body; the
-- gateway reads it with ot.ops.
SELECT ot.create('notes', 'n1', 'text-unicode', NULL, 'client-a', 3);
SELECT version FROM ot.submit('notes', 'n1', 5, to_jsonb(ARRAY[repeat('y', 8000)]), 'client-a', 4);

-- Nothing is announced for a rolled-back op.
BEGIN;
SELECT version FROM ot.submit('notes', 'n1', 6, '["never"]', 'client-a', 5);
ROLLBACK;

SELECT notify_name = ot.channel('notes', 'n1') AS channel, extra::jsonb AS payload
	FROM dblink_get_notify('listener');

SELECT dblink_disconnect('listener');
DROP EXTENSION dblink;
