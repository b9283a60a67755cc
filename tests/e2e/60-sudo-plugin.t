#!/bin/bash
# The sudo approval plugin (sudo_jit.so) end to end, with the real setuid sudo and a sudo.conf that
# loads it (jit_use_sudo_plugin; pam_jit is then out of sudo's PAM stacks): alice's sudo waits and
# shows the request id; bob approves, denies, or nobody answers; Ctrl-C and SIGINT cancel the request
# in jitd; the approval opens a grant for that exact command only; sudo -l, -v and -k ask nothing;
# with jitd down sudo is refused at once and the command does not run.
source "$(dirname "$0")/../lib.sh"

jit_have_sudo_plugin || skip_all "$(jit_why_no_sudo_plugin)"
plan 48

jit_use_sudo_plugin timeout=20 || bail_out "jit_use_sudo_plugin failed"

state() { jit_ctl bob show --json "$1" | jq -r .state; }
state_is() { [[ $(state "$1") == "$2" ]]; }
# requests: how many requests jitd knows, in any state.
requests() { jit_ctl bob list --all --json | jq length; }

# --- approve ------------------------------------------------------------------------------------
jit_bg s --as alice -- sudo -n id -u
id=$(jit_wait_request s)
like "$id" "^$JIT_ID_RE\$" "sudo -n id -u waits on a request ($id)"
ok "the plugin names the request" jit_bg_has s "^sudo_jit: access to sudo needs approval .* request $id "
ok "and how to approve it" jit_bg_has s "^sudo_jit:   approve with: jitctl approve $id\$"
ok "sudo is still waiting" jit_bg_running s
ok "the PAM module asked nothing (not in sudo's stack any more)" eval "! jit_bg_has s pam_jit"

json=$(jit_ctl bob show --json "$id")
is "$(jq -r .user <<<"$json")" alice "show --json: the requester is alice"
is "$(jq -r .target <<<"$json")" root "show --json: the target is root (runas_user)"
# These two wait on jitd recording the plugin's fields (issue 7, jitd side).
is "$(jq -r .front <<<"$json")" sudo-plugin "show --json: front is sudo-plugin"
like "$(jq -r .command <<<"$json")" "^/usr/bin/id -u" "show --json: the command is the resolved path sudo runs"

ok "bob approves $id" jit_ctl bob approve "$id" --for 10m
jit_bg_wait s 10
is "$?" 0 "sudo exits 0"
is "$(cat "$(jit_bg_out s)")" 0 "id -u ran as root and printed 0"
ok "the plugin says who approved" jit_bg_has s "^sudo_jit: approved by bob until "
is "$(state "$id")" approved "jitd shows $id approved"

# --- grant reuse --------------------------------------------------------------------------------
# uses ID: how often the grant opened by request ID was used, as bob's jitctl grants --json says.
uses() { jit_ctl bob grants --json | jq -r --arg id "$1" '.[] | select(.id == $id) | .uses'; }
out=$(jit_as alice sudo -n id -u 2>&1)
is "$?" 0 "the same command again runs at once under the grant"
is "$out" 0 "and prints only 0: no request id, nothing to approve"
is "$(uses "$id")" 1 "jitd counts it as a use of grant $id"

jit_bg g --as alice -- sudo -n id -g
id2=$(jit_wait_request g)
isnt "$id2" "" "a different command (id -g) needs a new request ($id2)"
ok "bob denies $id2" jit_ctl bob deny "$id2" --comment "not this one"
jit_bg_wait g 10
is "$?" 1 "sudo id -g exits 1"
ok "the plugin says who denied it, and why" jit_bg_has g "^sudo_jit: request $id2 was denied by bob: not this one"
is "$(cat "$(jit_bg_out g)")" "" "id -g did not run"

# --- deny ---------------------------------------------------------------------------------------
jit_bg d --as alice -- sudo -n echo ran
id=$(jit_wait_request d)
ok "bob denies $id" jit_ctl bob deny "$id"
jit_bg_wait d 10
is "$?" 1 "a denied sudo exits 1"
ok "the plugin says it was denied" jit_bg_has d "^sudo_jit: request $id was denied by bob"
ok "the command did not run" eval "! grep -q ran $(jit_bg_out d)"
is "$(state "$id")" denied "jitd shows $id denied"

# --- timeout ------------------------------------------------------------------------------------
jit_use_sudo_plugin timeout=2 || bail_out "jit_use_sudo_plugin timeout=2 failed"
jit_bg t --as alice -- sudo -n echo ran
id=$(jit_wait_request t)
ok "timeout=2 from sudo.conf: the request shows a 2 s wait" jit_bg_has t "request $id \(waiting up to 2s\)"
jit_bg_wait t 15
is "$?" 1 "nobody answers: sudo exits 1"
ok "the plugin says the request got no answer" jit_bg_has t "^sudo_jit: request $id (expired without an answer|got no answer within 2s)"
ok "the command did not run" eval "! grep -q ran $(jit_bg_out t)"
jit_use_sudo_plugin timeout=20 || bail_out "jit_use_sudo_plugin timeout=20 failed"

# --- Ctrl-C on a terminal, and SIGINT with kill ---------------------------------------------------
jit_bg c --as alice --pty --keys -- sudo echo ran
id=$(jit_wait_request c)
ok "Ctrl-C typed while alice's sudo waits on $id" jit_bg_send c '\003'
jit_bg_wait c 20
isnt "$?" 0 "sudo fails"
ok "the plugin records that SIGINT cancelled it" jit_cancel_logged "$id" SIGINT
ok "$id is cancelled in jitd" wait_for 10 state_is "$id" cancelled

jit_bg k --as alice -- sudo -n echo ran
id=$(jit_wait_request k)
ok "SIGINT sent to alice's waiting sudo ($id)" jit_bg_kill k INT
jit_bg_wait k 20
isnt "$?" 0 "sudo fails"
ok "$id is cancelled in jitd" wait_for 10 state_is "$id" cancelled
ok "the command did not run" eval "! grep -q ran $(jit_bg_out k)"

# --- sudo -l, -v, -k ask for nothing --------------------------------------------------------------
before=$(requests)
ok "sudo -l lists alice's rights" jit_as alice sudo -n -l
ok "sudo -v validates" jit_as alice sudo -n -v
ok "sudo -k drops the timestamp" jit_as alice sudo -k
is "$(requests)" "$before" "sudo -l, -v and -k created no request"

# --- a bad option in sudo.conf: sudo refuses to run anything --------------------------------------
jit_use_sudo_plugin timeout=20 bogus=1 || bail_out "jit_use_sudo_plugin failed"
out=$(jit_as alice sudo -n echo ran 2>&1)
is "$?" 1 "an unknown plugin option: sudo exits 1"
like "$out" "sudo_jit: misconfigured \(see the system log\); access denied" "the plugin says it is misconfigured"
jit_use_sudo_plugin timeout=20 || bail_out "jit_use_sudo_plugin failed"

# --- jitd down: refused at once -------------------------------------------------------------------
jit_stop TERM || true
out=$(jit_as alice timeout 10 sudo -n echo ran 2>&1)
is "$?" 1 "with jitd down, sudo exits 1 (at once: not the 10 s timeout's 124)"
like "$out" "sudo_jit: cannot reach jitd \(jitd is not running\); access denied" "the plugin says jitd is not running"
unlike "$out" "(^|$'\n')ran" "the command did not run"
