# gateway.mk: builds pg_ot_gateway (included by the top-level Makefile).
#
#   gateway/pg_ot_gateway        the gateway; installed into pg_config --bindir
#   gateway/pg_ot_gateway-asan   the same with AddressSanitizer and UBSan (the
#                                e2e suite runs it under make check)

# The gateway's version is the extension's (ext_version.h says what it checks).
PG_OT_VERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" extension/pg_ot.control)
# Its layers are folders (test/layers.sh checks the order); includes name the folder.
GATEWAY_SRCS = $(sort $(wildcard gateway/*.c gateway/*/*.c))
GATEWAY_HDRS = $(wildcard gateway/*.h gateway/*/*.h)
GATEWAY_CFLAGS = -std=gnu99 -g -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Igateway \
	-I$(shell $(PG_CONFIG) --includedir) -DPG_OT_VERSION='"$(PG_OT_VERSION)"' $(WERROR) $(COPT)
# COPT and GATEWAY_LDFLAGS: what a packager adds (debian/rules: hardening).
GATEWAY_LIBS = $(GATEWAY_LDFLAGS) -L$(shell $(PG_CONFIG) --libdir) -lpq -lwebsockets -ljansson -ljwt -lssl -lcrypto -lm

gateway/pg_ot_gateway: $(GATEWAY_SRCS) $(GATEWAY_HDRS) gateway/gateway.mk extension/pg_ot.control
	$(CC) $(GATEWAY_CFLAGS) -O2 -o $@ $(GATEWAY_SRCS) $(GATEWAY_LIBS)

gateway/pg_ot_gateway-asan: $(GATEWAY_SRCS) $(GATEWAY_HDRS) gateway/gateway.mk extension/pg_ot.control
	$(CC) $(GATEWAY_CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=undefined -o $@ $(GATEWAY_SRCS) $(GATEWAY_LIBS)
