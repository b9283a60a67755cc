#!/bin/bash
# T49: a forged or replayed signature. Under Signature=required bob's approval counts only with his
# signature of *this* request's statement on *this* host. A signature of another request's statement
# (replayed), one with a flipped byte, one over an altered statement or another host's, one in
# another namespace, and one by a key type jitd does not verify (RSA) are each refused with
# BadSignature before anything is recorded: the request stays pending, the journal has no approval.
# The genuine signature then works once; replaying it on the decided request is refused.
source "$(dirname "$0")/../lib.sh"

JOURNAL=$JIT_STATE/journal.jsonl

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
Signature=required

[Rule test]
Service=jit-test
Action=require
EOF
bobkey=$(jit_ssh_key bob id_ed25519) || bail_out "ssh-keygen cannot make bob's key"
bobrsa=$(jit_ssh_key bob id_rsa "rsa -b 2048") || bail_out "ssh-keygen cannot make bob's RSA key"
jit_approvers "$(jit_approver_line bob "$bobkey")" "$(jit_approver_line bob "$bobrsa")"
jit_restart || bail_out "jitd does not start with [Daemon] Signature=required"

approve_with() { jit_approve_signed bob "$@"; }
state_of() { jit_ctl bob show --json "$1" | jq -r '"\(.state)/\(.approvals)"'; }

jit_bg p1 --pamtester -- jit-test alice acct_mgmt
id1=$(jit_wait_request p1)
jit_bg p2 --pamtester -- jit-test alice acct_mgmt
id2=$(jit_wait_request p2)
isnt "$id1" "$id2" "two pending requests, $id1 and $id2"

st1=$(jit_ctl bob show --statement "$id1")
st2=$(jit_ctl bob show --statement "$id2")
sig1=$(printf '%s\n' "$st1" | jit_ssh_sign bob "$bobkey")
like "$sig1" "BEGIN SSH SIGNATURE" "bob signs $id1's statement with ssh-keygen"

out=$(approve_with "$id2" "$sig1")
isnt "$?" 0 "a49 replayed: $id1's signature sent to approve $id2 is refused"
like "$out" "not a signature of $id2's statement" "...as not a signature of $id2's statement"

# One base64 character of the signature proper (the last line before the end line) changed.
n=$(($(wc -l <<<"$sig1") - 1))
line=$(sed -n "${n}p" <<<"$sig1")
c=${line:10:1}
[[ $c == A ]] && r=B || r=A
forged=$(awk -v n="$n" -v l="${line:0:10}$r${line:11}" 'NR == n { $0 = l } { print }' <<<"$sig1")
isnt "$forged" "$sig1" "a changed copy of the signature"
out=$(approve_with "$id1" "$forged")
isnt "$?" 0 "a49 forged: a signature with a changed byte is refused"
like "$out" "malformed|not a signature" "...as malformed or not a signature of the statement"

altered=$(printf '%s\n' "$st2" | sed 's/^command=.*/command=\/bin\/true/' | jit_ssh_sign bob "$bobkey")
out=$(approve_with "$id2" "$altered")
isnt "$?" 0 "a49 altered: a signature over an altered statement (another command) is refused"
like "$out" "not a signature of $id2's statement" "...as not a signature of $id2's statement"

otherhost=$(printf '%s\n' "$st2" | sed 's/^origin=.*/origin=other.example\/pam_jit/' | jit_ssh_sign bob "$bobkey")
out=$(approve_with "$id2" "$otherhost")
isnt "$?" 0 "a49 other host: the statement with another host's origin is refused"
like "$out" "not a signature of $id2's statement" "...as not a signature of $id2's statement"

gitns=$(printf '%s\n' "$st2" | jit_ssh_sign bob "$bobkey" git)
out=$(approve_with "$id2" "$gitns")
isnt "$?" 0 "a49 namespace: the right statement signed in namespace git is refused"
like "$out" "in namespace pam-jit" "...as not a signature in namespace pam-jit"

rsa=$(printf '%s\n' "$st2" | jit_ssh_sign bob "$bobrsa")
like "$rsa" "BEGIN SSH SIGNATURE" "bob signs with his RSA key (listed in the approvers file)"
out=$(approve_with "$id2" "$rsa")
isnt "$?" 0 "a49 key type: an RSA signature is refused, never accepted unchecked"
like "$out" "Only ssh-ed25519 and sk-ssh-ed25519 keys are verified" "...saying which key types are verified"

out=$(approve_with "$id2" "not a signature")
isnt "$?" 0 "a49 garbage: a string that is no signature is refused"
like "$out" "The signature is malformed" "...as malformed"

is "$(state_of "$id1")/$(state_of "$id2")" "pending/0/pending/0" "both requests are still pending, no approval counted"
is "$(jit_records "$id1" approve)/$(jit_records "$id2" approve)" "0/0" "no approval was recorded for either"
ok "pamtester for $id1 still waits" jit_bg_running p1
ok "pamtester for $id2 still waits" jit_bg_running p2

out=$(approve_with "$id1" "$sig1")
is "$?" 0 "the genuine signature approves $id1"
jit_bg_wait p1 10
is "$?" 0 "pamtester for $id1 is allowed"
out=$(approve_with "$id1" "$sig1")
isnt "$?" 0 "a49 replayed: the same signature again, on the decided request, is refused"
like "$out" "already|decided|approved" "...as already decided"
is "$(jit_records "$id1" approve)" 1 "one approval recorded for $id1"

ok "bob denies $id2" jit_ctl bob deny "$id2"
jit_bg_wait p2 10
ok "the journal verifies, signatures included" "$JIT_BUILD/jitctl" verify --journal "$JOURNAL" --key "$JIT_STATE/journal.pub"

done_testing
