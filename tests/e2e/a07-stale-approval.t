#!/bin/bash
# ATTACKS.md A07: approving a request that is expired, already decided, cancelled, or whose waiter
# hung up is refused; an approval is never banked for a later request.
source "$(dirname "$0")/../lib.sh"

plan 16

# Decided: approve twice, deny after approve.
jit_bg a --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request a)
ok "bob approves $id" jit_ctl bob approve "$id"
jit_bg_wait a 10 >/dev/null
out=$(jit_ctl carol approve "$id" 2>&1)
is "$?" 1 "a second approval is refused"
like "$out" "already approved" "...as already decided"
nok "a later deny is refused too" jit_ctl carol deny "$id"
# The approval opened a grant for this exact action (issue 4); end it, so what follows asks anew.
ok "bob revokes the grant it opened" jit_call --as bob Revoke ss "$id" ""

# Cancelled by the requester.
jit_bg c --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request c)
ok "alice cancels her own request $id" jit_ctl alice cancel "$id"
jit_bg_wait c 10
isnt "$?" 0 "the waiting pamtester is denied"
like "$(jit_ctl bob approve "$id" 2>&1)" "already cancelled" "bob cannot approve the cancelled request"
nok "dave cannot cancel somebody else's request" jit_ctl dave cancel "$(jit_bg_output c | jit_request_id)"

# The waiter hung up: the requester's connection left the bus.
jit_bg h --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request h)
jit_bg_kill h KILL
jit_bg_wait h 10 >/dev/null
ok "the waiter is killed; jitd cancels $id" wait_for 15 bash -c "$JIT_BUILD/jitctl show --json $id | jq -e '.state == \"cancelled\"' >/dev/null"
like "$(jit_ctl bob approve "$id" 2>&1)" "already cancelled" "bob cannot approve a request whose waiter is gone"
can=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=cancel)
like "$(jq -r .MESSAGE <<<"$can")" "cancelled" "journalctl records the cancel"

# Expired.
jit_pam_options jit-test timeout=1
jit_bg e --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request e)
jit_bg_wait e 10 >/dev/null
like "$(jit_ctl bob approve "$id" 2>&1)" "expired" "an expired request cannot be approved"

# Not banked: an approval covers its own request only.
jit_pam_options jit-test timeout=30
jit_bg n --pamtester -- jit-test alice acct_mgmt
id2=$(jit_wait_request n)
isnt "$id2" "$id" "the next attempt is a new request ($id2)"
ok "and it waits for its own decision" jit_bg_running n
jit_ctl bob deny "$id2" >/dev/null
jit_bg_wait n 10
isnt "$?" 0 "bob denies it: denied, whatever was approved before"
