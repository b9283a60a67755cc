#!/bin/bash
# ATTACKS.md A23: PAM_RHOST, PAM_RUSER and PAM_TTY are whatever the host (or the remote side) says:
# forged, hostile or empty they are shown, sanitised, and never decide anything — the requester is
# the real uid (sudo, su) or the account (login, sshd), never PAM_RUSER. PAM_USER is read again at
# every call: a host or an earlier module that changes it gets decisions for the new user.
source "$(dirname "$0")/../lib.sh"

plan 25

esc=$'\e'
ALICE=$(jit_uid alice)
show() { jit_ctl bob show --json "$1" | jq -r ".$2"; }
field() {
    busctl --system --json=short call $JIT_BUS_NAME $JIT_BUS_PATH $JIT_BUS_INTERFACE GetRequest s "$1" |
        jq -r --arg k "$2" '.data[0][$k].data'
}

# --- Forged and hostile items (pamtester as root, as login or sshd would run the stack) -------------
jit_bg f --pamtester -- -I "ruser=bob" -I "rhost=evil${esc}[31m.example" -I $'tty=/dev/pts/9\nFAKE: approved' \
    jit-test alice acct_mgmt
id=$(jit_wait_request f)
like "$id" "^$JIT_ID_RE\$" "a request with RUSER=bob, an escape in RHOST and a newline in TTY is pending ($id)"
is "$(field "$id" user)/$(field "$id" uid)" "alice/$ALICE" "the requester is the account (alice), not PAM_RUSER (bob)"
is "$(show "$id" ruser)" bob "PAM_RUSER is shown as given"
rhost=$(show "$id" rhost)
unlike "$rhost" "$esc" "PAM_RHOST is shown without its raw escape character"
like "$rhost" '^evil\\x1b\[31m\.example$' "...made visible as \\x1b"
tty=$(show "$id" tty)
unlike "$tty" $'\n' "PAM_TTY is shown without its raw newline"
like "$tty" '^/dev/pts/9\\x0aFAKE' "...made visible as \\x0a"
list=$(jit_ctl bob list)
unlike "$list" "$esc" "jitctl list prints no raw escape from the items"
is "$(grep -c 'FAKE' <<<"$list")" "$(grep -c "$id" <<<"$list")" "the forged TTY adds no row of its own to jitctl list"
rec=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=request | head -n 1)
unlike "$(jq -r '.JIT_RHOST // "" , .MESSAGE' <<<"$rec")" "$esc" "journald's entry holds no raw escape"
jq -c --arg id "$id" 'select(.type == "request" and .fields.request_id == $id) | .fields' \
    /var/lib/jit/journal.jsonl >"$JIT_TMP/req.json"
unlike "$(cat "$JIT_TMP/req.json")" '\\u001b' "the journal file's record holds no raw escape either"
# If PAM_RUSER were the requester, bob approving would be a self-approval.
ok "bob (the forged PAM_RUSER) may approve: he is not the requester" jit_ctl bob approve "$id"
jit_bg_wait f 10
is "$?" 0 "the approval reaches the module: pamtester succeeds"
is "$(show "$id" by)" bob "approved by bob"

# RUSER naming the approver of a request cannot make anyone else the requester either.
jit_bg g --pamtester -- -I "ruser=alice" -I "rhost=localhost" jit-test dave acct_mgmt
id=$(jit_wait_request g)
is "$(field "$id" user)" dave "PAM_RUSER=alice for account dave: the requester is dave"
ok "bob denies it" jit_ctl bob deny "$id"
jit_bg_wait g 10
isnt "$?" 0 "pamtester is denied"

# --- Empty items: shown as empty, nothing breaks, the decision is the account's -------------------
jit_bg e --pamtester -- -I "ruser=" -I "rhost=" -I "tty=" jit-test alice acct_mgmt
id=$(jit_wait_request e)
like "$id" "^$JIT_ID_RE\$" "empty RUSER, RHOST and TTY: a request is pending ($id)"
is "$(field "$id" user)|$(show "$id" ruser)|$(show "$id" rhost)|$(show "$id" tty)" "alice|||" \
    "it is alice's, and the empty items are shown as empty"
ok "bob denies it" jit_ctl bob deny "$id"
jit_bg_wait e 10
isnt "$?" 0 "pamtester is denied"

# --- PAM_USER re-read at each call: one handle, PAM_USER changed between calls ----------------------
{
    cat "$JIT_CONF"
    cat <<'EOF'

[Rule a23-alice]
Service=jit-a23
User=alice
Action=approve

[Rule a23-bob]
Service=jit-a23
User=bob
Action=deny
EOF
} >"$JIT_TMP/jitd.conf"
jit_config <"$JIT_TMP/jitd.conf"
ok "jitd restarts with rules: jit-a23 approves alice, denies bob" jit_restart
printf 'account required @PAM_JIT@\n' | jit_pam_stack jit-a23
jit_preload_prefix pre
# PAM_SUCCESS is 0, PAM_PERM_DENIED 6.
out=$("${pre[@]}" "$JIT_BUILD/helpers/pam-user-switch" jit-a23 alice alice bob alice 2>&1)
is "$out" $'alice 0\nbob 6\nalice 0' \
    "PAM_USER alice, then bob, then alice again on one handle: approved, denied, approved"
out=$("${pre[@]}" "$JIT_BUILD/helpers/pam-user-switch" jit-a23 alice bob 2>&1)
is "$out" "bob 6" "PAM_USER changed from alice to bob before the first call: bob's decision (denied)"
n=$(jit_journal_json -t jitd JIT_RECORD=deny JIT_RULE=a23-bob | jq -s 'map(select(.JIT_USER == "bob")) | length')
is "$n" 2 "journald records both denials as bob's"
