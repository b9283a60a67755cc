#!/bin/bash
# T50: a signature by another principal's key. jitd checks the signature against the keys the
# approvers file lists for the *caller's* user name (from the bus credentials). carol's genuine
# signature of the right statement, sent by bob, is refused; so is bob's key where the file lists
# it only for carol, or only for another namespace. The request stays pending; nothing is recorded.
source "$(dirname "$0")/../lib.sh"

JOURNAL=$JIT_STATE/journal.jsonl

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m

[Rule test]
Service=jit-test
Action=require
Signature=required
EOF
bobkey=$(jit_ssh_key bob id_ed25519) || bail_out "ssh-keygen cannot make bob's key"
carolkey=$(jit_ssh_key carol id_ed25519) || bail_out "ssh-keygen cannot make carol's key"
jit_approvers "$(jit_approver_line carol "$carolkey")"
jit_restart || bail_out "jitd does not start"


jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
like "$id" "^$JIT_ID_RE\$" "pamtester waits on request $id"
st=$(jit_ctl bob show --statement "$id")

carolsig=$(printf '%s\n' "$st" | jit_ssh_sign carol "$carolkey")
out=$(jit_approve_signed bob "$id" "$carolsig")
isnt "$?" 0 "a50 another principal: carol's genuine signature, sent by bob, is refused"
like "$out" "lists no such key for bob" "...the approvers file lists no such key for bob"

out=$(jit_ctl bob approve "$id" --key "$bobkey" 2>&1)
isnt "$?" 0 "a50 unlisted: bob's own key, not in the approvers file, is refused"
like "$out" "lists no such key for bob" "...for the same reason"

jit_approvers "$(jit_approver_line carol "$carolkey")" "carol namespaces=\"pam-jit\" $(cat "$bobkey.pub")"
out=$(jit_ctl bob approve "$id" --key "$bobkey" 2>&1)
isnt "$?" 0 "a50 listed for another: bob's key listed for carol does not let bob sign"
like "$out" "lists no such key for bob" "...as no such key for bob"

jit_approvers "bob namespaces=\"git\" $(cat "$bobkey.pub")"
out=$(jit_ctl bob approve "$id" --key "$bobkey" 2>&1)
isnt "$?" 0 "a50 namespace: bob's key listed for namespace git only is refused"
like "$out" "lists no such key for bob in namespace pam-jit" "...as no such key for bob in namespace pam-jit"

jit_approvers "bob cert-authority $(cat "$bobkey.pub")"
out=$(jit_ctl bob approve "$id" --key "$bobkey" 2>&1)
isnt "$?" 0 "a50 cert-authority: a line jitd does not honour allows nobody (fail closed)"
like "$out" "lists no such key for bob" "...as no such key for bob"

is "$(jit_ctl bob show --json "$id" | jq -r '"\(.state)/\(.approvals)"')" "pending/0" "the request is still pending, no approval counted"
is "$(jit_records "$id" approve)" 0 "nothing was recorded"
ok "pamtester still waits" jit_bg_running p

jit_approvers "$(jit_approver_line bob "$bobkey")"
ok "with bob's key listed for bob, bob's signed approval works" jit_ctl bob approve "$id" --key "$bobkey"
jit_bg_wait p 10
is "$?" 0 "pamtester is allowed"
ok "the journal verifies, signatures included" "$JIT_BUILD/jitctl" verify --journal "$JOURNAL" --key "$JIT_STATE/journal.pub"

done_testing
