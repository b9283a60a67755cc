#!/bin/bash
# A38: argv[0] is whatever the invoker chose (`exec -a NAME sudo ...`). It must never select a
# grammar, a rule or a grant, and what the approver sees is what runs. The PAM path reads sudo's
# argv from /proc/self/cmdline: jitd knows the host is sudo from the kernel (/proc/self/exe), parses
# argv[1..] with sudo's grammar whatever argv[0] says, and shows the command sudo runs.
source "$(dirname "$0")/../lib.sh"

jit_have_real_sudo || skip_all "$(jit_why_no_real_sudo)"
plan 24

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

# show_field ID KEY: a key of jitctl show --json, as bob sees it.
show_field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }

# --- exec -a uptime sudo -n id -u: the auto-approve rule for uptime must not apply ---------------
jit_bg a --as alice -- bash -c 'exec -a uptime sudo -n id -u'
id=$(jit_wait_request a)
like "$id" "^$JIT_ID_RE\$" "exec -a uptime sudo -n id -u waits for a person ($id): the uptime rule does not apply"
is "$(show_field "$id" command)" "id -u" "the approver sees the command that runs: id -u"
is "$(show_field "$id" command_kind)" bare "marked as a bare name, resolved by sudo's secure_path"
unlike "$(show_field "$id" command)" uptime "the forged name appears nowhere in the command"
ok "journald's record names id -u, not uptime" \
    jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=request JIT_COMMAND="id -u" JIT_COMMAND_KIND=bare
jit_ctl bob deny "$id" --comment "A38" >/dev/null
jit_bg_wait a 10
is "$?" 1 "denied: sudo exits 1"
unlike "$(jit_bg_output a)" '^0$' "and id did not run"

# --- a deny rule cannot be slipped past with a harmless argv[0] ----------------------------------
jit_bg d --as alice -- bash -c 'exec -a uptime sudo -n bash -c id'
jit_bg_wait d 10
is "$?" 1 "exec -a uptime sudo -n bash -c id is denied at once by rule no-shells"
ok "the denial names the rule" jit_bg_has d "denied by rule no-shells"
unlike "$(jit_bg_output d)" "$JIT_ID_RE" "nobody was asked"

# --- sudo<NBSP>tail<NBSP>-n<NBSP>50 as argv[0]: the approver sees the script that runs -----------
home=$(getent passwd alice | cut -d: -f6)
jit_as alice bash -c "printf '#!/bin/sh\necho SCRIPT-RAN\n' >'$home/error.log' && chmod 0755 '$home/error.log'"
jit_bg t --as alice -- bash -c "cd '$home' && exec -a 'sudo${NBSP}tail${NBSP}-n${NBSP}50' sudo -n ./error.log"
id=$(jit_wait_request t)
like "$id" "^$JIT_ID_RE\$" "the forged 'sudo tail -n 50' request waits ($id)"
is "$(show_field "$id" command)" "$home/error.log" "the approver sees the program by its absolute path"
is "$(show_field "$id" command_kind)" typed "as typed, made absolute against the working directory"
unlike "$(jit_ctl bob list)" "tail" "jitctl list shows no 'tail' anywhere"
unlike "$(jit_journal -t jitd JIT_REQUEST_ID="$id" -o json | jq -r .JIT_COMMAND)" "tail" \
    "journald's JIT_COMMAND has no 'tail'"
unlike "$(jq -r "select(.fields.request_id == \"$id\") | .fields.command" "$JIT_STATE/journal.jsonl")" "tail" \
    "the signed journal's command has no 'tail'"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait t 10
nok "denied: the script did not run" jit_bg_has t SCRIPT-RAN

# --- an empty argv[0] ---------------------------------------------------------------------------
jit_bg e --as alice -- bash -c 'exec -a "" sudo -n -u root id -u'
id=$(jit_wait_request e)
like "$id" "^$JIT_ID_RE\$" "an empty argv[0] still gets sudo's grammar ($id)"
is "$(show_field "$id" command)" "id -u" "the command is id -u (sudo's -n -u root are options)"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait e 10

# --- sudoedit by argv[0] is what sudo does: shown as sudoedit -----------------------------------
jit_bg s --as alice -- bash -c 'exec -a sudoedit sudo -n /etc/hostname'
id=$(jit_wait_request s)
like "$id" "^$JIT_ID_RE\$" "exec -a sudoedit sudo FILE waits ($id)"
is "$(show_field "$id" command)" "sudoedit -n /etc/hostname" "shown as what sudo does with it: sudoedit, options and all"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait s 10

# --- sudoedit's own path under another name is plain sudo --------------------------------------
jit_bg u --as alice -- bash -c 'exec -a uptime sudoedit -n /etc/hostname'
id=$(jit_wait_request u)
is "$(show_field "$id" command)" "/etc/hostname" \
    "exec -a uptime sudoedit FILE: sudo runs FILE as a command, and that is what is shown"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait u 10

# --- the real thing still works ----------------------------------------------------------------
jit_bg r --as alice -- sudo -n uptime
jit_bg_wait r 10
is "$?" 0 "sudo -n uptime itself is approved at once by rule uptime"
ok "journald records the approval by the rule" \
    jit_journal_wait 15 -t jitd JIT_RECORD=approve JIT_RULE=uptime JIT_COMMAND=uptime
