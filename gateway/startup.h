/*
 * startup.h: the checks main.c runs before it serves anything.
 *
 * Each returns true, or false with why (one line, no program name) in err.
 * May include: edge/options.
 */
#ifndef PG_OT_GATEWAY_STARTUP_H
#define PG_OT_GATEWAY_STARTUP_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "edge/options.h"

/* --listen names an address of this host or an interface (lws would serve nowhere, or everywhere). */
bool		startup_check_listen(const char *listen, char *err, size_t errlen);

/*
 * With --router: the partitions its PL/Proxy cluster pg_ot lists, into
 * opt->partitions (nothing to do without).
 */
bool		startup_read_router(GatewayOptions *opt, char *err, size_t errlen);

/*
 * The database answers, with a pg_ot this gateway supports, a role in
 * ot_gateway and the keys; on partitions, every partition does, with the
 * same keys (ot.secrets) as partition 0.
 */
bool		startup_check_database(const GatewayOptions *opt, char *err, size_t errlen);

#endif
