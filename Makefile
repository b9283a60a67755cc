# pam_jit — top-level build. Plain make + pkg-config; every directory's *.c is one target.
PREFIX      ?= /usr
SBINDIR     ?= $(PREFIX)/sbin
BINDIR      ?= $(PREFIX)/bin
PAMDIR      ?= /lib/x86_64-linux-gnu/security
SYSCONFDIR  ?= /etc
UNITDIR     ?= /lib/systemd/system
DBUSPOLDIR  ?= /usr/share/dbus-1/system.d
CATALOGDIR  ?= /usr/lib/systemd/catalog
# Where Debian's sudo looks for plugins named without a path (dpkg -L sudo | grep '\.so').
SUDOPLUGINDIR ?= /usr/libexec/sudo
DESTDIR     ?=

CC       ?= cc
PKGS     := libsystemd libsodium inih json-c
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter \
            -Wmissing-prototypes -Wstrict-prototypes -fno-strict-aliasing \
            -fvisibility=hidden -fPIC -D_GNU_SOURCE -Iinclude -Ilib \
            $(shell pkg-config --cflags $(PKGS) pam)
LDLIBS_D := $(shell pkg-config --libs libsystemd libsodium inih json-c)
LDLIBS_P := $(shell pkg-config --libs libsystemd) -lpam
LDLIBS_S := $(shell pkg-config --libs libsystemd)

ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

# A sanitizer build lives in its own tree, so switching never mixes objects.
BUILD    := build$(if $(SANITIZE),-san)
LIB_SRC  := $(sort $(wildcard lib/*.c))
JITD_SRC := $(sort $(wildcard jitd/*.c))
CTL_SRC  := $(sort $(wildcard jitctl/*.c))
PAM_SRC  := $(sort $(wildcard pam_jit/*.c))
SUDO_SRC := $(sort $(wildcard sudo_jit/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HDRS     := $(wildcard include/*.h lib/*.h jitd/*.h jitctl/*.h pam_jit/*.h sudo_jit/*.h)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

HELPERS  := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(wildcard tests/helpers/*.c))

all: $(BUILD)/jitd $(BUILD)/jitctl $(BUILD)/pam_jit.so $(BUILD)/sudo_jit.so $(UNITS) $(HELPERS)

$(BUILD)/obj/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libjit.a: $(call obj,$(LIB_SRC))
	$(AR) rcs $@ $^

$(BUILD)/jitd: $(call obj,$(JITD_SRC)) $(BUILD)/libjit.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_D)

$(BUILD)/jitctl: $(call obj,$(CTL_SRC)) $(BUILD)/libjit.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_D)

# The PAM module links only what it needs from lib/ (no libsodium, no json-c).
PAM_LIB_OBJ := $(call obj,lib/id.c lib/sanitize.c lib/duration.c)
$(BUILD)/pam_jit.so: $(call obj,$(PAM_SRC)) $(PAM_LIB_OBJ) pam_jit/pam_jit.map
	$(CC) $(LDFLAGS) -shared -Wl,--version-script=pam_jit/pam_jit.map -Wl,-z,defs -Wl,-z,now \
	    -o $@ $(call obj,$(PAM_SRC)) $(PAM_LIB_OBJ) $(LDLIBS_P)

# The sudo approval plugin: its own glue (sudo_jit/) on the module's client code, which is shared, not
# copied: everything in pam_jit/ but the PAM glue and PAM gathering. libsystemd only.
PLUGIN_SRC := $(SUDO_SRC) $(filter-out pam_jit/pam_jit.c pam_jit/pam-context.c,$(PAM_SRC)) \
              lib/id.c lib/sanitize.c lib/duration.c
# setuid sudo cannot load a sanitizer-instrumented .so (the runtime would have to be loaded first, and
# sudo ignores LD_PRELOAD), so a sanitizer build compiles the plugin alone without -fsanitize, from its
# own objects (obj-plain): the end-to-end tests then drive the real sudo with the plugin in both builds,
# and the client code it shares with pam_jit.so is still checked under the sanitizers through pamtester
# and the unit tests. A plain build links the very objects pam_jit.so uses.
ifneq ($(SANITIZE),)
PLUGIN_OBJ := $(patsubst %.c,$(BUILD)/obj-plain/%.o,$(PLUGIN_SRC))
PLUGIN_LDFLAGS := $(filter-out -fsanitize=%,$(LDFLAGS))
else
PLUGIN_OBJ := $(call obj,$(PLUGIN_SRC))
PLUGIN_LDFLAGS := $(LDFLAGS)
endif
$(BUILD)/obj-plain/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS)) -c -o $@ $<

$(BUILD)/sudo_jit.so: $(PLUGIN_OBJ) sudo_jit/sudo_jit.map
	$(CC) $(PLUGIN_LDFLAGS) -shared -Wl,--version-script=sudo_jit/sudo_jit.map -Wl,-z,defs -Wl,-z,now \
	    -o $@ $(PLUGIN_OBJ) $(LDLIBS_S)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libjit.a $(HDRS) $(PAM_SRC) $(SUDO_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libjit.a $(LDLIBS_D)

# Test programs that act as PAM hosts or bus clients (tests/e2e use them). Only the bus client
# links libsystemd: the PAM hosts measure what pam_jit.so alone brings into a process.
$(BUILD)/helpers/bus-client: HELPER_LIBS := $(LDLIBS_S)
$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Wno-missing-prototypes -o $@ $< -lpam $(HELPER_LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libjit.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Wno-missing-prototypes -o $@ $< $(BUILD)/libjit.a $(LDLIBS_D)

# Fuzz harnesses need clang's libFuzzer; they are built in their own tree.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Ilib \
               $(shell pkg-config --cflags $(PKGS))
# A harness for code outside lib/ names it here: the config parser lives in jitd/.
FUZZ_EXTRA_fuzz-policy := jitd/policy.c
$(BUILD)/fuzz/fuzz-policy: $(FUZZ_EXTRA_fuzz-policy)
FUZZ_EXTRA_fuzz-bus-args := jitd/bus-args.c
$(BUILD)/fuzz/fuzz-bus-args: $(FUZZ_EXTRA_fuzz-bus-args)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Ijitd -o $@ $< $(FUZZ_EXTRA_$*) $(LIB_SRC) $(LDLIBS_D)

fuzz-build: $(FUZZ_BIN)
# `make fuzz` runs every harness in turn for FUZZ_TIME seconds (default 1 h), one core at a time,
# keeping what it learns in $(BUILD)/fuzz/corpus-NAME; `make check` runs each for 10 s (tests/run-fuzz.t).
FUZZ_TIME ?= 3600
fuzz: fuzz-build
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus-$$n; \
	  echo "== $$n for $(FUZZ_TIME) s"; \
	  $$f -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 -print_final_stats=1 \
	    $(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; done

deps:
	tests/deps.sh

check: deps
	$(MAKE) all fuzz-build
	JIT_BUILD=$(CURDIR)/$(BUILD) SANITIZE=$(SANITIZE) prove -v --exec '' tests/run-unit.t tests/run-fuzz.t tests/e2e/*.t

demo: deps
	$(MAKE) all
	tests/sandbox.sh tests/demo.sh

# Benchmarks keep jitd's state on the real disk (build/bench-state), not on the sandbox's tmpfs.
bench: all $(BUILD)/bench/approve-latency $(BUILD)/bench/decision-cost $(BUILD)/bench/make-journal
	rm -rf $(BUILD)/bench-state && mkdir -p $(BUILD)/bench-state
	JIT_STATE_DIR=$(CURDIR)/$(BUILD)/bench-state tests/sandbox.sh bench/run-approve-latency
	rm -rf $(BUILD)/bench-state && mkdir -p $(BUILD)/bench-state
	JIT_STATE_DIR=$(CURDIR)/$(BUILD)/bench-state tests/sandbox.sh bench/run-sudo-overhead
	rm -rf $(BUILD)/bench-state && mkdir -p $(BUILD)/bench-state
	JIT_STATE_DIR=$(CURDIR)/$(BUILD)/bench-state tests/sandbox.sh bench/run-decision-cost
	rm -rf $(BUILD)/bench-state && mkdir -p $(BUILD)/bench-state
	JIT_STATE_DIR=$(CURDIR)/$(BUILD)/bench-state tests/sandbox.sh bench/run-startup
	rm -rf $(BUILD)/bench-state && mkdir -p $(BUILD)/bench-state
	JIT_STATE_DIR=$(CURDIR)/$(BUILD)/bench-state tests/sandbox.sh bench/run-bus-abuse
	bench/journal

install: all
	install -D -m 0755 $(BUILD)/jitd $(DESTDIR)$(SBINDIR)/jitd
	install -D -m 0755 $(BUILD)/jitctl $(DESTDIR)$(BINDIR)/jitctl
	install -D -m 0644 $(BUILD)/pam_jit.so $(DESTDIR)$(PAMDIR)/pam_jit.so
	install -D -m 0644 $(BUILD)/sudo_jit.so $(DESTDIR)$(SUDOPLUGINDIR)/sudo_jit.so
	install -D -m 0644 packaging/org.pamjit.jit1.conf $(DESTDIR)$(DBUSPOLDIR)/org.pamjit.jit1.conf
	install -D -m 0644 packaging/jitd.service $(DESTDIR)$(UNITDIR)/jitd.service
	install -D -m 0644 packaging/pam_jit.catalog $(DESTDIR)$(CATALOGDIR)/pam_jit.catalog
	install -D -m 0644 packaging/jitd.conf $(DESTDIR)$(SYSCONFDIR)/jit/jitd.conf.example

format:
	clang-format -i $(LIB_SRC) $(JITD_SRC) $(CTL_SRC) $(PAM_SRC) $(SUDO_SRC) $(UNIT_SRC) $(HDRS)

clean:
	rm -rf build build-san

.PHONY: all deps check demo bench install format clean fuzz fuzz-build
.DELETE_ON_ERROR:
