# pg_ot: PGXS build of the extension, and the project's entry points.
#
#   make run     build, install, start a private cluster with pg_ot, the gateway and the demo page (DATA=, PGPORT=, PORT=)
#   make check   install what is missing, build with -Werror, run every suite
#   make bench   benchmarks against the JavaScript references
#   make fuzz    libFuzzer on the OT core and the gateway input (FUZZ_SECONDS=60)
#   make soak    200 clients, restarts, 10 minutes; not in CI (SOAK_SECONDS=600)
#   make deb     the Debian packages postgresql-15-pg-ot and pg-ot-gateway, into deb/
#   make dist    the PGXN archive dist/pg_ot-VERSION.zip of HEAD, META.json validated

#   make failover  pg_auto_failover, 100 clients, two failovers, 5 minutes; not in CI (FAILOVER_SECONDS=300)

# make run's DATA (its folder) from the environment, before PGXS's DATA below
# takes the name.
RUN_DATA := $(DATA)

EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" extension/pg_ot.control)

MODULE_big = pg_ot
OT_CORE = extension/ot/ot_alloc.o extension/ot/ot_error.o extension/ot/utf8.o extension/ot/json_value.o \
	extension/ot/attribute_map.o extension/ot/compose_all.o extension/ot/text_unicode.o \
	extension/ot/rich_text.o extension/ot/js_number.o extension/ot/json0_json.o extension/ot/text0.o \
	extension/ot/json0.o extension/ot/json0_subtype.o
OBJS = $(OT_CORE) \
	extension/pg_ot.o extension/functions.o extension/json_jsonb.o extension/json_limits.o extension/ot_errors.o \
	extension/ot_type.o extension/pg_alloc.o extension/work.o \
	extension/text_unicode_sql.o extension/rich_text_sql.o extension/json0_sql.o \
	extension/document_shape.o extension/notify.o extension/partition.o extension/principal.o \
	extension/store.o extension/grants.o extension/submit.o extension/batch.o extension/query.o extension/query_parse.o extension/query_match.o
# Every released install script stays, with the update script from each to the next.
EXT_DATA = extension/pg_ot.control extension/pg_ot--$(EXTVERSION).sql \
	extension/pg_ot--0.1.0.sql extension/pg_ot--0.1.0--0.2.0.sql
DATA = $(EXT_DATA)
MODULEDIR = extension

REGRESS = text_unicode text_unicode_errors rich_text rich_text_errors json0 json0_errors \
	documents documents_errors notify presence input_limits acting_user retention \
	foreign_keys nested_calls query partition
# debian/rules' test leaves out what its cluster cannot run (acting_user
# connects as roles without a password; pg_virtualenv asks for one).
REGRESS := $(filter-out $(REGRESS_SKIP),$(REGRESS))
REGRESS_OPTS = --load-extension=pg_ot
# Concurrency: pg_isolation_regress runs test/isolation/specs/*.spec into output_iso/.
ISOLATION = concurrent_submit resend_race create_race delete_race notifications compact_race
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=pg_ot

WERROR ?=
PG_CFLAGS = -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers $(WERROR)

# The gateway is built beside the extension and installed into bindir.
SCRIPTS_built = gateway/pg_ot_gateway

EXTRA_CLEAN = results regression.diffs regression.out gateway/pg_ot_gateway gateway/pg_ot_gateway-asan

PG_CONFIG ?= pg_config

# check, run, bench, fuzz and soak first install what a fresh machine lacks, so
# they must not need pg_config before they start.
SELF_CONTAINED_GOALS = check run bench fuzz soak failover deps deb dist
ifeq ($(filter $(SELF_CONTAINED_GOALS),$(MAKECMDGOALS)),)
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
include gateway/gateway.mk

# The router companion, an extension of its own (router/, README "Partitions").
.PHONY: router-all router-install router-clean
all: router-all
install: router-install
clean: router-clean
router-all:
	$(MAKE) -C router all
router-install:
	$(MAKE) -C router install
router-clean:
	$(MAKE) -C router clean
else
.PHONY: $(SELF_CONTAINED_GOALS)

deps:
	test/deps.sh

check: deps
	$(MAKE) all WERROR=-Werror
	$(MAKE) install
	test/check.sh

fuzz: deps
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) test/fuzz/run.sh

# make run PARTITIONS=N: N partition instances and a router (scripts/run.sh).
run:
	PARTITIONS="$(PARTITIONS)" test/deps.sh run
	$(MAKE) all install DATA="$(EXT_DATA)"
	DATA="$(RUN_DATA)" PARTITIONS="$(PARTITIONS)" scripts/run.sh

bench: deps
	$(MAKE) all install
	test/bench/run.sh

soak: deps
	$(MAKE) all install
	SOAK_SECONDS=$(or $(SOAK_SECONDS),600) test/soak/soak.sh

deb: deps
	scripts/deb.sh deb

dist:
	test/deps.sh run
	scripts/dist.sh dist

failover: deps
	$(MAKE) all install
	FAILOVER_SECONDS=$(or $(FAILOVER_SECONDS),300) test/failover/failover_soak.sh
endif
