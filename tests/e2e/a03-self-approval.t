#!/bin/bash
# ATTACKS.md A03: the requester approves their own request — directly, as a member of the approver
# group, or through `sudo -u bob` (which pam_jit gates too) → refused; the request stays pending.
source "$(dirname "$0")/../lib.sh"

jit_have_real_sudo || skip_all "$(jit_why_no_real_sudo)"
plan 10

jit_bg s --as alice -- sudo -n true
id=$(jit_wait_request s)
like "$id" "^$JIT_ID_RE\$" "alice's sudo waits on $id"

out=$(jit_ctl alice approve "$id" 2>&1)
is "$?" 1 "alice's own jitctl approve exits 1"
like "$out" "Nobody may decide their own request" "with the self-approval error"
out=$(jit_call --as alice Approve 'sa{sv}' "$id" 0 2>&1)
like "$out" "Nobody may decide their own request" "the raw bus call is refused the same way"

# Even an approver may not approve their own request.
# (/etc/group is a bind mount: rewrite it in place, not by rename)
groups=$(sed 's/^\(jit-approvers:x:[0-9]*:.*\)$/\1,alice/' /etc/group) && printf '%s\n' "$groups" >/etc/group
ok "alice is now in jit-approvers" bash -c 'id -nG alice | grep -qw jit-approvers'
out=$(jit_ctl alice approve "$id" 2>&1)
like "$out" "Nobody may decide their own request" "as an approver, alice still cannot approve her own request"

# sudo -u bob to run jitctl as bob is itself a privileged action: it waits for its own approval.
jit_bg via --as alice -- sudo -n -u bob "$JIT_BUILD/jitctl" approve "$id"
id2=$(jit_wait_request via)
isnt "$id2" "$id" "alice's sudo -u bob jitctl approve is held as a new request ($id2)"
is "$(jit_ctl bob show --json "$id" | jq -r .state)" pending "meanwhile $id is still pending"
jit_ctl carol deny "$id2" --comment "nice try" >/dev/null
jit_bg_wait via 10
isnt "$?" 0 "carol denies it: the approval never ran"
is "$(jit_ctl bob show --json "$id" | jq -r .state)" pending "and $id is still pending"
