'use strict';
// The collections the tests use; run.sh grants them to anonymous (write) on
// the pg_ot target.  UNGRANTED is left without a grant on purpose.
module.exports = {
	COLLECTIONS: ['gw_text', 'gw_rich', 'gw_json0', 'gw_bulk', 'gw_misc', 'gw_query', 'gw_list', 'players'],
	UNGRANTED: 'gw_nogrant',
};
