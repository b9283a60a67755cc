#!/bin/bash
# ATTACKS.md A13: jitd restarts, dies or changes owner while the module waits → the module notices at
# once (NameOwnerChanged) and fails closed; it never hangs and never allows. Signals that only look
# like jitd's (RequestDecided or NameOwnerChanged sent by anyone else) change nothing.
source "$(dirname "$0")/../lib.sh"

plan 28

# PAMTESTER: pamtester, with the sanitizer runtimes preloaded in a sanitizer build (as jit_pamtester
# does; jit_bg needs a command it can exec, not a function).
PAMTESTER=(pamtester)
_libs=$(jit_sanitizer_libs | paste -sd:)
[[ -z $_libs ]] || PAMTESTER=(env LD_PRELOAD="$_libs" ASAN_OPTIONS="${JIT_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}"
    UBSAN_OPTIONS="${JIT_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}" pamtester)

# waiting NAME: start pamtester for alice (the jit-test stack, timeout=30); set id to its request id.
waiting() {
    jit_bg "$1" -- "${PAMTESTER[@]}" jit-test alice acct_mgmt
    id=$(jit_wait_request "$1" 10)
}

# status NAME: wait (20 s at most) for NAME to exit; set rc to its exit status.
status() {
    rc=0
    jit_bg_wait "$1" 20 || rc=$?
}


# --- jitd restarts while the module waits -----------------------------------------------------
waiting restart
like "$id" "^$JIT_ID_RE\$" "pamtester waits on a request ($id)"
t0=$EPOCHREALTIME
ok "jitd restarts" jit_restart
status restart
is "$rc" 1 "pamtester is denied once jitd restarted (status $rc)"
ok "at once, not at the 30 s timeout" elapsed_below "$t0" 10
ok "the module says why" jit_bg_has restart "jitd restarted or stopped while request $id was open; access denied"
nok "the old id cannot be approved on the new jitd" jit_ctl bob approve "$id"

# --- jitd is killed (no clean shutdown) -------------------------------------------------------
waiting kill9
t0=$EPOCHREALTIME
ok "jitd is killed with SIGKILL" kill -KILL "$(jit_jitd_pid)"
status kill9
is "$rc" 1 "pamtester is denied after jitd died (status $rc)"
ok "at once" elapsed_below "$t0" 10
ok "the module says why" jit_bg_has kill9 "jitd restarted or stopped while request $id was open"
ok "jitd starts again" jit_start

# --- jitd stops while real sudo waits ---------------------------------------------------------
if jit_have_real_sudo; then
    jit_bg sudo --as alice -- sudo -n true
    id=$(jit_wait_request sudo 10)
    jit_stop >/dev/null 2>&1 # its own exit status is another test's business
    nok "jitd stopped while alice's sudo waited on $id" jit_name_owned
    status sudo
    is "$rc" 1 "sudo fails (status $rc)"
    ok "sudo prints why" jit_bg_has sudo "jitd restarted or stopped while request $id was open"
    ok "jitd starts again" jit_start
else
    skip "$(jit_why_no_real_sudo)" 4
fi

# --- forged signals: only the bus speaks for names, only jitd decides -------------------------
# On the system bus, that is: with /run/jit/private the module hears nobody but jitd (56-private-socket.t
# covers that path), so the socket is moved aside and the module falls back to the bus.
mv /run/jit/private /run/jit/private.hidden
waiting forged
me=$(busctl --system list --no-legend | awk -v p="$(jit_bg_pid forged)" '$2 == p { print $1; exit }')
like "$me" '^:[0-9]+\.[0-9]+$' "the waiting module has its own bus connection ($me)"
ok "dave sends the module a RequestDecided 'approved' for $id" jit_as dave busctl --system emit \
    --destination="$me" "$JIT_BUS_PATH" "$JIT_BUS_INTERFACE" RequestDecided ssts "$id" approved 0 bob
ok "dave broadcasts the same" jit_as dave busctl --system emit "$JIT_BUS_PATH" "$JIT_BUS_INTERFACE" \
    RequestDecided ssts "$id" approved 0 bob
owner=$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetNameOwner s \
    "$JIT_BUS_NAME" | awk '{ gsub(/"/, "", $2); print $2 }')
ok "dave sends the module a NameOwnerChanged saying jitd ($owner) left" jit_as dave busctl --system emit \
    --destination="$me" /org/freedesktop/DBus org.freedesktop.DBus NameOwnerChanged sss "$JIT_BUS_NAME" \
    "$owner" ""
# The module reads its messages in order, so it has seen the forgeries before bob's real decision:
# had it believed any of them it would have ended already, allowed or with another message.
ok "bob denies $id for real" jit_ctl bob deny "$id"
status forged
is "$rc" 1 "pamtester is denied (status $rc)"
ok "by bob's decision, not by a forgery" jit_bg_has forged "request $id was denied by bob"
mv /run/jit/private.hidden /run/jit/private

# --- a restart settles what was pending while the table trims old decisions ------------------------
# jitd keeps JIT_MAX_DONE_KEPT (1024) decided requests. Here the newest 1024 are one decision made
# before dave's waiting request and 1023 after it; settling the waiting request at restart makes
# 1025, and the oldest, the one just before it in the table, is trimmed while the walk goes on.
jit_config <<CONF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
[Rule trim]
Service=trim
Action=approve
CONF
jit_restart || bail_out "jitd does not restart"
is "$("$JIT_BUILD/helpers/bus-client" create 1 64 alice trim)" "created 1" "one request decided by the rule"
jit_bg trimwait --pamtester -- jit-test dave acct_mgmt
id=$(jit_wait_request trimwait)
like "$id" "^$JIT_ID_RE\$" "dave's pamtester waits on $id"
is "$("$JIT_BUILD/helpers/bus-client" create 1023 64 alice trim)" "created 1023" "1023 more decided by the rule"
ok "jitd restarts: replay, then the waiting request is settled" jit_restart
is "$(jit_ctl bob show --json "$id" | jq -r .state)" cancelled "$id is cancelled"
ok "jitd is still running after it" jit_ctl bob list
