/*
 * notify.h
 *	  What the submit path tells the op trigger (notify.c) before it appends.
 */
#ifndef PG_OT_NOTIFY_H
#define PG_OT_NOTIFY_H

#include "postgres.h"

/* Collections and ids are 1 to 1,024 bytes (ot.documents' CHECKs). */
#define OT_NAME_MAX 1024

/*
 * The op about to be appended to doc_id (collection, name) at version: raises
 * 54000, as the trigger would, unless its notification can be written, and
 * lets the trigger take the names from here instead of reading them back.
 */
void		ot_notify_expect(int64 doc_id, const char *collection, const char *name,
							 int64 version, const char *src, int64 seq);

#endif							/* PG_OT_NOTIFY_H */
