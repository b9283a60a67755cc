#!/bin/bash
# The distribution's login(1) on a terminal, with pam_jit in its account phase (the sandbox's
# /etc/pam.d/login): alice types her password, login waits for an approval, and her session starts
# only after bob approves; a denial, the module's timeout= or a terminal that goes away end the
# login without a session. login's own LOGIN_TIMEOUT does not bound the wait: timeout= does.
#
# login is started by root here (as getty or a console would), not setuid, so a sanitizer build
# preloads the runtime into it (jit_preload_prefix) and runs this test too.
source "$(dirname "$0")/../lib.sh"

command -v login >/dev/null || skip_all "login(1) is not installed (Debian package login)"
plan 29

jit_preload_prefix PRE

# alice's login shell says who it runs as and exits: the session started, and ran as alice.
printf 'printf "session:%%s\\n" "$(id -un)"\nexit 0\n' >"$(getent passwd alice | cut -d: -f6)/.bash_profile"

# state ID: the request's state as jitd reports it. state_is ID STATE: true once it is STATE.
state() { jit_ctl bob show --json "$1" | jq -r .state; }
state_is() { [[ $(state "$1") == "$2" ]]; }

# start_login NAME: `login alice` on a fresh terminal; wait for the password prompt, type it.
start_login() {
    jit_bg "$1" --pty --keys -- "${PRE[@]}" login alice
    wait_for_output "$1" 'Password:' 10 && jit_bg_send "$1" "$JIT_PASSWORD\n"
}

# --- approved: the session starts, as alice ---------------------------------------------------
start_login ok
id=$(jit_wait_request ok)
like "$id" "^$JIT_ID_RE\$" "after alice's password, login waits on request $id"
ok "the module shows alice the approve command" jit_bg_has ok "approve with: jitctl approve $id"
json=$(jit_ctl bob show --json "$id")
is "$(jq -r .user <<<"$json")" alice "the requester is alice"
is "$(jq -r .service <<<"$json")" login "the service is login"
like "$(jq -r .tty <<<"$json")" '^(/dev/)?pts/[0-9]+$' "the request names alice's terminal"
ok "no session before the approval: login still waits" jit_bg_running ok
nok "and alice's shell has not run" jit_bg_has ok 'session:'
ok "bob approves" jit_ctl bob approve "$id"
rc=0
jit_bg_wait ok 20 || rc=$?
is "$rc" 0 "login returns 0 once alice's session ends (status $rc)"
ok "the module told alice who approved" jit_bg_has ok "pam_jit: approved by bob"
ok "alice's login shell ran, as alice" jit_bg_has ok $'^session:alice\r?$'
ok "login's journal entry names the approver" \
    jit_journal_wait 15 -t login --grep "request $id: login for alice approved by bob"
ok "the approval opened a grant; bob revokes it, so the next login asks anew" jit_ctl bob revoke "$id"

# --- denied: login ends with the module's message, no session ---------------------------------
start_login deny
id=$(jit_wait_request deny)
ok "carol denies $id" jit_ctl carol deny "$id" --comment "not during the freeze"
rc=0
jit_bg_wait deny 20 || rc=$?
is "$rc" 1 "login fails (status $rc)"
ok "showing the module's message with carol's comment" \
    jit_bg_has deny "pam_jit: request $id was denied by carol: not during the freeze"
nok "no session started" jit_bg_has deny 'session:'

# --- timeout=: nobody answers, login ends at the module's deadline ----------------------------
ok "login's pam_jit line gets timeout=2" jit_pam_options login timeout=2
start_login late
id=$(jit_wait_request late)
rc=0
jit_bg_wait late 20 || rc=$?
is "$rc" 1 "nobody answers: login fails (status $rc)"
ok "saying the request expired" jit_bg_has late "pam_jit: request $id expired without an answer; access denied"
nok "no session started" jit_bg_has late 'session:'
is "$(state "$id")" expired "jitd recorded $id as expired"

# --- login's LOGIN_TIMEOUT does not end the wait; the terminal going away does -----------------
# login arms LOGIN_TIMEOUT for the password prompt only (measured with Debian 12's login 4.13):
# the account phase runs after it is disarmed, so timeout= alone bounds the wait.
ok "login's pam_jit line gets timeout=30" jit_pam_options login timeout=30
sed -i 's/^LOGIN_TIMEOUT.*/LOGIN_TIMEOUT 3/' /etc/login.defs # the sandbox's copy-on-write /etc
ok "LOGIN_TIMEOUT is 3 s in the sandbox's login.defs" grep -q '^LOGIN_TIMEOUT 3$' /etc/login.defs
start_login grace
id=$(jit_wait_request grace)
nok "6 s later, past LOGIN_TIMEOUT, login still waits on $id" wait_for 6 eval '! jit_bg_running grace'
nok "without 'Login timed out'" jit_bg_has grace 'timed out'
disown "$(jit_bg_pid grace)" # no "Killed" job report
ok "alice's terminal goes away (its master side closes)" kill -KILL "$(jit_bg_pid grace)"
ok "jitd cancels $id: login's module was hung up on" wait_for 10 state_is "$id" cancelled
nok "and $id can no longer be approved" jit_ctl bob approve "$id"
