#!/bin/bash
# A38 on the plugin path: with sudo_jit.so, jitd gets the command sudo resolved after its policy
# accepted it. argv[0] chosen by the invoker (`exec -a NAME sudo ...`, non-ASCII spaces, empty,
# sudoedit) never selects a rule or a grant, and the approver sees the exact program that runs.
source "$(dirname "$0")/../lib.sh"

jit_have_sudo_plugin || skip_all "$(jit_why_no_sudo_plugin)"
plan 26

NBSP=$'\u00a0'

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m

[Rule no-shells]
Service=sudo
Command=bash
Command=bash *
Action=deny

[Rule uptime]
Service=sudo
Command=uptime
Action=approve
EOF
jit_restart || bail_out "jitd does not start"
jit_use_sudo_plugin timeout=30 || bail_out "jit_use_sudo_plugin failed"

show_field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }

# --- exec -a uptime sudo -n id -u ---------------------------------------------------------------
jit_bg a --as alice -- bash -c 'exec -a uptime sudo -n id -u'
id=$(jit_wait_request a)
like "$id" "^$JIT_ID_RE\$" "exec -a uptime sudo -n id -u waits for a person ($id): the uptime rule does not apply"
is "$(show_field "$id" command)" "/usr/bin/id -u" "the approver sees the exact program: /usr/bin/id -u"
is "$(show_field "$id" command_kind) $(show_field "$id" front)" "exact sudo-plugin" "marked exact, from the plugin"
ok "journald says so: JIT_COMMAND_EXACT=1" \
    jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=request JIT_COMMAND="/usr/bin/id -u" JIT_COMMAND_EXACT=1
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait a 10
is "$?" 1 "denied: sudo exits 1"
unlike "$(jit_bg_output a)" '^0$' "and id did not run"

# --- a deny rule cannot be slipped past with a harmless argv[0] ----------------------------------
jit_bg d --as alice -- bash -c 'exec -a uptime sudo -n bash -c id'
jit_bg_wait d 10
is "$?" 1 "exec -a uptime sudo -n bash -c id is denied at once by rule no-shells"
ok "the denial names the rule" jit_bg_has d "denied by rule no-shells"
unlike "$(jit_bg_output d)" "$JIT_ID_RE" "nobody was asked"

# --- sudo<NBSP>tail<NBSP>-n<NBSP>50 as argv[0] ----------------------------------------------------
home=$(getent passwd alice | cut -d: -f6)
jit_as alice bash -c "printf '#!/bin/sh\necho SCRIPT-RAN\n' >'$home/error.log' && chmod 0755 '$home/error.log'"
jit_bg t --as alice -- bash -c "cd '$home' && exec -a 'sudo${NBSP}tail${NBSP}-n${NBSP}50' sudo -n ./error.log"
id=$(jit_wait_request t)
like "$id" "^$JIT_ID_RE\$" "the forged 'sudo tail -n 50' request waits ($id)"
is "$(show_field "$id" command)" "$home/error.log" "the approver sees the script sudo resolved"
unlike "$(jit_ctl bob list)" "tail" "jitctl list shows no 'tail' anywhere"
unlike "$(jit_journal -t jitd JIT_REQUEST_ID="$id" -o json | jq -r .JIT_COMMAND)" "tail" "nor journald"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait t 10
nok "denied: the script did not run" jit_bg_has t SCRIPT-RAN

# --- an empty argv[0] ---------------------------------------------------------------------------
jit_bg e --as alice -- bash -c 'exec -a "" sudo -n -u root id -u'
id=$(jit_wait_request e)
is "$(show_field "$id" command)" "/usr/bin/id -u" "an empty argv[0]: the exact command all the same"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait e 10

# --- sudoedit: sudo edits files; that is what is shown ------------------------------------------
jit_bg s --as alice -- bash -c 'exec -a sudoedit sudo -n /etc/hostname'
id=$(jit_wait_request s)
like "$(show_field "$id" command)" "^sudoedit .*/etc/hostname\$" "exec -a sudoedit sudo FILE is shown as sudoedit FILE"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait s 10

# --- the real thing: the exact /usr/bin/uptime is also known by its bare name --------------------
jit_bg r --as alice -- sudo -n uptime
jit_bg_wait r 10
is "$?" 0 "sudo -n uptime is approved at once by rule uptime (/usr/bin/uptime is 'uptime' in secure_path)"
ok "journald records the approval by the rule, exact" \
    jit_journal_wait 15 -t jitd JIT_RECORD=approve JIT_RULE=uptime JIT_COMMAND=/usr/bin/uptime JIT_COMMAND_EXACT=1

# --- a user-set environment (sudoers' ALL implies SETENV) is never auto-approved -------------------
# LD_PRELOAD= would run the user's code inside the approved program as root.
jit_bg v --as alice -- sudo -n LD_PRELOAD=/nonexistent/evil.so uptime
id=$(jit_wait_request v)
like "$id" "^$JIT_ID_RE\$" "sudo LD_PRELOAD=... uptime is not approved by rule uptime: it waits ($id)"
like "$(show_field "$id" command)" "^\(ENVIRONMENT SET BY THE USER\) /usr/bin/uptime\$" \
    "and the approver is told the user set the environment"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait v 10
# A grant for the plain command does not cover it with a user-set environment.
jit_bg g1 --as alice -- sudo -n id -un
id=$(jit_wait_request g1)
jit_ctl bob approve "$id" >/dev/null
jit_bg_wait g1 10
is "$?" 0 "bob approves sudo -n id -un: a grant for /usr/bin/id -un"
jit_bg g2 --as alice -- sudo -n LD_PRELOAD=/nonexistent/evil.so id -un
id=$(jit_wait_request g2)
like "$id" "^$JIT_ID_RE\$" "the same command with LD_PRELOAD= is not covered by that grant: it waits ($id)"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait g2 10
jit_bg w --as alice -- sudo -n FOO=1 bash -c id
jit_bg_wait w 10
is "$?" 1 "a deny rule still matches a command with a user-set environment (sudo FOO=1 bash)"

# --- a program outside secure_path is never its bare name -----------------------------------------
jit_as alice bash -c "mkdir -p '$home/bin' && printf '#!/bin/sh\necho FAKE-UPTIME\n' >'$home/bin/uptime' && chmod 0755 '$home/bin/uptime'"
jit_bg f --as alice -- sudo -n "$home/bin/uptime"
id=$(jit_wait_request f)
like "$id" "^$JIT_ID_RE\$" "sudo ~/bin/uptime is not 'uptime' for an approve rule: it waits ($id)"
is "$(show_field "$id" command)" "$home/bin/uptime" "and shows its full path"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait f 10
is "$?" 1 "denied: sudo exits 1"
