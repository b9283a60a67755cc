#!/bin/bash
# Issue 4, Action=deny: a deny rule refuses at once, and the denial names the rule — to the user
# (sudo's or pamtester's output), to approvers (jitctl show) and in the records (journald and the
# journal file). Deny rules also match the program's base name (/bin/bash is bash), see the command
# sudo runs rather than sudo's options, and come before a live grant.
source "$(dirname "$0")/../lib.sh"

JOURNAL=$JIT_STATE/journal.jsonl

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule no-shells]
Service=sudo
Command=bash
Command=sh
Command=sh -c *
Action=deny

[Rule no-pamtester-for-dave]
Service=jit-test
User=dave
Action=deny
EOF
jit_restart || bail_out "jitd does not start with deny rules"

journal_file_has() { jq -e -s "any(.[]; $1)" "$JOURNAL" >/dev/null; }

# --- pamtester (also in sanitizer builds) -----------------------------------------------------------
t0=$EPOCHREALTIME
jit_bg p --pamtester -- jit-test dave acct_mgmt
rc=0
jit_bg_wait p 10 || rc=$?
is "$rc" 1 "pamtester jit-test dave: denied (status $rc)"
ok "at once (under 5 s), nobody asked" elapsed_below "$t0" 5
ok "the user is told which rule denied it" jit_bg_has p 'denied by rule no-pamtester-for-dave'
ok "journald: a deny record naming the rule" \
    jit_journal_wait 15 -t jitd JIT_RECORD=deny JIT_RULE=no-pamtester-for-dave JIT_USER=dave
den=$(jit_journal_json -t jitd JIT_RECORD=deny JIT_RULE=no-pamtester-for-dave | head -n1)
pid=$(jq -r .JIT_REQUEST_ID <<<"$den")
is "$(jq -r .JIT_COMMENT <<<"$den")" "denied by rule no-pamtester-for-dave" "journald: JIT_COMMENT says 'denied by rule no-pamtester-for-dave'"
like "$(jq -r .MESSAGE <<<"$den")" "denied by rule no-pamtester-for-dave" "journald: ...and so does MESSAGE"
ok "the journal file has the denial by the rule" \
    journal_file_has ".type == \"deny\" and .fields.request_id == \"$pid\" and .fields.by == \"rule no-pamtester-for-dave\""
json=$(jit_ctl bob show --json "$pid")
is "$(jq -r '.state + " / " + .rule + " / " + .comment' <<<"$json")" \
    "denied / no-pamtester-for-dave / denied by rule no-pamtester-for-dave" "jitctl show: denied, by the rule, saying so"
nok "nobody can approve it afterwards" jit_ctl bob approve "$pid"

# --- real sudo ----------------------------------------------------------------------------------------
if jit_have_real_sudo; then
    # deny_check NAME WHAT CMD...: CMD (run by alice with sudo) is denied at once naming no-shells.
    deny_check() {
        local name=$1 what=$2 rc=0 t0=$EPOCHREALTIME
        shift 2
        jit_bg "$name" --as alice -- sudo -n "$@"
        jit_bg_wait "$name" 10 || rc=$?
        if [[ $rc -ne 0 ]] && elapsed_below "$t0" 5 && jit_bg_has "$name" 'denied by rule no-shells' &&
            ! jit_bg_has "$name" "$JIT_ID_RE.*approve|approve with"; then
            pass "$what: denied at once, naming rule no-shells"
        else
            fail "$what: denied at once, naming rule no-shells" "status $rc" "$(jit_bg_output "$name")"
        fi
    }
    deny_check s1 "sudo -n bash" bash -c 'echo ran'
    ok "the command did not run" eval '! jit_bg_has s1 "^ran"'
    ok "sudo's stderr has the message" grep -q 'pam_jit: access to sudo denied: denied by rule no-shells' "$(jit_bg_err s1)"
    deny_check s2 "sudo -n /bin/bash (a deny rule matches the base name)" /bin/bash -c 'echo ran'
    deny_check s3 "sudo -n /bin/sh -c id (Command=sh -c * on the base name)" /bin/sh -c id
    deny_check s4 "sudo -n -u bob bash (sudo's options do not hide the command)" -u bob bash -c 'echo ran'
    deny_check s5 "sudo -n -- sh" -- sh -c 'echo ran'
    is "$(jit_ctl bob list --json | jq length)" 0 "nothing was left pending"

    n=$(jit_journal_json -t jitd JIT_RECORD=deny JIT_RULE=no-shells JIT_USER=alice | jq -s length)
    is "$n" 5 "journald has five denials by rule no-shells for alice"
    ok "each names the rule in its comment" \
        bash -c "journalctl --no-pager -q -o json -t jitd JIT_RECORD=deny JIT_RULE=no-shells | jq -e -s 'all(.[]; .JIT_COMMENT == \"denied by rule no-shells\")'"

    # A deny rule comes before a live grant: a Scope=service grant for alice does not reach bash.
    jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m

[Rule no-shells]
Service=sudo
Command=bash
Action=deny

[Rule alice-sudo]
Service=sudo
User=alice
Action=require
Scope=service
EOF
    jit_reload
    wait_for 15 grep -q 'Reloaded.*(2 rules)' "$JIT_LOG_DIR/jitd.log" || diag "no reload in jitd.log"
    jit_bg g --as alice -- sudo -n id -un
    id=$(jit_wait_request g)
    jit_ctl bob approve "$id" --for 10m >/dev/null
    jit_bg_wait g 10
    is "$?" 0 "bob approves alice's sudo under Scope=service"
    rc=0
    out=$(jit_as alice sudo -n whoami 2>&1) || rc=$?
    is "$rc:$out" "0:root" "the grant covers another command (whoami) at once"
    deny_check s6 "but sudo -n bash, within that grant" bash -c 'echo ran'
else
    skip "$(jit_why_no_real_sudo)" 13
fi

done_testing
