#!/bin/bash
# The walking skeleton: alice's real sudo waits; bob approves with jitctl; sudo runs the command;
# journalctl (real, in the sandbox) shows the request and the approval with their JIT_* fields.
source "$(dirname "$0")/../lib.sh"

jit_have_real_sudo || skip_all "$(jit_why_no_real_sudo)"
plan 21

jit_bg s --as alice -- sudo -n id -un
id=$(jit_wait_request s)
like "$id" "^$JIT_ID_RE\$" "sudo shows a request id ($id)"
ok "sudo tells how to approve it" jit_bg_has s "approve with: jitctl approve $id\$"
ok "and names the service" jit_bg_has s "access to sudo needs approval"
ok "sudo is still waiting" jit_bg_running s

list=$(jit_ctl bob list)
like "$list" "$id +pending +alice +sudo" "bob's jitctl list shows it pending, for alice and sudo"
like "$list" " id -un" "with the command sudo will run (id -un, without sudo's options)"
json=$(jit_ctl bob show --json "$id")
is "$(jq -r .user <<<"$json")" alice "show --json: the requester is alice"
is "$(jq -r .uid <<<"$json")" "$(jit_uid alice)" "show --json: with alice's uid"

out=$(jit_ctl bob approve "$id" --for 10m --comment "looks fine" 2>&1)
is "$?" 0 "bob approves it for 10 minutes"
like "$out" "Approved $id until" "jitctl says until when"

jit_bg_wait s 10
is "$?" 0 "sudo exits 0"
ok "the command ran as root" grep -qx root "$(jit_bg_out s)"
ok "sudo showed who approved and until when" jit_bg_has s "pam_jit: approved by bob until [0-9]{2}:[0-9]{2}:[0-9]{2} UTC"

is "$(jit_ctl bob show --json "$id" | jq -r .state)" approved "jitd shows the request approved"

req=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=request)
is "$(jq -r .JIT_USER <<<"$req")" alice "journalctl: the request record names alice"
is "$(jq -r .JIT_SERVICE <<<"$req")" sudo "journalctl: ...the service"
is "$(jq -r .JIT_COMMAND <<<"$req")" "id -un" "journalctl: ...the command sudo will run"
is "$(jq -r .MESSAGE_ID <<<"$req")" 5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a01 "journalctl: ...with the request MESSAGE_ID"
app=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve)
is "$(jq -r .JIT_APPROVER <<<"$app")" bob "journalctl: the approval names bob"
is "$(jq -r .JIT_STATE <<<"$app")" approved "journalctl: ...state approved"
is "$(jq -r .JIT_COMMENT <<<"$app")" "looks fine" "journalctl: ...and bob's comment"
