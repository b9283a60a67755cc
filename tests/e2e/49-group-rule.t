#!/bin/bash
# A rule that matches on the requester's group (Group=): jitd looks the groups up through NSS, so a
# supplementary group counts, and a user outside the group falls through to the next rule. jitd
# remembers groups for at most 5 s (jitd.conf(5)): a change of membership takes effect within that
# bound, without a reload.
source "$(dirname "$0")/../lib.sh"

plan 10

# alice joins a supplementary group "contractors" (the files are bind mounts: rewrite in place).
g=$(cat /etc/group) && printf '%s\ncontractors:x:2200:alice\n' "$g" >/etc/group
gs=$(cat /etc/gshadow) && printf '%s\ncontractors:!::alice\n' "$gs" >/etc/gshadow
ok "alice is in contractors" bash -c 'id -nG alice | grep -qw contractors'

jit_config <<CONF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
[Rule contractors-no]
Group=contractors
Action=deny
CONF
ok "jitd restarts with a Group= rule" jit_restart

jit_bg a --pamtester -- jit-test alice acct_mgmt
jit_bg_wait a 10
isnt "$?" 0 "alice (in contractors) is denied at once"
ok "by the rule" jit_bg_has a "denied by rule contractors-no"

jit_bg d --pamtester -- jit-test dave acct_mgmt
id=$(jit_wait_request d)
like "$id" "^$JIT_ID_RE\$" "dave (not in contractors) falls through to the default: waits for approval ($id)"
ok "bob denies it" jit_ctl bob deny "$id"
jit_bg_wait d 10
isnt "$?" 0 "and dave is denied"

# A request through CreateRequest, as the module sends it: its state.
alice_state() { jit_call CreateRequest 'a{sv}' 2 user s alice service s jit-test | awk '{ print $3 }' | tr -d '"'; }
alice_not_denied() { [[ $(alice_state) != denied ]]; }
alice_denied() { [[ $(alice_state) == denied ]]; }

is "$(alice_state)" denied "alice is denied while jitd holds her groups"
# alice leaves contractors; the files change under jitd, which is not told.
printf '%s\n' "$g" >/etc/group && printf '%s\n' "$gs" >/etc/gshadow
ok "alice leaving contractors takes effect within the 5 s bound (polled for at most 10 s)" \
    wait_for 10 alice_not_denied
g2=$(cat /etc/group) && printf '%s\ncontractors:x:2200:alice\n' "$g2" >/etc/group
ok "and joining it again too" wait_for 10 alice_denied
