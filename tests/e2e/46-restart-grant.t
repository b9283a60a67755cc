#!/bin/bash
# Issue 4, restart survival: jitd rebuilds its state by replaying the journal. A live grant survives
# a restart between approval and use (same id, until, scope and use count) and is used after it; a
# revoked grant stays revoked; a grant whose time ran out while jitd was down is gone. A request made
# ahead of time stays pending across a restart, and so does its N-of-M count: the approver who
# already approved is still counted once, not zero times and not twice.
source "$(dirname "$0")/../lib.sh"

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule two-for-whoami]
Command=whoami
Action=require
Approvers=bob,carol,dave
Approvals=2

[Rule short]
Service=jit-test
Action=require
MaxGrant=3s
EOF
jit_restart || bail_out "jitd does not start"

grant() { jit_ctl bob grants --json | jq -c --arg id "$1" '.[] | select(.id == $id)'; }
grant_gone() { [[ -z $(grant "$1") ]]; }
past() { ((${EPOCHREALTIME/./} > $1)); }
field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }
restart() {
    local old
    old=$(jit_jitd_pid)
    if jit_restart && [[ $(jit_jitd_pid) != "$old" ]]; then
        pass "jitd restarts ($1)"
    else
        fail "jitd restarts ($1)" "$(tail -n 20 "$JIT_LOG_DIR/jitd.log")"
    fi
}

# --- ahead of time and N-of-M (jitctl, and pamtester: also in sanitizer builds) -----------------------
out=$(jit_ctl alice request --for 30m -- whoami)
rid=$(jit_request_id <<<"$out")
like "$rid" "^$JIT_ID_RE\$" "alice asks ahead of time for sudo whoami: $rid (rule two-for-whoami, 2 of bob, carol, dave)"
is "$(jit_ctl bob approve "$rid" --comment "one of two" 2>&1)" "Approval of $rid recorded; it needs more approvers." \
    "bob approves: 1 of 2"
restart "with a pending request holding one approval"
is "$(field "$rid" state)/$(field "$rid" approvals)/$(field "$rid" approvals_needed)" "pending/1/2" \
    "after the restart it is still pending, with bob's approval counted"
out=$(jit_ctl bob approve "$rid" 2>&1)
isnt "$?" 0 "bob approving again after the restart is refused"
like "$out" "already approved" "...as already approved: the restart did not forget him"
is "$(field "$rid" approvals)" 1 "still one approval"
restart "again, before the second approval"
out=$(jit_ctl carol approve "$rid" 2>&1)
like "$out" "^Approved $rid until " "carol's approval is the second: approved"
g=$(grant "$rid")
is "$(jq -r '.user + " " + .scope + " " + .by' <<<"$g")" "alice command bob,carol" "a grant for alice, by bob and carol"

# A short grant through pamtester, used before and after a restart, and one that runs out while jitd
# is down.
jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
jit_ctl bob approve "$id" >/dev/null
jit_bg_wait p 10
is "$?" 0 "pamtester: bob approves $id (MaxGrant=3s)"
until_usec=$(grant "$id" | jq -r .until_usec)
jit_stop
ok "jitd is stopped until the grant's time has passed" wait_for 10 past "$until_usec"
ok "jitd starts again" jit_start
is "$(grant "$id")" "" "the grant that ran out while jitd was down is not restored"
jit_bg p2 --pamtester -- jit-test alice acct_mgmt
id2=$(jit_wait_request p2)
like "$id2" "^$JIT_ID_RE\$" "the next pamtester needs a new approval ($id2)"
jit_ctl bob deny "$id2" >/dev/null
jit_bg_wait p2 10 >/dev/null

# --- real sudo ----------------------------------------------------------------------------------------
if jit_have_real_sudo; then
    rc=0
    out=$(jit_as alice sudo -n whoami 2>&1) || rc=$?
    is "$rc:$out" "0:root" "alice's sudo -n whoami uses the grant approved ahead of time (after two restarts)"
    is "$(grant "$rid" | jq -r .uses)" 1 "uses: 1"

    jit_bg s --as alice -- sudo -n id -un
    id=$(jit_wait_request s)
    jit_ctl bob approve "$id" --for 30m >/dev/null
    jit_bg_wait s 10
    is "$?" 0 "sudo -n id -un: bob approves $id for 30 minutes"
    rc=0
    out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
    is "$rc:$out" "0:root" "used once within the grant"
    before=$(grant "$id")
    restart "between approval and the next use"
    is "$(grant "$id")" "$before" "jitctl grants shows the same grant (id, until, scope, by, uses) after the restart"
    rc=0
    out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
    is "$rc:$out" "0:root" "the restored grant lets sudo -n id -un through at once"
    is "$(grant "$id" | jq -r .uses)" 2 "uses: 2"
    ok "journald: the use after the restart names the grant" \
        jit_journal_wait 15 -t jitd JIT_RECORD=grant-use JIT_GRANT_ID="$id" _PID="$(jit_jitd_pid)"

    ok "bob revokes it" jit_ctl bob revoke "$id" --comment "enough"
    restart "after the revoke"
    is "$(grant "$id")" "" "the revoked grant is not restored"
    is "$(field "$id" state)" revoked "jitctl show still says revoked"
    jit_bg s2 --as alice -- sudo -n id -un
    id2=$(jit_wait_request s2)
    like "$id2" "^$JIT_ID_RE\$" "the next sudo needs a new approval ($id2)"
    jit_ctl bob deny "$id2" >/dev/null
    jit_bg_wait s2 10
    isnt "$?" 0 "bob denies it: sudo fails"
else
    skip "$(jit_why_no_real_sudo)" 15
fi

done_testing
