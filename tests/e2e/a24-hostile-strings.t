#!/bin/bash
# ATTACKS.md A24: ANSI escapes, newlines, NUL-separated tricks, 1 MiB of argv, argc == 0 and ../
# in names are sanitised and bounded everywhere they are shown: jitctl, journald, the module.
source "$(dirname "$0")/../lib.sh"

jit_have_real_sudo || skip_all "$(jit_why_no_real_sudo)"
plan 18

esc=$'\e'
# --- escapes and newlines in argv, through real sudo ----------------------------------------
jit_bg s --as alice -- sudo -n printf "%s" "${esc}[2J${esc}]0;pwned${esc}\\" $'line1\nFAKE: approved by root' 'a b' $'\xe2\x80\xae'
id=$(jit_wait_request s)
like "$id" "^$JIT_ID_RE\$" "sudo with a hostile argv waits on $id"
list=$(jit_ctl bob list)
unlike "$list" "$esc" "jitctl list prints no raw escape character"
is "$(grep -c "FAKE" <<<"$list")" 1 "the newline does not forge a second row"
like "$list" '\\x1b\[2J' "escapes are shown as \\x1b"
like "$list" '\\x0aFAKE' "the newline is shown as \\x0a"
like "$list" "'a b'" "a word with a space is quoted, so it differs from two words"
like "$list" '\\u\{202e\}' "the bidi override is made visible"
json=$(jit_ctl bob show --json "$id")
unlike "$(jq -r .command <<<"$json")" "$esc" "jitctl show --json: no raw escape either"
cmd=$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=request | jq -r .JIT_COMMAND)
unlike "$cmd" "$esc" "journald's JIT_COMMAND holds no raw escape"
unlike "$cmd" $'\n' "...and no raw newline"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait s 10 >/dev/null

# --- 1 MiB of argv: bounded everywhere ----------------------------------------------------------
chunk=$(head -c 65536 /dev/zero | tr '\0' 'A')
args=()
for _ in $(seq 16); do args+=("$chunk"); done
jit_bg big --as alice -- sudo -n true "${args[@]}"
jit_bg_wait big 10
is "$?" 1 "sudo with 1 MiB of arguments is denied by the module: nobody could read what they approve"
ok "saying why" jit_bg_has big "command line is too long to be approved"
# jitd bounds what it is sent all the same (a caller other than the module): 1 MiB is refused,
# 60 KiB is accepted and cut for showing.
out=$(jit_call CreateRequest 'a{sv}' 3 user s alice service s sudo argv as 16 "${args[@]}" 2>&1)
like "$out" "Malformed request context" "jitd refuses a 1 MiB argv sent on the bus"
small=()
for _ in $(seq 15); do small+=("${chunk:0:4000}"); done
out=$(jit_call CreateRequest 'a{sv}' 3 user s alice service s sudo argv as 15 "${small[@]}" 2>&1)
id=$(jit_request_id <<<"$out")
len=$(jit_ctl bob show --json "$id" | jq -r '.command | length')
ok "a 60 KiB argv is shown cut to $len bytes" test "$len" -gt 1000 -a "$len" -le 4096
like "$(jit_ctl bob show --json "$id" | jq -r .command)" '\.\.\.$' "and the cut is marked"

# --- argc == 0 and path-like names, straight on the bus (as root, as the module would) -----------
out=$(jit_call CreateRequest 'a{sv}' 3 user s alice service s sudo argv as 0 2>&1)
like "$out" "pending" "an empty argv is accepted (argc == 0)"
out=$(jit_call CreateRequest 'a{sv}' 2 user s ../../etc/passwd service s sudo 2>&1)
like "$out" "Unknown user" "a path as user name is refused"
out=$(jit_call CreateRequest 'a{sv}' 2 user s alice service s $'../x\e[31m' 2>&1)
unlike "$(jit_ctl bob list --all)" "$esc" "a hostile service name is escaped in jitctl list"
