#!/bin/bash
# Issue 10: jitd's private socket /run/jit/private (docs/dbus-api.md, PRIVATE SOCKET). The module and
# the sudo plugin ask jitd there, peer to peer, and dbus-daemon never sees their calls; they fall back
# to the system bus only when the socket is absent. A socket or directory someone else could have
# made, or a peer that is not root, denies (never a fallback). Only root reaches the socket, and jitd
# turns away any other peer itself (A08); every access check holds on it: no self-approval (A03), and
# the uid is the one the socket was connected with, never what a pid says now (A04). A jitd that
# restarts while the module waits closes the connection, which denies (A13); a module that goes away
# cancels its request.
source "$(dirname "$0")/../lib.sh"

SOCK=/run/jit/private
DAVE=$(jit_uid dave)
jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m

[Rule auto]
Service=jit-test
User=alice
Action=approve

[Rule plugin-auto]
Service=sudo
Command=id -un
Action=approve
EOF
jit_restart || bail_out "jitd does not start"
jit_pam_options jit-test timeout=30 debug || bail_out "cannot set the module's options"

p2p=$JIT_TMP/p2p.py
cat >"$p2p" <<'PY'
# p2p.py KIND ...: the private socket from outside the module.
#   call METHOD [ID]  as root: call jitd over /run/jit/private; with BECOME=USER, first drop to that user
#                     (the connection stays the one root made); prints the reply or the error name
#   listen PATH       bind and listen on PATH (as whoever runs it), say "listening", wait for stdin EOF
#   stale PATH        bind PATH and close: a socket nobody listens on
#   connect PATH      connect, start the D-Bus handshake, print what happened
import os
import pwd
import socket
import sys

kind = sys.argv[1]
if kind == "call":
    import dbus
    import dbus.connection
    conn = dbus.connection.Connection("unix:path=/run/jit/private")
    who = os.environ.get("BECOME")
    if who:
        pw = pwd.getpwnam(who)
        os.setgroups([])
        os.setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid)
        os.setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid)
    method, args = sys.argv[2], sys.argv[3:]
    sig, body = {"Approve": ("sa{sv}", [args[0] if args else "", {}]),
                 "Cancel": ("s", [args[0] if args else ""]),
                 "ListGrants": ("", [])}[method]
    try:
        r = conn.call_blocking(None, "/org/pamjit/jit1", "org.pamjit.jit1.Manager", method, sig, body, timeout=10)
        print("reply", r)
    except dbus.exceptions.DBusException as e:
        print(e.get_dbus_name())
        sys.exit(1)
elif kind == "listen":
    s = socket.socket(socket.AF_UNIX)
    s.bind(sys.argv[2])
    s.listen(8)
    print("listening", flush=True)
    sys.stdin.read()
elif kind == "stale":
    s = socket.socket(socket.AF_UNIX)
    s.bind(sys.argv[2])
    s.close()
elif kind == "connect":
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(sys.argv[2])
    except OSError as e:
        print("connect:", e.strerror)
        sys.exit(1)
    try:
        s.sendall(b"\0AUTH EXTERNAL " + str(os.geteuid()).encode().hex().encode() + b"\r\n")
        s.settimeout(10)
        print("answered" if s.recv(256) else "closed")
    except (BrokenPipeError, ConnectionResetError):
        print("closed")
PY
chmod 0644 "$p2p"
p2p() { /usr/bin/python3 "$p2p" "$@"; }

# allowed NAME: pamtester jit-test alice ends allowed (status 0) within 20 s.
allowed() {
    jit_bg "$1" --pamtester -- jit-test alice acct_mgmt
    jit_bg_wait "$1" 20 || { diag "$(jit_bg_output "$1")" && return 1; }
}
# denied_with NAME TEXT: pamtester jit-test alice ends denied (not 0) within 20 s, saying TEXT.
denied_with() {
    local rc=0
    jit_bg "$1" --pamtester -- jit-test alice acct_mgmt
    jit_bg_wait "$1" 20 || rc=$?
    isnt "$rc" 0 "$1: pamtester is denied"
    ok "$1: the module says why: $2" jit_bg_has "$1" "$2"
}
# logged TEXT: the module's log record (journald) has TEXT.
logged() { jit_journal_wait 10 --grep "$1"; }
mode_of() { stat -c '%a %u %F' "$1"; }

# --- what jitd made --------------------------------------------------------------------------------
is "$(mode_of /run/jit)" "700 0 directory" "/run/jit is root's, mode 0700"
is "$(mode_of $SOCK)" "600 0 socket" "$SOCK is a socket, root's, mode 0600"

# --- the module uses it: dbus-monitor on the system bus sees no CreateRequest -----------------------
monitor_has() { grep -q -- "$1" "$(jit_bg_out mon)"; }
jit_bg mon -- dbus-monitor --system "type='method_call',interface='$JIT_BUS_INTERFACE'"
wait_for 10 jit_call ListGrants && wait_for 10 monitor_has "member=ListGrants" ||
    bail_out "dbus-monitor does not see calls to jitd: $(jit_bg_output mon)"
ok "pamtester jit-test alice is allowed by the rule" allowed private1
ok "the module connected to $SOCK" logged "connected to $SOCK"
if jit_have_sudo_plugin; then
    jit_use_sudo_plugin
    ok "alice's sudo -n id -un through the sudo plugin is allowed by the rule" jit_as alice sudo -n id -un
else
    skip "$(jit_why_no_sudo_plugin)" 1
fi
ok "a last call on the bus is seen by the monitor" jit_call ListRequests 'a{sv}' 0
ok "after the module's and the plugin's calls" wait_for 10 monitor_has "member=ListRequests"
nok "dbus-monitor saw no CreateRequest: the module and the plugin asked jitd directly" monitor_has "member=CreateRequest"

# --- a person's decision reaches the module there; jitd going away or the module going away ----------
# waiting NAME USER: pamtester jit-test USER waits on a request (no rule decides it); sets id.
waiting() {
    jit_bg "$1" --pamtester -- jit-test "$2" acct_mgmt
    id=$(jit_wait_request "$1" 10)
}
state_of() { jit_ctl bob show "$1" --json | jq -r .state; }

waiting w1 dave
ok "dave's request $id waits, asked on the private socket" logged "request $id.*" 
ok "bob approves it (jitctl, on the system bus)" jit_ctl bob approve "$id"
# (jit_bg_wait runs here, not inside ok: a command substitution's subshell cannot wait for our jobs.)
rc=0
jit_bg_wait w1 20 || rc=$?
is "$rc" 0 "RequestDecided reached the module on its private connection: allowed" || diag "$(jit_bg_output w1)"
ok "bob revokes the grant it opened, so that dave's next requests wait again" jit_ctl bob revoke "$id"

waiting w2 dave
t0=$EPOCHREALTIME
ok "jitd restarts while the module waits on $id (A13)" jit_restart
rc=0
jit_bg_wait w2 20 || rc=$?
isnt "$rc" 0 "the module is denied: its private connection closed"
ok "at once, not at the 30 s timeout" awk -v s="$t0" -v now="$EPOCHREALTIME" 'BEGIN { exit !(now - s < 10) }'
ok "it says why" jit_bg_has w2 "jitd restarted or stopped while request $id was open; access denied"

waiting w3 dave
jit_bg_kill w3 KILL
wait "$(jit_bg_pid w3)" 2>/dev/null # reaped here, quietly (bash would report "Killed")
is_cancelled() { [[ $(state_of "$1") == cancelled ]]; }
ok "the module is killed while it waits on $id: jitd cancels the request when the connection closes" \
    wait_for 10 is_cancelled "$id"
nok "nobody can approve it now (A07)" jit_ctl bob approve "$id"

# --- access checks on the private path --------------------------------------------------------------
waiting w4 root
rid=$id
is "$(p2p call Approve "$rid")" "org.pamjit.jit1.Error.SelfApproval" \
    "root approving root's own request $rid on the private socket: SelfApproval (A03)"
waiting w5 dave
is "$(BECOME=bob p2p call Approve "$id")" "org.pamjit.jit1.Error.AccessDenied" \
    "a connection root made, whose process then became bob, is still root's, not an approver (A04)"
is "$(state_of "$id")" pending "dave's request $id is still pending"
ok "bob's own approval counts" jit_ctl bob approve "$id"
rc=0
jit_bg_wait w5 20 || rc=$?
is "$rc" 0 "and lets dave's module through" || diag "$(jit_bg_output w5)"
jit_bg_kill w4 TERM
jit_bg_wait w4 20 >/dev/null

like "$(jit_as dave /usr/bin/python3 "$p2p" connect $SOCK)" "Permission denied" \
    "dave cannot even connect to $SOCK (A08)"
chmod 0755 /run/jit && chmod 0666 $SOCK
is "$(jit_as dave /usr/bin/python3 "$p2p" connect $SOCK)" closed \
    "with the modes opened up, jitd itself closes dave's connection before any call (A08)"
ok "and says so" wait_for 10 grep -q "Refusing a connection on $SOCK from uid $DAVE" "$JIT_LOG_DIR/jitd.log"
chmod 0700 /run/jit && chmod 0600 $SOCK

# --- fallback: only a socket that is not there at all -----------------------------------------------
mv $SOCK $SOCK.hidden
ok "without $SOCK, pamtester is allowed over the system bus" allowed fb1
ok "the module says it used the bus" logged "no $SOCK; connected to the system bus"
ok "dbus-monitor saw its CreateRequest" wait_for 10 monitor_has "member=CreateRequest"
mv /run/jit /run/jit.hidden
ok "without /run/jit at all, the same" allowed fb2
mv /run/jit.hidden /run/jit
mv $SOCK.hidden $SOCK
ok "with the socket back, the module uses it again" allowed private2
# A PAM host that is not root may not look into /run/jit: it goes to the system bus, where only
# root may call CreateRequest (A08), and is denied for that, not told the socket is unsafe.
jit_bg nonroot --as dave --pamtester -- jit-test dave acct_mgmt
rc=0
jit_bg_wait nonroot 20 || rc=$?
isnt "$rc" 0 "pamtester running as dave is denied"
ok "...the module went to the system bus" jit_bg_has nonroot "jitd refused the request"
nok "...and did not call the private socket unsafe" jit_bg_has nonroot "not safe"

# --- a socket the client must not trust denies, with no fallback -------------------------------------
unsafe="jitd's private socket is not safe"
chmod 0666 $SOCK
denied_with u1 "$unsafe"
ok "u1: logged with the mode" logged "$SOCK has mode 0666"
chmod 0600 $SOCK
chown dave $SOCK
denied_with u2 "$unsafe"
ok "u2: logged with the owner" logged "$SOCK is owned by uid $DAVE, not root"
chown root $SOCK
chmod 0777 /run/jit
denied_with u3 "$unsafe"
ok "u3: logged with the directory's mode" logged "/run/jit has mode 0777"
chmod 0700 /run/jit
chown dave /run/jit
denied_with u4 "$unsafe"
chown root /run/jit
mv /run/jit /run/jit.real && ln -s /run/jit.real /run/jit
denied_with u5 "$unsafe"
rm /run/jit && mv /run/jit.real /run/jit
ok "with everything back, the module is allowed" allowed private3

# A listener of dave's under the right name, owner and mode: the peer is not root.
mv $SOCK $SOCK.hidden
mkdir -m 0700 /run/dave-dir && chown dave /run/dave-dir
jit_bg fake --as dave --keys -- /usr/bin/python3 "$p2p" listen /run/dave-dir/s
wait_for_output fake listening || bail_out "dave's listener did not start"
mv /run/dave-dir/s $SOCK && chown root:root $SOCK && chmod 0600 $SOCK
is "$(mode_of $SOCK)" "600 0 socket" "dave's listening socket now looks like jitd's"
denied_with peer "$unsafe"
ok "peer: logged with the peer's uid" logged "$SOCK is served by uid $DAVE, not root"
jit_bg_close fake
jit_bg_wait fake 10 >/dev/null
rm -f $SOCK
rm -rf /run/dave-dir

# A socket nobody listens on (a jitd killed with SIGKILL leaves one): jitd is not running.
p2p stale $SOCK
denied_with stale "cannot reach jitd \(jitd is not running\); access denied \(failmode=closed\)"
rm -f $SOCK
mv $SOCK.hidden $SOCK
ok "with jitd's socket back, the module is allowed" allowed private4

jit_bg_kill mon TERM
done_testing
