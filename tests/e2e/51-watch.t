#!/bin/bash
# jitctl watch: approvers (and anyone) see requests and decisions as they happen; a break-glass
# self-approval shows the requester as the one who decided.
source "$(dirname "$0")/../lib.sh"

plan 5

jit_config <<CONF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
[Rule glass]
Service=jit-test
BreakGlass=yes
Action=require
CONF
ok "jitd restarts with a break-glass rule" jit_restart
jit_bg w --as carol -- "$JIT_BUILD/jitctl" watch
ok "carol's watch is listening" wait_for_output w "Watching" 10

# Break-glass rules require a reason: pamtester reads it from stdin.
echo "prod database down" >"$JIT_TMP/reason"
jit_bg p --stdin "$JIT_TMP/reason" --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
ok "the watch shows the new request ($id)" wait_for_output w "created  $id  alice wants jit-test" 10
ok "alice approves her own request under break-glass" jit_ctl alice approve "$id" --comment "prod down, paging nobody answered"
ok "the watch shows it decided by alice herself" wait_for_output w "decided  $id  approved by alice until" 10
jit_bg_wait p 10 >/dev/null
