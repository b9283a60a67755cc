#!/bin/bash
# The sandbox itself (tests/sandbox.sh): private users, PAM stacks, journal and bus, jitd on the
# bus, working helpers — and a host that sees none of it.
source "$(dirname "$0")/../lib.sh"

plan 43
token=jit-sandbox-$$-$RANDOM$RANDOM

# --- Namespaces -------------------------------------------------------------------------------
like "$(tr '\0' ' ' </proc/1/cmdline)" 'sandbox\.sh' "PID 1 of this PID namespace is tests/sandbox.sh"
is "$(findmnt -n -o FSTYPE /etc)" overlay "/etc is a copy-on-write overlay"
is "$(findmnt -n -o FSTYPE /run)" tmpfs "/run is a private tmpfs"

# --- Users ------------------------------------------------------------------------------------
is "$(jit_uid alice):$(jit_uid bob):$(jit_uid carol):$(jit_uid dave)" 2001:2002:2003:2004 \
    "alice, bob, carol and dave exist with uids 2001..2004"
like " $(id -nG bob) " ' jit-approvers ' "bob is in jit-approvers"
like " $(id -nG carol) " ' jit-approvers ' "carol is in jit-approvers"
is "$(id -nG alice)" alice "alice (the requester) is only in her own group"
is "$(id -nG dave)" dave "dave is only in his own group"
like "$(findmnt -n -o SOURCE --mountpoint /etc/passwd)" 'jit-sandbox/etc/passwd\]$' \
    "/etc/passwd is a bind mount of the sandbox's private copy"
# all_mounted PATH...: every PATH is a mount point of its own, backed by the sandbox's /run.
all_mounted() {
    local p
    for p; do [[ $(findmnt -n -o SOURCE --mountpoint "$p") == jit-run\[/jit-sandbox/* ]] || return 1; done
}
ok "group, shadow, gshadow, sudoers, sudoers.d, pam.d, jit, dbus-1/system.d are private bind mounts" \
    all_mounted /etc/{group,shadow,gshadow,sudoers,sudoers.d,pam.d,jit,dbus-1/system.d}
ok "/var/lib/jit and /var/log/journal are private bind mounts" all_mounted /var/lib/jit /var/log/journal
ok "the passwd seen here has alice" grep -q '^alice:x:2001:' /etc/passwd
nok "the host's passwd has no alice" grep -q '^alice:x:2001:' "$JIT_HOST/etc/passwd"
nok "the host's sudoers has no alice" grep -qs '^alice' "$JIT_HOST/etc/sudoers"

# --- sudoers and PAM --------------------------------------------------------------------------
ok "sudoers is valid (visudo -c)" visudo -c -q
like "$(cat /etc/sudoers)" $'\nalice[ \t]+ALL=\\(ALL\\) NOPASSWD: ALL' "alice has NOPASSWD: ALL in sudoers"
has_pam_jit() {
    local svc
    for svc; do grep -Eq "^account[[:space:]]+required[[:space:]]+$JIT_PAM_MODULE( |$)" /etc/pam.d/"$svc" || return 1; done
}
ok "sudo, su, login and jit-test stacks have 'account required $JIT_PAM_MODULE'" \
    has_pam_jit sudo su login jit-test

# The known password works (pam_unix against the private shadow), for alice and for root.
printf 'auth required pam_unix.so\naccount required pam_unix.so\n' | jit_pam_stack jit-password
ok "alice's password is \$JIT_PASSWORD (pam_unix)" \
    bash -c 'pamtester jit-password alice authenticate <<<"$JIT_PASSWORD"'
nok "a wrong password is refused (pam_unix)" bash -c 'pamtester jit-password alice authenticate <<<wrong'
ok "root's password is \$JIT_PASSWORD too" bash -c 'pamtester jit-password root authenticate <<<"$JIT_PASSWORD"'

# Real sudo, through a stack that names a module by absolute path (as the pam_jit line does).
printf 'auth required pam_permit.so\naccount required %s\nsession required pam_permit.so\n' \
    "$(find /lib /usr/lib -name pam_permit.so -path '*security*' | head -n1)" | jit_pam_stack sudo
is "$(jit_as alice sudo -n id -u 2>&1)" 0 "real sudo works for alice, loading a PAM module by absolute path"
nok "real sudo refuses dave (not in sudoers)" jit_as dave sudo -n true
like "$(jit_as alice sudo -n id -u 2>&1 >/dev/null; jit_journal -t sudo -o cat)" 'alice : .*COMMAND=/usr/bin/id -u' \
    "sudo's syslog line reaches the sandbox journal through /dev/log"

# Real su with a password, typed on a pty (the distribution's su stack, without pam_jit).
cp "$JIT_HOST/etc/pam.d/su" /etc/pam.d/su
jit_bg su --as alice --pty --keys -- su -c 'id -u' bob
if wait_for_output su 'Password:' 10; then
    jit_bg_send su "$JIT_PASSWORD\n"
    jit_bg_wait su 10
    is "$?" 0 "su alice -> bob with the password on a pty exits 0"
    like "$(jit_bg_output su)" $'\n2002\r?$' "... and runs as bob"
else
    fail "su printed no password prompt"
    skip "no prompt" 1
fi

# --- Helpers ----------------------------------------------------------------------------------
is "$(jit_as alice id -u):$(jit_as alice id -g)" 2001:2001 "jit_as runs as the user (uid and gid)"
like " $(jit_as bob id -G) " " 2100 " "jit_as keeps the user's supplementary groups"
like "$(jit_pty tty)" '^/dev/pts/[0-9]+' "jit_pty gives a terminal"
jit_bg keys --keys -- head -n1
jit_bg_send keys 'typed\n'
jit_bg_wait keys 5
is "$?:$(jit_bg_output keys)" 0:typed "jit_bg --keys feeds stdin"
jit_bg ctrlc --pty --keys -- sleep 60
wait_for 15 pgrep -x sleep
jit_bg_send ctrlc '\003'
jit_bg_wait ctrlc 5
is "$?" 130 "Ctrl-C typed on a jit_bg --pty terminal interrupts the command"
jit_bg slow -- sleep 60
jit_bg_wait slow 0.3 2>/dev/null
is "$?" 124 "jit_bg_wait stops at its deadline with status 124"

# --- Journal ----------------------------------------------------------------------------------
is "$(cat /proc/"$(cat "$JIT_SANDBOX_DIR/journald.pid")"/comm)" systemd-journal "systemd-journald runs in the sandbox"
is "$(findmnt -n -o SOURCE -T /run/systemd/journal/socket)" jit-run "its sockets are on the sandbox's /run"
logger -t jit-sandbox-test "syslog $token"
systemd-cat -t jit-sandbox-test echo "stdout $token"
jit_journal_wait 15 -t jit-sandbox-test
like "$(jit_journal -t jit-sandbox-test -o cat)" "syslog $token" "a logger(1) line shows up in the sandbox's journalctl"
like "$(jit_journal -t jit-sandbox-test -o cat)" "stdout $token" "a systemd-cat line shows up too"
host_hits=0
for d in "$JIT_HOST/var/log/journal" "$JIT_HOST/run/log/journal"; do
    if [[ -n $(find "$d" -name '*.journal*' 2>/dev/null | head -n1) ]]; then
        n=$(journalctl -D "$d" --no-pager -q -o cat 2>/dev/null | grep -c "$token")
        host_hits=$((host_hits + n))
    fi
done
is "$host_hits" 0 "the lines are not in the host's journal ($JIT_HOST/{var,run}/log/journal)"

# --- Bus --------------------------------------------------------------------------------------
bus_pid=$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
    GetConnectionUnixProcessID s org.freedesktop.DBus 2>/dev/null | awk '{ print $2 }')
is "$(cat /proc/"${bus_pid:-0}"/comm 2>/dev/null)" dbus-daemon "the system bus is a dbus-daemon in this PID namespace"
is "$(findmnt -n -o SOURCE -T /run/dbus/system_bus_socket)" jit-run "its socket is on the sandbox's /run"
is "$(ls /etc/dbus-1/system.d)" org.pamjit.jit1.conf "/etc/dbus-1/system.d holds only the project's policy"

# --- jitd -------------------------------------------------------------------------------------
if [[ ${JIT_NO_JITD:-} == 1 ]] || [[ ! -x $JIT_BUILD/jitd ]]; then
    skip "jitd not started (JIT_NO_JITD=1 or not built)" 4
else
    pid=$(jit_jitd_pid)
    is "$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetConnectionUnixProcessID s "$JIT_BUS_NAME" 2>&1)" "u $pid" "jitd (pid $pid) owns $JIT_BUS_NAME"
    is "$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetConnectionUnixUser s "$JIT_BUS_NAME" 2>&1)" "u 0" "... as root"
    ok "jit_restart restarts it" jit_restart
    isnt "$(jit_jitd_pid)" "$pid" "... as a new process ($(jit_jitd_pid))"
fi
