-- ot.query and ot.query_extra (query.c): the documents matching a ShareDB
-- query in sharedb-mongo's language, evaluated as MongoDB evaluates it,
-- the readable ones only.
\set VERBOSITY terse
SELECT ot.create('q', 'a', 'json0', '{"n": 1, "s": "apple", "tags": ["x", "y"], "o": {"k": 1}, "b": true}');
SELECT ot.create('q', 'b', 'json0', '{"n": 2.5, "s": "Banana", "tags": ["y"], "o": {"k": 2}, "b": false}');
SELECT ot.create('q', 'c', 'json0', '{"n": "3", "s": "cherry", "tags": [], "o": {"k": [1, 3]}, "z": null}');
SELECT ot.create('q', 'd', 'json0', '{"n": 10, "list": [{"k": 5}, {"k": 7}], "s": "\ud83d\ude00"}');
SELECT ot.create('q', 'e', 'json0', '{"s": "\uffff", "n": null}');
SELECT ot.create('q', 't', 'text-unicode', '"plain text"');
-- an edited document: the filter sees the latest data (snapshot + ops after it)
SELECT version FROM ot.submit('q', 'a', 1, '[{"p": ["n"], "na": 4}]');
-- a deleted document never appears
SELECT ot.create('q', 'gone', 'json0', '{"n": 5}');
SELECT ot.delete('q', 'gone');
-- another collection is not seen
SELECT ot.create('other', 'a', 'json0', '{"n": 5}');

CREATE FUNCTION ids(q jsonb) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(id, ',' ORDER BY ord), '-') FROM ot.query('q', q) WITH ORDINALITY AS t(id, type, version, data, ctime, mtime, ord);
$$;

-- everything, in id order; data, type and version
SELECT id, type, version, data FROM ot.query('q', '{}');
-- equality, $eq, $ne; numbers only equal numbers
SELECT ids('{"n": 5}'), ids('{"n": {"$eq": 2.5}}'), ids('{"n": "3"}'), ids('{"n": {"$ne": 5}}');
-- null matches null and missing; $ne null the others
SELECT ids('{"n": null}'), ids('{"z": null}'), ids('{"z": {"$ne": null}}');
-- $in, $nin (missing fields are in $nin)
SELECT ids('{"n": {"$in": [5, "3", 99]}}'), ids('{"n": {"$nin": [5, "3"]}}'), ids('{"n": {"$in": [null]}}');
-- comparisons within a type bracket: numbers with numbers, strings with strings
SELECT ids('{"n": {"$gt": 2}}'), ids('{"n": {"$gte": 2.5, "$lt": 10}}'), ids('{"n": {"$lte": 5}}');
SELECT ids('{"s": {"$gt": "b"}}'), ids('{"s": {"$lt": "a"}}'), ids('{"n": {"$gt": "2"}}');
-- JavaScript's string order is by UTF-16 units: U+1F600 (a surrogate pair) < U+FFFF
SELECT ids('{"s": {"$gt": "\uffe0"}}'), ids('{"s": {"$lt": "\uffff", "$gt": "z"}}');
-- booleans; $gte null is null, not missing (as mingo)
SELECT ids('{"b": true}'), ids('{"b": {"$gt": false}}'), ids('{"n": {"$gte": null}}'), ids('{"n": {"$gt": null}}');
-- $exists
SELECT ids('{"z": {"$exists": true}}'), ids('{"b": {"$exists": false}}'), ids('{"o.k": {"$exists": true}}');
-- dotted paths, numeric parts, implicit traversal of arrays of objects
-- a key no element of an array has resolves, as in mingo, to an empty array: it exists, and is not null
SELECT ids('{"list.j": {"$exists": true}}'), ids('{"list.j": null}'), ids('{"list.5": null}'), ids('{"tags.0": {"$exists": false}}');
SELECT ids('{"o.k": 2}'), ids('{"o.k": 3}'), ids('{"o.k.1": 3}'), ids('{"list.k": 7}'), ids('{"list.1.k": 7}'), ids('{"list.0.k": 7}');
-- equality against an array field matches an element, or the whole array
SELECT ids('{"tags": "y"}'), ids('{"tags": ["y"]}'), ids('{"tags": []}'), ids('{"tags": {"$in": ["x"]}}'), ids('{"tags": {"$ne": "y"}}');
-- objects are equal by their members
SELECT ids('{"o": {"k": 1}}'), ids('{"list": {"$in": [{"k": 5}]}}');
-- $and, $or, nested
SELECT ids('{"$or": [{"n": 5}, {"s": "Banana"}]}'), ids('{"$and": [{"n": {"$gt": 1}}, {"n": {"$lt": 6}}]}');
SELECT ids('{"$or": [{"$and": [{"b": true}, {"n": 5}]}, {"tags": []}], "s": {"$exists": true}}');
-- metadata of every type: _id, _type, _v, _m.ctime, _m.mtime
SELECT ids('{"_type": "http://sharejs.org/types/text-unicode"}'), ids('{"_v": 2}'), ids('{"_id": {"$in": ["b", "t", "nope"]}}'), ids('{"_id": "c"}');
SELECT ids('{"_m.mtime": {"$gt": 0}, "_id": {"$gte": "d"}}'), ids('{"_m.ctime": {"$lt": 0}}');
SELECT (SELECT count(*) FROM ot.query('q', '{}') WHERE ctime <= mtime AND mtime <= clock_timestamp()) AS times_ordered;
-- a text document has no fields
SELECT ids('{"_id": "t", "s": {"$exists": false}}');
-- $sort: across types as MongoDB (missing/null < numbers < strings < objects < arrays < booleans), ties by id
SELECT ids('{"$sort": {"n": 1}}'), ids('{"$sort": {"n": -1}}');
SELECT ids('{"$sort": {"s": 1}}'), ids('{"$sort": [["o.k", -1], ["_id", -1]]}'), ids('{"$sort": [["_id", -1], ["o.k", -1]]}');
-- arrays sort by their least element ascending, their greatest descending
SELECT ids('{"$sort": {"tags": 1}}'), ids('{"$sort": {"tags": -1}}');
SELECT ids('{"$sort": {"_v": -1}}'), ids('{"$sort": {"b": 1}}');
-- $skip, $limit ($limit 0 is none, as MongoDB)
SELECT ids('{"$sort": {"n": 1}, "$skip": 2}'), ids('{"$sort": {"n": 1}, "$limit": 2}'), ids('{"$sort": {"n": 1}, "$skip": 1, "$limit": 2}'), ids('{"$limit": 0}'), ids('{"$skip": 100}');
-- $count: no documents, the count in extra (after $skip and $limit)
SELECT ids('{"$count": true}'), ot.query_extra('q', '{"$count": true}'), ot.query_extra('q', '{"n": {"$gt": 1}, "$count": true}');
SELECT ot.query_extra('q', '{"$count": true, "$skip": 1, "$limit": 3}'), ot.query_extra('q', '{}') IS NULL AS no_extra, ot.query_extra('q', '{"$count": false}') IS NULL AS count_false;

CREATE FUNCTION err(q jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM * FROM ot.query('q', q);
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- malformed queries: 22023
SELECT err('[]');
SELECT err('{"n": {"$in": 5}}');
SELECT err('{"n": {"$nin": {}}}');
SELECT err('{"n": {"$exists": 1}}');
SELECT err('{"n": {"$gt": 1, "k": 2}}');
SELECT err('{"$and": []}');
SELECT err('{"$or": [1]}');
SELECT err('{"$sort": {"n": 2}}');
SELECT err('{"$sort": 1}');
SELECT err('{"$sort": {"n": 1, "s": 1}}');
SELECT err('{"$sort": [["n"]]}');
SELECT err('{"$skip": -1}');
SELECT err('{"$limit": 1.5}');
SELECT err('{"$count": 1}');
SELECT err('{"$and": [{"$limit": 1}]}');
SELECT err('{"a..b": 1}');
SELECT err('{"": 1}');
SELECT err(NULL);
-- operators pg_ot does not support: 0A000, named
\set VERBOSITY default
\set ON_ERROR_STOP 0
SELECT * FROM ot.query('q', '{"s": {"$regex": "^a"}}');
\set ON_ERROR_STOP 1
\set VERBOSITY terse
SELECT err('{"s": {"$regex": "^a"}}');
SELECT err('{"tags": {"$elemMatch": {"$eq": "x"}}}');
SELECT err('{"$nor": [{"n": 1}]}');
SELECT err('{"$distinct": {"field": "n"}}');
SELECT err('{"$or": [{"$where": "1"}]}');
SELECT err('{"n": {"$gt": [1]}}');
SELECT err('{"n": {"$lt": {"a": 1}}}');
\set VERBOSITY default
\set ON_ERROR_STOP 0
-- the bounds: 54000
SET pg_ot.query_max_documents = 3;
SELECT * FROM ot.query('q', '{"n": 5}');
SELECT err('{"n": 5}');
-- naming _id reads only those documents
SELECT ids('{"_id": {"$in": ["a", "b"]}}');
RESET pg_ot.query_max_documents;
SET pg_ot.query_max_results = 2;
SELECT * FROM ot.query('q', '{}');
SELECT err('{}'), ids('{"$limit": 2}'), ot.query_extra('q', '{"$count": true}');
RESET pg_ot.query_max_results;
\set ON_ERROR_STOP 1
\set VERBOSITY terse

-- grants: a user sees only what it may read, collection-wide or per document
CREATE ROLE regress_q_bob LOGIN IN ROLE ot_user;
CREATE ROLE regress_q_gw LOGIN IN ROLE ot_gateway;
SELECT ot.grant('q', 'b', 'regress_q_bob', 'read');
SELECT ot.grant('q', 'd', 'regress_q_bob', 'write');
SELECT ot.grant('q', 'gone', 'regress_q_bob', 'read');
SELECT ot.grant('other', NULL, 'regress_q_bob', 'read');
SET ROLE regress_q_bob;
SELECT ids('{}'), ids('{"n": {"$gt": 0}}'), ot.query_extra('q', '{"$count": true}');
SELECT id FROM ot.query('other', '{}');
RESET ROLE;
-- a gateway acting for a user; '*' covers any authenticated user, not anonymous
SELECT ot.grant('q', 'c', '*', 'read');
SET ROLE regress_q_gw;
SET pg_ot."user" = 'carol';
SELECT ids('{}'), ot.query_extra('q', '{"$count": true}');
SET pg_ot."user" = 'anonymous';
SELECT ids('{}');
SET pg_ot."user" = 'regress_q_bob';
SELECT ids('{}');
RESET pg_ot."user";
RESET ROLE;
SELECT ot.grant('q', NULL, 'dave', 'read');
SET ROLE regress_q_gw;
SET pg_ot."user" = 'dave';
SELECT ids('{}');
RESET pg_ot."user";
RESET ROLE;
-- PUBLIC may not call it
CREATE ROLE regress_q_nobody LOGIN;
SET ROLE regress_q_nobody;
\set ON_ERROR_STOP 0
SELECT * FROM ot.query('q', '{}');
\set ON_ERROR_STOP 1
RESET ROLE;
DROP ROLE regress_q_bob, regress_q_gw, regress_q_nobody;
DELETE FROM ot.grants;
