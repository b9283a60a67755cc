#!/bin/bash
# ATTACKS.md A18: non-interactive use — `sudo -n`, no terminal, stdin /dev/null, output redirected —
# never hangs and never loses the message: the request id and the approve command reach stderr while
# sudo waits (never stdout, where they would mix with the command's output), and the wait ends by
# approval, denial or the deadline.
source "$(dirname "$0")/../lib.sh"

plan 24

# PAMTESTER: pamtester, with the sanitizer runtimes preloaded in a sanitizer build (as jit_pamtester
# does; jit_bg needs a command it can exec, not a function).
PAMTESTER=(pamtester)
_libs=$(jit_sanitizer_libs | paste -sd:)
[[ -z $_libs ]] || PAMTESTER=(env LD_PRELOAD="$_libs" ASAN_OPTIONS="${JIT_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}"
    UBSAN_OPTIONS="${JIT_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}" pamtester)

state() { jit_ctl bob show "$1" | awk '$1 == "state:" { print $2 }'; }

# --- pamtester (as login or sshd would call the module): no tty, stdin /dev/null, nobody answers ---
ok "the jit-test stack waits 2 s at most" jit_pam_options jit-test timeout=2
t0=$EPOCHREALTIME
jit_bg pam -- "${PAMTESTER[@]}" jit-test alice acct_mgmt
id=$(jit_wait_request pam 10)
rc=0
jit_bg_wait pam 20 || rc=$?
is "$rc" 1 "pamtester without a terminal, unanswered, is denied (status $rc)"
ok "at the deadline, not later" elapsed_below "$t0" 8
is "$(state "$id")" expired "$id is expired in jitd"

jit_have_real_sudo || {
    skip "$(jit_why_no_real_sudo)" 20
    exit 0
}

# --- sudo -n, no tty, stdin /dev/null, stdout to a file: approved --------------------------------
jit_bg quiet --as alice -- sudo -n sh -c 'echo COMMAND-OUTPUT'
id=$(jit_wait_request quiet 10)
like "$id" "^$JIT_ID_RE\$" "the request id reaches sudo's stderr while it waits ($id)"
ok "so does the approve command" grep -q "pam_jit:   approve with: jitctl approve $id" "$(jit_bg_err quiet)"
nok "nothing of the module's reaches stdout" grep -q pam_jit "$(jit_bg_out quiet)"
ok "bob approves" jit_ctl bob approve "$id"
rc=0
jit_bg_wait quiet 20 || rc=$?
is "$rc" 0 "sudo -n runs the command (status $rc)"
is "$(cat "$(jit_bg_out quiet)")" COMMAND-OUTPUT "stdout holds the command's output and nothing else"
ok "the approval is on stderr" grep -q "pam_jit: approved by bob" "$(jit_bg_err quiet)"
ok "the approval opened a grant; bob revokes it, so the same command asks anew" jit_ctl bob revoke "$id"

# --- the same, denied ---------------------------------------------------------------------------
jit_bg denied --as alice -- sudo -n sh -c 'echo COMMAND-OUTPUT'
id=$(jit_wait_request denied 10)
ok "bob denies $id" jit_ctl bob deny "$id"
rc=0
jit_bg_wait denied 20 || rc=$?
is "$rc" 1 "sudo -n fails (status $rc)"
is "$(cat "$(jit_bg_out denied)")" "" "stdout is empty"
ok "the denial is on stderr" grep -q "pam_jit: request $id was denied by bob" "$(jit_bg_err denied)"

# --- nobody answers: the deadline ends the wait --------------------------------------------------
ok "the sudo stack waits 2 s at most" jit_pam_options sudo timeout=2
t0=$EPOCHREALTIME
jit_bg noanswer --as alice -- sudo -n true
id=$(jit_wait_request noanswer 10)
rc=0
jit_bg_wait noanswer 20 || rc=$?
is "$rc" 1 "unanswered, sudo -n fails (status $rc)"
ok "at the deadline, not later" elapsed_below "$t0" 8
ok "saying so" jit_bg_has noanswer "pam_jit: request $id (expired without an answer|got no answer within 2s); access denied"
is "$(state "$id")" expired "$id is expired in jitd too"

# --- without -n and without a terminal: the same (no prompt, nothing read from stdin) ------------
t0=$EPOCHREALTIME
jit_bg plain --as alice -- sudo true
id=$(jit_wait_request plain 10)
like "$id" "^$JIT_ID_RE\$" "plain sudo with stdin /dev/null and no tty shows its request ($id)"
rc=0
jit_bg_wait plain 20 || rc=$?
is "$rc" 1 "and ends at the deadline (status $rc)"
ok "without hanging" elapsed_below "$t0" 8
