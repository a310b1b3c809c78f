/*
 * principal.h
 *	  Who pg_ot acts for (principal.c): the user a gateway names in
 *	  pg_ot.user, or the SQL role.
 */
#ifndef PG_OT_PRINCIPAL_H
#define PG_OT_PRINCIPAL_H

/* The acting principal, palloc'd (ot.current_principal()). */
char	   *ot_current_principal(void);

/* Does the caller bypass document grants (ot._is_admin())? */
bool		ot_is_admin(void);

#endif							/* PG_OT_PRINCIPAL_H */
