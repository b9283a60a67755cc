#!/bin/bash
# ATTACKS.md A22: a hostile environment — DBUS_SYSTEM_BUS_ADDRESS pointing at a bus where a fake
# jitd approves everything, SYSTEMD_BUS_TIMEOUT, LD_PRELOAD, XDG_* — is ignored. The module always
# talks to the system bus at its fixed address, whether its host is setuid (sudo run by alice: the
# environment is hidden by AT_SECURE anyway) or not (pamtester, login, sshd and sudo run by root,
# where only the module's own care keeps the environment out).
source "$(dirname "$0")/../lib.sh"

plan 16

# PAMTESTER: pamtester, with the sanitizer runtimes preloaded in a sanitizer build (as jit_pamtester
# does; jit_bg needs a command it can exec, not a function).
PAMTESTER=(pamtester)
_libs=$(jit_sanitizer_libs | paste -sd:)
[[ -z $_libs ]] || PAMTESTER=(env LD_PRELOAD="$_libs" ASAN_OPTIONS="${JIT_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}"
    UBSAN_OPTIONS="${JIT_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}" pamtester)

state() { jit_ctl bob show "$1" | awk '$1 == "state:" { print $2 }'; }

# --- a second bus, where a fake jitd owns org.pamjit.jit1 and approves everything --------------
evil=$JIT_TMP/evil
mkdir -p "$evil"
cat >"$evil/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=$evil/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_type="*"/>
  </policy>
</busconfig>
EOF
cat >"$evil/jitd.py" <<'EOF'
# A fake jitd that approves every request and notes that it was asked.
import sys
import dbus, dbus.service, dbus.mainloop.glib
from gi.repository import GLib

addr, mark = sys.argv[1], sys.argv[2]
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(addr)

class Manager(dbus.service.Object):
    @dbus.service.method("org.pamjit.jit1.Manager", in_signature="a{sv}", out_signature="sstts")
    def CreateRequest(self, context):
        open(mark, "a").write("CreateRequest\n")
        return ("EEEE-0000", "approved", 0, 0, "approved by the fake jitd")

    @dbus.service.method("org.pamjit.jit1.Manager", in_signature="s", out_signature="a{sv}")
    def GetRequest(self, id):
        open(mark, "a").write("GetRequest\n")
        return {"id": id, "state": "approved", "by": "mallory"}

Manager(bus, "/org/pamjit/jit1")
name = dbus.service.BusName("org.pamjit.jit1", bus)
print("ready", flush=True)
GLib.MainLoop().run()
EOF
EVIL_ADDR=unix:path=$evil/bus
have_fake=0
if /usr/bin/python3 -c 'import dbus, dbus.mainloop.glib; from gi.repository import GLib' 2>/dev/null; then
    dbus-daemon --config-file="$evil/bus.conf" --fork --nopidfile >"$evil/dbus.log" 2>&1 &&
        wait_for 15 test -S "$evil/bus" &&
        jit_bg fake -- /usr/bin/python3 "$evil/jitd.py" "$EVIL_ADDR" "$evil/asked" &&
        wait_for_output fake '^ready' 10 && have_fake=1
fi
if ((have_fake)); then
    like "$(DBUS_SYSTEM_BUS_ADDRESS=$EVIL_ADDR busctl --system call "$JIT_BUS_NAME" "$JIT_BUS_PATH" \
        "$JIT_BUS_INTERFACE" CreateRequest 'a{sv}' 1 user s alice 2>&1)" '"approved"' \
        "the fake jitd approves whatever a client that follows \$DBUS_SYSTEM_BUS_ADDRESS asks"
    rm -f "$evil/asked"
else
    skip "no fake jitd (needs /usr/bin/python3 with dbus and gi); the hostile address leads nowhere instead" 1
    EVIL_ADDR=unix:path=$evil/nothing-here
fi

hostile=(DBUS_SYSTEM_BUS_ADDRESS="$EVIL_ADDR" DBUS_SESSION_BUS_ADDRESS="$EVIL_ADDR"
    DBUS_STARTER_ADDRESS="$EVIL_ADDR" DBUS_STARTER_BUS_TYPE=system SYSTEMD_BUS_TIMEOUT=1us
    XDG_RUNTIME_DIR="$evil" XDG_CONFIG_HOME="$evil" SYSTEMD_LOG_LEVEL=debug)

# --- root's pamtester: not setuid, so the environment is visible to getenv ----------------------
jit_bg root -- env "${hostile[@]}" "${PAMTESTER[@]}" jit-test alice acct_mgmt
id=$(jit_wait_request root 10)
like "$id" "^$JIT_ID_RE\$" "pamtester run by root with a hostile environment waits on a request ($id)"
is "$(state "$id")" pending "the request is on the real bus, pending in the real jitd"
ok "bob denies it" jit_ctl bob deny "$id"
rc=0
jit_bg_wait root 20 || rc=$?
is "$rc" 1 "pamtester is denied by the real jitd's decision (status $rc)"
ok "the module says so" jit_bg_has root "pam_jit: request $id was denied by bob"
nok "nothing asked the fake jitd" test -e "$evil/asked"
nok "SYSTEMD_BUS_TIMEOUT=1us cut no call short" jit_bg_has root 'did not answer|timed out'

# --- alice's sudo: setuid, plus LD_PRELOAD ------------------------------------------------------
if jit_have_real_sudo; then
    jit_bg sudo --as alice -- env "${hostile[@]}" LD_PRELOAD="$evil/nonexistent.so" sudo -n true
    id=$(jit_wait_request sudo 10)
    like "$id" "^$JIT_ID_RE\$" "alice's sudo with a hostile environment waits on a request ($id)"
    is "$(state "$id")" pending "on the real bus"
    ok "bob approves it" jit_ctl bob approve "$id"
    rc=0
    jit_bg_wait sudo 20 || rc=$?
    is "$rc" 0 "sudo runs once the real jitd approved (status $rc)"
    nok "nothing asked the fake jitd" test -e "$evil/asked"
else
    skip "$(jit_why_no_real_sudo)" 5
fi

# --- with the real jitd gone, the fake one still is not asked ------------------------------------
jit_stop >/dev/null 2>&1
rc=0
env "${hostile[@]}" "${PAMTESTER[@]}" jit-test alice acct_mgmt >"$JIT_TMP/nojitd.out" 2>&1 || rc=$?
is "$rc" 1 "with no jitd on the system bus, root's pamtester is denied (status $rc)"
ok "because jitd is not running — on the system bus" grep -q 'cannot reach jitd (jitd is not running)' "$JIT_TMP/nojitd.out"
nok "the fake jitd was never asked" test -e "$evil/asked"
