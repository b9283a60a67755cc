#!/bin/bash
# T52: N-of-M with the same key twice. With Approvals=2 and Signature=required, two approvals must
# come from two people *and* two keys: a key the approvers file lists for both bob and carol signs
# one approval only; carol sending a signature by that same key is refused (AlreadyDecided), also
# after a jitd restart (replay rebuilds the keys from the journal). carol's own key completes it.
source "$(dirname "$0")/../lib.sh"

JOURNAL=$JIT_STATE/journal.jsonl

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m

[Rule two]
Service=sudo
Action=require
Approvers=bob,carol
Approvals=2
Signature=required
EOF
shared=$JIT_TMP/shared_ed25519
ssh-keygen -q -t ed25519 -N '' -C shared -f "$shared" >/dev/null || bail_out "ssh-keygen cannot make a key"
carolkey=$(jit_ssh_key carol id_ed25519) || bail_out "ssh-keygen cannot make carol's key"
jit_approvers "bob,carol namespaces=\"pam-jit\" $(cat "$shared.pub")" "$(jit_approver_line carol "$carolkey")"
jit_restart || bail_out "jitd does not start"

shared_sig() { jit_ctl bob show --statement "$1" | ssh-keygen -q -Y sign -n pam-jit -f "$shared"; }
state_of() { jit_ctl bob show --json "$1" | jq -r '"\(.state)/\(.approvals)"'; }

# Asked ahead of time, so nobody waits on it and it outlives a restart of jitd.
id=$(jit_ctl alice request --json --for 10m --reason "deploy" -- /bin/true | jq -r .id)
like "$id" "^$JIT_ID_RE\$" "alice asks ahead: request $id"

out=$(jit_approve_signed bob "$id" "$(shared_sig "$id")")
is "$?" 0 "bob approves with the shared key"
is "$(state_of "$id")" "pending/1" "one approval of two"

out=$(jit_approve_signed carol "$id" "$(shared_sig "$id")")
isnt "$?" 0 "a52 same key: carol's approval signed by the same key is refused"
like "$out" "This key has already signed an approval of $id" "...as a key that already signed"
is "$(state_of "$id")" "pending/1" "still one approval of two"

jit_restart || bail_out "jitd does not restart"
is "$(state_of "$id")" "pending/1" "after a restart: still pending, one approval"
out=$(jit_approve_signed carol "$id" "$(shared_sig "$id")")
isnt "$?" 0 "a52 after restart: the same key is still refused (replay rebuilt the keys)"
like "$out" "This key has already signed" "...as a key that already signed"

ok "carol approves with her own key" jit_ctl carol approve "$id" --key "$carolkey"
is "$(state_of "$id")" "approved/2" "two people, two keys: approved"
is "$(jq -r -s "[.[] | select(.type == \"approve\" and .fields.request_id == \"$id\") | .fields.signer] | join(\" \")" "$JOURNAL")" \
    "bob carol" "the journal records one signed approval by bob and one by carol"
out=$("$JIT_BUILD/jitctl" verify --journal "$JOURNAL" --key "$JIT_STATE/journal.pub" 2>&1)
is "$?" 0 "the journal verifies"
like "$out" "2 signed decisions checked" "...with both signatures checked offline"

# A signed approval that cannot be recorded (the journal's file system is full) counts for nothing,
# its key included: once there is space again, the same approver signs again with the same key.
jit_stop >/dev/null
ok "a 512 KiB tmpfs over /var/lib/jit" mount -t tmpfs -o size=512k,mode=0700 jit-small /var/lib/jit
jit_start || bail_out "jitd does not start on the small file system"
id=$(jit_ctl alice request --json --for 10m --reason "deploy" -- /bin/true | jq -r .id)
like "$id" "^$JIT_ID_RE\$" "alice asks ahead: request $id"
dd if=/dev/zero of=/var/lib/jit/filler bs=4k >/dev/null 2>&1
sync
like "$(jit_journal_refusal probe)" "journal cannot be written" "the journal's file system is full"
out=$(jit_approve_signed bob "$id" "$(shared_sig "$id")")
like "$out" "journal cannot be written" "bob's signed approval cannot be recorded: refused"
is "$(state_of "$id")" "pending/0" "...and not counted"
rm -f /var/lib/jit/filler
out=$(jit_approve_signed bob "$id" "$(shared_sig "$id")")
is "$?" 0 "with space again, bob approves with the same key: it signed nothing on record" || diag "$out"
is "$(state_of "$id")" "pending/1" "one approval of two"
ok "carol completes it with her own key" jit_ctl carol approve "$id" --key "$carolkey"
is "$(state_of "$id")" "approved/2" "approved by two people and two keys"
jit_stop >/dev/null
umount /var/lib/jit

done_testing
