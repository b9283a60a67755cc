#!/bin/bash
# Issue 4, reasons: a rule with Reason=required or Reason=prompt makes jitd answer CreateRequest with
# ReasonRequired or ReasonWanted; the module asks through the PAM conversation and sends the request
# again with the answer. What the user typed is what jitd records (jitctl show, journald's
# JIT_REASON). An empty answer is asked again where a reason is required; a user who cannot be asked
# (sudo -n, no terminal, end of input, Ctrl-C at the prompt) is denied with a hint on how to give a
# reason ahead of time, and no request is made. Where a reason is only wanted, an empty answer — or
# none at all — still makes the request. Ctrl-C at the prompt is the host's; once the request is
# pending, Ctrl-C cancels it as always.
source "$(dirname "$0")/../lib.sh"

plan 65

HINT='pam_jit: this request needs a reason; give one ahead of time with: jitctl request --reason TEXT -- COMMAND'

# sudo requires a reason; jit-reason (a pamtester stack like jit-test) too; jit-test only wants one.
jit_pam_stack jit-reason <<EOF
auth       required   pam_permit.so
account    required   @PAM_JIT@ timeout=$JIT_PAM_TIMEOUT
EOF
jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h

[Rule need-reason]
Service=sudo
Reason=required
Action=require

[Rule need-reason-pamtester]
Service=jit-reason
Reason=required
Action=require

[Rule want-reason]
Service=jit-test
Reason=prompt
Action=require
EOF
jit_restart >/dev/null || bail_out "jitd does not start with Reason= rules: $(tail -n 5 "$JIT_LOG_DIR/jitd.log")"

# field ID KEY: one key of the request as jitd reports it (jitctl show --json).
field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }
# requests: how many requests jitd knows, pending or decided.
requests() { jit_ctl bob list --all --json | jq length; }
# journal_reason ID: JIT_REASON of the request's creation in journald.
journal_reason() {
    jit_journal_wait 10 -t jitd JIT_REQUEST_ID="$1" &&
        jit_journal_json -t jitd JIT_REQUEST_ID="$1" | jq -r 'select(.JIT_REASON != null) | .JIT_REASON' | head -n1
}
# prompts NAME: how many times NAME's output shows the reason question.
prompts() { jit_bg_output "$1" | grep -o 'pam_jit: reason for this [a-z-]* request: ' | wc -l; }
state_is() { [[ $(field "$1" state) == "$2" ]]; }

# --- pamtester (works in sanitizer builds too): the answer comes from stdin ------------------------
printf 'ticket 42: rotate the TLS key\n' >"$JIT_TMP/answer"
jit_bg p1 --stdin "$JIT_TMP/answer" --pamtester -- jit-reason alice acct_mgmt
id=$(jit_wait_request p1 10)
like "$id" "^$JIT_ID_RE\$" "Reason=required: pamtester is asked, answers from stdin, and the request is made ($id)"
ok "the question names the service" jit_bg_has p1 'pam_jit: reason for this jit-reason request: '
is "$(field "$id" reason)" 'ticket 42: rotate the TLS key' "jitd holds the reason as typed, without the newline"
is "$(journal_reason "$id")" 'ticket 42: rotate the TLS key' "journald has it as JIT_REASON"
# Denied, not approved: an approval would open a grant that lets the same pamtester line through
# without a question from here on.
ok "bob denies $id" jit_ctl bob deny "$id"
rc=0
jit_bg_wait p1 20 || rc=$?
is "$rc" 1 "pamtester is denied by bob (status $rc)"

n0=$(requests)
printf '\n   \n\n' >"$JIT_TMP/empty3"
jit_bg p2 --stdin "$JIT_TMP/empty3" --pamtester -- jit-reason alice acct_mgmt
rc=0
jit_bg_wait p2 20 || rc=$?
is "$rc" 1 "three empty (or blank) answers: denied (status $rc)"
is "$(prompts p2)" 3 "asked three times"
ok "told twice that a reason is required" test "$(jit_bg_output p2 | grep -c 'pam_jit: a reason is required for this request')" -eq 2
ok "then told how to give one ahead of time" jit_bg_has p2 "^$HINT\$|$HINT"
is "$(requests)" "$n0" "and no request was made"

printf '\nINC-7\n' >"$JIT_TMP/empty1"
jit_bg p3 --stdin "$JIT_TMP/empty1" --pamtester -- jit-reason alice acct_mgmt
id=$(jit_wait_request p3 10)
is "$(prompts p3)" 2 "an empty answer, then a reason: asked twice ($id)"
is "$(field "$id" reason)" INC-7 "the second answer is the reason"
ok "bob denies $id" jit_ctl bob deny "$id"
rc=0
jit_bg_wait p3 20 || rc=$?
is "$rc" 1 "pamtester is denied by bob (status $rc)"

n0=$(requests)
jit_bg p4 --pamtester -- jit-reason alice acct_mgmt
rc=0
jit_bg_wait p4 20 || rc=$?
is "$rc" 1 "Reason=required, stdin at end of input: denied (status $rc)"
ok "with the hint" jit_bg_has p4 "$HINT"
is "$(requests)" "$n0" "no request was made"

printf 'fix \033[31mred\033[0m\n' >"$JIT_TMP/escape"
printf 'caf\xe9\n' >"$JIT_TMP/latin1"
head -c 300 /dev/zero | tr '\0' x >"$JIT_TMP/long"
echo >>"$JIT_TMP/long"
for bad in 'escape:holding control characters' 'latin1:not valid UTF-8' 'long:longer than 255 bytes'; do
    IFS=: read -r file why <<<"$bad"
    jit_bg "p$file" --stdin "$JIT_TMP/$file" --pamtester -- jit-reason alice acct_mgmt
    rc=0
    jit_bg_wait "p$file" 20 || rc=$?
    is "$rc" 1 "a reason $why is refused (status $rc)"
    ok "saying so" jit_bg_has "p$file" "pam_jit: the reason is $why; access denied"
done
is "$(requests)" "$n0" "none of them made a request (never cut, never escaped and sent)"

echo >"$JIT_TMP/nl"
jit_bg p5 --stdin "$JIT_TMP/nl" --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p5 10)
like "$id" "^$JIT_ID_RE\$" "Reason=prompt: an empty answer still makes the request ($id)"
is "$(prompts p5)" 1 "asked once"
is "$(field "$id" reason)" "" "with an empty reason"
ok "bob denies $id" jit_ctl bob deny "$id"
jit_bg_wait p5 20

jit_bg p6 --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p6 10)
like "$id" "^$JIT_ID_RE\$" "Reason=prompt, stdin at end of input: the request is made all the same ($id)"
unlike "$(jit_bg_output p6)" 'needs a reason' "without the hint"
ok "bob approves $id" jit_ctl bob approve "$id"
rc=0
jit_bg_wait p6 20 || rc=$?
is "$rc" 0 "pamtester passes (status $rc)"

# Ctrl-C at the question ends pamtester (the module gives the host its signals back while it asks);
# Ctrl-C once the request is pending cancels it (the module blocks them again for the wait).
n0=$(requests)
jit_bg pc1 --pty --keys --pamtester -- jit-reason alice acct_mgmt
wait_for_output pc1 'pam_jit: reason for this jit-reason request: ' 10
ok "Ctrl-C typed at pamtester's question" jit_bg_send pc1 'half a reas\003'
rc=0
jit_bg_wait pc1 10 || rc=$?
is "$rc" 130 "pamtester dies of SIGINT at once, as without the module (status $rc)"
is "$(requests)" "$n0" "no request was made"

jit_bg pc2 --pty --keys --pamtester -- jit-reason alice acct_mgmt
wait_for_output pc2 'pam_jit: reason for this jit-reason request: ' 10
jit_bg_send pc2 'look at the logs\n'
id=$(jit_wait_request pc2 10)
ok "Ctrl-C typed while pamtester waits on $id" jit_bg_send pc2 '\003'
rc=0
jit_bg_wait pc2 20 || rc=$?
is "$rc" 130 "pamtester ends by SIGINT (status $rc)"
ok "after the module cancelled the request" jit_cancel_logged "$id" SIGINT
ok "$id is cancelled in jitd" wait_for 10 state_is "$id" cancelled

# --- real sudo ------------------------------------------------------------------------------------
if ! jit_have_real_sudo; then
    skip "$(jit_why_no_real_sudo)" 25
    exit 0
fi

jit_bg s1 --as alice --pty --keys -- sudo echo case-1
ok "alice's sudo on a terminal asks for a reason" wait_for_output s1 'pam_jit: reason for this sudo request: ' 10
jit_bg_send s1 'restart nginx after the config change\n'
id=$(jit_wait_request s1 10)
like "$id" "^$JIT_ID_RE\$" "the typed reason makes the request ($id)"
is "$(field "$id" reason)" 'restart nginx after the config change' "jitctl show --json has the reason"
is "$(journal_reason "$id")" 'restart nginx after the config change' "journald has it as JIT_REASON"
ok "bob approves $id" jit_ctl bob approve "$id"
rc=0
jit_bg_wait s1 20 || rc=$?
is "$rc" 0 "sudo runs the command (status $rc)"

jit_bg s2 --as alice --pty --keys -- sudo echo case-2
wait_for_output s2 'pam_jit: reason for this sudo request: ' 10
jit_bg_send s2 '\n'
ok "an empty answer is met with the question again" wait_for_output s2 'pam_jit: a reason is required for this request' 10
wait_for 10 eval '(($(prompts s2) == 2))'
jit_bg_send s2 'hotfix INC-9\n'
id=$(jit_wait_request s2 10)
is "$(field "$id" reason)" 'hotfix INC-9' "the second answer is the reason ($id)"
ok "bob denies $id" jit_ctl bob deny "$id"
rc=0
jit_bg_wait s2 20 || rc=$?
is "$rc" 1 "sudo fails (status $rc)"

n0=$(requests)
jit_bg s3 --as alice --pty --keys -- sudo echo case-3
for i in 1 2 3; do
    wait_for 10 eval "((\$(prompts s3) >= $i))" && jit_bg_send s3 '\n'
done
rc=0
jit_bg_wait s3 20 || rc=$?
isnt "$rc" 0 "three empty answers on the terminal: sudo fails (status $rc)"
ok "with the hint" jit_bg_has s3 "$HINT"
is "$(requests)" "$n0" "no request was made"

t0=$EPOCHREALTIME
jit_bg s4 --as alice -- sudo -n echo case-4
rc=0
jit_bg_wait s4 20 || rc=$?
is "$rc" 1 "sudo -n with Reason=required: denied (status $rc)"
ok "at once" awk -v s="$t0" -v now="$EPOCHREALTIME" 'BEGIN { exit !(now - s < 5) }'
ok "telling how to give a reason ahead of time" grep -qF "$HINT" "$(jit_bg_err s4)"
is "$(requests)" "$n0" "no request was made"

jit_bg s5 --as alice -- sudo echo case-5
rc=0
jit_bg_wait s5 20 || rc=$?
is "$rc" 1 "plain sudo without a terminal, stdin /dev/null: denied (status $rc)"
ok "with the hint" jit_bg_has s5 "$HINT"

jit_bg s6 --as alice --pty --keys -- sudo echo case-6
wait_for_output s6 'pam_jit: reason for this sudo request: ' 10
jit_bg_send s6 'half a reas\003'
rc=0
jit_bg_wait s6 10 || rc=$?
isnt "$rc" 0 "Ctrl-C at sudo's question ends sudo at once, unsuccessfully (status $rc)"
is "$(requests)" "$n0" "no request was made"

jit_bg s7 --as alice --pty --keys -- sudo echo case-7
wait_for_output s7 'pam_jit: reason for this sudo request: ' 10
jit_bg_send s7 'check disk usage\n'
id=$(jit_wait_request s7 10)
ok "Ctrl-C typed while alice's sudo waits on $id" jit_bg_send s7 '\003'
rc=0
jit_bg_wait s7 20 || rc=$?
isnt "$rc" 0 "sudo fails (status $rc)"
ok "the module cancelled $id" jit_cancel_logged "$id" SIGINT
ok "$id is cancelled in jitd" wait_for 10 state_is "$id" cancelled
