#!/bin/bash
# Issue 4, Action=approve: a rule lets a request through at once, with nobody asked, and still
# records it: a request record and an approval by "rule NAME", in journald (journalctl) and in the
# signed journal file. The rule sees the command sudo runs, without sudo's own options; an approve
# rule never matches on a program's base name, and a command it does not name still waits.
source "$(dirname "$0")/../lib.sh"

JOURNAL=$JIT_STATE/journal.jsonl

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule status]
Service=sudo
Command=id -un
Command=id -un *
Action=approve

[Rule pamtester-ok]
Service=jit-test
User=alice
Action=approve
EOF
jit_restart || bail_out "jitd does not start with an approve rule"

# journal_file_has JQ-FILTER: some record of the signed journal file satisfies the filter.
journal_file_has() { jq -e -s "any(.[]; $1)" "$JOURNAL" >/dev/null; }
# pending_count: how many requests wait for a person.
pending_count() { jit_ctl bob list --json | jq length; }

# --- pamtester (also in sanitizer builds) -----------------------------------------------------------
jit_bg p --pamtester -- jit-test alice acct_mgmt
rc=0
jit_bg_wait p 10 || rc=$?
is "$rc" 0 "pamtester jit-test alice: allowed by rule pamtester-ok without anyone approving"
ok "pamtester reports success" jit_bg_has p 'account management done'
unlike "$(jit_bg_output p)" "$JIT_ID_RE" "nothing was shown to wait on"
ok "journald has the approval by 'rule pamtester-ok'" \
    jit_journal_wait 15 -t jitd JIT_RECORD=approve JIT_RULE=pamtester-ok JIT_DECIDED_BY="rule pamtester-ok"
pid=$(jit_journal_json -t jitd JIT_RECORD=approve JIT_RULE=pamtester-ok | jq -r .JIT_REQUEST_ID | head -n1)
like "$pid" "^$JIT_ID_RE\$" "with a request id ($pid)"
ok "journald has the request record too" jit_journal_wait 15 -t jitd JIT_RECORD=request JIT_REQUEST_ID="$pid"
ok "the journal file has the request" \
    journal_file_has ".type == \"request\" and .fields.request_id == \"$pid\" and .fields.rule == \"pamtester-ok\""
ok "and its approval by 'rule pamtester-ok', state approved" \
    journal_file_has ".type == \"approve\" and .fields.request_id == \"$pid\" and .fields.by == \"rule pamtester-ok\" and .fields.state == \"approved\""
is "$(jit_ctl bob show --json "$pid" | jq -r '.state + " " + .by')" "approved rule pamtester-ok" \
    "jitctl show: approved by rule pamtester-ok"
is "$(jit_ctl bob grants --json | jq length)" 0 "an automatic approval opens no grant"

jit_bg p2 --pamtester -- jit-test bob acct_mgmt
id=$(jit_wait_request p2)
like "$id" "^$JIT_ID_RE\$" "the rule names alice: the same stack for bob waits for a person ($id)"
jit_ctl carol deny "$id" >/dev/null
jit_bg_wait p2 10 >/dev/null

# --- real sudo ----------------------------------------------------------------------------------------
if jit_have_real_sudo; then
    jit_bg s --as alice -- sudo -n id -un
    rc=0
    jit_bg_wait s 10 || rc=$?
    is "$rc" 0 "alice: sudo -n id -un runs at once (rule status)"
    ok "as root" grep -qx root "$(jit_bg_out s)"
    is "$(pending_count)" 0 "nothing is pending"

    jit_journal_wait 15 -t jitd JIT_RECORD=approve JIT_RULE=status JIT_COMMAND="id -un"
    app=$(jit_journal_json -t jitd JIT_RECORD=approve JIT_RULE=status JIT_COMMAND="id -un" | head -n1)
    sid=$(jq -r .JIT_REQUEST_ID <<<"$app")
    like "$sid" "^$JIT_ID_RE\$" "journalctl: the use is recorded as an approval ($sid)"
    is "$(jq -r .JIT_DECIDED_BY <<<"$app")" "rule status" "journalctl: ...decided by 'rule status'"
    is "$(jq -r .JIT_USER <<<"$app")" alice "journalctl: ...for alice"
    is "$(jq -r .JIT_STATE <<<"$app")" approved "journalctl: ...state approved"
    req=$(jit_journal_json -t jitd JIT_RECORD=request JIT_REQUEST_ID="$sid")
    is "$(jq -r .JIT_COMMAND <<<"$req")" "id -un" "journalctl: the request record has the command sudo runs, without sudo's options"
    ok "the journal file has the request and its approval by rule status" \
        journal_file_has ".type == \"approve\" and .fields.request_id == \"$sid\" and .fields.by == \"rule status\" and .fields.command == \"id -un\""
    # The journal records before sudo runs: the approval precedes nothing else of this request.
    ok "the journal file's request record comes before its approval" \
        jq -e -s "[.[] | select(.fields.request_id == \"$sid\") | .type] == [\"request\", \"approve\"]" "$JOURNAL"

    rc=0
    out=$(jit_as alice sudo -n -u root -- id -un 2>&1) || rc=$?
    is "$rc:$out" "0:root" "sudo's own options (-n -u root --) are not part of the command: allowed at once"
    rc=0
    out=$(jit_as alice sudo -n id -un root 2>&1) || rc=$?
    is "$rc:$out" "0:root" "Command=id -un * covers more arguments (id -un root): allowed at once"

    # An approve rule never matches a base name: /usr/bin/id is not "id".
    jit_bg s2 --as alice -- sudo -n /usr/bin/id -un
    id=$(jit_wait_request s2)
    like "$id" "^$JIT_ID_RE\$" "sudo -n /usr/bin/id -un is not 'id -un' for an approve rule: it waits ($id)"
    is "$(jit_ctl bob show --json "$id" | jq -r .rule)" "(default)" "...under the default rule"
    jit_ctl bob deny "$id" >/dev/null
    jit_bg_wait s2 10
    isnt "$?" 0 "bob denies it: sudo fails"

    jit_bg s3 --as alice -- sudo -n id -u
    id=$(jit_wait_request s3)
    like "$id" "^$JIT_ID_RE\$" "a command the rule does not name (id -u) waits for a person ($id)"
    jit_ctl bob deny "$id" >/dev/null
    jit_bg_wait s3 10 >/dev/null
else
    skip "$(jit_why_no_real_sudo)" 16
fi

done_testing
