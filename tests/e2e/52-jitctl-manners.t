#!/bin/bash
# Issue 11 item 5 and issue 9 item 4, jitctl's manners: --version, a help verb and --help on every
# verb; one "jitctl: " error prefix; exit 2 for bad usage and 1 for a refused action; each verb
# takes only its own options; --json (json-c: valid for any input, no escaped slashes) on every
# verb that has output, refused where it means nothing; "jitd is not running" instead of the bus's
# words; the approver is told when --for was cut to MaxGrant; show gives rule, scope, grant length
# and approvals; local times unless --utc, relative times in tables; colour only on a terminal
# without NO_COLOR; bash completion. And issue 11 item 6: verify --journald fails when nothing was
# compared, and checkpoints reach journald under their own identifier.
export JIT_NO_JITD=1 # the first assertions need a jitd that is not running, and a journald it never wrote to
source "$(dirname "$0")/../lib.sh"

CTL=$JIT_BUILD/jitctl
DATA=$JIT_SRC/tests/data/journal
VERBS=(list show approve deny cancel request grants revoke watch log verify checkpoint prove verify-proof help)

# run ARGS...: jitctl as bob; sets rc, out (stdout) and err (stderr).
run() {
    out=$(jit_ctl bob "$@" 2>"$JIT_TMP/err")
    rc=$?
    err=$(<"$JIT_TMP/err")
}
# only_prefixed TEXT: every line of TEXT starts with "jitctl: " (and there is at least one).
only_prefixed() { [[ -n $1 ]] && ! grep -qv '^jitctl: ' <<<"$1"; }

# --- version and help ------------------------------------------------------------------------------------
run --version
is "$rc:$out" "0:jitctl $(sed -n 's/^VERSION *:= *//p' "$JIT_SRC/Makefile")" "jitctl --version prints the Makefile's version"
run help
ok "jitctl help: the overview, exit 0, names every verb" \
    bash -c '(($1 == 0)) && for v in "${@:3}"; do grep -qE "^  $v( |\$)" <<<"$2" || exit 1; done' _ "$rc" "$out" "${VERBS[@]}"
bad=()
for v in "${VERBS[@]}"; do
    run "$v" --help
    [[ $rc == 0 && $out == "Usage: jitctl $v"* ]] || bad+=("$v($rc)")
done
is "${bad[*]}" "" "every verb answers --help with its usage, exit 0"
run help approve
like "$rc:$out" "^0:Usage: jitctl approve ID" "jitctl help approve: that verb's help"
run help verify
like "$rc:$out" "^0:Usage: jitctl verify " "jitctl help verify: an offline verb's own help"

# --- usage errors: exit 2, named, one prefix ----------------------------------------------------------------
run cancel --for 2h ABCD-EFGH
is "$rc:$err" "2:jitctl: cancel does not take --for (see jitctl help cancel)" \
    "per-verb options: cancel --for 2h is a usage error naming the option and the verb"
run deny --all ABCD-EFGH
is "$rc" 2 "deny --all: refused too (list's option)"
run list --comment x
is "$rc" 2 "list --comment: refused (approve's option)"
run approve --for
is "$rc:$err" "2:jitctl: approve: --for needs a value (see jitctl help approve)" "an option without its value: exit 2"
run approve --for soon ABCD-EFGH
is "$rc:$err" "2:jitctl: approve: --for soon: not a duration (e.g. 30m, 2h)" "a bad duration: exit 2"
run show
is "$rc:$err" "2:jitctl: show needs a request ID (see jitctl help show)" "show without an id: exit 2"
run bogus
is "$rc:$err" "2:jitctl: unknown verb 'bogus' (see jitctl help)" "an unknown verb: exit 2"
all_err=
for args in "--bogus list" "list --bogus" "log --bogus" "verify --bogus" "checkpoint --bogus" "prove" \
    "verify-proof a b" "help nosuchverb" "approve A B" "checkpoint --json" "--json prove 1" "help --json"; do
    # shellcheck disable=SC2086 # split on purpose: each string is one command line
    run $args
    [[ $rc == 2 ]] || all_err+="[$args: exit $rc]"$'\n'
    all_err+=$err$'\n'
done
ok "bad usage of every kind exits 2, and every message starts with 'jitctl: '" \
    only_prefixed "$(sed '/^$/d' <<<"$all_err")"
run checkpoint --json
like "$err" "checkpoint does not take --json" "--json is refused where it means nothing (checkpoint)"
run --json prove 1
is "$rc:$err" "2:jitctl: prove has no --json output (see jitctl help prove)" "...also when given before the verb"

# --- jitd not running ---------------------------------------------------------------------------------------
run list
is "$rc:$err" "1:jitctl: list: jitd is not running (systemctl status jitd)" \
    "jitd down: 'jitd is not running', exit 1 (not the bus's 'not provided by any .service files')"
out=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=$JIT_TMP/no-such-socket "$CTL" grants 2>&1)
is "$?:$out" "1:jitctl: grants: jitd is not running (systemctl status jitd)" "no system bus socket at all: the same"

# --- verify --journald on a journal journald never saw -----------------------------------------------------------
V=(--journal "$DATA/good.jsonl" --key "$DATA/journal.pub")
ok "the test journal verifies on its own" "$CTL" verify "${V[@]}"
out=$("$CTL" verify "${V[@]}" --journald 2>&1)
is "$?" 1 "verify --journald fails when journald holds nothing of the journal (nothing compared)"
like "$out" "FAILED: journald holds no record or checkpoint of this journal" "...and says why"
json=$("$CTL" verify "${V[@]}" --json)
is "$(jq -r .journal <<<"$json")" "$DATA/good.jsonl" "verify --json is JSON"
unlike "$json" '\\/' "...without escaped slashes (json-c NOSLASHESCAPE)"
out=$(TZ=XYZ-3 "$CTL" log --journal "$DATA/good.jsonl" | head -n1)
like "$out" " XYZ " "jitctl log: times in the local time zone (TZ=XYZ-3)"
out=$(TZ=XYZ-3 "$CTL" --utc log --journal "$DATA/good.jsonl" | head -n1)
like "$out" " UTC " "jitctl --utc log: in UTC"

# --- jitd up ------------------------------------------------------------------------------------------------
jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=300s
DefaultGrant=15m
MaxGrant=8h

[Rule capped]
Service=sudo
Command=hostname
Action=require
MaxGrant=1h

[Rule two]
Service=sudo
Command=uptime
Action=require
Approvals=2

[Rule anything]
Service=sudo
Action=require
EOF
jit_start || bail_out "jitd does not start"

# request USER ARGS...: jitctl request as USER; prints the id.
request() { jit_ctl "$@" | jit_request_id; }

# MaxGrant=: the approver is told when --for was cut, and not otherwise.
id=$(request alice request --for 99h -- hostname)
run approve "$id" --for 99h
like "$rc:$out" "^0:Approved $id until " "bob approves --for 99h under MaxGrant=1h"
is "$err" "jitctl: --for 99h was cut to the rule's MaxGrant (1h)" "...and is told it was cut to MaxGrant (1h)"
# (Each grant is revoked at once: while it lives, alice's next request for hostname is covered by it.)
jit_ctl bob revoke "$id" >/dev/null
id=$(request alice request -- hostname)
run approve "$id" --for 20m --json
is "$err" "" "--for 20m under MaxGrant=1h: nothing to say"
is "$(jq -c '[.id, .state, .grant_usec, .cut_to_max_grant]' <<<"$out")" "[\"$id\",\"approved\",1200000000,false]" \
    "approve --json: a result object (id, state, grant_usec, cut_to_max_grant)"
like "$(jq -r .until_usec <<<"$out")" '^[0-9]{16}$' "...with until_usec"
jit_ctl bob revoke "$id" >/dev/null
id=$(request alice request -- hostname)
run approve "$id" --for 99h --json
is "$(jq -r .cut_to_max_grant <<<"$out")" true "approve --json says cut_to_max_grant too"

# show: rule, scope, grant, approvals, the command's kind.
id=$(request alice request --for 45m --reason "see https://example.org/a/b" -- uptime)
run show "$id"
like "$out" $'\n'"     rule: two"$'\n' "show: the rule"
like "$out" $'\n'"    scope: this command only"$'\n' "show: the scope (grant_scope)"
like "$out" $'\n'"    grant: 45m as asked" "show: the grant's length, as the requester asked (requested_usec)"
like "$out" $'\n'"approvals: 0 of 2 so far"$'\n' "show: approvals so far and needed"
like "$out" "command: uptime  \\(as typed" "show: the command and whether it is exact or as typed"
id2=$(request alice request --reason "no length" -- whoami)
run show "$id2"
like "$out" $'\n'"    grant: 15m \\(the rule's DefaultGrant=\\)" "show: without --for, the rule's DefaultGrant= (default_grant_usec)"
jit_ctl alice cancel "$id2" >/dev/null
jit_ctl carol approve "$id" >/dev/null
run show "$id"
like "$out" "approvals: 1 of 2 so far" "show after one approval: 1 of 2"
raw=$(jit_ctl bob show --json "$id")
is "$(jq -r .reason <<<"$raw")" "see https://example.org/a/b" "show --json: valid JSON"
unlike "$raw" '\\/' "show --json: no escaped slashes"
id2=$(request alice request --reason $'quote " backslash \\ tab \t bell \a <\/script> é' -- id -u)
json_reason() { jit_ctl bob show --json "$1" | jq -e .reason; }
like "$id2" "^$JIT_ID_RE\$" "a request whose reason has quotes, backslashes and control characters ($id2)"
ok "show --json is valid JSON for it" json_reason "$id2"

# --json on every verb with output: decisions print a result object.
is "$(jit_ctl bob deny "$id2" --json | jq -c '[.id, .state]')" "[\"$id2\",\"denied\"]" "deny --json: {id, state: denied}"
id3=$(request alice request -- whoami)
is "$(jit_ctl alice cancel "$id3" --json | jq -c '[.id, .state]')" "[\"$id3\",\"cancelled\"]" "cancel --json: {id, state: cancelled}"
gid=$(jit_ctl bob grants --json | jq -r '.[0].id')
is "$(jit_ctl bob revoke "$gid" --json | jq -c '[.id, .state]')" "[\"$gid\",\"revoked\"]" "revoke --json: {id, state: revoked}"
is "$(jit_ctl alice request --json -- date | jq -r .state)" pending "request --json: {id, state, deadline_usec}"
ok "list --json and grants --json are JSON arrays" bash -c '"$1" list --json | jq -e "type == \"array\"" && "$1" grants --json | jq -e "type == \"array\""' _ "$CTL"

# A refused action exits 1, with jitd's words after the prefix.
run approve ABCD-EFGH
like "$rc:$err" "^1:jitctl: approve ABCD-EFGH: " "a refused action (unknown id) exits 1, prefixed"

# Times: local unless --utc; tables relative.
out=$(TZ=XYZ-3 jit_ctl bob show "$id")
like "$out" "created: [0-9-]+ [0-9:]+ XYZ \\(now|[0-9]+s ago\\)" "show: times in the local time zone (TZ=XYZ-3), with how long ago"
out=$(TZ=XYZ-3 jit_ctl bob --utc show "$id")
like "$out" "created: [0-9-]+ [0-9:]+ UTC " "show --utc: in UTC"
like "$(jit_ctl bob list)" "$id +pending +alice +sudo +in [0-9]+m " "list: when it expires, relative (in 4m)"
like "$(jit_ctl bob list --all)" "$id2 +denied .* [0-9]+s ago |$id2 +denied .* now " "list --all: when it was decided, relative (2s ago)"

# Colour: only on a terminal, and not with NO_COLOR.
ESC=$'\033'
unlike "$(jit_ctl bob list)" "$ESC" "no colour escapes when stdout is not a terminal"
like "$(jit_pty --as bob env -u NO_COLOR TERM=xterm "$CTL" list)" "${ESC}\\[1;33mpending" "state names in colour on a terminal"
unlike "$(jit_pty --as bob env NO_COLOR=1 TERM=xterm "$CTL" list)" "$ESC" "NO_COLOR=1: no colour, even on a terminal"

# Bash completion: verbs, a verb's own options, pending ids.
complete_words() { # complete_words WORD...: what completion offers for the last word, as bob
    jit_as bob bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _jitctl; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$JIT_SRC/packaging/jitctl.bash-completion" "$@"
}
is "$(complete_words jitctl ap)" approve "completion: verbs"
is "$(complete_words jitctl cancel -- | sort | tr '\n' ' ')" "--help --json --utc " "completion: cancel's own options (no --for)"
like "$(complete_words jitctl approve --f)" "^--for$" "completion: approve's --for"
like "$(complete_words "$CTL" approve '')" "$id" "completion: pending ids from jitctl list --json"
unlike "$(complete_words "$CTL" approve '')" "$id2" "...not decided ones"
bad=()
for v in "${VERBS[@]}"; do
    [[ $v == help ]] && continue
    for o in $(complete_words jitctl "$v" --); do
        [[ $o == --help ]] && continue # (answered by every verb: above)
        "$CTL" "$v" --help | grep -q -- "$o" || bad+=("$v $o")
    done
done
is "${bad[*]}" "" "every option completion offers is in that verb's --help"

# journald: checkpoints under their own identifier; verify --journald still finds them.
ok "journald has checkpoints as jitd-checkpoint" jit_journal_wait 10 -t jitd-checkpoint JIT_RECORD=checkpoint
is "$(jit_journal_json -t jitd JIT_RECORD=checkpoint | wc -l)" 0 "journalctl -t jitd shows no checkpoint: a list of decisions"
ok "journalctl -t jitd still has the decisions" jit_journal_wait 15 -t jitd JIT_RECORD=approve
out=$("$CTL" verify --journald 2>&1)
is "$?" 0 "verify --journald: the live journal is consistent with journald"
like "$out" "consistent with journald \\([1-9][0-9]* mirrored" "...having compared records and checkpoints"

done_testing
