#!/bin/bash
# ATTACKS.md A44: invisible, format, bidi and non-ASCII space characters in a command (U+00A0,
# U+2000..U+200F, U+2028/9, U+202A..U+202E, U+2060..U+2069, U+3000, U+00AD, U+FEFF, and a few more
# that draw nothing) are shown escaped as \u{...}, and the word holding one is quoted, in jitctl
# list, show and watch, in journald (JIT_COMMAND and MESSAGE) and in the module's own lines; no raw
# byte sequence of any of them appears in what is shown. An argv[0] forged with them (exec -a) never
# reads as another command either.
source "$(dirname "$0")/../lib.sh"

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
EOF
jit_restart || bail_out "jitd does not start"

# code point : what it is : its UTF-8 bytes
chars=(
    "a0:NO-BREAK SPACE:\xc2\xa0"
    "2000:EN QUAD:\xe2\x80\x80"
    "200a:HAIR SPACE:\xe2\x80\x8a"
    "3000:IDEOGRAPHIC SPACE:\xe3\x80\x80"
    "200b:ZERO WIDTH SPACE:\xe2\x80\x8b"
    "200f:RIGHT-TO-LEFT MARK:\xe2\x80\x8f"
    "2060:WORD JOINER:\xe2\x81\xa0"
    "2064:INVISIBLE PLUS:\xe2\x81\xa4"
    "ad:SOFT HYPHEN:\xc2\xad"
    "feff:ZERO WIDTH NO-BREAK SPACE:\xef\xbb\xbf"
    "202a:LEFT-TO-RIGHT EMBEDDING:\xe2\x80\xaa"
    "202e:RIGHT-TO-LEFT OVERRIDE:\xe2\x80\xae"
    "2066:LEFT-TO-RIGHT ISOLATE:\xe2\x81\xa6"
    "2069:POP DIRECTIONAL ISOLATE:\xe2\x81\xa9"
    "2028:LINE SEPARATOR:\xe2\x80\xa8"
    "2029:PARAGRAPH SEPARATOR:\xe2\x80\xa9"
    "3164:HANGUL FILLER:\xe3\x85\xa4"
    "fe0f:VARIATION SELECTOR-16:\xef\xb8\x8f"
    "e0041:TAG LATIN CAPITAL LETTER A:\xf3\xa0\x81\x81"
)
plan $((${#chars[@]} * 12 + 10))

# has TEXT FIXED: TEXT holds FIXED, byte for byte.
has() { [[ $1 == *"$2"* ]]; }
# has_line FILE ID FIXED: a line of FILE names ID and holds FIXED.
has_line() { grep -F -- "$2" "$1" 2>/dev/null | grep -qF -- "$3"; }
# raw_free TEXT: none of the characters above appears raw in TEXT.
raw_free() {
    local c bytes
    for c in "${chars[@]}"; do
        bytes=$(printf '%b' "${c##*:}")
        ! LC_ALL=C grep -qF -- "$bytes" <<<"$1" || {
            echo "raw U+${c%%:*} in: $1"
            return 1
        }
    done
}
# argv0_one_word LINE: LINE does not show the forged argv[0], or shows it as one escaped, quoted word.
argv0_one_word() { [[ $1 != *tail* || $1 == *"'sudo\u{a0}tail\u{a0}-n\u{a0}50'"* ]]; }
# escaped_comment NAME: NAME's output shows the comment no<NBSP>way escaped, and nothing raw.
escaped_comment() { has "$(jit_bg_output "$1")" "no\u{a0}way" && raw_free "$(jit_bg_output "$1")"; }
# record ID TYPE: journald's JSON entry of ID's record of TYPE, once it is there.
record() {
    jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$1" JIT_RECORD="$2" &&
        jit_journal_json -t jitd JIT_REQUEST_ID="$1" JIT_RECORD="$2" | head -n1
}

jit_bg w --as carol -- "$JIT_BUILD/jitctl" watch
wait_for_output w "Watching" 10 || bail_out "jitctl watch does not start"

i=0
for c in "${chars[@]}"; do
    i=$((i + 1))
    hex=${c%%:*} what=${c#*:}
    what=${what%%:*}
    ch=$(printf '%b' "${c##*:}")
    esc="\\u{$hex}"
    want="'a${esc}b'" # the word a<CHAR>b, escaped and quoted

    # --- a request ahead of time (jitd and jitctl; every build) ----------------------------------
    out=$(jit_ctl alice request --reason a44 -- id "a${ch}b")
    id=$(jit_request_id <<<"$out")
    line=$(jit_ctl bob list | grep -F -- "$id")
    ok "U+$hex ($what): jitctl list shows $want ($id)" has "$line" "$want"
    show=$(jit_ctl bob show "$id")
    ok "U+$hex: jitctl show's command line shows $want" has "$(grep '^ *command:' <<<"$show")" "$want"
    ok "U+$hex: jitctl show --json's command holds $want" has "$(jit_ctl bob show --json "$id" | jq -r .command)" "$want"
    ok "U+$hex: jitctl watch shows $want" wait_for 10 has_line "$(jit_bg_out w)" "created  $id" "$want"
    rec=$(record "$id" request)
    ok "U+$hex: journald's JIT_COMMAND holds $want, as jitctl shows it" has "$(jq -r .JIT_COMMAND <<<"$rec")" "$want"
    ok "U+$hex: journald's MESSAGE holds $want" has "$(jq -r .MESSAGE <<<"$rec")" "$want"
    ok "U+$hex: nothing raw in list, show, watch or journald" \
        raw_free "$line$show$(grep -F -- "$id" "$(jit_bg_out w)")$rec"
    jit_ctl bob deny "$id" >/dev/null

    # --- through the module: real sudo where it can load pam_jit.so, else pamtester -------------------
    if jit_have_real_sudo; then
        jit_bg "s$i" --as alice -- sudo -n id "a${ch}b"
        sid=$(jit_wait_request "s$i")
        line=$(jit_ctl bob list | grep -F -- "$sid")
        ok "U+$hex: sudo -n id a<$what>b: jitctl list shows $want ($sid)" has "$line" "$want"
        rec=$(record "$sid" request)
        ok "U+$hex: sudo's request: journald's JIT_COMMAND holds $want" has "$(jq -r .JIT_COMMAND <<<"$rec")" "$want"
    else
        jit_bg "s$i" --pamtester -- jit-test alice acct_mgmt
        sid=$(jit_wait_request "s$i")
        skip "$(jit_why_no_real_sudo)" 2
        line=
    fi
    # The module shows the approver's comment: escaped (a comment is text, not words: not quoted).
    jit_ctl bob deny "$sid" --comment "no${ch}way" >/dev/null
    jit_bg_wait "s$i" 10 >/dev/null
    module=$(jit_bg_output "s$i")
    ok "U+$hex: the module's denial line shows the comment as no${esc}way" has "$module" "no${esc}way"
    ok "U+$hex: the module's lines hold nothing raw" raw_free "$module"
    ok "U+$hex: nothing raw in journald's deny record" raw_free "$line$(record "$sid" deny)"
done

# --- argv[0] forged with invisible characters (exec -a): never reads as another command -----------------
nbsp=$'\xc2\xa0' rlo=$'\xe2\x80\xae'
if jit_have_real_sudo; then
    jit_bg f1 --as alice -- bash -c "exec -a 'sudo${nbsp}tail${nbsp}-n${nbsp}50' sudo -n id -u"
    fid=$(jit_wait_request f1)
    line=$(jit_ctl bob list | grep -F -- "$fid")
    unlike "$line" "sudo tail" "exec -a 'sudo<NBSP>tail<NBSP>-n<NBSP>50' sudo -n id -u: jitctl list never reads 'sudo tail' ($fid)"
    ok "...where it shows argv[0] at all, it is one quoted word with its NBSPs escaped" argv0_one_word "$line"
    ok "...and nothing raw" raw_free "$line$(jit_ctl bob show "$fid")"
    jit_ctl bob deny "$fid" >/dev/null
    jit_bg_wait f1 10 >/dev/null
    jit_bg f2 --as alice -- bash -c "exec -a '${rlo}ls' sudo -n id -u"
    fid=$(jit_wait_request f2)
    line=$(jit_ctl bob list | grep -F -- "$fid")
    ok "exec -a '<RLO>ls' sudo -n id -u: the override is never raw in jitctl list ($fid)" raw_free "$line"
    ok "...nor in jitctl show" raw_free "$(jit_ctl bob show "$fid")"
    ok "...nor in journald" raw_free "$(record "$fid" request)"
    jit_ctl bob deny "$fid" >/dev/null
    jit_bg_wait f2 10 >/dev/null
else
    skip "$(jit_why_no_real_sudo)" 6
fi

# --- the sudo approval plugin (the exact path) shows them the same way ---------------------------------
if jit_have_sudo_plugin; then
    jit_use_sudo_plugin || bail_out "cannot switch sudo to sudo_jit.so"
    jit_bg p --as alice -- sudo -n id "a${nbsp}b"
    pid=$(jit_wait_request p)
    ok "sudo_jit.so: sudo -n id a<NBSP>b: jitctl list shows 'a\\u{a0}b' ($pid)" \
        has "$(jit_ctl bob list | grep -F -- "$pid")" "'a\\u{a0}b'"
    jit_ctl bob deny "$pid" --comment "no${nbsp}way" >/dev/null
    jit_bg_wait p 10 >/dev/null
    ok "sudo_jit.so: its denial line shows the comment escaped, nothing raw" escaped_comment p
else
    skip "$(jit_why_no_sudo_plugin)" 2
fi

# --- and nowhere at all: every jitd record in journald, everything the watch printed -----------------------
ok "no raw invisible character in any of jitd's journald entries" raw_free "$(jit_journal_json -t jitd)"
ok "no raw invisible character in anything jitctl watch printed" raw_free "$(jit_bg_output w)"
