#!/bin/bash
# Issue 4, grants: an approval opens a time-boxed grant. Within it the same action is allowed at
# once, each use recorded (journald JIT_RECORD=grant-use naming the grant, and the journal file) and
# counted (`jitctl grants` uses). The approver's --for is clamped to MaxGrant=; without it the grant
# lasts DefaultGrant=. Revoke ends a grant mid-window, by an approver or by the grantee; nobody else
# may. Scope=service covers another command through the same service; Scope=command does not.
source "$(dirname "$0")/../lib.sh"

JOURNAL=$JIT_STATE/journal.jsonl

printf 'auth required pam_permit.so\naccount required @PAM_JIT@ timeout=30\n' | jit_pam_stack jit-svc
jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule capped]
Service=sudo
Command=whoami
Action=require
DefaultGrant=20m
MaxGrant=1h

[Rule any-sudo-command]
Service=sudo
Command=hostname
Action=require
Scope=service

[Rule svc]
Service=jit-svc
Action=require
Scope=service
EOF
jit_restart || bail_out "jitd does not start"

# grant ID: the grant opened by request ID, as bob's `jitctl grants --json` lists it (or nothing).
grant() { jit_ctl bob grants --json | jq -c --arg id "$1" '.[] | select(.id == $id)'; }
gfield() { grant "$1" | jq -r ".$2"; }
n_grants() { jit_ctl bob grants --json | jq length; }
journal_file_count() { jq -s "[.[] | select($1)] | length" "$JOURNAL"; }
# decided ID: when request ID was decided (µs).
decided() { jit_ctl bob show --json "$1" | jq -r .decided_usec; }
# within GOT WANT SLACK: |GOT - WANT| <= SLACK (integers).
within() { (($1 - $2 <= $3 && $2 - $1 <= $3)); }

# --- pamtester (also in sanitizer builds) -----------------------------------------------------------
jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
ok "bob approves pamtester's request $id for 10 minutes" jit_ctl bob approve "$id" --for 10m
jit_bg_wait p 10 >/dev/null
g=$(grant "$id")
is "$(jq -r '.user + " " + .service + " " + .scope + " " + .by' <<<"$g")" "alice jit-test command bob" \
    "jitctl grants: alice, jit-test, scope command, by bob"
is "$(jq -r .uses <<<"$g")" 0 "not used yet"
ok "until is 10 minutes after the approval" within "$(jq -r .until_usec <<<"$g")" "$(($(decided "$id") + 600000000))" 2000000
ok "the same pamtester again is allowed at once" jit_pamtester jit-test alice acct_mgmt
is "$(gfield "$id" uses)" 1 "uses: 1"
jit_bg pv --pamtester -- -v jit-test alice acct_mgmt
id2=$(jit_wait_request pv)
like "$id2" "^$JIT_ID_RE\$" "Scope=command: another command line (pamtester -v) is not covered: it waits ($id2)"
jit_ctl bob deny "$id2" >/dev/null
jit_bg_wait pv 10 >/dev/null
ok "bob revokes the grant mid-window" jit_ctl bob revoke "$id"
is "$(grant "$id")" "" "it is gone from jitctl grants"
jit_bg p2 --pamtester -- jit-test alice acct_mgmt
id2=$(jit_wait_request p2)
like "$id2" "^$JIT_ID_RE\$" "the next pamtester waits for a new approval ($id2)"
jit_ctl bob deny "$id2" >/dev/null
jit_bg_wait p2 10 >/dev/null

# Scope=service through pamtester: another command line through jit-svc is covered.
jit_bg s --pamtester -- jit-svc alice acct_mgmt
id=$(jit_wait_request s)
jit_ctl carol approve "$id" >/dev/null
jit_bg_wait s 10 >/dev/null
is "$(gfield "$id" scope)" service "Scope=service: the grant says so"
rc=0
out=$(jit_pamtester -v jit-svc alice acct_mgmt 2>&1) || rc=$?
is "$rc" 0 "another command line (pamtester -v) through jit-svc is allowed at once"
jit_bg o --pamtester -- jit-svc bob acct_mgmt
id2=$(jit_wait_request o)
like "$id2" "^$JIT_ID_RE\$" "but not for another user: bob's request waits ($id2)"
jit_ctl carol deny "$id2" >/dev/null
jit_bg_wait o 10 >/dev/null
ok "alice gives her grant back: the grantee may revoke it" jit_ctl alice revoke "$id"
is "$(grant "$id")" "" "gone"

# --- real sudo ----------------------------------------------------------------------------------------
if jit_have_real_sudo; then
    jit_bg a --as alice -- sudo -n id -un
    id=$(jit_wait_request a)
    jit_ctl bob approve "$id" --for 10m >/dev/null
    jit_bg_wait a 10
    is "$?" 0 "sudo -n id -un: bob approves $id for 10 minutes"

    for i in 1 2 3; do
        rc=0
        out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
        is "$rc:$out" "0:root" "use $i within the grant: allowed at once"
    done
    is "$(gfield "$id" uses)" 3 "jitctl grants counts 3 uses"
    ok "journald: three grant-use records name grant $id" \
        wait_for 15 bash -c "journalctl --sync; [[ \$(journalctl --no-pager -q -o json -t jitd JIT_RECORD=grant-use JIT_GRANT_ID=$id | wc -l) == 3 ]]"
    use=$(jit_journal_json -t jitd JIT_RECORD=grant-use JIT_GRANT_ID="$id" | head -n1)
    is "$(jq -r '.JIT_USER + " " + .JIT_COMMAND + " " + .JIT_STATE' <<<"$use")" "alice id -un approved" \
        "each for alice, with the command, approved"
    isnt "$(jq -r .JIT_REQUEST_ID <<<"$use")" "$id" "a use is a request of its own, not the grant's"
    is "$(journal_file_count ".type == \"grant-use\" and .fields.grant == \"$id\"")" 3 \
        "the journal file has the three grant-use records"
    rc=0
    out=$(jit_as alice sudo id -un 2>&1) || rc=$?
    is "$rc:$out" "0:root" "sudo without -n is the same command: allowed at once"
    is "$(gfield "$id" uses)" 4 "uses: 4"

    jit_bg u --as alice -- sudo -n -u bob id -un
    id2=$(jit_wait_request u)
    like "$id2" "^$JIT_ID_RE\$" "the same command for another target (-u bob) is not covered ($id2)"
    jit_ctl bob deny "$id2" >/dev/null
    jit_bg_wait u 10 >/dev/null

    # Nobody but approvers and the grantee may end it, or even see it.
    is "$(jit_ctl dave grants --json | jq length)" 0 "dave sees no grants"
    is "$(jit_ctl alice grants --json | jq -r '.[].id')" "$id" "alice sees her own"
    out=$(jit_ctl dave revoke "$id" 2>&1)
    isnt "$?" 0 "dave cannot revoke alice's grant"
    is "$(gfield "$id" id)" "$id" "it is still there"

    out=$(jit_ctl carol revoke "$id" --comment "maintenance is over" 2>&1)
    is "$?:$out" "0:Revoked grant $id." "carol (an approver) revokes it mid-window"
    is "$(n_grants)" 0 "no grant is left"
    ok "journald records the revoke, by carol, with her comment" \
        jit_journal_wait 15 -t jitd JIT_RECORD=revoke JIT_REQUEST_ID="$id" JIT_DECIDED_BY=carol JIT_COMMENT="maintenance is over"
    ok "so does the journal file" test "$(journal_file_count ".type == \"revoke\" and .fields.request_id == \"$id\" and .fields.by == \"carol\"")" -eq 1
    jit_bg a2 --as alice -- sudo -n id -un
    id2=$(jit_wait_request a2)
    like "$id2" "^$JIT_ID_RE\$" "the next sudo needs a new approval ($id2)"
    ok "bob approves it" jit_ctl bob approve "$id2"
    jit_bg_wait a2 10 >/dev/null
    ok "alice gives it back (the grantee revokes)" jit_ctl alice revoke "$id2" --comment "done early"
    is "$(n_grants)" 0 "no grant is left"
    jit_bg a3 --as alice -- sudo -n id -un
    id3=$(jit_wait_request a3)
    like "$id3" "^$JIT_ID_RE\$" "the next sudo needs a new approval again ($id3)"
    jit_ctl bob deny "$id3" >/dev/null
    jit_bg_wait a3 10
    isnt "$?" 0 "bob denies it: sudo fails"

    # --for is clamped to the rule's MaxGrant=1h; without --for the rule's DefaultGrant=20m.
    jit_bg w --as alice -- sudo -n whoami
    id=$(jit_wait_request w)
    out=$(jit_ctl bob approve "$id" --for 10h)
    jit_bg_wait w 10 >/dev/null
    ok "--for 10h under MaxGrant=1h: the grant lasts 1 hour" within "$(gfield "$id" until_usec)" "$(($(decided "$id") + 3600000000))" 2000000
    jit_ctl bob revoke "$id" >/dev/null
    jit_bg w2 --as alice -- sudo -n whoami
    id=$(jit_wait_request w2)
    jit_ctl bob approve "$id" >/dev/null
    jit_bg_wait w2 10 >/dev/null
    ok "no --for: DefaultGrant=20m" within "$(gfield "$id" until_usec)" "$(($(decided "$id") + 1200000000))" 2000000
    jit_ctl bob revoke "$id" >/dev/null
    jit_bg w3 --as alice -- sudo -n whoami
    id=$(jit_wait_request w3)
    jit_ctl bob approve "$id" --for 5m >/dev/null
    jit_bg_wait w3 10 >/dev/null
    ok "--for 5m shortens it" within "$(gfield "$id" until_usec)" "$(($(decided "$id") + 300000000))" 2000000
    jit_ctl bob revoke "$id" >/dev/null

    # Scope=service: approving `sudo hostname` covers another command through sudo.
    jit_bg h --as alice -- sudo -n hostname
    id=$(jit_wait_request h)
    jit_ctl bob approve "$id" >/dev/null
    jit_bg_wait h 10
    is "$?" 0 "sudo -n hostname approved under Scope=service ($id)"
    is "$(gfield "$id" scope)" service "the grant's scope is service"
    rc=0
    out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
    is "$rc:$out" "0:root" "it covers another command (sudo -n id -un) at once"
    rc=0
    out=$(jit_as alice sudo -n whoami 2>&1) || rc=$?
    is "$rc:$out" "0:root" "and a command of another require rule (whoami)"
    is "$(gfield "$id" uses)" 2 "two uses"
    ok "alice revokes it" jit_ctl alice revoke "$id"
else
    skip "$(jit_why_no_real_sudo)" 35
fi

done_testing
