#!/bin/bash
# The Debian packages for real (issue 11): `make deb` builds libpam-jit, jitd and jitctl from this
# tree in the sandbox's private scratch space; lintian finds no error or warning; dpkg installs them
# into the sandbox, where /usr gets a copy-on-write overlay like /etc and /var already have, so
# nothing reaches the host. Then the installed files do the happy path: the installed
# /usr/sbin/jitd runs on the installed /etc/jit/jitd.conf (all defaults), alice's sudo waits in the
# installed sudo_jit.so (named by bare name in sudo.conf, so sudo finds it in /usr/libexec/sudo),
# bob approves with the installed jitctl, the command runs, and `jitctl verify` passes; the same for
# the installed pam_jit.so (named by bare name in a PAM stack). Also: what installing must not do
# (edit /etc/pam.d or /etc/sudo.conf), what it must do (conffile, catalog, unit with its man page,
# hardened binaries), and that removing the packages leaves no program behind.
export JIT_NO_JITD=1 # the installed jitd is the one under test, not the build tree's
source "$(dirname "$0")/../lib.sh"

for tool in dpkg-buildpackage dh pandoc git; do
    command -v "$tool" >/dev/null ||
        skip_all "$tool is not installed (tests/deps.sh installs dpkg-dev, debhelper, pandoc, git)"
done
# The package is built without sanitizers whatever this run's build is; the plain run tests it.
[[ -z ${SANITIZE:-} ]] || skip_all "sanitizer run: the package is tested in the plain run"
jit_in_sandbox || bail_out "not in the sandbox"

# --- build -------------------------------------------------------------------------------------
# Into this test's scratch directory (private to this sandbox), never into the source tree.
B=$JIT_TMP/b
log=$JIT_TMP/deb.log
rc=0
DEB_BUILD_OPTIONS=parallel=2 make -C "$JIT_SRC" --no-print-directory deb BUILD="$B" >"$log" 2>&1 || rc=$?
is "$rc" 0 "make deb builds the packages (dpkg-buildpackage -us -uc -b in a copy of the tree)" ||
    diag "$(tail -n 30 "$log")"
debs=()
for p in libpam-jit jitd jitctl; do
    f=$(ls "$B"/deb/"${p}"_*.deb 2>/dev/null | head -n1)
    [[ -n $f ]] && debs+=("$f")
done
is "${#debs[@]}" 3 "three packages: libpam-jit, jitd, jitctl"
((${#debs[@]} == 3)) || bail_out "no packages to install"
nok "the build left nothing in the source tree (no debian/files, debian/tmp, debian/.debhelper)" \
    ls -d "$JIT_SRC/debian/files" "$JIT_SRC/debian/tmp" "$JIT_SRC/debian/.debhelper"

if command -v lintian >/dev/null; then
    out=$(lintian --profile debian "$B"/deb/*.changes 2>&1 | grep -E '^[EW]: ')
    is "$out" "" "lintian: no errors, no warnings"
else
    skip "lintian is not installed"
fi

# --- install -------------------------------------------------------------------------------------
# /usr (and with it /lib, /bin, /sbin: merged /usr) becomes copy-on-write like /etc and /var.
mkdir -p "$JIT_TMP/usr.upper" "$JIT_TMP/usr.work"
mount -t overlay jit-usr -o "lowerdir=/usr,upperdir=$JIT_TMP/usr.upper,workdir=$JIT_TMP/usr.work" /usr ||
    bail_out "cannot mount an overlay over /usr"
for d in /lib /bin /sbin; do
    [[ -L $d ]] || bail_out "$d is not a symbolic link into /usr: this test expects merged /usr"
done

sums() { find /etc/pam.d /etc/sudo.conf -type f -exec md5sum {} + 2>/dev/null | sort; }
pam_before=$(sums)
rc=0
# policy-rc.d: the maintainer scripts must start nothing here (there is no systemd anyway).
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d
DEBIAN_FRONTEND=noninteractive dpkg --force-confnew -i "${debs[@]}" >"$JIT_TMP/dpkg.log" 2>&1 || rc=$?
is "$rc" 0 "dpkg -i installs the three packages" || diag "$(tail -n 30 "$JIT_TMP/dpkg.log")"
rm -f /usr/sbin/policy-rc.d
is "$(sums)" "$pam_before" "installing edited nothing in /etc/pam.d or /etc/sudo.conf"

M=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in /usr/sbin/jitd /usr/bin/jitctl "/lib/$M/security/pam_jit.so" /usr/libexec/sudo/sudo_jit.so \
    /lib/systemd/system/jitd.service /usr/share/dbus-1/system.d/org.pamjit.jit1.conf \
    /usr/share/dbus-1/system-services/org.pamjit.jit1.service /usr/lib/sysusers.d/jitd.conf; do
    [[ -e $f ]] || fail "installed: $f" "missing"
done
pass "installed: the programs, pam_jit.so in /lib/$M/security, sudo_jit.so, unit, bus files, sysusers.d"
ok "the PAM module is where libpam-modules puts pam_unix.so" \
    test "$(dirname "$(dpkg -L libpam-modules | grep '/pam_unix\.so$' | head -n1)")" = "/lib/$M/security"
ok "/etc/jit/jitd.conf is a conffile of jitd" eval "dpkg-query -W -f='\${Conffiles}' jitd | grep -q '/etc/jit/jitd.conf '"
nok "...with every setting commented out (the defaults)" grep -Eq '^[[:space:]]*[A-Za-z]+=' /etc/jit/jitd.conf
out=$(/usr/sbin/jitd --check-config 2>&1)
is "$?:$out" "0:/etc/jit/jitd.conf: OK (0 rules)" "the installed jitd accepts the installed jitd.conf"
like "$(/usr/sbin/jitd --version)" "^jitd $(dpkg-query -W -f='${Version}' jitd | sed 's/-[^-]*$//')\$" \
    "jitd --version says the package's version"
ok "the activation file hands jitd to systemd" grep -qx 'SystemdService=jitd.service' \
    /usr/share/dbus-1/system-services/org.pamjit.jit1.service
ok "the unit runs the installed jitd" grep -qx 'ExecStart=/usr/sbin/jitd --config /etc/jit/jitd.conf' \
    /lib/systemd/system/jitd.service
ok "the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/jitd.service
for page in jitd.8 jitctl.1 pam_jit.8 sudo_jit.8 jitd.conf.5; do
    f=$(man -w "${page%.*}" "${page##*.}" 2>/dev/null)
    w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$f" 2>&1 >/dev/null)
    [[ -n $f && -z $w ]] || fail "man page $page" "path '$f'" "$w"
done
pass "man finds the five manual pages, and they render without warnings"
ok "systemd-analyze verify accepts the installed unit, Documentation=man:jitd(8) included" \
    systemd-analyze verify /lib/systemd/system/jitd.service
score=$(systemd-analyze security --offline=yes /lib/systemd/system/jitd.service 2>/dev/null |
    sed -n 's/^→ Overall exposure level for jitd.service: \([0-9.]*\).*/\1/p')
ok "systemd-analyze security rates the unit <= 1.5 (got ${score:-nothing})" \
    awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 1.5) }'
ok "the catalog is installed and journalctl's catalog was updated (systemd's trigger)" \
    eval "journalctl --list-catalog 5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a01 | grep -q pam_jit"
ok "the snippets are shipped as examples" test -f /usr/share/doc/libpam-jit/examples/pam-sudo.snippet \
    -a -f /usr/share/doc/libpam-jit/examples/sudo.conf.snippet
ok "jitctl ships the notification examples (webhook and mail units, the mail script)" \
    test -f /usr/share/doc/jitctl/examples/jit-notify-webhook.service \
    -a -f /usr/share/doc/jitctl/examples/jit-notify-mail.service -a -f /usr/share/doc/jitctl/examples/jit-notify-mail

# Hardened binaries (dpkg-buildflags hardening=+all): PIE, BIND_NOW, RELRO, stack protector, FORTIFY.
ok "jitd is position-independent" eval "readelf -h /usr/sbin/jitd | grep -q 'Type:.*DYN'"
ok "jitd and pam_jit.so bind now with RELRO" eval "readelf -d /usr/sbin/jitd | grep -q 'FLAGS.*BIND_NOW' &&
    readelf -d /lib/$M/security/pam_jit.so | grep -q 'BIND_NOW' && readelf -l /usr/sbin/jitd | grep -q GNU_RELRO"
ok "jitd has the stack protector and fortified calls" eval "nm -D /usr/sbin/jitd | grep -q __stack_chk_fail &&
    nm -D /usr/sbin/jitd | grep -q '__[a-z]*_chk'"

# --- the happy path through the installed files ------------------------------------------------
# sudo asks jitd through the installed plugin, named without a path; pam_jit out of sudo's stacks.
cat /usr/share/doc/libpam-jit/examples/sudo.conf.snippet >/etc/sudo.conf
for svc in sudo sudo-i; do
    grep -vF "$JIT_PAM_MODULE" "/etc/pam.d/$svc" >"$JIT_TMP/pam" && cat "$JIT_TMP/pam" >"/etc/pam.d/$svc"
done
ok "sudo.conf loads sudo_jit.so by bare name (the shipped snippet)" grep -qx 'Plugin sudo_jit sudo_jit.so timeout=300' /etc/sudo.conf

JIT_BUILD=/usr/sbin jit_start
ok "the installed /usr/sbin/jitd starts on the installed configuration and owns $JIT_BUS_NAME" jit_name_owned
ok "...running on /usr/sbin/jitd" test "$(readlink "/proc/$(jit_jitd_pid)/exe")" = /usr/sbin/jitd
ok "it published the identity key in /var/lib/jit/journal.pub" test -s /var/lib/jit/journal.pub

ctl() {
    local user=$1
    shift
    jit_as "$user" /usr/bin/jitctl "$@"
}
jit_bg s --as alice -- sudo -n id -u
id=$(jit_wait_request s)
like "$id" "^$JIT_ID_RE\$" "alice's sudo waits in the installed sudo_jit.so ($id)"
ok "...which names the request and the approver command" jit_bg_has s "^sudo_jit:   approve with: jitctl approve $id\$"
is "$(ctl bob show --json "$id" | jq -r '.command_kind + " " + .command')" "exact /usr/bin/id -u" \
    "the installed jitctl shows bob the exact command"
ok "bob (jit-approvers, the default approver group) approves with the installed jitctl" ctl bob approve "$id"
rc=0
jit_bg_wait s 15 || rc=$?
is "$rc" 0 "sudo exits 0"
is "$(cat "$(jit_bg_out s)")" 0 "id -u ran as root"

# The installed PAM module, named by bare name as an admin writes it.
printf 'auth required pam_permit.so\naccount required pam_jit.so timeout=30\n' >/etc/pam.d/jit-deb
jit_bg p -- pamtester jit-deb alice acct_mgmt
pid=$(jit_wait_request p)
like "$pid" "^$JIT_ID_RE\$" "pamtester through the installed pam_jit.so waits ($pid)"
ok "bob approves it" ctl bob approve "$pid"
rc=0
jit_bg_wait p 15 || rc=$?
is "$rc" 0 "the installed pam_jit.so lets pamtester through"

out=$(/usr/bin/jitctl verify 2>&1)
like "$?:$out" "^0:/var/lib/jit/journal.jsonl: OK" "jitctl verify: the installed jitd's journal is intact"
jit_stop

# --- remove --------------------------------------------------------------------------------------
rc=0
DEBIAN_FRONTEND=noninteractive dpkg --purge jitctl libpam-jit jitd >"$JIT_TMP/purge.log" 2>&1 || rc=$?
is "$rc" 0 "dpkg --purge removes the three packages" || diag "$(tail -n 20 "$JIT_TMP/purge.log")"
left=$(ls -d /usr/sbin/jitd /usr/bin/jitctl "/lib/$M/security/pam_jit.so" /usr/libexec/sudo/sudo_jit.so \
    /lib/systemd/system/jitd.service /etc/jit/jitd.conf 2>/dev/null)
is "$left" "" "no program, module, unit or conffile is left"
ok "the journal is left alone (an audit record)" test -s /var/lib/jit/journal.jsonl

done_testing
