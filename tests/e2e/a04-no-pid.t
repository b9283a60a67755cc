#!/bin/bash
# ATTACKS.md A04: no decision rests on a pid (polkit CVE-2013-4288, CVE-2019-6133). dave sends a
# call and at once exec()s setuid passwd, keeping his bus connection open across the exec: by the time
# jitd reads the call (it is frozen meanwhile, so the race is won every time), the pid the bus
# reports for the sender is a process with euid 0. jitd must still judge the call by the uid the
# connection was made with (dave): root may cancel anyone's request and call CreateRequest, dave
# may not. A pid in the body counts for nothing either.
source "$(dirname "$0")/../lib.sh"

plan 21

DAVE=$(jit_uid dave)
client=$JIT_TMP/a04-client.py
cat >"$client" <<'PY'
# a04-client.py KIND [ARG]: send one jitd call on the system bus without waiting for its reply, make
# the bus socket survive exec, print our unique name, then become setuid passwd (it waits for
# the current password). passwd, not su: su's stack would load pam_jit.so, which a sanitizer
# build cannot load into a setuid program.
import os
import sys

import dbus

bus = dbus.SystemBus()
kind = sys.argv[1]
m = dbus.lowlevel.MethodCallMessage("org.pamjit.jit1", "/org/pamjit/jit1", "org.pamjit.jit1.Manager",
                                    {"cancel": "Cancel", "create": "CreateRequest", "access": "RequestAccess"}[kind])
if kind == "cancel":
    m.append(sys.argv[2], signature="s")
elif kind == "create":
    m.append(dbus.Dictionary({"user": "dave", "service": "a04-create"}, signature="sv"), signature="a{sv}")
else:
    m.append(dbus.Dictionary({"reason": "a04-access"}, signature="sv"), signature="a{sv}")
bus.send_message(m)
bus.flush()
for fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink("/proc/self/fd/" + fd).startswith("socket:"):
            os.set_inheritable(int(fd), True)
    except OSError:
        pass
print(bus.get_unique_name(), flush=True)
os.execv("/usr/bin/passwd", ["passwd"])
PY
chmod 0644 "$client"

jitd_pid=$(jit_jitd_pid)
stopped() { [[ $(sed -n 's/^.*) \(.\).*/\1/p' /proc/"$jitd_pid"/stat) == T ]]; }
euid_of() { awk '/^Uid:/ { print $3 }' /proc/"$1"/status 2>/dev/null; }
# is_setuid_root PID: PID now runs passwd with euid 0 (the exec happened; it waits for a password).
is_setuid_root() { [[ $(readlink /proc/"$1"/exe) == /usr/bin/passwd && $(euid_of "$1") == 0 ]]; }

# race NAME KIND [ARG]: freeze jitd, let dave send KIND and exec passwd, check that the bus now reports
# a euid-0 process as the sender, thaw jitd, and wait until it has read the call (a later call of
# ours is answered after it: jitd reads its bus connection in order).
race() {
    local name=$1 pid sender
    shift
    kill -STOP "$jitd_pid"
    wait_for 15 stopped || fail "$name: jitd is frozen"
    jit_bg "$name" --as dave --keys -- /usr/bin/python3 "$client" "$@"
    pid=$(jit_bg_pid "$name")
    if wait_for 10 is_setuid_root "$pid"; then
        pass "$name: dave's process sent the call and became setuid passwd (euid 0)"
    else
        fail "$name: dave's process sent the call and became setuid passwd (euid 0)" "$(jit_bg_output "$name")"
    fi
    sender=$(head -n 1 "$(jit_bg_out "$name")")
    is "$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetConnectionUnixProcessID s "$sender" 2>&1)" "u $pid" \
        "$name: the bus reports that euid-0 process's pid for dave's connection $sender"
    kill -CONT "$jitd_pid"
    ok "$name: jitd answers the next call (so it has read dave's)" jit_call ListGrants
}

# end_passwd NAME: kill the waiting passwd and reap it (quietly: bash would report "Killed").
end_passwd() {
    jit_bg_kill "$1" KILL
    wait "$(jit_bg_pid "$1")" 2>/dev/null
}

jit_bg r --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request r)
like "$id" "^$JIT_ID_RE\$" "alice's request is pending ($id)"
field() {
    busctl --system --json=short call $JIT_BUS_NAME $JIT_BUS_PATH $JIT_BUS_INTERFACE GetRequest s "$1" |
        jq -r --arg k "$2" '.data[0][$k].data'
}

# --- Cancel: root may cancel any request; dave, whatever his pid has become, may not --------------
race cancel cancel "$id"
is "$(field "$id" state)" pending "Cancel from dave's connection, now a root pid: alice's request is still pending"
end_passwd cancel

# --- RequestAccess: the request is in the connection's name, not the pid's -------------------------
race access access
rid=$(jit_ctl bob list --json | jq -r '[.[] | select(.reason == "a04-access")][0].id // empty')
if [[ -n $rid ]]; then
    is "$(field "$rid" user)/$(field "$rid" uid)" "dave/$DAVE" "RequestAccess from a root pid: the request is dave's"
else
    pass "RequestAccess from a root pid: refused (no request at all, so none in root's name)"
fi
nok "no request is in root's name" eval "jit_ctl bob list --all --json | jq -e '.[] | select(.user == \"root\")'"
end_passwd access

# --- CreateRequest (root only): with the bus policy opened wide, jitd itself must refuse ------------
cat >/etc/dbus-1/system.d/zz-wide-open.conf <<'X'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><policy context="mandatory"><allow send_destination="org.pamjit.jit1"/></policy></busconfig>
X
ok "the bus reloads a wide-open policy" busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus ReloadConfig
race create create
is "$(jit_ctl bob list --all --json | jq '[.[] | select(.service == "a04-create")] | length')" 0 \
    "CreateRequest from dave's connection, now a root pid: refused, no request created"
end_passwd create
rm /etc/dbus-1/system.d/zz-wide-open.conf
busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null

# --- A pid in the body is no identity either -----------------------------------------------------
out=$(jit_call --as dave Cancel s "$id" 2>&1)
isnt "$?" 0 "dave's plain Cancel of alice's request is refused (the control: dave may not cancel it)"
out=$(jit_call --as dave RequestAccess 'a{sv}' 2 reason s a04-pid pid u 1 2>&1)
if [[ $out =~ $JIT_ID_RE ]]; then
    is "$(field "${BASH_REMATCH[0]}" user)" dave "RequestAccess with pid 1 in the body: the request is dave's"
else
    like "$out" "nknown option|nvalid" "RequestAccess with pid 1 in the body: refused as an invalid option"
fi

is "$(field "$id" state)" pending "after all of it alice's request is still pending"
ok "bob approves it" jit_ctl bob approve "$id"
jit_bg_wait r 10
is "$?" 0 "and alice's module gets the approval"
ok "the journal verifies" jitctl verify
