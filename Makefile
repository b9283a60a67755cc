# pam_jit — top-level build. Plain make + pkg-config; every directory's *.c is one target.
PREFIX      ?= /usr
SBINDIR     ?= $(PREFIX)/sbin
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
DOCDIR      ?= $(DATADIR)/doc/pam_jit
# PAM modules live in the multiarch directory libpam-modules uses (dpkg -L libpam-modules | grep
# pam_unix): /lib/x86_64-linux-gnu/security on Debian 12 amd64. The triplet comes from
# dpkg-architecture (cross builds set DEB_HOST_MULTIARCH), else from the compiler.
MULTIARCH   ?= $(or $(DEB_HOST_MULTIARCH),$(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null),$(shell $(CC) -print-multiarch 2>/dev/null))
PAMDIR      ?= /lib/$(MULTIARCH)/security
SYSCONFDIR  ?= /etc
UNITDIR     ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
DBUSPOLDIR  ?= /usr/share/dbus-1/system.d
DBUSSVCDIR  ?= /usr/share/dbus-1/system-services
CATALOGDIR  ?= /usr/lib/systemd/catalog
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
# Where Debian's sudo looks for plugins named without a path (dpkg -L sudo | grep '\.so').
SUDOPLUGINDIR ?= /usr/libexec/sudo
DESTDIR     ?=

# The release, shown by --version; debian/changelog carries the same number (its first line).
VERSION  := 0.1.0

CC       ?= cc
# libcrypto (OpenSSL) is for SHA-256 only (lib/sha256.c): the journal, so jitd and jitctl.
PKGS     := libsystemd libsodium inih json-c libcrypto
# Hardening by default, so a developer's build is the build that ships: fortified libc calls (they
# need optimisation, hence -O2 here), a stack protector, and full RELRO with immediate binding.
# dpkg-buildflags (debian/rules) or the caller may replace any of these three; whatever they say,
# the warnings below still apply. FORTIFY is left out of sanitizer builds, whose runtime replaces
# the same functions.
CPPFLAGS ?= $(if $(SANITIZE),,-D_FORTIFY_SOURCE=2)
CFLAGS   ?= -O2 -g -fstack-protector-strong
LDFLAGS  ?= -Wl,-z,relro -Wl,-z,now
# Warnings are errors for developers and CI. The Debian package build turns this off (WERROR=):
# a newer compiler's new warning must not make the distribution's rebuild fail.
WERROR   ?= -Werror
override CFLAGS += -std=gnu11 -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 -Wno-unused-parameter \
            -Wmissing-prototypes -Wstrict-prototypes -fno-strict-aliasing \
            -fvisibility=hidden -fPIC -D_GNU_SOURCE -DJIT_VERSION='"$(VERSION)"' -Iinclude -Ilib $(CPPFLAGS) \
            $(shell pkg-config --cflags $(PKGS) pam)
# Unit tests, helpers and benchmarks damage files on purpose (truncate, pwrite) and do not check
# every such call; FORTIFY's warn_unused_result would make that an error. They are never installed.
TEST_CFLAGS := -Wno-unused-result
# Executables are position-independent (Debian's gcc does this by default; other compilers may not).
EXE_LDFLAGS := -pie
LDLIBS_D := $(shell pkg-config --libs libsystemd libsodium inih json-c libcrypto)
LDLIBS_P := $(shell pkg-config --libs libsystemd) -lpam
LDLIBS_S := $(shell pkg-config --libs libsystemd)

ifneq ($(SANITIZE),)
override CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SANITIZE)
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

# Each object depends on the headers it includes, as the compiler lists them (-MMD) in a .d file
# beside it; -MP adds an empty rule per header, so a deleted header does not break the build.
DEPFLAGS = -MMD -MP -MF $@.d
$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

# Archives are made afresh: `ar r` into an old one would keep the object of a deleted source.
$(BUILD)/libjit.a: $(call obj,$(LIB_SRC))
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/jitd: $(call obj,$(JITD_SRC)) $(BUILD)/libjit.a
	$(CC) $(LDFLAGS) $(EXE_LDFLAGS) -o $@ $^ $(LDLIBS_D)

$(BUILD)/jitctl: $(call obj,$(CTL_SRC)) $(BUILD)/libjit.a
	$(CC) $(LDFLAGS) $(EXE_LDFLAGS) -o $@ $^ $(LDLIBS_D)

# The PAM module links only what it needs from lib/ (no libsodium, no json-c): lib/asv.c is the a{sv}
# reader, on libsystemd like the rest of the client.
PAM_LIB_OBJ := $(call obj,lib/id.c lib/sanitize.c lib/duration.c lib/utf8.c lib/fileio.c lib/asv.c)
$(BUILD)/pam_jit.so: $(call obj,$(PAM_SRC)) $(PAM_LIB_OBJ) pam_jit/pam_jit.map
	$(CC) $(LDFLAGS) -shared -Wl,--version-script=pam_jit/pam_jit.map -Wl,-z,defs -Wl,-z,now \
	    -o $@ $(call obj,$(PAM_SRC)) $(PAM_LIB_OBJ) $(LDLIBS_P)

# The sudo approval plugin: its own glue (sudo_jit/) on the module's client code, which is shared, not
# copied: everything in pam_jit/ but the PAM glue and PAM gathering. libsystemd only.
PLUGIN_SRC := $(SUDO_SRC) $(filter-out pam_jit/pam_jit.c pam_jit/pam-context.c,$(PAM_SRC)) \
              lib/id.c lib/sanitize.c lib/duration.c lib/utf8.c lib/sudo-argv.c lib/asv.c
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
$(BUILD)/obj-plain/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS)) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/sudo_jit.so: $(PLUGIN_OBJ) sudo_jit/sudo_jit.map
	$(CC) $(PLUGIN_LDFLAGS) -shared -Wl,--version-script=sudo_jit/sudo_jit.map -Wl,-z,defs -Wl,-z,now \
	    -o $@ $(PLUGIN_OBJ) $(LDLIBS_S)

# Unit tests link what they test as libraries: jitd without its main(), and the front ends' code
# without their entry points (pam_sm_*, the sudo plugin table). Nothing links libpam: a test that
# needs PAM's functions defines fakes of them.
$(BUILD)/libjitd.a: $(call obj,$(filter-out jitd/main.c,$(JITD_SRC)))
	rm -f $@ && $(AR) rcs $@ $^
$(BUILD)/libfront.a: $(call obj,$(filter-out pam_jit/pam_jit.c sudo_jit/sudo_jit.c,$(PAM_SRC) $(SUDO_SRC)))
	rm -f $@ && $(AR) rcs $@ $^
$(BUILD)/libjitctl.a: $(call obj,$(filter-out jitctl/main.c,$(CTL_SRC)))
	rm -f $@ && $(AR) rcs $@ $^
# A test links libjit.a and, when it tests jitd, jitctl or a front end, that one of these as well.
JITD_TESTS  := $(addprefix $(BUILD)/tests/,test-command test-policy-load test-policy-match test-request-index)
FRONT_TESTS := $(addprefix $(BUILD)/tests/,test-pam-options test-pam-reason test-sudo-context)
$(JITD_TESTS): UNIT_LIB := $(BUILD)/libjitd.a
$(JITD_TESTS): $(BUILD)/libjitd.a
$(FRONT_TESTS): UNIT_LIB := $(BUILD)/libfront.a
$(FRONT_TESTS): $(BUILD)/libfront.a
CTL_TESTS   := $(addprefix $(BUILD)/tests/,test-watch-env)
$(CTL_TESTS): UNIT_LIB := $(BUILD)/libjitctl.a
$(CTL_TESTS): $(BUILD)/libjitctl.a
# Tests split by concern share helpers (tests/unit/*-helpers.c), each compiled once and linked in.
JOURNAL_TESTS := $(addprefix $(BUILD)/tests/,test-journal-attacks test-journal-crash test-journal-receipts \
                   test-journal-strict test-journal-write)
$(JOURNAL_TESTS): UNIT_OBJ := $(BUILD)/tests/journal-helpers.o
$(JOURNAL_TESTS): $(BUILD)/tests/journal-helpers.o
POLICY_TESTS := $(addprefix $(BUILD)/tests/,test-policy-load test-policy-match)
$(POLICY_TESTS): UNIT_OBJ := $(BUILD)/tests/policy-helpers.o
$(POLICY_TESTS): $(BUILD)/tests/policy-helpers.o
# -iquote, not -I: jitd/glob.h must not stand in for <glob.h>.
UNIT_INC := -iquote jitd -iquote pam_jit -iquote sudo_jit -iquote jitctl
$(BUILD)/tests/%.o: tests/unit/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) $(UNIT_INC) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libjit.a Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) $(UNIT_INC) $(LDFLAGS) $(DEPFLAGS) -o $@ $< $(UNIT_OBJ) $(UNIT_LIB) \
	    $(BUILD)/libjit.a $(LDLIBS_D)

# Test programs that act as PAM hosts or bus clients (tests/e2e use them). Only the bus client (with
# the a{sv} reader) and answer-jitd link libsystemd: the PAM hosts measure what pam_jit.so alone
# brings into a process.
$(BUILD)/helpers/bus-client: HELPER_LIBS := $(call obj,lib/asv.c) $(LDLIBS_S)
$(BUILD)/helpers/bus-client: $(call obj,lib/asv.c)
$(BUILD)/helpers/answer-jitd: HELPER_LIBS := $(LDLIBS_S)
$(BUILD)/helpers/%: tests/helpers/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) $(DEPFLAGS) -Wno-missing-prototypes -o $@ $< -lpam $(HELPER_LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libjit.a Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) $(DEPFLAGS) -Wno-missing-prototypes -o $@ $< $(BUILD)/libjit.a $(LDLIBS_D)

# Fuzz harnesses need clang's libFuzzer; they are built in their own tree.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Ilib \
               $(shell pkg-config --cflags $(PKGS))
# Every source a harness links is compiled once with clang's instrumentation, in the fuzz tree.
fuzz_obj = $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(1))
$(BUILD)/fuzz/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Ijitd $(DEPFLAGS) -c -o $@ $<
# A harness for code outside lib/ names it here: the config parser lives in jitd/.
FUZZ_EXTRA_fuzz-policy := jitd/policy.c jitd/policy-error.c jitd/policy-load.c jitd/policy-keys.c jitd/glob.c
FUZZ_EXTRA_fuzz-bus-args := jitd/bus-args.c
FUZZ_EXTRA_fuzz-command := jitd/command.c
$(BUILD)/fuzz/fuzz-policy: $(call fuzz_obj,$(FUZZ_EXTRA_fuzz-policy))
$(BUILD)/fuzz/fuzz-bus-args: $(call fuzz_obj,$(FUZZ_EXTRA_fuzz-bus-args))
$(BUILD)/fuzz/fuzz-command: $(call fuzz_obj,$(FUZZ_EXTRA_fuzz-command))
$(BUILD)/fuzz/libjit.a: $(call fuzz_obj,$(LIB_SRC))
	rm -f $@ && $(AR) rcs $@ $^
# The objects are kept between builds (make would delete them as intermediate files otherwise).
.SECONDARY: $(call fuzz_obj,$(FUZZ_SRC) $(LIB_SRC) $(FUZZ_EXTRA_fuzz-policy) $(FUZZ_EXTRA_fuzz-bus-args) \
                             $(FUZZ_EXTRA_fuzz-command))
$(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/tests/fuzz/%.o $(BUILD)/fuzz/libjit.a
	clang $(FUZZ_CFLAGS) -o $@ $< $(call fuzz_obj,$(FUZZ_EXTRA_$*)) $(BUILD)/fuzz/libjit.a $(LDLIBS_D)

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
	JIT_BUILD=$(CURDIR)/$(BUILD) SANITIZE=$(SANITIZE) prove -v --exec '' tests/run-unit.t tests/run-layers.t tests/run-fuzz.t tests/e2e/*.t

demo: deps
	$(MAKE) all
	tests/sandbox.sh tests/demo.sh

# Benchmarks keep jitd's state on the real disk (build/bench-state), not on the sandbox's tmpfs.
bench: all $(BUILD)/bench/approve-latency $(BUILD)/bench/decision-cost $(BUILD)/bench/make-journal \
       $(BUILD)/bench/jitd-load
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
	rm -rf $(BUILD)/bench-state && mkdir -p $(BUILD)/bench-state
	JIT_STATE_DIR=$(CURDIR)/$(BUILD)/bench-state tests/sandbox.sh bench/run-jitd-load
	bench/journal
	bench/run-signed-approvals

# Manual pages, one Markdown source each, made with pandoc (the same tool for all five: jitd.conf(5)
# is docs/jitd.conf.5.md, which is also read as a document). docs/man/man.lua keeps tables inside
# an 80-column terminal (man --warnings). The date comes from SOURCE_DATE_EPOCH (set by
# dpkg-buildpackage from debian/changelog) or the last commit, so rebuilds are reproducible.
MAN_SRC  := docs/man/jitd.8.md docs/man/jitctl.1.md docs/man/pam_jit.8.md docs/man/sudo_jit.8.md \
            docs/jitd.conf.5.md
MANS     := $(patsubst %.md,$(BUILD)/man/%,$(notdir $(MAN_SRC)))
MAN_DATE ?= $(shell date -u -d "@$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)
PANDOC_MAN = pandoc --standalone --from markdown-smart --to man --lua-filter=docs/man/man.lua \
             --shift-heading-level-by=-1 \
             -M title=$(basename $*) -M section=$(subst .,,$(suffix $*)) -M date=$(MAN_DATE) \
             -M footer="pam_jit $(VERSION)" -M header="pam_jit" -o $@ $<
$(BUILD)/man/%: docs/man/%.md docs/man/man.lua Makefile
	@mkdir -p $(dir $@)
	$(PANDOC_MAN)
$(BUILD)/man/%: docs/%.md docs/man/man.lua Makefile
	@mkdir -p $(dir $@)
	$(PANDOC_MAN)
man: $(MANS)

INSTALL_BIN := $(BUILD)/jitd $(BUILD)/jitctl $(BUILD)/pam_jit.so $(BUILD)/sudo_jit.so
# Every file `make install` writes, for `make uninstall` (jitd.conf is the admin's: kept, like a
# dpkg conffile on remove).
INSTALLED := $(SBINDIR)/jitd $(BINDIR)/jitctl $(PAMDIR)/pam_jit.so $(SUDOPLUGINDIR)/sudo_jit.so \
             $(DBUSPOLDIR)/org.pamjit.jit1.conf $(DBUSSVCDIR)/org.pamjit.jit1.service \
             $(UNITDIR)/jitd.service $(SYSUSERSDIR)/jitd.conf $(CATALOGDIR)/pam_jit.catalog \
             $(MANDIR)/man8/jitd.8 $(MANDIR)/man1/jitctl.1 $(MANDIR)/man8/pam_jit.8 \
             $(BASHCOMPDIR)/jitctl \
             $(MANDIR)/man8/sudo_jit.8 $(MANDIR)/man5/jitd.conf.5 \
             $(DOCDIR)/README.md $(DOCDIR)/approving.md $(DOCDIR)/auditing.md \
             $(DOCDIR)/dbus-api.md $(DOCDIR)/journal-format.md \
             $(DOCDIR)/examples/pam-sudo.snippet $(DOCDIR)/examples/sudo.conf.snippet \
             $(DOCDIR)/examples/jitd.conf $(DOCDIR)/examples/jit-notify-webhook.service \
             $(DOCDIR)/examples/jit-notify-mail.service $(DOCDIR)/examples/jit-notify-mail

# Only the programs, not the unit tests and helpers `all` also builds.
programs: $(INSTALL_BIN)

# Nothing here edits /etc/pam.d or /etc/sudo.conf: the snippets in $(DOCDIR)/examples say what to add.
# An existing /etc/jit/jitd.conf is never replaced. The unit gets the paths of this install
# (packaging/jitd.service names the defaults, so the file in the tree is itself a valid unit that
# tests can check); it is made in the recipe, not as a target, so that another SBINDIR= is never
# answered with a unit made for the last one.
install: programs man
	install -D -m 0755 $(BUILD)/jitd $(DESTDIR)$(SBINDIR)/jitd
	install -D -m 0755 $(BUILD)/jitctl $(DESTDIR)$(BINDIR)/jitctl
	install -D -m 0644 $(BUILD)/pam_jit.so $(DESTDIR)$(PAMDIR)/pam_jit.so
	install -D -m 0644 $(BUILD)/sudo_jit.so $(DESTDIR)$(SUDOPLUGINDIR)/sudo_jit.so
	install -D -m 0644 packaging/org.pamjit.jit1.conf $(DESTDIR)$(DBUSPOLDIR)/org.pamjit.jit1.conf
	install -D -m 0644 packaging/org.pamjit.jit1.service $(DESTDIR)$(DBUSSVCDIR)/org.pamjit.jit1.service
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed -e 's|/usr/sbin/jitd|$(SBINDIR)/jitd|g' -e 's|/etc/jit/|$(SYSCONFDIR)/jit/|g' \
	    packaging/jitd.service >$(DESTDIR)$(UNITDIR)/jitd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/jitd.service
	install -D -m 0644 packaging/jitd.sysusers $(DESTDIR)$(SYSUSERSDIR)/jitd.conf
	install -D -m 0644 packaging/pam_jit.catalog $(DESTDIR)$(CATALOGDIR)/pam_jit.catalog
	install -D -m 0644 $(BUILD)/man/jitd.8 $(DESTDIR)$(MANDIR)/man8/jitd.8
	install -D -m 0644 $(BUILD)/man/pam_jit.8 $(DESTDIR)$(MANDIR)/man8/pam_jit.8
	install -D -m 0644 $(BUILD)/man/sudo_jit.8 $(DESTDIR)$(MANDIR)/man8/sudo_jit.8
	install -D -m 0644 $(BUILD)/man/jitctl.1 $(DESTDIR)$(MANDIR)/man1/jitctl.1
	install -D -m 0644 packaging/jitctl.bash-completion $(DESTDIR)$(BASHCOMPDIR)/jitctl
	install -D -m 0644 $(BUILD)/man/jitd.conf.5 $(DESTDIR)$(MANDIR)/man5/jitd.conf.5
	install -D -m 0644 -t $(DESTDIR)$(DOCDIR) README.md docs/approving.md docs/auditing.md \
	    docs/dbus-api.md docs/journal-format.md
	install -D -m 0644 -t $(DESTDIR)$(DOCDIR)/examples packaging/pam-sudo.snippet \
	    packaging/sudo.conf.snippet packaging/jitd.conf packaging/examples/jit-notify-webhook.service \
	    packaging/examples/jit-notify-mail.service packaging/examples/jit-notify-mail
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/jit
	[ -e $(DESTDIR)$(SYSCONFDIR)/jit/jitd.conf ] || \
	    install -m 0644 packaging/jitd.conf $(DESTDIR)$(SYSCONFDIR)/jit/jitd.conf

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

# The Debian packages, built by dpkg-buildpackage in a copy of the tree under $(BUILD)/deb (the
# source tree stays as it is; the .debs, .buildinfo and .changes land in $(BUILD)/deb). The copy
# holds the files git knows plus new ones it does not ignore, so uncommitted edits are packaged.
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/pam-jit
	git ls-files -z --cached --others --exclude-standard | \
	    xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
	    tar --null -T - -cf - | tar -xf - -C $(BUILD)/deb/pam-jit
	cd $(BUILD)/deb/pam-jit && dpkg-buildpackage -us -uc -b $(DEB_BUILD_FLAGS)
	rm -rf $(BUILD)/deb/pam-jit
	ls $(BUILD)/deb/*.deb

format:
	clang-format -i $(LIB_SRC) $(JITD_SRC) $(CTL_SRC) $(PAM_SRC) $(SUDO_SRC) $(UNIT_SRC) $(HDRS) \
	    $(wildcard tests/unit/*-helpers.[ch])

clean:
	rm -rf build build-san

# The dependency files the compiler wrote (none on a first build: then everything is built anyway).
-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj-plain/*/*.d $(BUILD)/tests/*.d $(BUILD)/helpers/*.d \
                    $(BUILD)/bench/*.d $(BUILD)/fuzz/obj/*/*.d $(BUILD)/fuzz/obj/tests/fuzz/*.d)

.PHONY: all deps check demo bench install uninstall programs man deb format clean fuzz fuzz-build
.DELETE_ON_ERROR:
