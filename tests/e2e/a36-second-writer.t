#!/bin/bash
# ATTACKS.md A36: two writers. A second jitd on the same journal refuses to start (the journal's
# lock), and the first one keeps working.
source "$(dirname "$0")/../lib.sh"

plan 5

pid=$(jit_jitd_pid)
out=$(timeout 10 "$JIT_BUILD/jitd" --config "$JIT_CONF" 2>&1)
rc=$?
isnt "$rc" 0 "a second jitd exits with an error (status $rc)"
like "$out" "another jitd holds /var/lib/jit/journal" "saying another jitd holds the journal"
is "$(jit_jitd_pid)" "$pid" "the first jitd still runs"
ok "and still owns the name" jit_name_owned
jit_bg l --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request l)
jit_ctl bob deny "$id" >/dev/null
ok "and still records: verify passes" jitctl verify
