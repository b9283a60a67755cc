#!/bin/bash
# The same flow through real su: alice types root's password on a terminal, pam_jit holds the
# account phase until bob approves; a denial stops su.
source "$(dirname "$0")/../lib.sh"

jit_have_real_sudo || skip_all "$(jit_why_no_real_sudo)"
plan 10

jit_bg su --as alice --pty --keys -- su -c 'id -un' root
ok "su asks for root's password" wait_for_output su 'Password:' 10
jit_bg_send su "$JIT_PASSWORD\n"
id=$(jit_wait_request su)
like "$id" "^$JIT_ID_RE\$" "after the password, su waits on request $id"
json=$(jit_ctl bob show --json "$id")
is "$(jq -r .user <<<"$json")" alice "the requester is alice (the person who ran su)"
is "$(jq -r .target <<<"$json")" root "the account asked for is root"
is "$(jq -r .service <<<"$json")" su "the service is su"
ok "bob approves" jit_ctl bob approve "$id"
jit_bg_wait su 10
is "$?" 0 "su exits 0"
ok "the command ran as root" jit_bg_has su $'^root\r?$'
ok "the approval opened a grant; bob revokes it, so the next su asks anew" jit_ctl bob revoke "$id"

jit_bg su2 --as alice --pty --keys -- su -c 'id -un' root
wait_for_output su2 'Password:' 10 && jit_bg_send su2 "$JIT_PASSWORD\n"
id=$(jit_wait_request su2)
jit_ctl carol deny "$id" >/dev/null
jit_bg_wait su2 10
isnt "$?" 0 "carol denies the next one: su fails"
