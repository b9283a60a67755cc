#!/bin/bash
# ATTACKS.md A25: sudo's timestamp cache outlives the grant → the next sudo after expiry needs a new
# approval. A grant ends on time (the approver's --for is clamped to MaxGrant=, here a few seconds):
# within it the same action passes at once; once its until time has passed it is gone from
# `jitctl grants` and the next attempt waits for a person — also for a user whose sudo password is
# still cached, so that sudo itself would not ask again.
source "$(dirname "$0")/../lib.sh"

GRANT=4 # seconds: MaxGrant= of the rules below

# dave needs his password for sudo, and sudo's timestamp is shared by all his terminals.
printf 'Defaults:dave timestamp_type=global, timestamp_timeout=15\ndave ALL=(ALL) ALL\n' >/etc/sudoers.d/dave
chmod 0440 /etc/sudoers.d/dave

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule short-pamtester]
Service=jit-test
Action=require
MaxGrant=${GRANT}s

[Rule short-sudo]
Service=sudo
User=dave
Action=require
MaxGrant=${GRANT}s
EOF
jit_restart || bail_out "jitd does not start"

grant() { jit_ctl bob grants --json | jq -c --arg id "$1" '.[] | select(.id == $id)'; }
grant_gone() { [[ -z $(grant "$1") ]]; }
decided() { jit_ctl bob show --json "$1" | jq -r .decided_usec; }
within() { (($1 - $2 <= $3 && $2 - $1 <= $3)); }
now_us() { echo "${EPOCHREALTIME/./}"; }

# --- pamtester (also in sanitizer builds) -----------------------------------------------------------
jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
jit_ctl bob approve "$id" --for 1h >/dev/null
rc=0
jit_bg_wait p 10 || rc=$?
is "$rc" 0 "bob approves $id --for 1h: pamtester is allowed"
until_usec=$(grant "$id" | jq -r .until_usec)
ok "the grant is clamped to MaxGrant=${GRANT}s" within "$until_usec" "$(($(decided "$id") + GRANT * 1000000))" 500000
rc=0
out=$(jit_pamtester jit-test alice acct_mgmt 2>&1) || rc=$?
is "$rc" 0 "within the grant the same pamtester is allowed at once"
ok "the grant ends on time: gone from jitctl grants within $((GRANT + 10)) s" wait_for $((GRANT + 10)) grant_gone "$id"
ok "...and not before its until time" test "$(now_us)" -ge "$until_usec"
jit_bg p2 --pamtester -- jit-test alice acct_mgmt
id2=$(jit_wait_request p2)
like "$id2" "^$JIT_ID_RE\$" "after expiry the same pamtester needs a new approval ($id2)"
isnt "$id2" "$id" "a new request"
ok "it waits" jit_bg_running p2
ok "bob denies it" jit_ctl bob deny "$id2"
rc=0
jit_bg_wait p2 10 || rc=$?
is "$rc" 1 "pamtester is denied"
is "$(jit_journal_json -t jitd JIT_RECORD=grant-use JIT_GRANT_ID="$id" | jq -s length)" 1 \
    "journald: exactly one use of the grant (the one within it)"

# --- real sudo, with sudo's own credential cache -----------------------------------------------------
if jit_have_real_sudo; then
    printf '%s\n' "$JIT_PASSWORD" >"$JIT_TMP/pw"
    chmod 0644 "$JIT_TMP/pw"
    jit_bg s1 --as dave --stdin "$JIT_TMP/pw" -- sudo -S -p 'password for dave: ' id -un
    id=$(jit_wait_request s1)
    like "$id" "^$JIT_ID_RE\$" "dave types his password; sudo then waits on $id"
    ok "sudo asked dave for his password" jit_bg_has s1 'password for dave:'
    jit_ctl bob approve "$id" --for 1h >/dev/null
    rc=0
    jit_bg_wait s1 10 || rc=$?
    is "$rc" 0 "bob approves: sudo runs"
    until_usec=$(grant "$id" | jq -r .until_usec)
    ok "the grant is clamped to ${GRANT}s" within "$until_usec" "$(($(decided "$id") + GRANT * 1000000))" 500000
    ok "sudo has a timestamp for dave now" test -e /run/sudo/ts/dave

    rc=0
    out=$(jit_as dave sudo -n id -un 2>&1) || rc=$?
    is "$rc:$out" "0:root" "within the grant: sudo -n id -un runs at once, no password (sudo's cache), no approval (the grant)"

    ok "the grant ends on time" wait_for $((GRANT + 10)) grant_gone "$id"
    ok "...not before its until time" test "$(now_us)" -ge "$until_usec"
    # -n: sudo would refuse at once if its cache had expired; reaching pam_jit proves it has not.
    jit_bg s3 --as dave -- sudo -n id -un
    id3=$(jit_wait_request s3)
    like "$id3" "^$JIT_ID_RE\$" "after expiry, with sudo's cache still valid, sudo -n waits for a new approval ($id3)"
    ok "sudo did not ask for a password" eval '! jit_bg_has s3 "password"'
    ok "and is still waiting" jit_bg_running s3
    jit_ctl bob deny "$id3" --comment "expired means expired" >/dev/null
    rc=0
    jit_bg_wait s3 10 || rc=$?
    isnt "$rc" 0 "bob denies it: sudo fails (status $rc)"
    ok "the command did not run" eval '! grep -qx root "$(jit_bg_out s3)"'
    ok "sudo showed the denial" jit_bg_has s3 "request $id3 was denied by bob"
else
    skip "$(jit_why_no_real_sudo)" 14
fi

done_testing
