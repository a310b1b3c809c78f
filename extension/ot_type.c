/*
 * ot_type.c
 *	  Finding an OT type by the name or URI a caller gives.
 */
#include "ot_type.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "ot/text_unicode.h"

typedef struct OtTypeName
{
	const char *name;
	const char *uri;
	OtTypeId	id;
} OtTypeName;

static const OtTypeName ot_types[] = {
	{TU_NAME, TU_URI, OT_TYPE_TEXT_UNICODE},
};

OtTypeId
ot_type_lookup(const text *name)
{
	const char *s = VARDATA_ANY(name);
	size_t		len = VARSIZE_ANY_EXHDR(name);

	/* Positions are counted over UTF-8: other encodings would miscount. */
	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("pg_ot requires a database with UTF8 encoding"));
	for (size_t i = 0; i < lengthof(ot_types); i++)
	{
		const OtTypeName *t = &ot_types[i];

		if ((strlen(t->name) == len && memcmp(s, t->name, len) == 0) ||
			(strlen(t->uri) == len && memcmp(s, t->uri, len) == 0))
			return t->id;
	}
	ereport(ERROR,
			errcode(ERRCODE_UNDEFINED_OBJECT),
			errmsg("OT type \"%s\" does not exist", text_to_cstring(name)),
			errhint("Known types are \"%s\" (%s).", TU_NAME, TU_URI));
	pg_unreachable();
}
