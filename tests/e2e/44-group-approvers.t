#!/bin/bash
# Issue 4, Approvers=@group: a rule's approver list names a group. Its members approve; the daemon's
# ApproverGroup no longer does (the list replaces the default, it does not add to it); membership is
# looked up at each call, so a member added later counts; the requester never approves their own
# request even as a member; users and groups mix in one list. Requests no rule matches still go to
# ApproverGroup only.
source "$(dirname "$0")/../lib.sh"

# set_dba MEMBERS: the sandbox's own group dba (gid 2200) with these members (comma-separated).
# /etc/group is a bind mount: rewritten in place, never renamed over.
set_dba() {
    local f tmp
    for f in /etc/group /etc/gshadow; do
        tmp=$(grep -v '^dba:' "$f")
        if [[ $f == /etc/group ]]; then tmp+=$'\n'"dba:x:2200:$1"; else tmp+=$'\n'"dba:!::$1"; fi
        printf '%s\n' "$tmp" >"$f"
    done
}
set_dba dave # dave is in no other group

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule db]
Service=jit-test
Action=require
Approvers=@dba

[Rule sudo-db]
Service=sudo
Action=require
Approvers=@dba, bob
EOF
jit_restart || bail_out "jitd does not start with Approvers=@dba"

field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }
sees() { jit_ctl "$1" list --json | jq -e --arg id "$2" 'any(.[]; .id == $id)' >/dev/null; }

# --- pamtester (also in sanitizer builds) -----------------------------------------------------------
jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
like "$id" "^$JIT_ID_RE\$" "pamtester waits on $id (rule db, Approvers=@dba)"
ok "dave, a member of dba, sees it in jitctl list" sees dave "$id"
out=$(jit_ctl bob approve "$id" 2>&1)
isnt "$?" 0 "bob ($JIT_APPROVER_GROUP, not dba) cannot approve it: @dba replaces the default"
out=$(jit_ctl carol approve "$id" 2>&1)
isnt "$?" 0 "neither can carol"
is "$(field "$id" state)/$(field "$id" approvals)" "pending/0" "still pending, no approval counted"
ok "pamtester still waits" jit_bg_running p
ok "dave approves" jit_ctl dave approve "$id" --for 10m
rc=0
jit_bg_wait p 10 || rc=$?
is "$rc" 0 "pamtester is allowed"
is "$(field "$id" by)" dave "approved by dave"
ok "dave, who approved it, may revoke the grant it opened" jit_ctl dave revoke "$id" --comment "done"
jit_ctl bob revoke "$id" >/dev/null 2>&1 # (if dave could not: so that what follows asks anew)
is "$(jit_ctl bob grants --json | jq length)" 0 "no grant is left"

# Membership is looked up at each call: carol joins dba, and counts from then on.
set_dba dave,carol
jit_bg p2 --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p2)
ok "carol, added to dba, approves the next request ($id)" jit_ctl carol approve "$id"
rc=0
jit_bg_wait p2 10 || rc=$?
is "$rc" 0 "pamtester is allowed"
jit_ctl carol revoke "$id" >/dev/null

# The requester never approves their own request, even as a member of the group.
set_dba dave,carol,alice
jit_bg p3 --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p3)
out=$(jit_ctl alice approve "$id" 2>&1)
isnt "$?" 0 "alice, now in dba too, cannot approve her own request ($id)"
like "$out" "own request" "...refused as her own"
ok "pamtester still waits" jit_bg_running p3
jit_ctl dave deny "$id" >/dev/null
jit_bg_wait p3 10 >/dev/null

# A request no rule matches (the login stack): the default rule, ApproverGroup only.
jit_bg l --pamtester -- login alice acct_mgmt
id=$(jit_wait_request l)
is "$(field "$id" rule)" "(default)" "login matches no rule: the default rule ($id)"
ok "dave (dba, not $JIT_APPROVER_GROUP) does not even see it" eval '! sees dave "$id"'
nok "and cannot approve it" jit_ctl dave approve "$id"
ok "bob ($JIT_APPROVER_GROUP) approves it" jit_ctl bob approve "$id"
rc=0
jit_bg_wait l 10 || rc=$?
is "$rc" 0 "pamtester login is allowed"
jit_ctl bob revoke "$id" >/dev/null

# --- real sudo: Approvers=@dba, bob ----------------------------------------------------------------
if jit_have_real_sudo; then
    jit_bg s --as alice -- sudo -n id -un
    id=$(jit_wait_request s)
    like "$id" "^$JIT_ID_RE\$" "alice's sudo waits on $id (rule sudo-db: @dba, bob)"
    out=$(jit_ctl bob approve "$id" 2>&1)
    is "$?" 0 "bob, named as a user in Approvers=, approves"
    rc=0
    jit_bg_wait s 10 || rc=$?
    is "$rc" 0 "sudo exits 0"
    ok "as root" grep -qx root "$(jit_bg_out s)"
    jit_ctl bob revoke "$id" >/dev/null

    # Take carol out of dba again: now only dave (dba) and bob (named) may approve.
    set_dba dave
    jit_bg s2 --as alice -- sudo -n id -un
    id=$(jit_wait_request s2)
    nok "carol ($JIT_APPROVER_GROUP only) cannot approve a sudo-db request ($id)" jit_ctl carol approve "$id"
    ok "dave (dba) can" jit_ctl dave approve "$id"
    rc=0
    jit_bg_wait s2 10 || rc=$?
    is "$rc" 0 "sudo exits 0"
else
    skip "$(jit_why_no_real_sudo)" 7
fi

done_testing
