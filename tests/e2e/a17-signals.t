#!/bin/bash
# ATTACKS.md A17: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP+SIGCONT and a terminal hang-up while the
# module waits → denied, and the request is cancelled in jitd. Signals the host merely handles
# (EINTR) never end the wait, let alone turn into success.
#
# The module blocks the cancel signals while it waits and watches them with a signalfd; it never
# consumes them. It cancels the request, tells the user, then restores the host's mask, so the
# host gets the signal as if the module had not been there: pamtester (default dispositions) dies
# of SIGINT after the module has cancelled, stops on SIGTSTP and, continued, reports the denial.
source "$(dirname "$0")/../lib.sh"

plan 40

# PAMTESTER: pamtester, with the sanitizer runtimes preloaded in a sanitizer build (as jit_pamtester
# does; jit_bg needs a command it can exec, not a function).
PAMTESTER=(pamtester)
_libs=$(jit_sanitizer_libs | paste -sd:)
[[ -z $_libs ]] || PAMTESTER=(env LD_PRELOAD="$_libs" ASAN_OPTIONS="${JIT_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}"
    UBSAN_OPTIONS="${JIT_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}" pamtester)

# state ID: the request's state as jitd reports it.
state() { jit_ctl bob show "$1" | awk '$1 == "state:" { print $2 }'; }
state_is() { [[ $(state "$1") == "$2" ]]; }

# --- pamtester, each cancel signal sent with kill --------------------------------------------
declare -A signo=([INT]=2 [TERM]=15 [HUP]=1 [QUIT]=3)
for sig in INT TERM HUP QUIT; do
    jit_bg "p$sig" -- "${PAMTESTER[@]}" jit-test alice acct_mgmt
    id=$(jit_wait_request "p$sig" 10)
    ok "SIG$sig to a waiting pamtester ($id)" jit_bg_kill "p$sig" "$sig"
    rc=0
    jit_bg_wait "p$sig" 20 || rc=$?
    is "$rc" $((128 + signo[$sig])) "pamtester ends by SIG$sig, the host's own disposition (status $rc)"
    ok "after the module said so" jit_bg_has "p$sig" "pam_jit: interrupted by SIG$sig; request $id cancelled, access denied"
    is "$(state "$id")" cancelled "$id is cancelled in jitd"
done

# SIGTSTP stops nothing while the module waits: it cancels, then the host stops; SIGCONT resumes it.
jit_bg ptstp -- "${PAMTESTER[@]}" jit-test alice acct_mgmt
id=$(jit_wait_request ptstp 10)
ok "SIGTSTP to a waiting pamtester ($id)" jit_bg_kill ptstp TSTP
ok "the module cancels and says so" wait_for_output ptstp "pam_jit: interrupted by SIGTSTP; request $id cancelled"
# If the kernel discarded the stop (a background job's process group can be orphaned, and then
# SIGTSTP does not stop it), pamtester has already gone on to report the denial: nothing to resume.
cont() { jit_bg_kill ptstp CONT 2>/dev/null || ! jit_bg_running ptstp; }
ok "SIGCONT (or the stop was discarded and pamtester went on)" cont
rc=0
jit_bg_wait ptstp 20 || rc=$?
is "$rc" 1 "pamtester, continued, reports the denial (status $rc)"
is "$(state "$id")" cancelled "$id is cancelled in jitd"

# --- real sudo on a terminal: Ctrl-C, Ctrl-Z, Ctrl-\ -------------------------------------------
if jit_have_real_sudo; then
    for key in 'C:\003:SIGINT' 'Z:\032:SIGTSTP' '\\:\034:SIGQUIT'; do
        IFS=: read -r name bytes sig <<<"$key"
        jit_bg tty --as alice --pty --keys -- sudo true
        id=$(jit_wait_request tty 10)
        ok "Ctrl-$name typed while alice's sudo waits on $id" jit_bg_send tty "$bytes"
        rc=0
        jit_bg_wait tty 20 || rc=$?
        isnt "$rc" 0 "sudo fails (status $rc)"
        ok "the module records that $sig cancelled it" jit_cancel_logged "$id" "$sig"
        is "$(state "$id")" cancelled "$id is cancelled in jitd"
    done
else
    skip "$(jit_why_no_real_sudo)" 12
fi

# --- the terminal hangs up (its master side closes) ---------------------------------------------
if jit_have_real_sudo; then
    jit_bg hup --as alice --pty -- sudo true
    id=$(jit_wait_request hup 10)
    ok "the terminal of alice's waiting sudo ($id) goes away" kill -KILL "$(jit_bg_pid hup)"
    ok "$id is cancelled in jitd" wait_for 10 state_is "$id" cancelled
    ok "by the module, on SIGHUP" jit_journal_wait 10 -t sudo --grep "request $id: .* denied: SIGHUP while waiting \(cancelled in jitd\)"
    nok "and can no longer be approved" jit_ctl bob approve "$id"
else
    skip "$(jit_why_no_real_sudo)" 4
fi

# --- signals the host handles interrupt ppoll (EINTR): the wait goes on ------------------------
if jit_have_real_sudo; then
    jit_bg eintr --as alice -- sudo -n true
    id=$(jit_wait_request eintr 10)
    pid=$(jit_bg_pid eintr)
    caught=$((16#$(awk '$1 == "SigCgt:" { print $2 }' /proc/"$pid"/status)))
    sent=()
    # Only signals sudo catches, or whose default is to do nothing, so that the host survives them.
    for s in USR1 USR2 ALRM WINCH CHLD CONT URG; do
        n=$(kill -l "$s")
        if ((caught >> (n - 1) & 1)) || [[ $s == @(WINCH|CHLD|CONT|URG) ]]; then
            kill -s "$s" "$pid" && sent+=("$s")
        fi
    done
    note "sent ${sent[*]} to sudo (pid $pid)"
    ok "bob denies $id after those signals" jit_ctl bob deny "$id"
    rc=0
    jit_bg_wait eintr 20 || rc=$?
    is "$rc" 1 "sudo is denied (status $rc), not allowed by an interrupted wait"
    ok "by bob's decision: the module went on waiting through ${#sent[@]} interruptions" \
        jit_bg_has eintr "pam_jit: request $id was denied by bob"
else
    skip "$(jit_why_no_real_sudo)" 3
fi
