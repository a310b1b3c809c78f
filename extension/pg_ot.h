/*
 * pg_ot.h
 *	  The module's settings (GUCs pg_ot.*), defined in pg_ot.c.
 */
#ifndef PG_OT_H
#define PG_OT_H

#include "utils/guc.h"

/* pg_ot.notify_channels: how many NOTIFY channels documents hash onto. */
extern int	pg_ot_notify_channels;

/* pg_ot.snapshot_interval: most ops replayed on top of a stored snapshot. */
extern int	pg_ot_snapshot_interval;

/* pg_ot.sign_notifications: off only to measure what signing costs. */
extern bool pg_ot_sign_notifications;

/* pg_ot.query_max_documents, pg_ot.query_max_results: the bounds of ot.query. */
extern int	pg_ot_query_max_documents;
extern int	pg_ot_query_max_results;

/* pg_ot.user: the user a gateway acts for, or "" for the SQL role. */
extern char *pg_ot_user;

/* Its check hook (principal.c), and whether the module is defining it. */
extern bool pg_ot_user_loading;
extern bool pg_ot_check_user(char **newval, void **extra, GucSource source);

#endif							/* PG_OT_H */
