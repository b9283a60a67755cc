# shellcheck shell=bash
# TAP output and sandbox helpers for pam_jit's end-to-end tests; sourced by every tests/e2e/*.t.
#
#   #!/bin/bash
#   source "$(dirname "$0")/../lib.sh"     # re-runs this test inside tests/sandbox.sh
#   plan 2
#   jit_bg s --as alice -- sudo -n true
#   id=$(jit_wait_request s)
#   ok "bob approves $id" jit_as bob jitctl approve "$id"
#   jit_bg_wait s 10; is $? 0 "sudo exits 0"          # (not in $(...): it must be this shell)
#
# Sourcing it outside the sandbox re-executes the test inside tests/sandbox.sh (a fresh sandbox per
# test file). JIT_NO_SANDBOX=1 before sourcing keeps only the TAP helpers (tests/run-unit.t).
# Nothing here uses `set -e`; every helper returns a status instead.
#
# TAP:      plan skip_all done_testing bail_out diag note pass fail ok nok is isnt like unlike skip
# waiting:  wait_for wait_for_output jit_wait_request jit_journal_wait elapsed_below
# users:    jit_uid jit_as jit_pty
# jobs:     jit_bg jit_bg_wait jit_bg_rc jit_bg_pid jit_bg_out jit_bg_err jit_bg_output jit_bg_has
#           jit_bg_send jit_bg_close jit_bg_kill jit_bg_running jit_request_id
# jitd:     jit_start jit_stop jit_restart jit_reload jit_jitd_pid jit_config jit_config_set
#           jit_name_owned jit_busctl jit_call jit_ctl
# PAM:      jit_pam_options jit_pam_stack jit_pamtester jit_have_real_sudo jit_why_no_real_sudo
#           jit_sanitized jit_sanitizer_libs jit_preload_prefix
# plugin:   jit_use_sudo_plugin jit_have_sudo_plugin jit_why_no_sudo_plugin
# journal:  jit_journal jit_journal_json jit_journal_sync jit_cancel_logged

# ---------------------------------------------------------------------------------------------
# Where are we?
# ---------------------------------------------------------------------------------------------

# jit_in_sandbox: true inside tests/sandbox.sh (checks the token only the sandbox can have
# written into its private /run, so a stray environment variable on the host is not enough).
jit_in_sandbox() {
    [[ -n ${JIT_SANDBOX_TOKEN:-} && -r /run/jit-sandbox/token ]] &&
        [[ $(</run/jit-sandbox/token) == "$JIT_SANDBOX_TOKEN" ]]
}

if [[ ${JIT_NO_SANDBOX:-} != 1 ]] && ! jit_in_sandbox; then
    _jit_test=$(readlink -f "$0")
    exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/sandbox.sh" /bin/bash "$_jit_test" "$@"
fi

JIT_SRC=${JIT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)}
JIT_BUILD=${JIT_BUILD:-$JIT_SRC/build}
JIT_BUS_NAME=org.pamjit.jit1
JIT_BUS_PATH=/org/pamjit/jit1
JIT_BUS_INTERFACE=org.pamjit.jit1.Manager
# A request id: 8 Crockford base32 symbols (no I L O U) in two groups of four.
JIT_ID_RE='[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}'

# ---------------------------------------------------------------------------------------------
# TAP
# ---------------------------------------------------------------------------------------------
_tap_n=0
_tap_failed=0
_tap_planned=

# plan N: announce how many tests follow.
plan() {
    _tap_planned=$1
    echo "1..$1"
}

# skip_all REASON: the whole file is skipped (prints the plan 1..0 and exits 0).
skip_all() {
    echo "1..0 # SKIP $*"
    _tap_planned=0
    exit 0
}

# done_testing: print the plan at the end, for files that do not know their count up front.
done_testing() {
    [[ -n $_tap_planned ]] || plan "$_tap_n"
}

# bail_out REASON: stop the whole run (prove stops too).
bail_out() {
    echo "Bail out! $*"
    exit 255
}

# diag MSG...: a comment on stderr (shown by prove even without -v). note MSG...: on stdout.
diag() { printf '%s\n' "$@" | sed 's/^/# /' >&2; }
note() { printf '%s\n' "$@" | sed 's/^/# /'; }

# _tap_result 0|1 DESC: print one result line; descriptions have '#' escaped and stay on one line.
_tap_result() {
    local pass=$1 desc=${2//#/\\#}
    desc=${desc//$'\n'/ }
    _tap_n=$((_tap_n + 1))
    if [[ $pass == 0 ]]; then
        echo "ok $_tap_n - $desc"
    else
        echo "not ok $_tap_n - $desc"
        _tap_failed=$((_tap_failed + 1))
    fi
}

# pass DESC / fail DESC [DIAG...]: record a result directly.
pass() { _tap_result 0 "$1"; }
fail() {
    _tap_result 1 "$1"
    shift
    [[ $# -eq 0 ]] || diag "$@"
    return 1
}

# ok DESC CMD [ARGS...]: pass if CMD exits 0; on failure show the command, status and output.
ok() {
    local desc=$1 out rc=0
    shift
    out=$("$@" 2>&1) || rc=$?
    if [[ $rc -eq 0 ]]; then
        pass "$desc"
    else
        fail "$desc" "command: $*" "exit status: $rc" "${out:-(no output)}"
    fi
}

# nok DESC CMD [ARGS...]: pass if CMD exits non-zero.
nok() {
    local desc=$1 out rc=0
    shift
    out=$("$@" 2>&1) || rc=$?
    if [[ $rc -ne 0 ]]; then
        pass "$desc"
    else
        fail "$desc" "command unexpectedly succeeded: $*" "${out:-(no output)}"
    fi
}

# is GOT WANT DESC / isnt GOT UNWANTED DESC: string comparison.
is() {
    if [[ $1 == "$2" ]]; then pass "$3"; else fail "$3" "     got: '$1'" "expected: '$2'"; fi
}
isnt() {
    if [[ $1 != "$2" ]]; then pass "$3"; else fail "$3" "got '$1', which it must not be"; fi
}

# like GOT ERE DESC / unlike GOT ERE DESC: bash extended regular expression match.
like() {
    if [[ $1 =~ $2 ]]; then pass "$3"; else fail "$3" "'$1'" "does not match /$2/"; fi
}
unlike() {
    if [[ ! $1 =~ $2 ]]; then pass "$3"; else fail "$3" "'$1'" "matches /$2/, which it must not"; fi
}

# skip REASON [COUNT]: COUNT (default 1) tests that cannot run here, and why.
skip() {
    local i reason=$1 count=${2:-1}
    for ((i = 0; i < count; i++)); do
        _tap_n=$((_tap_n + 1))
        echo "ok $_tap_n # skip $reason"
    done
}

# ---------------------------------------------------------------------------------------------
# Waiting: always for a condition, always with a deadline.
# ---------------------------------------------------------------------------------------------

# _jit_now_us: wall clock in microseconds (bash has no monotonic clock; fine for deadlines of seconds).
_jit_now_us() { echo "${EPOCHREALTIME/./}"; }

# elapsed_below START SECONDS: fewer than SECONDS seconds passed since START ($EPOCHREALTIME).
elapsed_below() { awk -v s="$1" -v now="$EPOCHREALTIME" -v lim="$2" 'BEGIN { exit !(now - s < lim) }'; }

# wait_for SECONDS CMD [ARGS...]: run CMD every 20 ms until it succeeds (0) or SECONDS (may be
# fractional) have passed (1). For conditions another process makes true, e.g. a line in its output.
wait_for() {
    local limit_us deadline
    limit_us=$(awk -v s="$1" 'BEGIN { printf "%d", s * 1000000 }')
    deadline=$(($(_jit_now_us) + limit_us))
    shift
    until "$@" >/dev/null 2>&1; do
        (($(_jit_now_us) < deadline)) || return 1
        sleep 0.02
    done
}

# _jit_pid_gone PID: true once PID has exited (a zombie counts as gone).
_jit_pid_gone() {
    local state
    state=$(sed -n 's/^.*) \(.\).*/\1/p' /proc/"$1"/stat 2>/dev/null)
    [[ -z $state || $state == Z ]]
}

# ---------------------------------------------------------------------------------------------
# Test users and processes.
# ---------------------------------------------------------------------------------------------

# jit_uid USER: print USER's uid (as the sandbox's passwd says).
jit_uid() { id -u "$1"; }

# _jit_as_prefix USER ARRAYNAME: fill ARRAYNAME with the argv prefix that runs a command as USER
# (real and effective uid and gid, supplementary groups from /etc/group, HOME/USER/LOGNAME set).
_jit_as_prefix() {
    local -n _prefix=$2
    local ent name uid gid home
    ent=$(getent passwd "$1") || {
        echo "jit_as: no user $1" >&2
        return 1
    }
    IFS=: read -r name _ uid gid _ home _ <<<"$ent"
    _prefix=(env -u XDG_RUNTIME_DIR -u DBUS_SESSION_BUS_ADDRESS HOME="$home" USER="$name"
        LOGNAME="$name" setpriv --reuid="$uid" --regid="$gid" --init-groups --)
}

# jit_as USER CMD [ARGS...]: run CMD as USER (setpriv; no PAM session), e.g. jit_as bob jitctl list.
jit_as() {
    local prefix
    _jit_as_prefix "$1" prefix || return 1
    shift
    "${prefix[@]}" "$@"
}

# jit_pty [--as USER] CMD [ARGS...]: run CMD on a fresh pseudo-terminal (script -qec); stdin is
# passed on, the exit status is CMD's. The shell script starts ($SHELL, else dash) execs CMD: dash
# would fork it and stay in the terminal's foreground group, so a typed Ctrl-\ would kill the
# shell too, and its death hang up the terminal under CMD (what an interactive shell, which gives
# each job its own group, never does).
jit_pty() {
    local prefix=()
    if [[ ${1:-} == --as ]]; then
        _jit_as_prefix "$2" prefix || return 1
        shift 2
    fi
    "${prefix[@]}" script -qec "exec $(printf '%q ' "$@")" /dev/null
}

declare -gA _JIT_BG_PID=() _JIT_BG_IN=() _JIT_BG_RC=()

# jit_bg NAME [--as USER] [--pty] [--keys | --stdin FILE] [--pamtester] [--] CMD [ARGS...]:
# start CMD in the background; stdout and stderr go to the files `jit_bg_out NAME` and
# `jit_bg_err NAME`. stdin is /dev/null, or FILE, or with --keys a pipe that `jit_bg_send`
# writes to (with --pty that is typing on the terminal: jit_bg_send NAME '\003' is Ctrl-C).
# --pamtester: CMD is pamtester's arguments, run as jit_pamtester does. The pid
# (`jit_bg_pid NAME`) is CMD's own (script's, with --pty).
jit_bg() {
    local name=$1 as='' pty=0 keys=0 pamtester=0 stdin=/dev/null base fd
    shift
    while [[ $# -gt 0 ]]; do
        case $1 in
        --as) as=$2 && shift 2 ;;
        --pty) pty=1 && shift ;;
        --keys) keys=1 && shift ;;
        --pamtester) pamtester=1 && shift ;;
        --stdin) stdin=$2 && shift 2 ;;
        --) shift && break ;;
        *) break ;;
        esac
    done
    [[ $# -gt 0 ]] || {
        echo "jit_bg: no command" >&2
        return 2
    }
    local argv=("$@") prefix=() pt
    if ((pamtester)); then
        _jit_pamtester_prefix pt
        argv=("${pt[@]}" "$@")
    fi
    ((pty)) && argv=(script -qec "exec $(printf '%q ' "${argv[@]}")" /dev/null)
    if [[ -n $as ]]; then _jit_as_prefix "$as" prefix || return 1; fi
    base=$JIT_TMP/$name
    rm -f "$base.out" "$base.err" "$base.in"
    unset "_JIT_BG_RC[$name]"
    if ((keys)); then
        mkfifo -m 0600 "$base.in"
        exec {fd}<>"$base.in" # read-write: never blocks, and keeps the pipe open between sends
        _JIT_BG_IN[$name]=$fd
        stdin=$base.in
    fi
    (
        # The child must not hold any write end of the key pipes, or it never sees end of file;
        # and it gets SIGINT and SIGQUIT at their defaults, as from a terminal.
        for fd in "${_JIT_BG_IN[@]}"; do exec {fd}>&-; done
        trap - INT QUIT
        exec "${prefix[@]}" "${argv[@]}"
    ) <"$stdin" >"$base.out" 2>"$base.err" &
    _JIT_BG_PID[$name]=$!
}

# jit_bg_pid NAME / jit_bg_out NAME / jit_bg_err NAME: its pid, and the paths of its output files.
jit_bg_pid() { echo "${_JIT_BG_PID[$1]}"; }
jit_bg_out() { echo "$JIT_TMP/$1.out"; }
jit_bg_err() { echo "$JIT_TMP/$1.err"; }
# jit_bg_output NAME: print what it wrote so far (stdout, then stderr).
jit_bg_output() { cat "$JIT_TMP/$1.out" "$JIT_TMP/$1.err" 2>/dev/null; }

# jit_bg_send NAME TEXT: write TEXT (printf %b escapes: \n, \003) to NAME's --keys pipe.
jit_bg_send() {
    local fd=${_JIT_BG_IN[$1]:-}
    [[ -n $fd ]] || {
        echo "jit_bg_send: $1 was not started with --keys" >&2
        return 2
    }
    printf '%b' "$2" >&"$fd"
}

# jit_bg_close NAME: close NAME's --keys pipe (the process reads end of file).
jit_bg_close() {
    local fd=${_JIT_BG_IN[$1]:-}
    [[ -z $fd ]] || exec {fd}>&-
    unset "_JIT_BG_IN[$1]"
}

# jit_bg_kill NAME [SIGNAL]: send SIGNAL (default TERM) to NAME.
jit_bg_kill() { kill -s "${2:-TERM}" "${_JIT_BG_PID[$1]}"; }

# jit_bg_running NAME: true while NAME has not exited.
jit_bg_running() {
    [[ -z ${_JIT_BG_RC[$1]:-} ]] && ! _jit_pid_gone "${_JIT_BG_PID[$1]}"
}

# jit_bg_wait NAME [SECONDS]: wait (default 30 s) for NAME to exit and return its exit status
# (128+N for signal N). At the deadline NAME is killed and the status is 124. Repeated calls
# return the same status. (A 20 ms poll of the process state: a timer process killed from a
# shell with an EXIT trap can run that trap, and `wait -n` forgets jobs bash already reaped.)
jit_bg_wait() {
    local name=$1 limit=${2:-30} pid rc=0
    if [[ -n ${_JIT_BG_RC[$name]:-} ]]; then return "${_JIT_BG_RC[$name]}"; fi
    pid=${_JIT_BG_PID[$name]:-}
    [[ -n $pid ]] || {
        echo "jit_bg_wait: no background job $name" >&2
        return 2
    }
    if wait_for "$limit" _jit_pid_gone "$pid"; then
        wait "$pid" 2>/dev/null || rc=$?
    else
        diag "jit_bg_wait: $name (pid $pid) still running after ${limit}s; killing it"
        disown "$pid" 2>/dev/null # no "Killed" job report on stderr
        kill -KILL "$pid" 2>/dev/null
        rc=124
    fi
    _JIT_BG_RC[$name]=$rc
    jit_bg_close "$name"
    return "$rc"
}

# jit_bg_rc NAME: print the exit status a finished jit_bg_wait got (for messages).
jit_bg_rc() { echo "${_JIT_BG_RC[$1]:-}"; }

# jit_bg_has NAME ERE: true if NAME's output (stdout or stderr) has a line matching ERE.
jit_bg_has() { grep -Eq -- "$2" "$JIT_TMP/$1.out" "$JIT_TMP/$1.err" 2>/dev/null; }

# wait_for_output NAME ERE [SECONDS]: wait (default 10 s) until NAME's output matches ERE.
wait_for_output() {
    wait_for "${3:-10}" jit_bg_has "$1" "$2" && return 0
    diag "no /$2/ in the output of $1 after ${3:-10}s; it wrote:" "$(jit_bg_output "$1")"
    return 1
}

# jit_request_id: print the first request id in stdin (or in the files given).
jit_request_id() { grep -Eoh -m1 -- "\\b$JIT_ID_RE\\b" "$@" | head -n1; }

# jit_wait_request NAME [SECONDS]: wait (default 10 s) for a request id to appear in NAME's
# output and print it (the pam_jit module prints "request XXXX-XXXX").
jit_wait_request() {
    wait_for_output "$1" "\\b$JIT_ID_RE\\b" "${2:-10}" || return 1
    jit_request_id "$JIT_TMP/$1.out" "$JIT_TMP/$1.err"
}

# jit_kill_all_bg: kill every background job still running (run at exit).
jit_kill_all_bg() {
    local name
    for name in "${!_JIT_BG_PID[@]}"; do
        if jit_bg_running "$name"; then
            disown "${_JIT_BG_PID[$name]}" 2>/dev/null
            kill -KILL "${_JIT_BG_PID[$name]}" 2>/dev/null
        fi
        jit_bg_close "$name"
    done
}

# ---------------------------------------------------------------------------------------------
# The bus, jitd and jitctl.
# ---------------------------------------------------------------------------------------------

# jit_busctl ARGS...: busctl on the (sandbox's) system bus.
jit_busctl() { busctl --system "$@"; }

# jit_call [--as USER] METHOD SIGNATURE [ARGS...]: call a jitd method with busctl, as root or as
# USER, e.g. jit_call --as dave CreateRequest 'a{sv}' 1 user s dave.
jit_call() {
    local prefix=()
    if [[ ${1:-} == --as ]]; then
        _jit_as_prefix "$2" prefix || return 1
        shift 2
    fi
    "${prefix[@]}" busctl --system --timeout=10 call $JIT_BUS_NAME $JIT_BUS_PATH $JIT_BUS_INTERFACE "$@"
}

# jit_name_owned: true if somebody owns org.pamjit.jit1 on the bus.
jit_name_owned() { busctl --system --quiet status $JIT_BUS_NAME >/dev/null 2>&1; }

# jit_jitd_pid: print the pid of the jitd the sandbox (or jit_start) started, if it runs.
jit_jitd_pid() {
    local pid
    pid=$(cat "$JIT_SANDBOX_DIR/jitd.pid" 2>/dev/null) || return 1
    [[ -n $pid ]] && ! _jit_pid_gone "$pid" && echo "$pid"
}

# jit_start [JITD-ARGS...]: start $JIT_BUILD/jitd --config $JIT_CONF (log: $JIT_LOG_DIR/jitd.log)
# and wait (10 s at most) until it owns org.pamjit.jit1. Fails if it exits or never shows up.
# jitd runs under a small supervising shell that writes its exit status to jitd.status, so
# whoever stops it later (a test, or the sandbox at the end) learns how it ended.
jit_start() {
    local pid limit=10 d=$JIT_SANDBOX_DIR
    [[ -x $JIT_BUILD/jitd ]] || {
        echo "jit_start: $JIT_BUILD/jitd does not exist (run make; or set JIT_NO_JITD=1)" >&2
        return 1
    }
    if jit_name_owned; then
        echo "jit_start: $JIT_BUS_NAME is already owned on the bus" >&2
        return 1
    fi
    # A jitd killed without jit_stop (kill -KILL in a test): its supervisor writes jitd.status
    # when it notices; wait for that, or the old status could appear after the rm below and
    # describe the new jitd.
    pid=$(cat "$d/jitd.pid" 2>/dev/null)
    if [[ -n $pid ]] && _jit_pid_gone "$pid"; then wait_for 5 test -s "$d/jitd.status"; fi
    rm -f "$d/jitd.status"
    : >"$d/jitd.pid"
    echo "=== jit_start: $JIT_BUILD/jitd --config $JIT_CONF $* ($(date -u +%T.%N))" >>"$JIT_LOG_DIR/jitd.log"
    # The ( exec ... ) & form leaves SIGINT and SIGQUIT at their defaults (a plain `cmd &` in a
    # script ignores them, and that would be inherited by jitd).
    (
        exec bash -c '( trap - INT QUIT; exec "$@" ) </dev/null >>"$0/log/jitd.log" 2>&1 &
            echo $! >"$0/jitd.pid"
            wait $!
            rc=$?
            echo "=== jitd (pid $!) exited with status $rc ($(date -u +%T.%N))" >>"$0/log/jitd.log"
            echo $rc >"$0/jitd.status"' "$d" "$JIT_BUILD/jitd" --config "$JIT_CONF" "$@"
    ) </dev/null >/dev/null 2>&1 &
    disown $! 2>/dev/null
    wait_for 5 test -s "$d/jitd.pid" || {
        echo "jit_start: the jitd supervisor did not start" >&2
        return 1
    }
    pid=$(<"$d/jitd.pid")
    # Stop waiting as soon as jitd is up, or gone (a refusal to start is reported at once).
    wait_for "$limit" _jit_started_or_gone "$pid"
    if ! _jit_started "$pid"; then
        if _jit_pid_gone "$pid"; then
            wait_for 5 test -s "$d/jitd.status"
            echo "jit_start: jitd exited (status $(cat "$d/jitd.status" 2>/dev/null)) before it owned $JIT_BUS_NAME; its log:" >&2
        else
            echo "jit_start: jitd did not own $JIT_BUS_NAME within ${limit}s; its log:" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
        tail -n 30 "$JIT_LOG_DIR/jitd.log" | sed 's/^/  /' >&2
        : >"$d/jitd.pid"
        return 1
    fi
}

_jit_started_or_gone() { _jit_pid_gone "$1" || _jit_started "$1"; }

# _jit_started PID: jitd PID is alive and org.pamjit.jit1 is owned (by it: checked, since a
# stray owner would make every test meaningless).
_jit_started() {
    local owner
    _jit_pid_gone "$1" && return 2
    owner=$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetConnectionUnixProcessID s $JIT_BUS_NAME 2>/dev/null) || return 1
    [[ $owner == "u $1" ]]
}

# jit_stop [SIGNAL]: stop jitd (default SIGTERM; if it already died, just collect its status),
# wait (10 s at most) for it to exit and leave the bus, and return its exit status (128+N for
# signal N; 124 if it had to be killed).
jit_stop() {
    local pid rc d=$JIT_SANDBOX_DIR
    pid=$(cat "$d/jitd.pid" 2>/dev/null)
    : >"$d/jitd.pid"
    [[ -n $pid ]] || return 0
    _jit_pid_gone "$pid" || kill -s "${1:-TERM}" "$pid" 2>/dev/null
    if ! wait_for 10 test -s "$d/jitd.status"; then
        echo "jit_stop: jitd (pid $pid) still running 10 s after SIG${1:-TERM}; killing it" >&2
        kill -KILL "$pid" 2>/dev/null
        return 124
    fi
    rc=$(<"$d/jitd.status")
    wait_for 5 eval '! jit_name_owned' || {
        echo "jit_stop: $JIT_BUS_NAME still owned after jitd exited" >&2
        return 1
    }
    return "$rc"
}

# jit_restart [JITD-ARGS...]: jit_stop, then jit_start (e.g. after jit_config).
jit_restart() {
    jit_stop TERM || true
    jit_start "$@"
}

# jit_reload: send jitd SIGHUP (if jitd re-reads its config on SIGHUP; else use jit_restart).
jit_reload() { kill -HUP "$(jit_jitd_pid)"; }

# jit_config: replace $JIT_CONF with stdin. Then jit_restart (or jit_reload).
jit_config() { cat >"$JIT_CONF"; }

# jit_config_set KEY VALUE [SECTION]: set KEY=VALUE in [SECTION] (default Daemon) of $JIT_CONF.
jit_config_set() {
    local key=$1 value=$2 section=${3:-Daemon} tmp
    tmp=$(mktemp "$JIT_TMP/conf.XXXXXX")
    awk -v k="$key" -v v="$value" -v s="[$section]" '
        function flush() { if (insec && !done) { print k "=" v; done = 1 } }
        /^\[/ { flush(); insec = ($0 == s) }
        insec && index($0, k "=") == 1 { if (!done) print k "=" v; done = 1; next }
        { print }
        END { flush(); if (!done) { print s; print k "=" v } }' "$JIT_CONF" >"$tmp" &&
        cat "$tmp" >"$JIT_CONF"
    rm -f "$tmp"
}

# Signed approvals (issue 12): real ssh-keygen and ssh-agent, run as the test user.
# jit_ssh_key USER NAME [TYPE]: a new key without passphrase in ~USER/.ssh/NAME (ed25519 unless
# TYPE); prints the private key's path (NAME.pub beside it).
jit_ssh_key() {
    local home
    home=$(getent passwd "$1" | cut -d: -f6)
    jit_as "$1" mkdir -p -m 0700 "$home/.ssh" &&
        jit_as "$1" ssh-keygen -q -t ${3:-ed25519} -N '' -C "$1@sandbox" -f "$home/.ssh/$2" >/dev/null &&
        echo "$home/.ssh/$2"
}

# jit_ssh_agent USER: an ssh-agent of USER's (it dies with the sandbox); prints its socket.
jit_ssh_agent() {
    local home sock
    home=$(getent passwd "$1" | cut -d: -f6)
    sock=$home/agent.$BASHPID.$RANDOM
    jit_as "$1" ssh-agent -a "$sock" >/dev/null && echo "$sock"
}

# jit_approver_line USER KEY: the allowed_signers line listing KEY (a private key's path) for USER.
jit_approver_line() { echo "$1 namespaces=\"pam-jit\" $(cat "$2.pub")"; }

# jit_approvers LINE...: /etc/jit/approvers (the sandbox's), root's and 0644, one line each.
jit_approvers() {
    printf '%s\n' "$@" >/etc/jit/approvers.new && chmod 0644 /etc/jit/approvers.new &&
        mv /etc/jit/approvers.new /etc/jit/approvers
}

# jit_ssh_sign USER KEY [NAMESPACE]: stdin signed by USER with KEY (ssh-keygen -Y sign, namespace
# pam-jit unless given); the armored signature on stdout.
jit_ssh_sign() { jit_as "$1" ssh-keygen -q -Y sign -n "${3:-pam-jit}" -f "$2"; }

# jit_approve_signed USER ID SIGNATURE: Approve ID as USER with that signature, straight on the bus
# (no jitctl between); jitd's answer on stdout. "--": a signature begins with dashes, which busctl
# would take for an option.
jit_approve_signed() { jit_call --as "$1" -- Approve 'sa{sv}' "$2" 1 signature s "$3" 2>&1; }

# jit_records ID TYPE: how many TYPE records of request ID the journal file holds.
jit_records() { jq -s "[.[] | select(.fields.request_id == \"$1\" and .type == \"$2\")] | length" "$JIT_STATE/journal.jsonl"; }

# jitctl is on PATH inside the sandbox ($JIT_BUILD); jit_ctl USER ARGS... runs it as USER.
jit_ctl() {
    local user=$1
    shift
    jit_as "$user" "$JIT_BUILD/jitctl" "$@"
}

# ---------------------------------------------------------------------------------------------
# PAM stacks, sudo and pamtester.
# ---------------------------------------------------------------------------------------------

# jit_pam_options SERVICE [OPTIONS...]: rewrite the options of pam_jit's line in
# /etc/pam.d/SERVICE, e.g. jit_pam_options sudo timeout=2 debug.
jit_pam_options() {
    local svc=$1 tmp
    shift
    tmp=$(mktemp "$JIT_TMP/pam.XXXXXX")
    awk -v mod="$JIT_PAM_MODULE" -v opts="$*" '
        { n = split($0, f, /[ \t]+/)
          for (i = 1; i <= n; i++) if (f[i] == mod) {
              line = f[1]; for (j = 2; j <= i; j++) line = line "   " f[j]
              if (opts != "") line = line " " opts
              $0 = line; break } }
        { print }' "/etc/pam.d/$svc" >"$tmp" && cat "$tmp" >"/etc/pam.d/$svc"
    rm -f "$tmp"
    grep -qF "$JIT_PAM_MODULE" "/etc/pam.d/$svc"
}

# jit_pam_stack SERVICE: write /etc/pam.d/SERVICE from stdin; @PAM_JIT@ stands for the module's
# absolute path, e.g. printf 'account required @PAM_JIT@ timeout=2\n' | jit_pam_stack jit-x
jit_pam_stack() {
    sed "s|@PAM_JIT@|$JIT_PAM_MODULE|g" >"/etc/pam.d/$1"
}

# jit_sanitizer_libs: print the sanitizer runtimes pam_jit.so needs (empty for a plain build).
jit_sanitizer_libs() {
    local libs
    # The ASan runtime must come first in LD_PRELOAD.
    libs=$(ldd "$JIT_PAM_MODULE" 2>/dev/null |
        awk '$1 ~ /^lib(asan|ubsan|tsan|lsan|hwasan)\./ { if ($1 ~ /^libasan/) print $3; else rest = rest $3 "\n" }
             END { printf "%s", rest }')
    if [[ -z $libs && -n ${SANITIZE:-} ]]; then
        [[ $SANITIZE != *address* ]] || libs=$(gcc -print-file-name=libasan.so)
        [[ $SANITIZE != *undefined* ]] || libs+=${libs:+$'\n'}$(gcc -print-file-name=libubsan.so)
    fi
    [[ -z $libs ]] || echo "$libs"
}

# jit_sanitized: true if this is a sanitizer build (SANITIZE set, or pam_jit.so needs a runtime).
jit_sanitized() { [[ -n ${SANITIZE:-} || -n $(jit_sanitizer_libs) ]]; }

# jit_have_real_sudo: true if tests may drive the real setuid sudo and su with pam_jit.so loaded:
# a plain (uninstrumented) build, a setuid sudo, and a built module. Else skip, saying why:
#   jit_have_real_sudo || skip "$(jit_why_no_real_sudo)" 3
jit_have_real_sudo() { [[ -z $(jit_why_no_real_sudo) ]]; }
jit_why_no_real_sudo() {
    local sudo
    sudo=$(command -v sudo)
    if jit_sanitized; then
        echo "sanitizer build: setuid sudo/su cannot load an instrumented pam_jit.so (tested through pamtester)"
    elif [[ ! -u $sudo ]]; then
        echo "sudo (${sudo:-missing}) is not a setuid program here"
    elif [[ ! -f $JIT_PAM_MODULE ]]; then
        echo "$JIT_PAM_MODULE has not been built"
    fi
}

# jit_preload_prefix ARRAYNAME: the argv prefix that runs a PAM host started by root (pamtester,
# login, sshd) with the sanitizer runtimes preloaded in a sanitizer build (setuid hosts cannot
# preload; a program root starts can); empty in a plain build. A sanitizer finding makes the host
# exit 99. E.g.  jit_preload_prefix pre; jit_bg l --pty -- "${pre[@]}" login alice
jit_preload_prefix() {
    local -n _jit_pre_ref=$1
    local libs crypt
    libs=$(jit_sanitizer_libs | paste -sd:)
    # ASan intercepts crypt(3) and looks the real one up at start: libcrypt, loaded later with
    # pam_unix, would leave that pointer null and pam_unix would jump to 0. Preload it too.
    if [[ $libs == *libasan* ]]; then
        crypt=$(ldconfig -p | awk '$1 == "libcrypt.so.1" { print $NF; exit }')
        [[ -z $crypt ]] || libs+=:$crypt
    fi
    _jit_pre_ref=()
    [[ -z $libs ]] || _jit_pre_ref=(env LD_PRELOAD="$libs"
        ASAN_OPTIONS="${JIT_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}"
        UBSAN_OPTIONS="${JIT_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}")
}

# jit_have_sudo_plugin: true if tests may drive the real setuid sudo with the approval plugin
# (sudo_jit.so). A sanitizer build compiles the plugin without instrumentation (see the Makefile),
# so unlike jit_have_real_sudo this holds in both builds. Else skip, saying why:
#   jit_have_sudo_plugin || skip_all "$(jit_why_no_sudo_plugin)"
jit_have_sudo_plugin() { [[ -z $(jit_why_no_sudo_plugin) ]]; }
jit_why_no_sudo_plugin() {
    local sudo so=$JIT_BUILD/sudo_jit.so
    sudo=$(command -v sudo)
    if [[ ! -u $sudo ]]; then
        echo "sudo (${sudo:-missing}) is not a setuid program here"
    elif [[ ! -f $so ]]; then
        echo "$so has not been built"
    elif ldd "$so" 2>/dev/null | grep -Eq 'lib(asan|ubsan|tsan|lsan|hwasan)\.'; then
        echo "$so is instrumented: setuid sudo cannot load it"
    fi
}

# jit_use_sudo_plugin [OPTIONS...]: switch the sandbox's sudo from pam_jit.so to the approval plugin.
# Writes a private sudo.conf (sudoers' three plugins, which any Plugin line would otherwise replace,
# then `Plugin sudo_jit /abs/path/sudo_jit.so OPTIONS`), binds it over /etc/sudo.conf (inside the
# sandbox's /etc overlay), and takes pam_jit's line out of the sudo and sudo-i stacks: one approval
# per command. Calling it again rewrites the options. Sets JIT_SUDO_PLUGIN to the plugin's path.
jit_use_sudo_plugin() {
    local so=$JIT_BUILD/sudo_jit.so conf svc tmp mode
    # It rewrites /etc: never anywhere but inside the sandbox.
    jit_in_sandbox && [[ -n ${JIT_PAM_MODULE:-} && -d ${JIT_TMP:-} ]] || {
        echo "jit_use_sudo_plugin: refusing to run outside the sandbox" >&2
        return 1
    }
    conf=$JIT_SANDBOX_DIR/sudo.conf
    [[ -f $so ]] || {
        echo "jit_use_sudo_plugin: $so has not been built" >&2
        return 1
    }
    # sudo loads a plugin only if root owns it and neither group nor others may write it; a build
    # tree that does not qualify (a checkout owned by a user) gets a root-owned copy.
    mode=$(stat -c %a "$so")
    if [[ $(stat -c %u "$so") != 0 ]] || ((8#$mode & 8#022)); then
        install -m 0644 -o root -g root "$so" "$JIT_SANDBOX_DIR/sudo_jit.so" || return 1
        so=$JIT_SANDBOX_DIR/sudo_jit.so
    fi
    JIT_SUDO_PLUGIN=$so
    {
        echo "# sudo.conf of the pam_jit test sandbox (jit_use_sudo_plugin in tests/lib.sh)"
        echo "Plugin sudoers_policy sudoers.so"
        echo "Plugin sudoers_io sudoers.so"
        echo "Plugin sudoers_audit sudoers.so"
        echo "Plugin sudo_jit $so${*:+ $*}"
    } >"$conf" || return 1
    chmod 0644 "$conf"
    if ! findmnt -rn /etc/sudo.conf >/dev/null 2>&1; then
        [[ -e /etc/sudo.conf ]] || : >/etc/sudo.conf
        mount --bind "$conf" /etc/sudo.conf || return 1
    fi
    for svc in sudo sudo-i; do
        [[ -f /etc/pam.d/$svc ]] || continue
        tmp=$(mktemp "$JIT_TMP/pam.XXXXXX") || return 1
        grep -vF "$JIT_PAM_MODULE" "/etc/pam.d/$svc" >"$tmp"
        cat "$tmp" >"/etc/pam.d/$svc"
        rm -f "$tmp"
        ! grep -qF "$JIT_PAM_MODULE" "/etc/pam.d/$svc" || return 1
    done
}

# _jit_pamtester_prefix ARRAYNAME: the argv that runs pamtester (jit_preload_prefix, then pamtester).
_jit_pamtester_prefix() {
    local -n _pt=$1
    local _pre_pt
    jit_preload_prefix _pre_pt
    _pt=("${_pre_pt[@]}" pamtester)
}

# jit_pamtester SERVICE USER OPERATION...: run pamtester as root (as login or sshd would run the
# stack), with the sanitizer runtimes preloaded in a sanitizer build (a sanitizer finding makes
# it exit 99). Other pamtester options may come first: jit_pamtester -v login alice acct_mgmt.
# In the background: jit_bg NAME --pamtester -- SERVICE USER OPERATION...
jit_pamtester() {
    local pt
    _jit_pamtester_prefix pt
    "${pt[@]}" "$@"
}

# ---------------------------------------------------------------------------------------------
# The sandbox's journal (real journald, real journalctl).
# ---------------------------------------------------------------------------------------------

# jit_journal_sync: make journald write out everything it has received so far.
jit_journal_sync() { journalctl --sync; }

# jit_journal ARGS...: journalctl --no-pager -q ARGS (after a sync), e.g. jit_journal -t jitd.
jit_journal() {
    jit_journal_sync
    journalctl --no-pager -q "$@"
}

# jit_journal_json ARGS...: the matching entries as JSON, one per line, e.g.
#   jit_journal_json -t jitd JIT_REQUEST_ID=$id | jq -r .JIT_STATE
jit_journal_json() { jit_journal -o json "$@"; }

# jit_journal_wait SECONDS ARGS...: wait until journalctl ARGS shows at least one entry.
jit_journal_wait() {
    local limit=$1
    shift
    wait_for "$limit" _jit_journal_has "$@"
}
_jit_journal_has() { [[ -n $(journalctl --no-pager -q "$@" 2>/dev/null) ]]; }

# jit_cancel_logged ID SIGNAL: wait (10 s) for the module's or plugin's log record that SIGNAL
# cancelled request ID. A test that types a signal character (Ctrl-C, Ctrl-Z, Ctrl-\) checks this
# record rather than the terminal: without NOFLSH the kernel signals the foreground group first and
# flushes the terminal's output after (n_tty's isig), so a message the module writes in between can
# vanish from the screen. A person sees the same race; the record is what must never be missing.
jit_cancel_logged() {
    jit_journal_wait 10 --grep "request $1: .* denied: $2 while waiting \\(cancelled in jitd\\)" || {
        echo "what the journal holds about $1:"
        journalctl --no-pager -q -o short-monotonic --grep "$1"
        return 1
    }
}

# jit_journal_refusal SERVICE: after the journal's file system was filled, the first CreateRequest
# (for alice through SERVICE) that cannot be recorded; prints its error (empty if none in 40 tries).
# tmpfs counts whole pages: the journal's last page may still take a record or two, which the
# requests before it use up.
jit_journal_refusal() {
    local out
    for _ in $(seq 40); do
        out=$(jit_call CreateRequest 'a{sv}' 2 user s alice service s "$1" 2>&1)
        if [[ $out == *"journal cannot be written"* ]]; then
            echo "$out"
            return 0
        fi
    done
}

# ---------------------------------------------------------------------------------------------
# Per-test scratch directory and clean-up.
# ---------------------------------------------------------------------------------------------
if [[ -z ${JIT_TMP:-} || ! -d $JIT_TMP ]]; then
    JIT_TMP=$(mktemp -d "${JIT_SANDBOX_DIR:-${TMPDIR:-/tmp}}/test.XXXXXX")
    chmod 0755 "$JIT_TMP"
    _jit_own_tmp=1
fi

# At exit: kill background jobs the test left running, remove the scratch directory (unless
# JIT_KEEP_TMP=1), and make the exit status say whether any test failed.
_jit_main_pid=$BASHPID
_jit_exit() {
    local rc=$?
    [[ $BASHPID == "$_jit_main_pid" ]] || return "$rc" # never in a subshell
    jit_kill_all_bg
    if [[ -n ${_jit_own_tmp:-} && ${JIT_KEEP_TMP:-} != 1 ]]; then rm -rf "$JIT_TMP"; fi
    if ((rc == 0 && _tap_failed > 0)); then rc=$((_tap_failed > 254 ? 254 : _tap_failed)); fi
    exit "$rc"
}
if [[ ${JIT_LIB_NO_TRAP:-} != 1 ]]; then trap _jit_exit EXIT; fi
