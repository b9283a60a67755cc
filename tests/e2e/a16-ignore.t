#!/bin/bash
# ATTACKS.md A16: under a `sufficient` or `[default=ignore]` stack line, pam_jit must return
# PAM_IGNORE for what policy leaves alone (Action=ignore) — never PAM_SUCCESS by accident (Duo's
# Ctrl-C bypass came from a stack line). So: where an ignored pam_jit falls through to pam_deny,
# access is denied; where it falls through to pam_permit, allowed; on a line that accepts only
# PAM_IGNORE ([ignore=ignore default=die]) it passes, and alone it never allows. A user no rule
# applies to is not ignored: the default rule asks a person, on the same lines.
source "$(dirname "$0")/../lib.sh"

OPT="timeout=30"
stack() { # stack SERVICE LINES...: an auth-permit stack with these account lines
    local svc=$1
    shift
    { echo "auth required pam_permit.so"; printf '%s\n' "$@"; } | jit_pam_stack "$svc"
}
# Ignored pam_jit, then pam_deny: [success=1] would skip pam_deny only on PAM_SUCCESS.
stack jit-trap "account [success=1 default=ignore] @PAM_JIT@ $OPT" "account requisite pam_deny.so" "account required pam_permit.so"
stack jit-sufficient "account sufficient @PAM_JIT@ $OPT" "account required pam_deny.so"
# Ignored pam_jit, then pam_permit.
stack jit-fallthrough "account [default=ignore] @PAM_JIT@ $OPT" "account required pam_permit.so"
stack jit-sufficient-permit "account sufficient @PAM_JIT@ $OPT" "account required pam_permit.so"
# Only PAM_IGNORE passes this line: success, denial or an error all end the stack with a failure.
stack jit-exact "account [ignore=ignore default=die] @PAM_JIT@ $OPT" "account required pam_permit.so"
# pam_jit alone: an ignore is never a success by itself.
stack jit-alone "account required @PAM_JIT@ $OPT"

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule leave-alice-alone]
User=alice
Service=jit-trap jit-sufficient jit-fallthrough jit-sufficient-permit jit-exact jit-alone
Action=ignore

[Rule ignore-alice-id]
User=alice
Service=sudo
Command=id -un
Action=ignore
EOF
jit_restart || bail_out "jitd does not start with Action=ignore rules"

n_requests() { jit_ctl bob list --all --json | jq length; }

# outcome SERVICE USER: pamtester's exit status for acct_mgmt (10 s at most).
outcome() {
    local rc=0
    jit_bg "o-$1-$2" --pamtester -- "$1" "$2" acct_mgmt
    jit_bg_wait "o-$1-$2" 10 || rc=$?
    echo "$rc"
}

# --- pamtester (also in sanitizer builds) -----------------------------------------------------------
n0=$(n_requests)
t0=$EPOCHREALTIME
is "$(outcome jit-trap alice)" 1 "[success=1 default=ignore] before pam_deny: an ignored alice is denied (PAM_IGNORE is not PAM_SUCCESS)"
ok "at once, nobody asked" elapsed_below "$t0" 5
is "$(outcome jit-sufficient alice)" 1 "sufficient before pam_deny: denied"
is "$(outcome jit-fallthrough alice)" 0 "[default=ignore] before pam_permit: allowed (the rest of the stack decides)"
is "$(outcome jit-sufficient-permit alice)" 0 "sufficient before pam_permit: allowed"
is "$(outcome jit-exact alice)" 0 "[ignore=ignore default=die]: passes, so pam_jit returned exactly PAM_IGNORE"
is "$(outcome jit-alone alice)" 1 "pam_jit alone (required), ignoring: denied, never a success by itself"
is "$(n_requests)" "$n0" "no request was made for any of them"
ok "the ignored attempts were not shown a request id" eval '! jit_bg_has o-jit-trap-alice "$JIT_ID_RE"'

# bob: no rule leaves him alone, so the default rule asks a person, on the same lines.
jit_bg b1 --pamtester -- jit-trap bob acct_mgmt
id=$(jit_wait_request b1)
like "$id" "^$JIT_ID_RE\$" "bob (no ignore rule) under the same [default=ignore] line waits for a person ($id)"
jit_ctl carol deny "$id" >/dev/null
rc=0
jit_bg_wait b1 10 || rc=$?
is "$rc" 1 "carol denies: denied (a denial under default=ignore still reaches pam_deny)"
jit_bg b2 --pamtester -- jit-trap bob acct_mgmt
id=$(jit_wait_request b2)
jit_ctl carol approve "$id" >/dev/null
rc=0
jit_bg_wait b2 10 || rc=$?
is "$rc" 0 "carol approves: allowed (PAM_SUCCESS skips pam_deny), so the trap stack does tell success apart"
jit_bg b3 --pamtester -- jit-exact bob acct_mgmt
id=$(jit_wait_request b3)
jit_ctl carol approve "$id" >/dev/null
rc=0
jit_bg_wait b3 10 || rc=$?
is "$rc" 1 "[ignore=ignore default=die] with an approval (PAM_SUCCESS): fails, so it does tell ignore apart"
jit_bg b4 --pamtester -- jit-sufficient bob acct_mgmt
id=$(jit_wait_request b4)
jit_ctl carol deny "$id" >/dev/null
rc=0
jit_bg_wait b4 10 || rc=$?
is "$rc" 1 "sufficient before pam_deny, bob denied: denied"

# --- real sudo ----------------------------------------------------------------------------------------
if jit_have_real_sudo; then
    n0=$(n_requests)
    rc=0
    out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
    is "$rc:$out" "0:root" "sandbox sudo stack (common-account, then pam_jit required): ignored, the rest of the stack allows"
    is "$(n_requests)" "$n0" "no request was made"

    # The same sudo behind a [success=1 default=ignore] line that skips pam_deny.
    cp /etc/pam.d/sudo "$JIT_TMP/sudo.pam"
    jit_pam_stack sudo <<EOF
@include common-auth
account [success=1 default=ignore] @PAM_JIT@ $OPT
account requisite pam_deny.so
account required pam_permit.so
@include common-session-noninteractive
EOF
    rc=0
    out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
    isnt "$rc" 0 "sudo with [success=1 default=ignore] before pam_deny: the ignored command is denied"
    unlike "$out" "^root" "it did not run"
    jit_bg s --as alice -- sudo -n whoami
    id=$(jit_wait_request s)
    like "$id" "^$JIT_ID_RE\$" "a command no ignore rule covers waits for a person ($id)"
    jit_ctl bob approve "$id" >/dev/null
    rc=0
    jit_bg_wait s 10 || rc=$?
    is "$rc" 0 "bob approves: sudo runs (success skips pam_deny)"
    cat "$JIT_TMP/sudo.pam" >/etc/pam.d/sudo
else
    skip "$(jit_why_no_real_sudo)" 6
fi

done_testing
