#!/bin/bash
# ATTACKS.md A01 (polkit CVE-2021-3560): a caller sends Approve and disconnects at once, in bursts
# with delays from 0 to a few ms, so jitd asks dbus-daemon for the credentials of a sender that is
# leaving or gone. Nothing is approved by a vanished sender, never as uid 0; bob's approvals that
# do land are attributed to bob alone.
source "$(dirname "$0")/../lib.sh"

plan 10

CLIENT=$JIT_BUILD/helpers/bus-client
JOURNAL=$JIT_STATE/journal.jsonl
state_of() { jit_ctl bob show --json "$1" | jq -r .state; }
approvals_of() { jq -s --arg id "$1" '[.[] | select(.type == "approve" and .fields.request_id == $id)]' "$JOURNAL"; }

jit_bg w --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request w)
like "$id" "^$JIT_ID_RE\$" "alice's request is pending ($id)"

# dave (nobody) and alice (the requester) send Approve and leave, 300 times each.
out=$(jit_as dave "$CLIENT" approve-burst "$id" 300 3000)
is "$out" "sent 300" "dave sent 300 Approve calls, each from a connection that left at once"
out=$(jit_as alice "$CLIENT" approve-burst "$id" 300 3000)
is "$out" "sent 300" "alice sent 300 Approve calls the same way"
# A call jitd has not answered yet could still be in its queue: GetRequest goes behind them all.
is "$(state_of "$id")" pending "after the bursts of dave and alice the request is still pending"
is "$(approvals_of "$id" | jq length)" 0 "the journal holds no approval for it"
ok "jitd is still running" jit_jitd_pid

# bob, an approver, does the same: whatever lands is his, and only his.
out=$(jit_as bob "$CLIENT" approve-burst "$id" 100 3000)
is "$out" "sent 100" "bob sent 100 Approve calls from connections that left at once"
st=$(state_of "$id")
if [[ $st == pending ]]; then
    note "none of bob's vanishing approvals landed; he approves with jitctl"
    jit_ctl bob approve "$id" >/dev/null
    st=$(state_of "$id")
else
    note "one of bob's vanishing approvals landed"
fi
is "$st" approved "the request ends approved by bob"
is "$(approvals_of "$id" | jq -r '[.[].fields.by] | unique | join(",")')" bob \
    "every approval record names bob, never root or another account"
jit_bg_wait w 10
is "$?" 0 "alice's waiting PAM call is allowed once bob's approval is recorded"
