#!/bin/bash
# ATTACKS.md A14: jitd down, jitd hung, bus hung, bus socket missing, bus down → the real PAM stack
# denies, quickly, with a clear message. failmode=open only when written, only for an unreachable
# jitd or bus (never for a denial or a jitd that does not answer), and then loudly logged; even then
# the module steps aside (PAM_IGNORE) and never grants by itself under a `sufficient` line.
source "$(dirname "$0")/../lib.sh"

plan 40

# PAMTESTER: pamtester, with the sanitizer runtimes preloaded in a sanitizer build (as jit_pamtester
# does; jit_bg needs a command it can exec, not a function).
PAMTESTER=(pamtester)
_libs=$(jit_sanitizer_libs | paste -sd:)
[[ -z $_libs ]] || PAMTESTER=(env LD_PRELOAD="$_libs" ASAN_OPTIONS="${JIT_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}"
    UBSAN_OPTIONS="${JIT_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}" pamtester)


# stopped PID: true once PID is in the stopped state (a SIGSTOP takes effect asynchronously).
stopped() { [[ $(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) == T ]]; }

# bus_refuses: true once a connect to the system bus socket is refused (nobody listens on it any
# more), as opposed to reaching a daemon that is still dying.
bus_refuses() {
    /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)' /run/dbus/system_bus_socket
}

# try NAME SERVICE: run pamtester SERVICE for alice in the background, wait (30 s at most), set rc and
# t0 (its start time).
try() {
    t0=$EPOCHREALTIME
    jit_bg "$1" -- "${PAMTESTER[@]}" "$2" alice acct_mgmt
    rc=0
    jit_bg_wait "$1" 30 || rc=$?
}

# failmode=open, with another module deciding after pam_jit; and under `sufficient`, before pam_deny.
printf 'auth required pam_permit.so\naccount required @PAM_JIT@ timeout=30 failmode=open\naccount required pam_permit.so\n' |
    jit_pam_stack jit-open
printf 'auth required pam_permit.so\naccount sufficient @PAM_JIT@ timeout=30 failmode=open\naccount required pam_deny.so\n' |
    jit_pam_stack jit-sufficient

# --- jitd is not running ----------------------------------------------------------------------
jit_stop >/dev/null 2>&1
nok "jitd is stopped" jit_name_owned
try down jit-test
is "$rc" 1 "pamtester (failmode=closed by default) is denied (status $rc)"
ok "quickly" elapsed_below "$t0" 5
ok "saying why" jit_bg_has down 'pam_jit: cannot reach jitd \(jitd is not running\); access denied \(failmode=closed\)'
ok "with PAM_AUTHINFO_UNAVAIL" jit_bg_has down 'Authentication service cannot retrieve authentication info'
ok "and logged at priority err" jit_journal_wait 15 -t pamtester -p err --grep 'cannot reach jitd.*denied \(failmode=closed\)'

if jit_have_real_sudo; then
    t0=$EPOCHREALTIME
    jit_bg sudo --as alice -- sudo -n true
    rc=0
    jit_bg_wait sudo 30 || rc=$?
    is "$rc" 1 "alice's real sudo is denied (status $rc)"
    ok "quickly" elapsed_below "$t0" 5
    ok "sudo shows the module's message" jit_bg_has sudo 'pam_jit: cannot reach jitd \(jitd is not running\)'
else
    skip "$(jit_why_no_real_sudo)" 3
fi

try open jit-open
is "$rc" 0 "failmode=open lets the rest of the stack decide (pam_permit after it): allowed"
ok "loudly, to the user" jit_bg_has open 'pam_jit: cannot reach jitd \(jitd is not running\); continuing WITHOUT approval \(failmode=open\)'
ok "and to the log, at priority crit" jit_journal_wait 15 -t pamtester -p crit --grep 'WITHOUT approval \(failmode=open\)'
try sufficient jit-sufficient
is "$rc" 1 "failmode=open under 'sufficient' before pam_deny: denied — the module ignores, never succeeds (status $rc)"

# --- failmode=open never turns a decision into an allow ---------------------------------------
ok "jitd starts" jit_start
jit_bg deny -- "${PAMTESTER[@]}" jit-open alice acct_mgmt
id=$(jit_wait_request deny 10)
like "$id" "^$JIT_ID_RE\$" "with jitd up, failmode=open still asks ($id)"
ok "bob denies it" jit_ctl bob deny "$id"
rc=0
jit_bg_wait deny 20 || rc=$?
is "$rc" 1 "denied under failmode=open (status $rc)"

# --- jitd owns its name but does not answer ----------------------------------------------------
pid=$(jit_jitd_pid)
kill -STOP "$pid"
ok "jitd is frozen (SIGSTOP)" wait_for 15 stopped "$pid"
try hung jit-open
is "$rc" 1 "a jitd that does not answer denies, even under failmode=open (status $rc)"
ok "within the module's call timeout, not sd-bus's 25 s" elapsed_below "$t0" 10
ok "saying why" jit_bg_has hung 'pam_jit: jitd did not answer; access denied'
ok "jitd thaws" kill -CONT "$pid"

# --- the bus socket is missing ----------------------------------------------------------------
# What follows is about the system bus, which a module that finds jitd's private socket never uses
# (56-private-socket.t): the socket is moved aside, so the module goes to the bus.
mv /run/jit/private /run/jit/private.hidden
ok "the system bus socket is moved away" mv /run/dbus/system_bus_socket /run/dbus/moved_socket
try nosocket jit-test
is "$rc" 1 "no bus socket: denied (status $rc)"
ok "quickly" elapsed_below "$t0" 5
ok "saying why" jit_bg_has nosocket 'pam_jit: cannot reach jitd \(system bus: No such file or directory\); access denied'
try nosocket-open jit-open
is "$rc" 0 "no bus socket under failmode=open: the stack goes on"
ok "loudly" jit_bg_has nosocket-open 'continuing WITHOUT approval \(failmode=open\)'
ok "the socket is put back" mv /run/dbus/moved_socket /run/dbus/system_bus_socket

# --- the bus is frozen ------------------------------------------------------------------------
dbus=$(cat "$JIT_SANDBOX_DIR/dbus.pid")
kill -STOP "$dbus"
ok "dbus-daemon is frozen (SIGSTOP)" wait_for 15 stopped "$dbus"
try frozen jit-test
is "$rc" 1 "a frozen bus: denied (status $rc)"
ok "without hanging" elapsed_below "$t0" 10
ok "saying why" jit_bg_has frozen 'pam_jit: cannot reach jitd \(system bus: .*\); access denied \(failmode=closed\)'
ok "dbus-daemon thaws" kill -CONT "$dbus"

# --- the bus is gone --------------------------------------------------------------------------
kill -KILL "$dbus"
# Check only once it is gone: a client that connects while it dies reaches a listening socket and
# fails differently.
ok "dbus-daemon is killed: its process is gone" wait_for 15 _jit_pid_gone "$dbus"
ok "and its socket refuses connections" wait_for 15 bus_refuses
try nobus jit-test
is "$rc" 1 "no bus: denied (status $rc)"
ok "quickly" elapsed_below "$t0" 5
ok "saying why" jit_bg_has nobus 'pam_jit: cannot reach jitd \(system bus: Connection refused\); access denied'
try nobus-open jit-open
is "$rc" 0 "no bus under failmode=open: the stack goes on"
