-- ot.query and ot.query_extra (query.c): the documents matching a ShareDB
-- query in sharedb-mongo's language, evaluated as MongoDB evaluates it,
-- the readable ones only.
\set VERBOSITY terse
SELECT ot.create('qry', 'a', 'json0', '{"n": 1, "s": "apple", "tags": ["x", "y"], "o": {"k": 1}, "b": true}');
SELECT ot.create('qry', 'b', 'json0', '{"n": 2.5, "s": "Banana", "tags": ["y"], "o": {"k": 2}, "b": false}');
SELECT ot.create('qry', 'c', 'json0', '{"n": "3", "s": "cherry", "tags": [], "o": {"k": [1, 3]}, "z": null}');
SELECT ot.create('qry', 'd', 'json0', '{"n": 10, "list": [{"k": 5}, {"k": 7}], "s": "\ud83d\ude00"}');
SELECT ot.create('qry', 'e', 'json0', '{"s": "\uffff", "n": null}');
SELECT ot.create('qry', 't', 'text-unicode', '"plain text"');
-- an edited document: the filter sees the latest data (snapshot + ops after it)
SELECT version FROM ot.submit('qry', 'a', 1, '[{"p": ["n"], "na": 4}]');
-- a deleted document never appears
SELECT ot.create('qry', 'gone', 'json0', '{"n": 5}');
SELECT ot.delete('qry', 'gone');
-- another collection is not seen
SELECT ot.create('qry_other', 'a', 'json0', '{"n": 5}');

CREATE FUNCTION q_ids(q jsonb) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(id, ',' ORDER BY ord), '-') FROM ot.query('qry', q) WITH ORDINALITY AS t(id, type, version, data, ctime, mtime, ord);
$$;

-- everything, in id order; data, type and version
SELECT id, type, version, data FROM ot.query('qry', '{}');
-- equality, $eq, $ne; numbers only equal numbers
SELECT q_ids('{"n": 5}'), q_ids('{"n": {"$eq": 2.5}}'), q_ids('{"n": "3"}'), q_ids('{"n": {"$ne": 5}}');
-- null matches null and missing; $ne null the others
SELECT q_ids('{"n": null}'), q_ids('{"z": null}'), q_ids('{"z": {"$ne": null}}');
-- $in, $nin (missing fields are in $nin)
SELECT q_ids('{"n": {"$in": [5, "3", 99]}}'), q_ids('{"n": {"$nin": [5, "3"]}}'), q_ids('{"n": {"$in": [null]}}');
-- comparisons within a type bracket: numbers with numbers, strings with strings
SELECT q_ids('{"n": {"$gt": 2}}'), q_ids('{"n": {"$gte": 2.5, "$lt": 10}}'), q_ids('{"n": {"$lte": 5}}');
SELECT q_ids('{"s": {"$gt": "b"}}'), q_ids('{"s": {"$lt": "a"}}'), q_ids('{"n": {"$gt": "2"}}');
-- JavaScript's string order is by UTF-16 units: U+1F600 (a surrogate pair) < U+FFFF
SELECT q_ids('{"s": {"$gt": "\uffe0"}}'), q_ids('{"s": {"$lt": "\uffff", "$gt": "z"}}');
-- booleans; $gte null is null, not missing (as mingo)
SELECT q_ids('{"b": true}'), q_ids('{"b": {"$gt": false}}'), q_ids('{"n": {"$gte": null}}'), q_ids('{"n": {"$gt": null}}');
-- $exists
SELECT q_ids('{"z": {"$exists": true}}'), q_ids('{"b": {"$exists": false}}'), q_ids('{"o.k": {"$exists": true}}');
-- dotted paths, numeric parts, implicit traversal of arrays of objects
-- a key no element of an array has resolves, as in mingo, to an empty array: it exists, and is not null
SELECT q_ids('{"list.j": {"$exists": true}}'), q_ids('{"list.j": null}'), q_ids('{"list.5": null}'), q_ids('{"tags.0": {"$exists": false}}');
SELECT q_ids('{"o.k": 2}'), q_ids('{"o.k": 3}'), q_ids('{"o.k.1": 3}'), q_ids('{"list.k": 7}'), q_ids('{"list.1.k": 7}'), q_ids('{"list.0.k": 7}');
-- equality against an array field matches an element, or the whole array
SELECT q_ids('{"tags": "y"}'), q_ids('{"tags": ["y"]}'), q_ids('{"tags": []}'), q_ids('{"tags": {"$in": ["x"]}}'), q_ids('{"tags": {"$ne": "y"}}');
-- objects are equal by their members
SELECT q_ids('{"o": {"k": 1}}'), q_ids('{"list": {"$in": [{"k": 5}]}}');
-- $and, $or, nested
SELECT q_ids('{"$or": [{"n": 5}, {"s": "Banana"}]}'), q_ids('{"$and": [{"n": {"$gt": 1}}, {"n": {"$lt": 6}}]}');
SELECT q_ids('{"$or": [{"$and": [{"b": true}, {"n": 5}]}, {"tags": []}], "s": {"$exists": true}}');
-- metadata of every type: _id, _type, _v, _m.ctime, _m.mtime
SELECT q_ids('{"_type": "http://sharejs.org/types/text-unicode"}'), q_ids('{"_v": 2}'), q_ids('{"_id": {"$in": ["b", "t", "nope"]}}'), q_ids('{"_id": "c"}');
SELECT q_ids('{"_m.mtime": {"$gt": 0}, "_id": {"$gte": "d"}}'), q_ids('{"_m.ctime": {"$lt": 0}}');
SELECT (SELECT count(*) FROM ot.query('qry', '{}') WHERE ctime <= mtime AND mtime <= clock_timestamp()) AS times_ordered;
-- a text document has no fields
SELECT q_ids('{"_id": "t", "s": {"$exists": false}}');
-- $sort: across types as MongoDB (missing/null < numbers < strings < objects < arrays < booleans), ties by id
SELECT q_ids('{"$sort": {"n": 1}}'), q_ids('{"$sort": {"n": -1}}');
SELECT q_ids('{"$sort": {"s": 1}}'), q_ids('{"$sort": [["o.k", -1], ["_id", -1]]}'), q_ids('{"$sort": [["_id", -1], ["o.k", -1]]}');
-- arrays sort by their least element ascending, their greatest descending
SELECT q_ids('{"$sort": {"tags": 1}}'), q_ids('{"$sort": {"tags": -1}}');
SELECT q_ids('{"$sort": {"_v": -1}}'), q_ids('{"$sort": {"b": 1}}');
-- $skip, $limit ($limit 0 is none, as MongoDB)
SELECT q_ids('{"$sort": {"n": 1}, "$skip": 2}'), q_ids('{"$sort": {"n": 1}, "$limit": 2}'), q_ids('{"$sort": {"n": 1}, "$skip": 1, "$limit": 2}'), q_ids('{"$limit": 0}'), q_ids('{"$skip": 100}');
-- $count: no documents, the count in extra (after $skip and $limit)
SELECT q_ids('{"$count": true}'), ot.query_extra('qry', '{"$count": true}'), ot.query_extra('qry', '{"n": {"$gt": 1}, "$count": true}');
SELECT ot.query_extra('qry', '{"$count": true, "$skip": 1, "$limit": 3}'), ot.query_extra('qry', '{}') IS NULL AS no_extra, ot.query_extra('qry', '{"$count": false}') IS NULL AS count_false;

CREATE FUNCTION q_err(q jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM * FROM ot.query('qry', q);
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- malformed queries: 22023
SELECT q_err('[]');
SELECT q_err('{"n": {"$in": 5}}');
SELECT q_err('{"n": {"$nin": {}}}');
SELECT q_err('{"n": {"$exists": 1}}');
SELECT q_err('{"n": {"$gt": 1, "k": 2}}');
SELECT q_err('{"$and": []}');
SELECT q_err('{"$or": [1]}');
SELECT q_err('{"$sort": {"n": 2}}');
SELECT q_err('{"$sort": 1}');
SELECT q_err('{"$sort": {"n": 1, "s": 1}}');
SELECT q_err('{"$sort": [["n"]]}');
SELECT q_err('{"$skip": -1}');
SELECT q_err('{"$limit": 1.5}');
SELECT q_err('{"$count": 1}');
SELECT q_err('{"$and": [{"$limit": 1}]}');
SELECT q_err('{"a..b": 1}');
SELECT q_err('{"": 1}');
SELECT q_err(NULL);
-- operators pg_ot does not support: 0A000, named
\set VERBOSITY default
\set ON_ERROR_STOP 0
SELECT * FROM ot.query('qry', '{"s": {"$regex": "^a"}}');
\set ON_ERROR_STOP 1
\set VERBOSITY terse
SELECT q_err('{"s": {"$regex": "^a"}}');
SELECT q_err('{"tags": {"$elemMatch": {"$eq": "x"}}}');
SELECT q_err('{"$nor": [{"n": 1}]}');
SELECT q_err('{"$distinct": {"field": "n"}}');
SELECT q_err('{"$or": [{"$where": "1"}]}');
SELECT q_err('{"n": {"$gt": [1]}}');
SELECT q_err('{"n": {"$lt": {"a": 1}}}');
\set VERBOSITY default
\set ON_ERROR_STOP 0
-- the bounds: 54000
SET pg_ot.query_max_documents = 3;
SELECT * FROM ot.query('qry', '{"n": 5}');
SELECT q_err('{"n": 5}');
-- naming _id reads only those documents
SELECT q_ids('{"_id": {"$in": ["a", "b"]}}');
RESET pg_ot.query_max_documents;
SET pg_ot.query_max_results = 2;
SELECT * FROM ot.query('qry', '{}');
SELECT q_err('{}'), q_ids('{"$limit": 2}'), ot.query_extra('qry', '{"$count": true}');
RESET pg_ot.query_max_results;
\set ON_ERROR_STOP 1
\set VERBOSITY terse

-- grants: a user sees only what it may read, collection-wide or per document
CREATE ROLE regress_q_bob LOGIN IN ROLE ot_user;
CREATE ROLE regress_q_gw LOGIN IN ROLE ot_gateway;
SELECT ot.grant('qry', 'b', 'regress_q_bob', 'read');
SELECT ot.grant('qry', 'd', 'regress_q_bob', 'write');
SELECT ot.grant('qry', 'gone', 'regress_q_bob', 'read');
SELECT ot.grant('qry_other', NULL, 'regress_q_bob', 'read');
SET ROLE regress_q_bob;
SELECT q_ids('{}'), q_ids('{"n": {"$gt": 0}}'), ot.query_extra('qry', '{"$count": true}');
SELECT id FROM ot.query('qry_other', '{}');
RESET ROLE;
-- a gateway acting for a user; '*' covers any authenticated user, not anonymous
SELECT ot.grant('qry', 'c', '*', 'read');
SET ROLE regress_q_gw;
SET pg_ot."user" = 'carol';
SELECT q_ids('{}'), ot.query_extra('qry', '{"$count": true}');
SET pg_ot."user" = 'anonymous';
SELECT q_ids('{}');
SET pg_ot."user" = 'regress_q_bob';
SELECT q_ids('{}');
RESET pg_ot."user";
RESET ROLE;
SELECT ot.grant('qry', NULL, 'dave', 'read');
SET ROLE regress_q_gw;
SET pg_ot."user" = 'dave';
SELECT q_ids('{}');
RESET pg_ot."user";
RESET ROLE;
-- PUBLIC may not call it
CREATE ROLE regress_q_nobody LOGIN;
SET ROLE regress_q_nobody;
\set ON_ERROR_STOP 0
SELECT * FROM ot.query('qry', '{}');
\set ON_ERROR_STOP 1
RESET ROLE;
DROP ROLE regress_q_bob, regress_q_gw, regress_q_nobody;
DELETE FROM ot.grants;
