#!/bin/bash
# ATTACKS.md A40: a request or grant for any command is loud wherever it is shown. `jitctl request`
# without a command asks for the whole service: jitctl list, show, grants and watch, and journald's
# MESSAGE say ANY COMMAND (whole service), never an empty command; jitd marks it command_kind "any"
# and its grant scope "service", and --json carries both unchanged. A grant that a Scope=service rule
# opens for one command covers any command too, and `jitctl grants` says so the same way.
source "$(dirname "$0")/../lib.sh"

plan 22

ANY='ANY COMMAND (whole service)'
printf 'auth required pam_permit.so\naccount required @PAM_JIT@ timeout=30\n' | jit_pam_stack jit-svc
jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m

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

# has TEXT FIXED: TEXT holds FIXED, byte for byte.
has() { [[ $1 == *"$2"* ]]; }
# row TEXT ID: the line of TEXT that names ID.
row() { grep -F -- "$2" <<<"$1"; }
# ends_loud LINE: LINE ends with ANY COMMAND (whole service): the command column is never empty.
ends_loud() { [[ $1 == *"$ANY" ]]; }
# no_empty_command TABLE: no row of jitctl grants ends with its USES column (an empty COMMAND).
no_empty_command() { ! grep -Eq '[0-9]+ *$' <<<"$1"; }
grant() { jit_ctl bob grants --json | jq -c --arg id "$1" '.[] | select(.id == $id)'; }
# watch_shows NAME ID: NAME's output has the created line of ID, ending loud.
watch_shows() { grep -F -- "created  $2  " "$(jit_bg_out "$1")" | grep -qF -- "wants sudo: $ANY"; }
# watch_json_kind NAME ID: NAME's JSON output has ID's created event with command_kind "any".
watch_json_kind() {
    jq -e --arg id "$2" 'select(.event == "created" and .id == $id and .command_kind == "any")' \
        "$(jit_bg_out "$1")" >/dev/null 2>&1
}

jit_bg w --as carol -- "$JIT_BUILD/jitctl" watch
jit_bg wj --as carol -- "$JIT_BUILD/jitctl" watch --json
# Each says it listens only once its match is in place: text on stdout, JSON on stderr.
wait_for_output w "Watching" 10 || bail_out "jitctl watch does not start"
wait_for_output wj "listening" 10 || bail_out "jitctl watch --json does not start"
# dave's request, once both watches show it, proves events reach them.
wid=$(jit_ctl dave request --reason "warm-up" | jit_request_id)
wait_for_output wj "$wid" 10 && wait_for_output w "$wid" 10 || bail_out "jitctl watch --json shows nothing"
jit_ctl dave cancel "$wid" >/dev/null

# --- jitctl request without a command: any command through sudo ---------------------------------------
out=$(jit_ctl alice request --reason "deploy, no idea which commands yet")
id=$(jit_request_id <<<"$out")
like "$id" "^$JIT_ID_RE\$" "alice: jitctl request --reason x, no command ($id)"
line=$(row "$(jit_ctl bob list)" "$id")
ok "jitctl list shows it as $ANY, not an empty command" ends_loud "$line"
show=$(jit_ctl bob show "$id")
like "$(grep '^ *command:' <<<"$show")" "^ *command: ANY COMMAND \(whole service\)" "jitctl show: command: $ANY"
json=$(jit_ctl bob show --json "$id")
is "$(jq -r .command_kind <<<"$json")" any "jitctl show --json: command_kind any, from jitd, unchanged"
is "$(jit_ctl bob list --json | jq -r --arg id "$id" '.[] | select(.id == $id) | .command_kind')" any \
    "jitctl list --json: command_kind any"
ok "jitctl watch: created $id alice wants sudo: $ANY" wait_for 10 watch_shows w "$id"
ok "jitctl watch --json: the created event carries command_kind any" wait_for 10 watch_json_kind wj "$id"
jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=request
msg=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=request | jq -r .MESSAGE)
ok "journald: the request's MESSAGE says $ANY" has "$msg" "$ANY"
unlike "$msg" ': $' "journald: the MESSAGE never ends in an empty command"

ok "bob approves it" jit_ctl bob approve "$id"
g=$(grant "$id")
is "$(jq -r .scope <<<"$g")/$(jq -r .command_kind <<<"$g")" service/any \
    "jitctl grants --json: scope service, command_kind any"
ok "jitctl grants shows the grant as $ANY" ends_loud "$(row "$(jit_ctl bob grants)" "$id")"
ok "alice's own jitctl grants says the same" ends_loud "$(row "$(jit_ctl alice grants)" "$id")"
ok "jitctl list --all, once approved: still $ANY" ends_loud "$(row "$(jit_ctl bob list --all)" "$id")"
like "$(grep '^ *command:' <<<"$(jit_ctl bob show "$id")")" "ANY COMMAND \(whole service\)" \
    "jitctl show, once approved: still $ANY"
jit_ctl bob revoke "$id" >/dev/null

# --- a Scope=service rule: the request names a command, its grant covers any -------------------------------
jit_bg p --pamtester -- jit-svc alice acct_mgmt
pid=$(jit_wait_request p)
like "$pid" "^$JIT_ID_RE\$" "pamtester on jit-svc (rule svc, Scope=service) waits on $pid"
ok "bob approves $pid" jit_ctl bob approve "$pid"
jit_bg_wait p 10 >/dev/null
is "$(grant "$pid" | jq -r .scope)" service "its grant has scope service"
ok "jitctl grants shows that grant as $ANY, not as pamtester's command" \
    ends_loud "$(row "$(jit_ctl bob grants)" "$pid")"
if jit_have_real_sudo; then
    jit_bg h --as alice -- sudo -n hostname
    hid=$(jit_wait_request h)
    line=$(row "$(jit_ctl bob list)" "$hid")
    ok "sudo -n hostname (rule any-sudo-command, Scope=service): the request itself names hostname ($hid)" \
        has "$line" hostname
    jit_ctl bob approve "$hid" >/dev/null
    jit_bg_wait h 10 >/dev/null
    ok "approved, its grant shows in jitctl grants as $ANY" ends_loud "$(row "$(jit_ctl bob grants)" "$hid")"
else
    skip "$(jit_why_no_real_sudo)" 2
fi
ok "no row of jitctl grants ends in an empty command" no_empty_command "$(jit_ctl bob grants)"
