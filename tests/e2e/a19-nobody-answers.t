#!/bin/bash
# ATTACKS.md A19: nobody answers → denied at the module's own CLOCK_MONOTONIC deadline, even if
# jitd never says so; and the request expires in jitd too.
source "$(dirname "$0")/../lib.sh"

plan 9
# stopped PID: true once PID is in the stopped state (a SIGSTOP takes effect asynchronously).
stopped() { [[ $(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) == T ]]; }
took() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# jitd answers: it expires the request at the module's timeout (smaller than RequestTimeout=10m).
jit_pam_options jit-test timeout=2
t0=$EPOCHREALTIME
jit_bg e --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request e)
jit_bg_wait e 15
isnt "$?" 0 "nobody answers $id: denied"
t=$(took "$t0")
ok "after about 2 s ($t s)" awk -v t="$t" 'BEGIN { exit !(t >= 1.9 && t < 5) }'
is "$(jit_ctl bob show --json "$id" | jq -r .state)" expired "jitd expired it"

# jitd is frozen right after creating the request: only the module's own deadline can end the wait.
jit_bg f --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request f)
t0=$EPOCHREALTIME
kill -STOP "$(jit_jitd_pid)"
ok "jitd is frozen (SIGSTOP)" wait_for 15 stopped "$(jit_jitd_pid)"
jit_bg_wait f 20
isnt "$?" 0 "with jitd frozen, the module still gives up and denies"
t=$(took "$t0")
ok "at its own deadline, not sd-bus's 25 s default ($t s)" awk -v t="$t" 'BEGIN { exit !(t < 8) }'
ok "saying so" jit_bg_has f "no answer|did not answer"
kill -CONT "$(jit_jitd_pid)"
ok "jitd thaws; the request ends as expired or cancelled, never approved" \
    wait_for 15 bash -c "$JIT_BUILD/jitctl show --json $id | jq -e '.state == \"expired\" or .state == \"cancelled\"' >/dev/null"
nok "and it cannot be approved any more" jit_ctl bob approve "$id"
