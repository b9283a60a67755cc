#!/bin/bash
# Nobody answers: jitd expires the request at its deadline (the smaller of RequestTimeout= and the
# module's timeout=), sudo is denied, and the request shows `expired` everywhere.
source "$(dirname "$0")/../lib.sh"

jit_have_real_sudo || skip_all "$(jit_why_no_real_sudo)"
plan 8

jit_pam_options sudo timeout=2
t0=$EPOCHREALTIME
jit_bg s --as alice -- sudo -n true
id=$(jit_wait_request s)
like "$id" "^$JIT_ID_RE\$" "sudo waits on request $id (timeout=2)"
jit_bg_wait s 15
is "$?" 1 "nobody answers: sudo is denied"
took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
ok "at the deadline, not before it ($took s)" awk -v t="$took" 'BEGIN { exit !(t >= 1.9 && t < 6) }'
ok "sudo says it expired" jit_bg_has s "request $id expired"
is "$(jit_ctl bob show --json "$id" | jq -r .state)" expired "jitctl show: expired"
like "$(jit_ctl bob list --all)" "$id +expired" "jitctl list --all: expired"
exp=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=expire)
is "$(jq -r .JIT_STATE <<<"$exp")" expired "journalctl has the expire record"
nok "an expired request cannot be approved" jit_ctl bob approve "$id"
