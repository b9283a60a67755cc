#!/bin/bash
# Issue 12, signed approvals. Under Signature=required an approval counts only with the approver's
# SSH signature of the request's statement (real ssh-keygen, real ssh-agent), checked by jitd
# against /etc/jit/approvers (allowed_signers, principal = user name, namespace pam-jit) before
# anything is recorded. An unsigned approval is refused and the request stays pending; jitctl signs
# by itself when jitd says a signature is needed (a key file or the agent). The journal keeps the
# signer, the signature, the statement's SHA-512 and the approvers file (hash, and its text once per
# version). Denials may be signed too.
source "$(dirname "$0")/../lib.sh"

JOURNAL=$JIT_STATE/journal.jsonl

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m

[Rule signed]
Service=jit-test
Action=require
Signature=required

[Rule sudo-signed]
Service=sudo
Action=require
Signature=required

[Rule plain]
Service=jit-plain
Action=require
EOF
bobkey=$(jit_ssh_key bob id_ed25519) || bail_out "ssh-keygen cannot make bob's key"
carolkey=$(jit_ssh_key carol id_ed25519) || bail_out "ssh-keygen cannot make carol's key"
jit_approvers "$(jit_approver_line bob "$bobkey")" "$(jit_approver_line carol "$carolkey")"
jit_pam_stack jit-plain </etc/pam.d/jit-test
jit_restart || bail_out "jitd does not start with Signature=required"

rec() { jq -c -s "[.[] | select(.fields.request_id == \"$1\" and .type == \"$2\")] | last | .fields" "$JOURNAL"; }

# --- unsigned is refused, signed with a key file passes (pamtester) ---------------------------------
jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
like "$id" "^$JIT_ID_RE\$" "pamtester waits on request $id"

out=$(jit_call --as bob Approve 'sa{sv}' "$id" 0 2>&1)
isnt "$?" 0 "an unsigned Approve is refused"
like "$out" "needs your SSH signature" "...saying a signature is needed"
is "$(jit_ctl bob show --json "$id" | jq -r '"\(.state)/\(.approvals)"')" "pending/0" "the request stays pending, no approval counted"
is "$(jit_records "$id" approve)" 0 "nothing was recorded for the refused approval"
ok "pamtester still waits" jit_bg_running p

out=$(jit_ctl bob approve "$id" 2>&1)
isnt "$?" 0 "jitctl approve without a key or an agent fails"
like "$out" "no signing key" "...and says there is no key to sign with"

statement=$(jit_ctl bob show --statement "$id")
out=$(jit_ctl bob approve "$id" --key "$bobkey" 2>&1)
is "$?" 0 "bob approves with --key: jitctl signs with ssh-keygen"
like "$out" "^Approved $id until " "...and the approval is recorded"
jit_bg_wait p 10
is "$?" 0 "pamtester is allowed"

r=$(rec "$id" approve)
is "$(jq -r .signer <<<"$r")" bob "the journal's approve record names the signer, bob"
jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve
is "$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve | jq -r .JIT_SIGNER)" bob \
    "journald's entry for the approval names the signer too (JIT_SIGNER)"
is "$(jq -r .statement_sha512 <<<"$r")" "$(printf '%s\n' "$statement" | sha512sum | cut -d' ' -f1)" \
    "...the SHA-512 of the statement jitctl show --statement printed"
sigfile=$JIT_TMP/sig
{ echo "-----BEGIN SSH SIGNATURE-----"; jq -r .signature <<<"$r" | fold -w 70; echo "-----END SSH SIGNATURE-----"; } >"$sigfile"
ok "...a signature that ssh-keygen -Y verify accepts for bob over that statement" \
    bash -c 'printf "%s\n" "$1" | ssh-keygen -Y verify -f /etc/jit/approvers -I bob -n pam-jit -s "$2" >/dev/null' _ "$statement" "$sigfile"
is "$(jq -r .approvers_sha256 <<<"$r")" "$(sha256sum </etc/jit/approvers | cut -d' ' -f1)" "...the approvers file's SHA-256"
is "$(jq -r .approvers <<<"$r")" "$(cat /etc/jit/approvers)" "...and its text (the first use of this version)"
ok "bob revokes the grant, so the next request waits again" jit_ctl bob revoke "$id"

# --- real sudo; carol's key in ssh-agent; jitctl signs because jitd asks ---------------------------
if jit_have_real_sudo; then
    sock=$(jit_ssh_agent carol) || bail_out "ssh-agent does not start"
    ok "carol's key goes into her agent" jit_as carol env SSH_AUTH_SOCK="$sock" ssh-add -q "$carolkey"
    jit_bg s --as alice -- sudo -n id -un
    id=$(jit_wait_request s)
    like "$id" "^$JIT_ID_RE\$" "sudo waits on request $id"
    is "$(jit_ctl carol show --statement "$id" | grep '^runas=')" "runas=root" "its statement says whom sudo runs the command as"
    out=$(jit_as carol env SSH_AUTH_SOCK="$sock" "$JIT_BUILD/jitctl" approve "$id" 2>&1)
    is "$?" 0 "carol approves without --sign: jitd asks for a signature, jitctl signs with her agent's key"
    jit_bg_wait s 10
    is "$?" 0 "sudo exits 0"
    ok "the command ran as root" grep -qx root "$(jit_bg_out s)"
    r=$(rec "$id" approve)
    is "$(jq -r .signer <<<"$r")" carol "the record names carol as the signer"
    is "$(jq -r '.approvers // "none"' <<<"$r")" none "the approvers file's text is not repeated for the same version"
    is "$(jq -r .approvers_sha256 <<<"$r")" "$(sha256sum </etc/jit/approvers | cut -d' ' -f1)" "...its hash is"
else
    skip "$(jit_why_no_real_sudo)" 8
fi

# --- a signed denial; a signature nobody asked for is still checked and recorded -------------------
jit_bg d --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request d)
out=$(jit_ctl bob deny "$id" --key "$bobkey" --comment "not now" 2>&1)
is "$?" 0 "bob denies with a signature"
jit_bg_wait d 10
isnt "$?" 0 "pamtester is denied"
r=$(rec "$id" deny)
is "$(jq -r '"\(.signer)/\(.comment)"' <<<"$r")" "bob/not now" "the deny record names the signer and keeps the comment"
isnt "$(jq -r '.signature // ""' <<<"$r")" "" "...with the signature"

jit_bg q --pamtester -- jit-plain alice acct_mgmt
id=$(jit_wait_request q)
ok "under a rule without Signature=required, bob approves with --sign --key" jit_ctl bob approve "$id" --sign --key "$bobkey"
jit_bg_wait q 10
is "$(jq -r .signer <<<"$(rec "$id" approve)")" bob "the unasked-for signature is recorded too"
ok "bob revokes that grant" jit_ctl bob revoke "$id"

jit_bg u --pamtester -- jit-plain alice acct_mgmt
id=$(jit_wait_request u)
ok "without Signature=required an unsigned approval still works" jit_ctl bob approve "$id"
jit_bg_wait u 10
is "$(jq -r '.signer // "none"' <<<"$(rec "$id" approve)")" none "...and records no signer"

out=$("$JIT_BUILD/jitctl" verify --journal "$JOURNAL" --key "$JIT_STATE/journal.pub" --approvers /etc/jit/approvers 2>&1)
is "$?" 0 "jitctl verify passes, re-checking the signatures offline"
signed=$(jq -s '[.[] | select(.fields.signature)] | length' "$JOURNAL")
is "$signed" "$(jit_have_real_sudo && echo 4 || echo 3)" "the journal holds the signed decisions made above (carol's with real sudo)"
like "$out" "  $signed signed decisions checked against 1 recorded version of the approvers file" \
    "...and verify checked them all, against the one recorded version of the approvers file"
like "$out" "/etc/jit/approvers is the version the journal recorded last" "...which is the file on disk"

done_testing
