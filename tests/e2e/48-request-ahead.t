#!/bin/bash
# Issue 4, ahead-of-time requests: `jitctl request [--for D] [--reason T] [-- CMD...]`, run by the
# requester, unprivileged. Identity comes from the bus credentials only. The request waits for an
# approver like any other (nobody's sudo waits on it, so nothing cancels it); once approved it is a
# grant that the requester's later `sudo CMD...` uses at once. The requested length is a default the
# approver may shorten and MaxGrant= caps. A Reason=required rule refuses a plain `sudo -n` and tells
# the user about `jitctl request --reason`; a request with a reason, once approved, lets it through.
source "$(dirname "$0")/../lib.sh"

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule need-reason]
Service=sudo
Command=whoami
Reason=required
Action=require

[Rule capped]
Service=sudo
Command=hostname
Action=require
MaxGrant=1h
EOF
jit_restart || bail_out "jitd does not start"

field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }
grant() { jit_ctl bob grants --json | jq -c --arg id "$1" '.[] | select(.id == $id)'; }
within() { (($1 - $2 <= $3 && $2 - $1 <= $3)); }
n_pending() { jit_ctl bob list --json | jq length; }
# until_is ID SECONDS: the grant of ID lasts SECONDS from its approval (±2 s).
until_is() { within "$(grant "$1" | jq -r .until_usec)" "$(($(field "$1" decided_usec) + $2 * 1000000))" 2000000; }

# --- the request, the approval, the grant (jitd and jitctl: every build) ---------------------------------
out=$(jit_ctl alice request --for 30m -- id -un)
is "$?" 0 "alice: jitctl request --for 30m -- id -un"
id=$(jit_request_id <<<"$out")
like "$out" "^Request $id is pending until .*; an approver runs: jitctl approve $id\$" "jitctl says it is pending and how to approve it"
json=$(jit_ctl bob show --json "$id")
is "$(jq -r '.state + " " + .user + " " + (.uid | tostring) + " " + .service' <<<"$json")" "pending alice $(jit_uid alice) sudo" \
    "bob sees it: pending, for alice (uid from the bus), service sudo"
is "$(jq -r '.command + " " + .command_kind' <<<"$json")" "id -un bare" "the command as sudo will run it, a bare name"
like "$(jit_ctl bob list)" "$id +pending +alice +sudo" "it is in bob's jitctl list"
like "$(jit_ctl alice approve "$id" 2>&1)" "own request" "alice cannot approve it herself"
out=$(jit_ctl bob approve "$id" 2>&1)
like "$out" "^Approved $id until " "bob approves it, without --for"
ok "the grant lasts the 30 minutes alice asked for" until_is "$id" 1800
is "$(grant "$id" | jq -r '.user + " " + .service + " " + .scope + " " + (.uses | tostring)')" "alice sudo command 0" \
    "jitctl grants: alice's, sudo, scope command, unused"
is "$(jit_ctl alice grants --json | jq -r '.[].id')" "$id" "alice sees it in her own jitctl grants"

# The approver's --for shortens; MaxGrant= caps what was asked.
out=$(jit_ctl alice request --for 2h -- uptime)
id2=$(jit_request_id <<<"$out")
jit_ctl bob approve "$id2" --for 10m >/dev/null
ok "asked for 2h, approved --for 10m: 10 minutes" until_is "$id2" 600
jit_ctl bob revoke "$id2" >/dev/null
out=$(jit_ctl alice request --for 5h -- hostname)
id2=$(jit_request_id <<<"$out")
jit_ctl bob approve "$id2" >/dev/null
ok "asked for 5h under MaxGrant=1h: 1 hour" until_is "$id2" 3600
jit_ctl bob revoke "$id2" >/dev/null

# Identity comes from the bus only.
out=$(jit_ctl dave request -- id -un)
id2=$(jit_request_id <<<"$out")
is "$(field "$id2" user)" dave "dave's jitctl request is dave's ($id2)"
jit_ctl dave cancel "$id2" >/dev/null
is "$(field "$id2" state)" cancelled "dave withdraws it (jitctl cancel)"
out=$(jit_call --as dave RequestAccess 'a{sv}' 1 user s alice 2>&1)
isnt "$?" 0 "RequestAccess with a user= option (asking for alice) is refused"
like "$out" "InvalidArgument|Unknown option" "...as an invalid argument"
is "$(jit_ctl bob list --all --json | jq '[.[] | select(.user == "alice" and .state == "pending")] | length')" 0 \
    "nothing pending for alice came of it"

# --- Reason=required -------------------------------------------------------------------------------
out=$(jit_ctl alice request -- whoami 2>&1)
isnt "$?" 0 "jitctl request -- whoami without --reason (rule need-reason) is refused"
like "$out" "needs a reason" "...saying a reason is needed"
out=$(jit_ctl alice request --reason "" -- whoami 2>&1)
isnt "$?" 0 "...and with an empty --reason"
out=$(jit_ctl alice request --reason "rotate the logs, ticket 7" -- whoami)
rid=$(jit_request_id <<<"$out")
like "$rid" "^$JIT_ID_RE\$" "with --reason it is made ($rid)"
is "$(field "$rid" reason)" "rotate the logs, ticket 7" "jitctl show has the reason"
ok "journald has it as JIT_REASON" jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$rid" JIT_RECORD=request JIT_REASON="rotate the logs, ticket 7"

# --- real sudo uses the grants ---------------------------------------------------------------------------
if jit_have_real_sudo; then
    rc=0
    out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
    is "$rc:$out" "0:root" "alice's sudo -n id -un runs at once: the grant from $id"
    is "$(grant "$id" | jq -r .uses)" 1 "uses: 1"
    ok "journald: the use names the grant" jit_journal_wait 15 -t jitd JIT_RECORD=grant-use JIT_GRANT_ID="$id"
    jit_bg o --as alice -- sudo -n id -u
    id2=$(jit_wait_request o)
    like "$id2" "^$JIT_ID_RE\$" "another command (id -u) is not covered: it waits ($id2)"
    jit_ctl bob deny "$id2" >/dev/null
    jit_bg_wait o 10 >/dev/null

    n0=$(n_pending)
    rc=0
    out=$(jit_as alice sudo -n whoami 2>&1) || rc=$?
    isnt "$rc" 0 "plain sudo -n whoami under Reason=required, before any approval: refused"
    like "$out" "jitctl request --reason" "...telling alice about jitctl request --reason"
    is "$(n_pending)" "$n0" "...and no request is left waiting"
    ok "bob approves the request with the reason ($rid)" jit_ctl bob approve "$rid"
    rc=0
    out=$(jit_as alice sudo -n whoami 2>&1) || rc=$?
    is "$rc:$out" "0:root" "now sudo -n whoami runs at once, no question asked"
    is "$(grant "$rid" | jq -r .uses)" 1 "the grant from $rid was used"
else
    skip "$(jit_why_no_real_sudo)" 10
fi

# --- a request without a command: any command through the service (docs/dbus-api.md) ----------------------
out=$(jit_ctl alice request --for 10m)
aid=$(jit_request_id <<<"$out")
like "$aid" "^$JIT_ID_RE\$" "alice: jitctl request --for 10m, no command ($aid)"
jit_ctl bob approve "$aid" >/dev/null
is "$(grant "$aid" | jq -r .scope)" service "approved, its grant covers any command through sudo (scope service)"
if jit_have_real_sudo; then
    shows_id_or_ended() { jit_bg_has "$1" "\\b$JIT_ID_RE\\b" || ! jit_bg_running "$1"; }
    jit_bg any --as alice -- sudo -n id -g
    wait_for 10 shows_id_or_ended any
    id2=$(jit_bg_output any | jit_request_id)
    [[ -z $id2 ]] || jit_ctl bob deny "$id2" >/dev/null
    rc=0
    jit_bg_wait any 10 || rc=$?
    is "$rc:$(cat "$(jit_bg_out any)")${id2:+ (it waited on $id2)}" "0:0" "alice's sudo -n id -g (a command nobody named) runs at once under it"
else
    skip "$(jit_why_no_real_sudo)" 1
fi

done_testing
