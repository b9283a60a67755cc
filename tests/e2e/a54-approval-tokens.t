#!/bin/bash
# Issue 12, approval tokens (threat model T54-T59). The statement leaves the host by any channel;
# the approver signs it on their own machine with `jitctl sign` (no jitd, no bus there: here a bus
# address that leads nowhere), and anyone on the host hands the token in with `jitctl redeem`. jitd
# records the approval as the signer's, with the carrier's uid beside it. A token works for one
# request on one host, once, while the request is pending, and only for a principal whose key the
# approvers file lists and who may approve; the requester's own token approves nothing. N-of-M
# counts distinct principals.
source "$(dirname "$0")/../lib.sh"
plan 56

JOURNAL=$JIT_STATE/journal.jsonl

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m

[Rule two]
Service=jit-two
Action=require
Approvals=2
EOF
jit_pam_stack jit-two </etc/pam.d/jit-test
bobkey=$(jit_ssh_key bob id_ed25519) || bail_out "ssh-keygen cannot make bob's key"
carolkey=$(jit_ssh_key carol id_ed25519) || bail_out "ssh-keygen cannot make carol's key"
alicekey=$(jit_ssh_key alice id_ed25519) || bail_out "ssh-keygen cannot make alice's key"
davekey=$(jit_ssh_key dave id_ed25519) || bail_out "ssh-keygen cannot make dave's key"
# alice (the requester) is listed too: her key is genuine, but she may not approve her own request.
jit_approvers "$(jit_approver_line bob "$bobkey")" "$(jit_approver_line carol "$carolkey")" \
    "$(jit_approver_line alice "$alicekey")"
jit_restart || bail_out "jitd does not restart"

# sign USER KEY [ARGS...]: USER runs jitctl sign on "their laptop" (no bus reachable), statement on stdin.
sign() {
    local u=$1 key=$2
    shift 2
    jit_as "$u" env DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent "$JIT_BUILD/jitctl" sign --key "$key" "$@"
}
state() { jit_ctl bob show --json "$1" | jq -r "$2"; }
state_is() { [[ $(state "$1" .state) == "$2" ]]; }
b64url() { printf '%s' "$1" | basenc --base64url | tr -d '=\n'; }
# field N TOKEN / with_field N VALUE TOKEN: a token's dot-separated field (0 = "pamjit1"), or the
# token with that field replaced.
field() { cut -d. -f$(($1 + 1)) <<<"$2"; }
with_field() { awk -F. -v OFS=. -v n=$(($1 + 1)) -v v="$2" '{ $n = v; print }' <<<"$3"; }

jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
like "$id" "^$JIT_ID_RE\$" "pamtester waits on alice's request $id"
jit_bg q --pamtester -- jit-test alice acct_mgmt
id2=$(jit_wait_request q)
like "$id2" "^$JIT_ID_RE\$" "and on a second request $id2"

statement=$(jit_ctl alice show --statement "$id")
is "$?" 0 "the requester prints the statement (jitctl show --statement), to pass it on"
origin=$(sed -n 's/^origin=//p' <<<"$statement")

tok=$(printf '%s\n' "$statement" | sign bob "$bobkey" 2>"$JIT_TMP/sign.err")
is "$?" 0 "bob signs it with jitctl sign --key, with no jitd or bus in reach"
like "$tok" "^pamjit1\.$id\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\$" "the token is one line: version, id, origin, principal, signature"
like "$(cat "$JIT_TMP/sign.err")" "approval of request $id on $origin as bob" "jitctl sign says what the token approves"
printf '%s\n' "$statement" >"$JIT_TMP/statement"
tokf=$(jit_as bob env DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent "$JIT_BUILD/jitctl" sign --key "$bobkey" "$JIT_TMP/statement" 2>/dev/null)
is "$(field 1 "$tokf")/$(field 3 "$tokf")" "$id/$(b64url bob)" "it signs a statement file too"

# --- T54: a token for another request ------------------------------------------------------------------
out=$(jit_ctl dave redeem "$(with_field 1 "$id2" "$tok")" 2>&1)
isnt "$?" 0 "T54: bob's token with its id changed to $id2 is refused"
like "$out" "No such request" "...dave, who may not see $id2, learns nothing from it"
out=$(jit_ctl carol redeem "$(with_field 1 "$id2" "$tok")" 2>&1)
like "$out" "not a signature of $id2's statement" "...carol, who may, is told the signature does not fit $id2"
is "$(state "$id2" .approvals)" 0 "$id2 has no approval"

# --- T55: a token for another host -----------------------------------------------------------------
other=$(sed "s|^origin=.*|origin=elsewhere.example/pam_jit|" <<<"$statement")
tok_other=$(printf '%s\n' "$other" | sign bob "$bobkey" 2>/dev/null)
is "$(field 1 "$tok_other")" "$id" "bob signs the same request's statement from another host (origin elsewhere.example)"
out=$(jit_ctl dave redeem "$tok_other" 2>&1)
isnt "$?" 0 "T55: redeemed here, it is refused"
like "$out" "for host elsewhere.example/pam_jit, not for this one" "...as a token for another host"
out=$(jit_ctl carol redeem "$(with_field 2 "$(b64url "$origin")" "$tok_other")" 2>&1)
isnt "$?" 0 "...and with its origin field rewritten to this host's, the signature does not verify"
like "$out" "not a signature of $id's statement" "...so says jitd"

# --- T56: a key of another principal; T57: the requester's own token -------------------------------------
tok_dave=$(printf '%s\n' "$statement" | sign dave "$davekey" --principal bob 2>/dev/null)
is "$(field 3 "$tok_dave")" "$(b64url bob)" "dave signs with his own key, naming bob as the principal"
out=$(jit_ctl carol redeem "$tok_dave" 2>&1)
isnt "$?" 0 "T56: refused"
like "$out" "lists no such key for bob" "...the approvers file lists no such key for bob"
tok_alice=$(printf '%s\n' "$statement" | sign alice "$alicekey" 2>/dev/null)
out=$(jit_ctl alice redeem "$tok_alice" 2>&1)
isnt "$?" 0 "T57: alice's own token (her key is listed) is refused"
like "$out" "Nobody may decide their own request" "...nobody approves their own request"
out=$(echo "pamjit1.not-a-token" | jit_ctl carol redeem 2>&1)
like "$out" "not an approval token" "text that is no token is refused as such"
is "$(jit_records "$id" approve)" 0 "none of these was recorded"
is "$(state "$id" .state)/$(state "$id" .approvals)" pending/0 "$id is still pending, with no approval"
ok "pamtester still waits" jit_bg_running p

# --- T58: a valid token from an approver, carried in by dave (no approver) --------------------------
out=$(printf '%s\n' "$tok" | jit_ctl dave redeem 2>&1)
is "$?" 0 "T58: dave (no approver) redeems bob's genuine token from stdin" || diag "$out"
like "$out" "^Approved $id \(signed by bob\) until " "...jitctl says it is approved, signed by bob"
jit_bg_wait p 10
is "$?" 0 "alice's pamtester is allowed"
is "$(state "$id" .by)" bob "jitd records bob as the approver"
r=$(jq -c -s "[.[] | select(.fields.request_id == \"$id\" and .type == \"approve\")] | last | .fields" "$JOURNAL")
is "$(jq -r '"\(.signer) \(.approver_uids) \(.redeemed_by_uid)"' <<<"$r")" "bob $(jit_uid bob) $(jit_uid dave)" \
    "the journal: signer bob, approver bob's uid, redeemed by dave's uid"
is "$(jq -r .statement_sha512 <<<"$r")" "$(printf '%s\n' "$statement" | sha512sum | cut -d' ' -f1)" \
    "...and the SHA-512 of the statement bob signed"
jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve
is "$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve | jq -r '"\(.JIT_SIGNER) \(.JIT_REDEEMED_BY_UID)"')" \
    "bob $(jit_uid dave)" "journald's entry names the signer and the carrier"

# --- T59: a token redeemed twice; a token for a request no longer pending -----------------------------
out=$(jit_ctl dave redeem "$tok" 2>&1)
isnt "$?" 0 "T59: the same token redeemed again (by dave) is refused"
like "$out" "already approved" "...the request is already approved"
like "$(jit_ctl carol redeem "$tok" 2>&1)" "already approved" "...carol, as an approver, is told so too"
is "$(jit_records "$id" approve)" 1 "still one approval record"
tok2=$(jit_ctl alice show --statement "$id2" | sign carol "$carolkey" 2>/dev/null)
jit_bg_kill q TERM
ok "alice gives up on $id2: jitd cancels it" wait_for 10 state_is "$id2" cancelled
out=$(jit_ctl carol redeem "$tok2" 2>&1)
isnt "$?" 0 "carol's token for the cancelled $id2 is refused"
like "$out" "already cancelled" "...as cancelled"
is "$(jit_records "$id2" approve)" 0 "...and recorded nowhere as an approval"

# A token expires with its request: signed in time, redeemed after the deadline.
ok "bob revokes the grant $id opened, so the next request waits" jit_ctl bob revoke "$id"
ok "jit-test's pam_jit line gets timeout=2" jit_pam_options jit-test timeout=2
jit_bg e --pamtester -- jit-test alice acct_mgmt
id4=$(jit_wait_request e)
tok4=$(jit_ctl alice show --statement "$id4" | sign carol "$carolkey" 2>/dev/null)
is "$(field 1 "$tok4")" "$id4" "carol signs a token for $id4 while it is pending"
ok "nobody redeems it in time: $id4 expires" wait_for 15 state_is "$id4" expired
out=$(jit_ctl dave redeem "$tok4" 2>&1)
isnt "$?" 0 "T59: the token for the expired $id4 is refused"
like "$out" "has expired" "...as expired"
is "$(jit_records "$id4" approve)" 0 "...and recorded nowhere as an approval"

# --- N-of-M: distinct principals --------------------------------------------------------------------
jit_bg t --pamtester -- jit-two alice acct_mgmt
id3=$(jit_wait_request t)
st3=$(jit_ctl alice show --statement "$id3")
tb=$(printf '%s\n' "$st3" | sign bob "$bobkey" 2>/dev/null)
tc=$(printf '%s\n' "$st3" | sign carol "$carolkey" 2>/dev/null)
out=$(jit_ctl dave redeem "$tb" 2>&1)
is "$out" "bob's approval of $id3 recorded; it needs more approvers." "Approvals=2: bob's token is one approval"
out=$(jit_ctl dave redeem "$tb" 2>&1)
isnt "$?" 0 "bob's token again does not make two"
is "$(state "$id3" .state)/$(state "$id3" .approvals)" pending/1 "...still pending with one"
out=$(jit_ctl dave redeem --json "$tc")
is "$(jq -r '"\(.state) \(.signer)"' <<<"$out")" "approved carol" "carol's token makes two distinct principals: approved"
jit_bg_wait t 10
is "$?" 0 "alice's pamtester is allowed"

ok "jitd restarts (replaying the journal)" jit_restart
is "$(state "$id" .by)" bob "after replay, $id still names bob"
is "$(state "$id3" .by)" bob,carol "...and $id3 by bob and carol"
out=$("$JIT_BUILD/jitctl" verify --journal "$JOURNAL" --key "$JIT_STATE/journal.pub" --approvers /etc/jit/approvers 2>&1)
is "$?" 0 "jitctl verify re-checks the redeemed tokens' signatures offline" || diag "$out"
