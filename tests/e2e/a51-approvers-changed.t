#!/bin/bash
# T51: an approvers file changed after the fact. The journal records the approvers file's hash with
# every signed decision and its text the first time a version is used, so `jitctl verify` re-checks
# each signature against the file as it stood then, whatever the file says now. Replacing the file
# later (bob's key swapped for one the intruder holds) is caught by `verify --approvers FILE`; a
# change takes effect at once for new approvals (bob's old key is refused), and the first signed
# decision under the new version records it, so verify then names two versions.
source "$(dirname "$0")/../lib.sh"

JOURNAL=$JIT_STATE/journal.jsonl
verify() { "$JIT_BUILD/jitctl" verify --journal "$JOURNAL" --key "$JIT_STATE/journal.pub" "$@" 2>&1; }

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
bobnew=$(jit_ssh_key bob id_new) || bail_out "ssh-keygen cannot make bob's second key"
jit_approvers "$(jit_approver_line bob "$bobkey")"
jit_restart || bail_out "jitd does not start"
v1=$(sha256sum </etc/jit/approvers | cut -d' ' -f1)

jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
ok "bob approves $id, signed" jit_ctl bob approve "$id" --key "$bobkey"
jit_bg_wait p 10
ok "bob revokes the grant" jit_ctl bob revoke "$id"

out=$(verify --approvers /etc/jit/approvers)
is "$?" 0 "verify --approvers passes while the file is the recorded version"
like "$out" "1 signed decisions checked against 1 recorded version" "...one signature, one version"

# The intruder swaps bob's key in the file for one they hold, after the fact.
jit_approvers "$(jit_approver_line bob "$bobnew")"
out=$(verify --approvers /etc/jit/approvers)
isnt "$?" 0 "a51 changed after the fact: verify --approvers fails"
like "$out" "is not the version the journal recorded last" "...naming the file as not the version recorded last"
like "$out" "checked against the recorded versions" "...and saying the signatures were checked against the recorded versions"
out=$(verify)
is "$?" 0 "without --approvers verify passes: bob's signature holds against the version recorded then"
like "$out" "1 signed decisions checked against 1 recorded version" "...one signature, one version"

jit_bg q --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request q)
out=$(jit_ctl bob approve "$id" --key "$bobkey" 2>&1)
isnt "$?" 0 "a51 at once: bob's old key, no longer listed, is refused for a new approval"
like "$out" "lists no such key for bob" "...as no such key for bob"
ok "bob's key as the file lists it now works" jit_ctl bob approve "$id" --key "$bobnew"
jit_bg_wait q 10
r=$(jq -c -s "[.[] | select(.fields.request_id == \"$id\" and .type == \"approve\")] | last | .fields" "$JOURNAL")
is "$(jq -r .approvers <<<"$r")" "$(cat /etc/jit/approvers)" "the approval records the new version's text"
isnt "$(jq -r .approvers_sha256 <<<"$r")" "$v1" "...under a new hash"

out=$(verify --approvers /etc/jit/approvers)
is "$?" 0 "verify --approvers passes again: the file on disk is the version recorded last"
like "$out" "2 signed decisions checked against 2 recorded versions" "...two signatures, two versions"

# A recorded version's text that does not hash to its recorded hash cannot be forged either: every
# byte is under the hash chain; a record changed in place fails the journal check itself.
cp "$JOURNAL" "$JIT_TMP/journal.copy"
sed -i "s/$(jq -r .approvers_sha256 <<<"$r")/$v1/" "$JIT_TMP/journal.copy"
out=$("$JIT_BUILD/jitctl" verify --journal "$JIT_TMP/journal.copy" --key "$JIT_STATE/journal.pub" 2>&1)
isnt "$?" 0 "a51 rewritten: a journal whose recorded approvers hash was edited fails verification"

done_testing
