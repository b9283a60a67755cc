#!/bin/bash
# ATTACKS.md A06: guessed, malformed, foreign and stale ids all get one uniform NotFound, with the
# same message; ids are random and never repeat, across a restart of jitd too.
source "$(dirname "$0")/../lib.sh"

plan 12

jit_bg l --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request l)
like "$id" "^$JIT_ID_RE\$" "a live request $id"

notfound() { jit_call --as bob GetRequest s "$1" 2>&1; }
want=$(notfound ZZZZ-ZZZZ)
like "$want" "No such request" "a guessed id: No such request"
is "$(notfound 'not-an-id')" "$want" "a malformed id: the same answer"
is "$(notfound '../../etc/passwd')" "$want" "a path: the same answer"
is "$(notfound '')" "$want" "an empty id: the same answer"
is "$(jit_call --as dave GetRequest s "$id" 2>&1)" "$want" \
    "dave (neither requester nor approver) asking for alice's live request: the same answer"
out=$(jit_call --as dave Approve 'sa{sv}' "$id" 0 2>&1)
is "$out" "$want" "dave approving it: the same answer (he cannot tell it exists)"
like "$(jit_ctl bob show "${id,,}")" "state: pending" "the id typed in lower case finds it (Crockford normalisation)"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait l 10 >/dev/null

# Many ids, with a restart in the middle: all distinct, all well-formed.
ids=()
for round in 1 2; do
    for _ in $(seq 100); do
        ids+=("$(jit_call CreateRequest 'a{sv}' 2 user s alice service s a06 | awk '{print $2}' | tr -d '"')")
    done
    [[ $round == 1 ]] && jit_restart >/dev/null
done
is "${#ids[@]}" 200 "200 requests created across a restart"
bad=$(printf '%s\n' "${ids[@]}" | grep -Evc "^$JIT_ID_RE\$")
is "$bad" 0 "every id is well-formed"
is "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" 200 "no id repeats"
is "$(jit_ctl bob show --json "$id" | jq -r .state)" denied \
    "after the restart, jitd still knows $id as denied (rebuilt from the journal), not as new"
