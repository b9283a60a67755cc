#!/bin/bash
# jitctl watch --json and --exec: one JSON object a line per event (the global --json as well as
# the verb's); --exec runs a real command per event, in order, as the user running watch, with the
# event on stdin and in JIT_* variables, its own argv never given to a shell, hostile request
# fields escaped; a failing, missing or hanging command is reported and watch goes on; a full queue
# drops events and says how many; a setuid jitctl refuses to run commands at all.
source "$(dirname "$0")/../lib.sh"

plan 55

jit_config <<CONF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
CONF
jit_restart || bail_out "jitd does not start"

# The commands watch runs, root's and read-only; a directory per watcher that its user writes.
top=$(mktemp -d /tmp/watch.XXXXXX) && chmod 0755 "$top" && mkdir -m 0755 "$top/bin" || bail_out "no tmp"
dirs() {
    local u
    for u in "$@"; do
        mkdir -m 0700 "$top/$u" && chown "$u:" "$top/$u" || return 1
    done
}
dirs carol dave
mkdir -m 0700 "$top/hang" "$top/gate" && chown carol: "$top/hang" "$top/gate"

# record DIR ARG: per event N, its environment (env.N), stdin (stdin.N), argv[2] (arg.N), and one
# line in DIR/events. What the environment holds is one variable a line: values are escaped.
cat >"$top/bin/record" <<'SH'
#!/bin/bash
dir=$1
n=$(($(wc -l <"$dir/events" 2>/dev/null || echo 0) + 1))
cat >"$dir/stdin.$n"
env >"$dir/env.$n"
printf '%s' "$2" >"$dir/arg.$n"
echo "n=$n uid=$(id -u) event=$JIT_EVENT id=$JIT_REQUEST_ID state=$JIT_STATE by=$JIT_BY" >>"$dir/events"
SH
# hang DIR: leaves a child in its process group, then never ends by itself.
cat >"$top/bin/hang" <<'SH'
#!/bin/bash
sleep 600 &
echo $! >>"$1/children"
echo "$JIT_EVENT $JIT_REQUEST_ID" >>"$1/ran"
wait
SH
# gate DIR: notes the event, then waits (bounded) until DIR/open exists: a slow command.
cat >"$top/bin/gate" <<'SH'
#!/bin/bash
echo "$JIT_EVENT ${JIT_REQUEST_ID:-} ${JIT_DROPPED:-}" >>"$1/ran"
for ((i = 0; i < 2400; i++)); do
    [[ -e $1/open ]] && exit 0
    sleep 0.05
done
exit 1
SH
chmod 0755 "$top/bin/record" "$top/bin/hang" "$top/bin/gate"

# --- bad usage ------------------------------------------------------------------------------------
for bad in "watch --exec" "watch /bin/true" "watch --timeout 5s" "watch --exec --queue 0 -- /bin/true" \
    "watch --exec --timeout never -- /bin/true"; do
    # shellcheck disable=SC2086 # word splitting is the point: each is a command line
    jit_ctl dave $bad >/dev/null 2>&1
    is "$?" 2 "jitctl $bad: bad usage, exit status 2"
done

# --- the watchers ------------------------------------------------------------------------------
lit='lit $HOME;*`id`'
jit_bg rec --as carol -- "$JIT_BUILD/jitctl" watch --exec -- "$top/bin/record" "$top/carol" "$lit"
jit_bg json --as bob -- "$JIT_BUILD/jitctl" --json watch
jit_bg vjson --as bob -- "$JIT_BUILD/jitctl" watch --json
jit_bg false --as dave -- "$JIT_BUILD/jitctl" watch --exec /bin/false
jit_bg nocmd --as dave -- "$JIT_BUILD/jitctl" watch --exec -- /nonexistent/notify
jit_bg sig --as dave -- "$JIT_BUILD/jitctl" watch --exec -- /bin/sh -c 'kill -s TERM $$'
jit_bg hang --as carol -- "$JIT_BUILD/jitctl" watch --timeout 1s --exec -- "$top/bin/hang" "$top/hang"
jit_bg gate --as carol -- "$JIT_BUILD/jitctl" watch --queue 1 --timeout 3m --exec -- "$top/bin/gate" "$top/gate"
for w in rec json vjson false nocmd sig hang gate; do
    wait_for_output "$w" "listening" 10 || bail_out "jitctl watch ($w) does not start"
done
pass "eight watchers listen (--exec, --json before and after the verb)"

# --- four events: a request ahead of time approved, a PAM request denied ---------------------------
nbsp=$'\xc2\xa0'
out=$(jit_ctl alice request --reason $'deploy\nFAKE: approved by root' -- id "a${nbsp}b" '$(touch /tmp/pwned)')
a=$(jit_request_id <<<"$out")
like "$a" "^$JIT_ID_RE\$" "alice asks ahead of time with a hostile reason and command ($a)"
wait_for_output json "\"id\":\"$a\"" 10 || diag "the JSON watch did not see $a"
ok "bob approves $a with a comment" jit_ctl bob approve "$a" --comment "ok, go"
jit_bg p --pamtester -- jit-test alice acct_mgmt
b=$(jit_wait_request p)
like "$b" "^$JIT_ID_RE\$" "pamtester: alice's PAM request ($b)"
wait_for_output json "\"id\":\"$b\"" 10 || diag "the JSON watch did not see $b"
ok "bob denies $b" jit_ctl bob deny "$b" --comment "not now"
jit_bg_wait p 10
isnt "$?" 0 "pamtester: the denied request fails"

# --- --json ------------------------------------------------------------------------------------------
lines() { grep -c . "$(jit_bg_out "$1")"; }
ok "jitctl --json watch: four lines" wait_for 10 eval '[[ $(lines json) -ge 4 ]]'
ok "jitctl watch --json: four lines" wait_for 10 eval '[[ $(lines vjson) -ge 4 ]]'
ok "every line is one JSON object" jq -e -s 'length == 4 and all(type == "object")' "$(jit_bg_out json)"
is "$(jq -r '"\(.event) \(.id) \(.state)"' "$(jit_bg_out json)" | paste -sd,)" \
    "created $a pending,decided $a approved,created $b pending,decided $b denied" \
    "the events in order: event, id, state"
is "$(jq -r 'select(.event == "decided") | "\(.by)/\(.comment)/\(.user)"' "$(jit_bg_out json)" | paste -sd,)" \
    "bob/ok, go/alice,bob/not now/alice" "decided events carry by, comment and the requester (GetRequest)"
ok "the created event carries the times and the kind of command" \
    jq -e -s '.[0] | (.deadline_usec > 0) and (.created_usec > 0) and .command_kind == "bare"' "$(jit_bg_out json)"
ok "the approval carries until_usec" jq -e -s '.[1].until_usec > 0' "$(jit_bg_out json)"
is "$(cat "$(jit_bg_out vjson)")" "$(cat "$(jit_bg_out json)")" "watch --json prints what jitctl --json watch does"
reason=$(jq -r -s '.[0].reason' "$(jit_bg_out json)")
is "$reason" 'deploy\x0aFAKE: approved by root' "the reason's newline arrives escaped in JSON, not as a line break"

# --- --exec: what CMD saw --------------------------------------------------------------------------
d=$top/carol
ok "CMD ran once per event" wait_for 10 eval "[[ \$(wc -l <'$d/events') -eq 4 ]]"
carol=$(jit_uid carol)
is "$(cut -d' ' -f2- "$d/events" | paste -sd,)" \
    "uid=$carol event=created id=$a state=pending by=,uid=$carol event=decided id=$a state=approved by=bob,uid=$carol event=created id=$b state=pending by=,uid=$carol event=decided id=$b state=denied by=bob" \
    "in order, as carol (uid $carol), never root; JIT_EVENT, JIT_REQUEST_ID, JIT_STATE, JIT_BY"
for n in 1 2 3 4; do
    ok "event $n: stdin is the event's JSON object, the same as the environment's" \
        jq -e --arg id "$(sed -n 's/^JIT_REQUEST_ID=//p' "$d/env.$n")" --arg ev "$(sed -n 's/^JIT_EVENT=//p' "$d/env.$n")" \
        '.id == $id and .event == $ev' "$d/stdin.$n"
done
is "$(grep -c '' "$d/stdin.1")" 1 "stdin: one line"
is "$(cat "$d/arg.1")" "$lit" "CMD's own argument arrives as written: no shell ran it"
is "$(grep '^JIT_USER=' "$d/env.1")" "JIT_USER=alice" "JIT_USER: the requester"
is "$(grep '^JIT_COMMAND=' "$d/env.1")" "JIT_COMMAND=id 'a\\u{a0}b' '\$(touch /tmp/pwned)'" \
    "JIT_COMMAND: the invisible character escaped, the word quoted, \$(...) only text"
is "$(grep '^JIT_REASON=' "$d/env.1")" 'JIT_REASON=deploy\x0aFAKE: approved by root' \
    "JIT_REASON: the newline escaped; no line of its own"
nok "no environment line starts with the injected text" grep -q '^FAKE' "$d/env.1"
ok "nothing ran \$(touch /tmp/pwned)" test ! -e /tmp/pwned
is "$(grep '^JIT_COMMENT=' "$d/env.2")" "JIT_COMMENT=ok, go" "JIT_COMMENT: the approver's comment"
is "$(grep '^JIT_SERVICE=' "$d/env.3")" "JIT_SERVICE=jit-test" "JIT_SERVICE of the PAM request"
ok "JIT_DEADLINE_USEC and JIT_UNTIL_USEC are numbers" \
    eval "grep -Eq '^JIT_DEADLINE_USEC=[0-9]+\$' '$d/env.1' && grep -Eq '^JIT_UNTIL_USEC=[1-9][0-9]*\$' '$d/env.2'"

# --- a full queue -----------------------------------------------------------------------------------
ok "the slow CMD's watch says it drops events" wait_for_output gate "dropping new ones" 10
touch "$top/gate/open"
ok "the dropped count runs as an event of its own" wait_for 10 grep -q '^dropped' "$top/gate/ran"
ok "and stderr says how many" wait_for_output gate "[0-9]+ events? dropped: CMD runs slower" 10
# What ran, in order: created and decided of $a (the one running, the one queued), the count, then
# whatever arrived after the gate opened. Ran plus dropped is every event, none twice.
ran=$(cut -d' ' -f1,2 "$top/gate/ran" | paste -sd,)
dropped=$(awk '$1 == "dropped" { print $2 }' "$top/gate/ran")
like "$ran" "^created $a,decided $a,dropped" "in order: the running event, the queued one, then the count ($ran)"
is "$(($(grep -vc '^dropped' "$top/gate/ran") + dropped))" 4 "events run + dropped ($dropped) = 4"

# --- failing and missing commands ----------------------------------------------------------------------
ok "a failing CMD is reported for every event; watch goes on" \
    wait_for 10 eval "[[ \$(grep -c 'exited with status 1' '$(jit_bg_err false)') -eq 4 ]]"
ok "it names the event" grep -q "CMD for decided $b exited with status 1" "$(jit_bg_err false)"
ok "a CMD that is not there is reported for every event; watch goes on" \
    wait_for 10 eval "[[ \$(grep -c 'cannot run /nonexistent/notify for .*: No such file or directory' '$(jit_bg_err nocmd)') -eq 4 ]]"
ok "a CMD killed by a signal is reported for every event; watch goes on" \
    wait_for 10 eval "[[ \$(grep -c 'CMD for .* was killed by signal TERM' '$(jit_bg_err sig)') -eq 4 ]]"
ok "the three watches still run" eval 'jit_bg_running false && jit_bg_running nocmd && jit_bg_running sig'

# --- a hanging command --------------------------------------------------------------------------------
ok "a hanging CMD is killed at --timeout, and reported, for each of the four events" \
    wait_for 30 eval "[[ \$(grep -c 'still running after 1s; killing its process group' '$(jit_bg_err hang)') -eq 4 ]]"
is "$(cut -d' ' -f1 "$top/hang/ran" | paste -sd,)" "created,decided,created,decided" "each event ran in turn, in order"
gone() {
    local pid
    while read -r pid; do _jit_pid_gone "$pid" || return 1; done <"$top/hang/children"
}
ok "what the CMD started in its process group was killed too" wait_for 10 gone

# --- stopping, and privilege -----------------------------------------------------------------------
jit_bg_kill rec TERM
jit_bg_wait rec 10
is "$?" 0 "SIGTERM ends watch --exec with status 0"

# A setuid copy of jitctl (on a mount that honours setuid bits; the sandbox's /run and /tmp do
# not): CMD would run with root's effective uid, so watch refuses instead of dropping anything.
mkdir -m 0755 "$top/suid" && mount -t tmpfs -o mode=0755 jit-suid "$top/suid" &&
    install -m 4755 -o root "$JIT_BUILD/jitctl" "$top/suid/jitctl"
out=$(jit_as dave timeout 10 "$top/suid/jitctl" watch --exec -- /bin/true 2>&1)
is "$?" 1 "a setuid jitctl refuses watch --exec (exit status 1)"
like "$out" "refuses to run: jitctl was started with privileges" "and says why"
umount "$top/suid"

# --- the bus goes away: watch ends, saying so, instead of waiting forever -------------------------
dbus=$(cat "$JIT_SANDBOX_DIR/dbus.pid")
kill -TERM "$dbus"
jit_bg_wait vjson 10
is "$?" 1 "dbus-daemon stopped: jitctl watch --json exits 1"
jit_bg_wait false 10
is "$?" 1 "and so does watch --exec"
ok "saying the bus was lost" jit_bg_has false "watch: the connection to the bus was lost"
