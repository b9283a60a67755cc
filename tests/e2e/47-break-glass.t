#!/bin/bash
# Issue 4, BreakGlass=yes: the requester may approve their own request, but only with a reason. A
# reason is mandatory twice over: the request needs one (Reason=required is implied), and so does the
# self-approval (--comment; empty or blank is no reason). The self-approval is recorded at alert
# priority (journald PRIORITY=1, MESSAGE "BREAK-GLASS: ..."), in the journal file, and announced on
# the bus (RequestDecided). Other approvers may still approve instead, without any of that. Only a
# break-glass rule allows it; MaxGrant= still caps the grant.
source "$(dirname "$0")/../lib.sh"

JOURNAL=$JIT_STATE/journal.jsonl

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule on-call]
User=alice
Service=sudo jit-test
Action=require
BreakGlass=yes
MaxGrant=1h
EOF
jit_restart || bail_out "jitd does not start with a BreakGlass=yes rule"

field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }
grant() { jit_ctl bob grants --json | jq -c --arg id "$1" '.[] | select(.id == $id)'; }
within() { (($1 - $2 <= $3 && $2 - $1 <= $3)); }

# Watchers: everything jitd announces on the bus.
jit_bg mon -- busctl --system monitor --match "type='signal',interface='$JIT_BUS_INTERFACE',member='RequestDecided'"
wait_for_output mon 'Monitoring bus message stream' 10 >/dev/null

# --- pamtester, the reason typed at the prompt (also in sanitizer builds) -------------------------------
printf 'database primary is down\n' >"$JIT_TMP/reason"
jit_bg p --stdin "$JIT_TMP/reason" --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
like "$id" "^$JIT_ID_RE\$" "alice's pamtester (rule on-call) waits on $id"
is "$(field "$id" reason)" "database primary is down" "with the reason she gave"

out=$(jit_ctl alice approve "$id" 2>&1)
isnt "$?" 0 "alice approving her own request without a reason is refused"
like "$out" "needs a reason" "...saying a reason is needed"
out=$(jit_ctl alice approve "$id" --comment "" 2>&1)
isnt "$?" 0 "...and with an empty --comment"
is "$(field "$id" state)" pending "the request is still pending"
ok "pamtester still waits" jit_bg_running p

out=$(jit_ctl alice approve "$id" --comment "INC-42: failing over by hand" 2>&1)
is "$?" 0 "alice approves her own request with a reason (break-glass)"
like "$out" "^Approved $id until " "jitctl says it is approved"
rc=0
jit_bg_wait p 10 || rc=$?
is "$rc" 0 "pamtester is allowed"
is "$(field "$id" by)/$(field "$id" comment)" "alice/INC-42: failing over by hand" "jitctl show: by alice, with her reason"

ok "journald has the approval" jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve
app=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve)
is "$(jq -r .PRIORITY <<<"$app")" 1 "journald: at alert priority (PRIORITY=1)"
like "$(jq -r .MESSAGE <<<"$app")" "^BREAK-GLASS: alice approved their own request $id: INC-42: failing over by hand\$" \
    "journald: MESSAGE starts with BREAK-GLASS, naming alice and her reason"
is "$(jq -r .JIT_APPROVER <<<"$app")" alice "journald: JIT_APPROVER=alice"
ok "journalctl -p alert finds it" jit_journal_wait 15 -t jitd -p alert JIT_REQUEST_ID="$id"
ok "the journal file marks it break_glass" \
    jq -e -s "any(.[]; .type == \"approve\" and .fields.request_id == \"$id\" and .fields.break_glass == \"1\" and .fields.by == \"alice\")" "$JOURNAL"
ok "watchers on the bus were told: RequestDecided approved by alice" \
    wait_for 15 bash -c "grep -A4 '\"$id\"' '$(jit_bg_out mon)' | grep -q 'STRING \"alice\"'"
jit_ctl bob revoke "$id" >/dev/null

# Another approver may approve a break-glass request instead: an ordinary approval.
jit_bg p2 --stdin "$JIT_TMP/reason" --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p2)
ok "bob approves alice's next request ($id), no comment needed" jit_ctl bob approve "$id"
rc=0
jit_bg_wait p2 10 || rc=$?
is "$rc" 0 "pamtester is allowed"
jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve
app=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve)
is "$(jq -r .PRIORITY <<<"$app")" 6 "journald: an ordinary approval (PRIORITY=6, info)"
unlike "$(jq -r .MESSAGE <<<"$app")" "BREAK-GLASS" "not announced as break-glass"
jit_ctl bob revoke "$id" >/dev/null

# A blank --comment is no reason either.
jit_bg p3 --stdin "$JIT_TMP/reason" --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p3)
out=$(jit_ctl alice approve "$id" --comment "   " 2>&1)
isnt "$?" 0 "alice approving her own request ($id) with a blank --comment is refused"
is "$(field "$id" state)" pending "it is still pending"
jit_ctl bob deny "$id" >/dev/null 2>&1 || jit_ctl bob revoke "$id" >/dev/null 2>&1
jit_bg_wait p3 10 >/dev/null

# Without a reason, nothing to approve: a request ahead of time without --reason is refused.
out=$(jit_ctl alice request -- id -un 2>&1)
isnt "$?" 0 "jitctl request without --reason under a break-glass rule is refused"
like "$out" "needs a reason" "...saying a reason is needed"

# Only a break-glass rule lets the requester approve: login matches no rule here.
jit_bg l --pamtester -- login alice acct_mgmt
id=$(jit_wait_request l)
out=$(jit_ctl alice approve "$id" --comment "it is an emergency" 2>&1)
isnt "$?" 0 "under the default rule alice cannot approve her own request, reason or not"
like "$out" "own request" "...refused as her own"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait l 10 >/dev/null

# --- real sudo ----------------------------------------------------------------------------------------
if jit_have_real_sudo; then
    rc=0
    out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
    isnt "$rc" 0 "sudo -n under the break-glass rule, with no way to give a reason: denied"
    like "$out" "jitctl request --reason" "...telling alice how to give one ahead of time"

    out=$(jit_ctl alice request --reason "disk full on db1" -- id -un)
    rid=$(jit_request_id <<<"$out")
    like "$rid" "^$JIT_ID_RE\$" "alice asks ahead of time, with a reason ($rid)"
    out=$(jit_ctl alice approve "$rid" --for 5h --comment "disk full on db1, paging did not work" 2>&1)
    is "$?" 0 "and approves it herself, with a reason, for 5h"
    ok "the grant is capped at the rule's MaxGrant=1h" \
        within "$(grant "$rid" | jq -r .until_usec)" "$(($(field "$rid" decided_usec) + 3600000000))" 2000000
    rc=0
    out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
    is "$rc:$out" "0:root" "sudo -n id -un runs at once under the break-glass grant"
    ok "journald: the self-approval at alert priority" \
        jit_journal_wait 15 -t jitd -p alert JIT_REQUEST_ID="$rid" JIT_RECORD=approve
    ok "journald: the use names the grant" jit_journal_wait 15 -t jitd JIT_RECORD=grant-use JIT_GRANT_ID="$rid"
else
    skip "$(jit_why_no_real_sudo)" 8
fi

done_testing
