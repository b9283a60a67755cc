#!/bin/bash
# ATTACKS.md A26: a grant for `restart nginx` used for `bash` → refused under the default scope
# (Scope=command). A command grant covers exactly the approved command line, for the same target
# account, through the same service, for the same person: not another program, not more or fewer
# arguments, not the same words split differently, not another path to the program, not a shell
# (sudo -s), not another -u. A Scope=service grant covers other commands, but only through its own
# service and only for its grantee.
source "$(dirname "$0")/../lib.sh"

printf 'auth required pam_permit.so\naccount required @PAM_JIT@ timeout=30\n' | jit_pam_stack jit-svc
jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule svc]
Service=jit-svc
Action=require
Scope=service
EOF
jit_restart || bail_out "jitd does not start"

grant() { jit_ctl bob grants --json | jq -c --arg id "$1" '.[] | select(.id == $id)'; }
uses() { grant "$1" | jq -r .uses; }

# not_covered NAME WHAT CMD...: CMD (a jit_bg command line) is not covered by any grant: it makes a
# new request that waits; bob denies it and CMD fails. (Waits for whichever comes first: a request
# id, or CMD ending without one.)
shows_id_or_ended() { jit_bg_has "$1" "\\b$JIT_ID_RE\\b" || ! jit_bg_running "$1"; }
not_covered() {
    local name=$1 what=$2 id rc=0
    shift 2
    jit_bg "$name" "$@"
    wait_for 10 shows_id_or_ended "$name"
    id=$(jit_request_id "$(jit_bg_out "$name")" "$(jit_bg_err "$name")")
    if [[ -z $id ]]; then
        jit_bg_wait "$name" 1 || rc=$?
        fail "$what: not covered, waits for a new approval" \
            "no request was made; it $( ((rc == 124)) && echo "was still running (killed)" || echo "exited with status $rc"); it wrote:" \
            "$(jit_bg_output "$name" | head -n 20)"
        return
    fi
    jit_ctl bob deny "$id" >/dev/null
    jit_bg_wait "$name" 10 || rc=$?
    if [[ $rc -ne 0 ]]; then
        pass "$what: not covered, waits for a new approval ($id)"
    else
        fail "$what: not covered, waits for a new approval ($id)" "it succeeded after bob denied $id"
    fi
}

# --- pamtester (also in sanitizer builds) -----------------------------------------------------------
jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
jit_ctl bob approve "$id" >/dev/null
jit_bg_wait p 10
is "$?" 0 "jit-test (default rule, Scope=command): bob approves alice's pamtester ($id)"
is "$(grant "$id" | jq -r .scope)" command "the grant's scope is command"
ok "the very same command line is covered" jit_pamtester jit-test alice acct_mgmt
not_covered pv "another command line through the same service (pamtester -v)" --pamtester -- -v jit-test alice acct_mgmt
is "$(uses "$id")" 1 "the grant was used once"

jit_bg s --pamtester -- jit-svc alice acct_mgmt
sid=$(jit_wait_request s)
jit_ctl bob approve "$sid" >/dev/null
jit_bg_wait s 10
is "$?" 0 "jit-svc (Scope=service): bob approves alice's pamtester ($sid)"
ok "another command line through jit-svc is covered" jit_pamtester -v jit-svc alice acct_mgmt
not_covered sd "...but not for another user (dave)" --pamtester -- jit-svc dave acct_mgmt
not_covered st "...nor through another service (jit-test, with the command line -v)" --pamtester -- -v jit-test alice acct_mgmt
jit_ctl bob revoke "$id" >/dev/null
jit_ctl bob revoke "$sid" >/dev/null

# --- real sudo: the attack ----------------------------------------------------------------------------
if jit_have_real_sudo; then
    jit_bg a --as alice -- sudo -n echo restart nginx
    id=$(jit_wait_request a)
    jit_ctl bob approve "$id" --for 1h >/dev/null
    jit_bg_wait a 10
    is "$?" 0 "bob approves alice's sudo -n echo restart nginx ($id)"
    rc=0
    out=$(jit_as alice sudo -n echo restart nginx 2>&1) || rc=$?
    is "$rc:$out" "0:restart nginx" "the same command again: covered by the grant"

    not_covered b1 "sudo -n bash" --as alice -- sudo -n bash -c id
    not_covered b2 "sudo -n -s (a shell)" --as alice -- sudo -n -s
    # sudo runs login shells (-i) through the PAM service sudo-i (Debian: pam_login_service), a
    # stack of its own: without pam_jit there, sudo -i is never asked about at all.
    not_covered b3 "sudo -n -i id -un (a login shell, PAM service sudo-i)" --as alice -- sudo -n -i id -un
    not_covered b4 "more arguments (echo restart nginx now)" --as alice -- sudo -n echo restart nginx now
    not_covered b5 "fewer arguments (echo restart)" --as alice -- sudo -n echo restart
    not_covered b6 "the same words split differently (echo 'restart nginx')" --as alice -- sudo -n echo "restart nginx"
    not_covered b7 "another path to the program (/bin/echo)" --as alice -- sudo -n /bin/echo restart nginx
    not_covered b8 "another target account (-u bob)" --as alice -- sudo -n -u bob echo restart nginx
    is "$(uses "$id")" 1 "none of them used the grant: one use, the repeat of the approved command"
    rc=0
    out=$(jit_as alice sudo -n -- echo restart nginx 2>&1) || rc=$?
    is "$rc:$out" "0:restart nginx" "the approved command with other sudo options (-n --) is still covered"
else
    skip "$(jit_why_no_real_sudo)" 12
fi

done_testing
