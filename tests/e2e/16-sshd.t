#!/bin/bash
# OpenSSH's sshd with pam_jit in its account phase (the sandbox's /etc/pam.d/sshd, UsePAM yes):
# alice logs in with her key, sshd waits for an approval, and her remote command runs only after bob
# approves; a denial or the module's timeout= end the connection, and the ssh client shows the
# module's message. sshd's LoginGraceTime ends a wait that outlasts it, and jitd cancels the request.
#
# What sshd passes on (publickey authentication): the module's messages reach the client as one
# SSH banner when the account phase returns, so the request id is not shown while it waits (an
# approver finds it with jitctl list or watch); the outcome is. sshd runs in a network namespace
# of its own, so its port cannot clash with anything else on the machine.
source "$(dirname "$0")/../lib.sh"

SSHD=/usr/sbin/sshd
[[ -x $SSHD ]] || skip_all "$SSHD is not installed (Debian package openssh-server; tests/deps.sh installs it)"
command -v ssh >/dev/null || skip_all "ssh is not installed (Debian package openssh-client)"
command -v ip >/dev/null || skip_all "ip is not installed (Debian package iproute2)"
[[ -f /etc/pam.d/sshd ]] && grep -qF "$JIT_PAM_MODULE" /etc/pam.d/sshd ||
    skip_all "the sandbox's /etc/pam.d/sshd does not carry pam_jit"
plan 40

T=$JIT_TMP
NS=$JIT_SANDBOX_DIR/netns-sshd
# A sanitizer build preloads the runtime into sshd (run by root here, as by init), so pam_jit.so
# can load into its monitor. Without leak checking: LeakSanitizer's exit-time scan uses syscalls
# that the seccomp sandbox of sshd's pre-authentication child kills it for (SIGSYS). pamtester and
# valgrind check the module's leaks (14-login-pamtester.t, 50-valgrind-module.t, a20).
# sshd's processes do not keep our stderr: their sanitizer reports go to files, checked at the end.
JIT_ASAN_OPTIONS=${JIT_ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:exitcode=99:log_path=$T/sanitizer} \
    JIT_UBSAN_OPTIONS=${JIT_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99:log_path=$T/sanitizer} \
    jit_preload_prefix PRE

# A network namespace with only loopback, kept by a bind mount so sshd and ssh can both enter it
# (the mount goes with the sandbox's mount namespace).
: >"$NS"
ok "a private network namespace for sshd" unshare --net="$NS" true
ok "with loopback up" nsenter --net="$NS" ip link set lo up

# Throwaway keys: sshd's host key, alice's key, and an authorized_keys file for alice.
mkdir -m 0755 -p /run/sshd "$T/authorized"
ssh-keygen -q -t ed25519 -N '' -C sandbox-host -f "$T/host_key"
install -d -o alice -g alice -m 0700 "$T/alice"
jit_as alice ssh-keygen -q -t ed25519 -N '' -C alice@sandbox -f "$T/alice/id_ed25519"
cp "$T/alice/id_ed25519.pub" "$T/authorized/alice"

cat >"$T/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port 22
HostKey $T/host_key
PidFile $T/sshd.pid
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $T/authorized/%u
StrictModes no
EOF

# start_sshd [OPTION...]: start sshd -D (its log: $T/sshd.log) and wait until it listens.
start_sshd() {
    : >"$T/sshd.log"
    jit_bg sshd -- nsenter --net="$NS" "${PRE[@]}" $SSHD -D -f "$T/sshd_config" -E "$T/sshd.log" "$@"
    wait_for 10 grep -q 'Server listening on 127.0.0.1 port 22' "$T/sshd.log"
}

# stop_sshd: SIGTERM; true once it has exited (false if it had to be killed after 10 s).
stop_sshd() {
    jit_bg_kill sshd TERM
    jit_bg_wait sshd 10
    [[ $? != 124 ]]
}

# ssh_bg NAME: alice runs a command over ssh with her key, in the background.
_jit_as_prefix alice AS_ALICE
ssh_bg() {
    jit_bg "$1" -- nsenter --net="$NS" "${AS_ALICE[@]}" ssh -F /dev/null -i "$T/alice/id_ed25519" \
        -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o PreferredAuthentications=publickey -p 22 alice@127.0.0.1 'printf "remote:%s\n" "$(id -un)"'
}

# pending_id: wait (10 s) for alice's pending sshd request and print its id.
pending() { jit_ctl bob list --json | jq -er '[.[] | select(.state == "pending" and .service == "sshd")][0].id'; }
pending_id() { wait_for 10 pending && pending; }

# state ID: the request's state as jitd reports it. state_is ID STATE: true once it is STATE.
state() { jit_ctl bob show --json "$1" | jq -r .state; }
state_is() { [[ $(state "$1") == "$2" ]]; }

start_sshd
is "$?" 0 "sshd listens on port 22 of its own namespace"

# --- approved: the remote command runs, as alice ----------------------------------------------
ssh_bg ok
id=$(pending_id)
like "$id" "^$JIT_ID_RE\$" "alice's key was accepted; sshd's account phase waits on request $id"
json=$(jit_ctl bob show --json "$id")
is "$(jq -r .user <<<"$json")" alice "the requester is alice"
is "$(jq -r .service <<<"$json")" sshd "the service is sshd"
is "$(jq -r .rhost <<<"$json")" 127.0.0.1 "the request shows where she comes from"
is "$(jq -r '.command + " " + .command_kind' <<<"$json")" "/usr/sbin/sshd host" \
    "the command is the host program, not sshd's rewritten process title"
ok "no session before the approval: ssh still waits" jit_bg_running ok
nok "and the remote command has not run" jit_bg_has ok 'remote:'
# host_pid: the pid of the process that has pam_jit.so loaded (sshd's privileged monitor).
host_pid() { grep -lF "$JIT_PAM_MODULE" /proc/[0-9]*/maps 2>/dev/null | head -n1 | cut -d/ -f3; }
pid=$(host_pid)
is "$(readlink "/proc/$pid/exe" 2>/dev/null)" $SSHD "the module waits inside sshd itself (pid ${pid:-none})"
if jit_sanitized; then
    ok "with the sanitizer runtime loaded there" grep -q 'libasan\|libubsan' "/proc/$pid/maps"
else
    skip "plain build: no sanitizer runtime to load"
fi
if jit_bg_has ok "$id"; then
    note "this sshd shows the request id while waiting"
else
    note "as documented, sshd holds the module's messages until the account phase returns"
fi
ok "bob approves" jit_ctl bob approve "$id"
rc=0
jit_bg_wait ok 20 || rc=$?
is "$rc" 0 "ssh exits 0 (status $rc)" ||
    diag "ssh wrote:" "$(jit_bg_output ok)" "the end of sshd's log:" "$(tail -n 20 "$T/sshd.log")"
ok "the remote command ran, as alice" jit_bg_has ok '^remote:alice$'
ok "sshd's log: alice's key was accepted" grep -q 'Accepted publickey for alice from 127.0.0.1' "$T/sshd.log"
ok "the ssh client shows the module's request line (as a banner)" jit_bg_has ok "pam_jit: access to sshd needs approval .* request $id"
ok "and who approved" jit_bg_has ok "pam_jit: approved by bob"
ok "sshd's journal entry names the approver" \
    jit_journal_wait 15 -t sshd --grep "request $id: sshd for alice approved by bob"
ok "the approval opened a grant; bob revokes it, so the next login asks anew" jit_ctl bob revoke "$id"

# --- denied: the connection ends with the module's message ------------------------------------
ssh_bg deny
id=$(pending_id)
like "$id" "^$JIT_ID_RE\$" "the next login waits on request $id"
ok "carol denies $id" jit_ctl carol deny "$id" --comment "use the bastion"
rc=0
jit_bg_wait deny 20 || rc=$?
is "$rc" 255 "ssh fails: sshd closed the connection (status $rc)"
ok "the ssh client shows the module's message with carol's comment" \
    jit_bg_has deny "pam_jit: request $id was denied by carol: use the bastion"
nok "the remote command did not run" jit_bg_has deny 'remote:'
ok "sshd's journal entry says so" jit_journal_wait 15 -t sshd --grep "request $id: sshd for alice denied by carol"

# --- timeout=: nobody answers -----------------------------------------------------------------
ok "sshd's pam_jit line gets timeout=2" jit_pam_options sshd timeout=2
ssh_bg late
id=$(pending_id)
rc=0
jit_bg_wait late 20 || rc=$?
is "$rc" 255 "nobody answers $id: ssh fails (status $rc)"
ok "the ssh client shows that the request expired" jit_bg_has late "pam_jit: request $id expired without an answer; access denied"
nok "the remote command did not run" jit_bg_has late 'remote:'
is "$(state "$id")" expired "jitd recorded $id as expired"

# --- LoginGraceTime below timeout=: sshd ends the connection, jitd cancels the request ----------
ok "sshd's pam_jit line gets timeout=30" jit_pam_options sshd timeout=30
stop_sshd
is "$?" 0 "sshd stops on SIGTERM"
start_sshd -o LoginGraceTime=3
is "$?" 0 "sshd restarts with LoginGraceTime=3"
ssh_bg grace
id=$(pending_id)
rc=0
jit_bg_wait grace 20 || rc=$?
is "$rc" 255 "after LoginGraceTime sshd drops alice's connection (status $rc)"
nok "the remote command did not run" jit_bg_has grace 'remote:'
ok "jitd cancels $id: the module's bus connection went with sshd's process" wait_for 10 state_is "$id" cancelled
nok "and $id can no longer be approved" jit_ctl bob approve "$id"
stop_sshd
is "$?" 0 "sshd stops on SIGTERM"
reports=$(cat "$T"/sanitizer.* 2>/dev/null)
is "$reports" "" "no sanitizer report from sshd's processes (a sanitizer build preloads the runtime)"
