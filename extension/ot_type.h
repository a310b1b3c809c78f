/*
 * ot_type.h
 *	  Finding an OT type by the name or URI a caller gives.
 */
#ifndef PG_OT_TYPE_H
#define PG_OT_TYPE_H

#include "postgres.h"

typedef enum OtTypeId
{
	OT_TYPE_TEXT_UNICODE
} OtTypeId;

/* The type named by name or URI; an unknown one raises 42704. */
OtTypeId	ot_type_lookup(const text *name);

#endif							/* PG_OT_TYPE_H */
