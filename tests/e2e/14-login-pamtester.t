#!/bin/bash
# The same flow for the `login` service through pamtester (as login or sshd would run the stack,
# as root). Runs on the sanitizer build too: pamtester preloads the runtime.
source "$(dirname "$0")/../lib.sh"

plan 9

jit_bg l --pamtester -- login alice acct_mgmt
id=$(jit_wait_request l)
like "$id" "^$JIT_ID_RE\$" "pamtester login waits on request $id"
json=$(jit_ctl bob show --json "$id")
is "$(jq -r .user <<<"$json")" alice "requester alice (login runs as root: PAM_USER is the requester)"
is "$(jq -r .service <<<"$json")" login "service login"
ok "bob approves" jit_ctl bob approve "$id"
jit_bg_wait l 10
is "$?" 0 "pamtester acct_mgmt succeeds"
ok "pamtester reports success" jit_bg_has l 'account management done'
ok "the approval opened a grant; bob revokes it" jit_call --as bob Revoke ss "$id" ""

jit_bg l2 --pamtester -- login alice acct_mgmt
id=$(jit_wait_request l2)
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait l2 10
isnt "$?" 0 "a denial fails acct_mgmt"
ok "with the denial shown" jit_bg_has l2 "request $id was denied by bob"
