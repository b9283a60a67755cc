#!/bin/bash
# Issue 4, Approvals=N: two of three listed approvers must say yes. One approval is not enough (the
# request stays pending, and jitctl says so); the same approver twice is still one; an approver who
# is not listed, and the requester even when listed, never count; two distinct approvers pass. Each
# partial approval is recorded, naming who gave it. One denial denies, whatever approvals came first.
source "$(dirname "$0")/../lib.sh"

JOURNAL=$JIT_STATE/journal.jsonl

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule two-of-three]
Service=jit-test
Action=require
Approvers=bob,carol,dave
Approvals=2

[Rule sudo-two]
Service=sudo
Action=require
Approvers=alice,bob,carol
Approvals=2
EOF
jit_restart || bail_out "jitd does not start with an Approvals=2 rule"

field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }

# --- pamtester (also in sanitizer builds) -----------------------------------------------------------
jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
like "$id" "^$JIT_ID_RE\$" "pamtester waits on request $id"
is "$(field "$id" rule)/$(field "$id" approvals_needed)" "two-of-three/2" "jitctl show: rule two-of-three, 2 approvals needed"

out=$(jit_ctl bob approve "$id" --comment "fine by me" 2>&1)
is "$?" 0 "bob approves"
is "$out" "Approval of $id recorded; it needs more approvers." "jitctl says one approval is not enough"
is "$(field "$id" state)/$(field "$id" approvals)" "pending/1" "the request is still pending, with 1 approval"
ok "pamtester still waits" jit_bg_running p

out=$(jit_ctl bob approve "$id" 2>&1)
isnt "$?" 0 "bob approving again is refused"
like "$out" "already approved" "...as already approved"
is "$(field "$id" state)/$(field "$id" approvals)" "pending/1" "the same approver twice is still one approval"

out=$(jit_ctl alice approve "$id" 2>&1)
isnt "$?" 0 "alice cannot approve her own request"
out=$("$JIT_BUILD/jitctl" approve "$id" 2>&1)
isnt "$?" 0 "root, not listed in Approvers=, cannot approve"
is "$(field "$id" state)/$(field "$id" approvals)" "pending/1" "neither counted"
ok "pamtester still waits" jit_bg_running p

out=$(jit_ctl carol approve "$id" --for 10m 2>&1)
is "$?" 0 "carol approves: the second distinct approver"
like "$out" "^Approved $id until " "jitctl says it is approved"
rc=0
jit_bg_wait p 10 || rc=$?
is "$rc" 0 "pamtester is allowed"
is "$(field "$id" state)/$(field "$id" approvals)/$(field "$id" by)" "approved/2/bob,carol" \
    "jitctl show: approved with 2 approvals, by bob and carol"

jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve JIT_STATE=approved
recs=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve)
is "$(jq -s length <<<"$recs")" 2 "journald has two approval records"
first=$(jq -s -c '.[0]' <<<"$recs")
is "$(jq -r .JIT_STATE <<<"$first")" pending "the first leaves the request pending"
is "$(jq -r .JIT_APPROVER <<<"$first")" bob "the first names bob as the approver"
is "$(jq -r .JIT_COMMENT <<<"$first")" "fine by me" "...with bob's comment"
is "$(jq -s -r '.[1].JIT_APPROVER' <<<"$recs")" bob,carol "the second, the decision, names both approvers"
is "$(jq -r -s "[.[] | select(.type == \"approve\" and .fields.request_id == \"$id\") | .fields.approver_uids] | join(\" \")" "$JOURNAL")" \
    "$(jit_uid bob) $(jit_uid bob),$(jit_uid carol)" "the journal file lists the distinct approvers of each record"
ok "the approval opened a grant; carol revokes it" jit_ctl carol revoke "$id"

# One denial denies, after an approval.
jit_bg d --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request d)
jit_ctl dave approve "$id" >/dev/null
is "$(field "$id" approvals)" 1 "dave approves the next request ($id): 1 of 2"
ok "carol denies it" jit_ctl carol deny "$id" --comment "not today"
rc=0
jit_bg_wait d 10 || rc=$?
isnt "$rc" 0 "pamtester is denied: one denial denies"
is "$(field "$id" state)" denied "jitctl show: denied"
like "$(jit_ctl bob approve "$id" 2>&1)" "already denied" "a later approval changes nothing"

# --- real sudo ----------------------------------------------------------------------------------------
if jit_have_real_sudo; then
    jit_bg s --as alice -- sudo -n id -un
    id=$(jit_wait_request s)
    like "$id" "^$JIT_ID_RE\$" "alice's sudo waits on $id (rule sudo-two lists alice herself)"
    like "$(jit_ctl alice approve "$id" 2>&1)" "own request" "alice, listed, still cannot approve her own request"
    out=$(jit_ctl carol approve "$id" 2>&1)
    is "$out" "Approval of $id recorded; it needs more approvers." "carol's approval alone is not enough"
    ok "sudo still waits" jit_bg_running s
    ok "carol again does not make two" eval '! jit_ctl carol approve "$id"'
    ok "sudo still waits" jit_bg_running s
    ok "bob approves: two distinct approvers" jit_ctl bob approve "$id"
    rc=0
    jit_bg_wait s 10 || rc=$?
    is "$rc" 0 "sudo exits 0"
    ok "as root" grep -qx root "$(jit_bg_out s)"
    ok "sudo showed the approval by both" jit_bg_has s "approved by [a-z]+,bob"
else
    skip "$(jit_why_no_real_sudo)" 10
fi

done_testing
