#!/bin/bash
# bob denies: alice's sudo fails and prints the denial with bob's comment; journalctl has it,
# at a higher priority than approvals.
source "$(dirname "$0")/../lib.sh"

jit_have_real_sudo || skip_all "$(jit_why_no_real_sudo)"
plan 8

jit_bg s --as alice -- sudo -n touch /root/should-not-exist
id=$(jit_wait_request s)
like "$id" "^$JIT_ID_RE\$" "sudo waits on request $id"
ok "bob denies it with a comment" jit_ctl bob deny "$id" --comment "not during the freeze"
jit_bg_wait s 10
is "$?" 1 "sudo exits 1"
nok "the command did not run" test -e /root/should-not-exist
ok "sudo printed the denial, by bob, with the comment" jit_bg_has s "denied by bob.*not during the freeze"
is "$(jit_ctl bob show --json "$id" | jq -r .state)" denied "jitd shows it denied"
deny=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=deny)
is "$(jq -r .JIT_APPROVER <<<"$deny")" bob "journalctl: the denial names bob"
ok "journalctl: the denial is logged at warning priority or higher" test "$(jq -r .PRIORITY <<<"$deny")" -le 4
