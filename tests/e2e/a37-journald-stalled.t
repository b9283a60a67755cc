#!/bin/bash
# ATTACKS.md A37: journald stopped (SIGSTOP), killed, restarting or not keeping up never blocks or
# changes a decision. jitd mirrors on a non-blocking socket of its own: what journald does not take
# waits in a bounded queue (MirrorQueue=), what does not fit is dropped and counted, and a signed
# mirror-gap record names the dropped records once journald takes entries again. The signed journal
# stays complete; `jitctl verify --journald` reports the gap as a gap, and still fails on a record
# journald lost that no gap record explains.
source "$(dirname "$0")/../lib.sh"

plan 29

N=200
JOURNAL=$JIT_STATE/journal.jsonl
JOURNALD_PID=$JIT_SANDBOX_DIR/journald.pid

# A small queue, so that N decisions while journald is stopped overflow it (the kernel's socket
# buffer takes a few hundred entries first).
jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
MirrorQueue=16

[Rule pamtester-ok]
Service=jit-test
User=alice
Action=approve
EOF
jit_restart || bail_out "jitd does not start with MirrorQueue=16"

# decide COUNT: COUNT decisions, one after another, each the CreateRequest call the PAM module
# makes (for jit-test, so rule pamtester-ok approves it); prints "ALLOWED TOTAL_US SLOWEST_US".
# jitd's side alone; the module's side (it logs every decision to /dev/log) is checked below.
decide() {
    local allowed=0 total=0 slowest=0 t0 t
    for _ in $(seq "$1"); do
        t0=$(_jit_now_us)
        [[ $(jit_call CreateRequest 'a{sv}' 2 user s alice service s jit-test 2>&1) == *'"approved"'* ]] &&
            allowed=$((allowed + 1))
        t=$(($(_jit_now_us) - t0))
        total=$((total + t))
        ((t > slowest)) && slowest=$t
    done
    echo "$allowed $total $slowest"
}

journald_pid() { cat "$JOURNALD_PID"; }
# journald_state: the one-letter state of the sandbox's journald (T when stopped).
journald_state() { sed -n 's/^.*) \(.\).*/\1/p' /proc/"$(journald_pid)"/stat 2>/dev/null; }
journald_stopped() { [[ $(journald_state) == T ]]; }
journald_gone() { _jit_pid_gone "$(journald_pid)"; }
# journald_start: as tests/sandbox.sh starts it; ready once it answers a sync.
journald_start() {
    /lib/systemd/systemd-journald </dev/null >>"$JIT_LOG_DIR/journald.log" 2>&1 &
    echo $! >"$JOURNALD_PID"
    wait_for 10 journalctl --sync
}
file_count() { jq -s "[.[] | select($1)] | length" "$JOURNAL"; }
last_request_id() { jq -r 'select(.type == "request") | .fields.request_id' "$JOURNAL" | tail -n1; }

# --- the baseline: journald running ----------------------------------------------------------------
read -r base_ok base_total base_slowest <<<"$(decide "$N")"
is "$base_ok" "$N" "journald running: all $N decisions allowed"
note "journald running: $N decisions in $((base_total / 1000)) ms, slowest $((base_slowest / 1000)) ms"

# --- journald stopped ------------------------------------------------------------------------------
kill -STOP "$(journald_pid)"
ok "journald is stopped (SIGSTOP)" wait_for 15 journald_stopped
gaps_before=$(file_count '.type == "mirror-gap"')
read -r stop_ok stop_total stop_slowest <<<"$(decide "$N")"
note "journald stopped: $N decisions in $((stop_total / 1000)) ms, slowest $((stop_slowest / 1000)) ms"
is "$stop_ok" "$N" "journald stopped: all $N decisions still allowed"
ok "journald stopped: the $N decisions take at most 5x as long as with journald running ($((stop_total / 1000)) ms vs $((base_total / 1000)) ms)" \
    test "$stop_total" -le $((base_total * 5))
ok "no decision waited for journald (slowest $((stop_slowest / 1000)) ms, under the module's timeout)" \
    test "$stop_slowest" -lt 5000000
ok "jitctl list answers while journald is stopped" jit_ctl bob list --json
ok "every decision is in the signed journal" \
    test "$(file_count '.type == "approve" and .fields.by == "rule pamtester-ok"')" -ge $((2 * N))
is "$(file_count '.type == "mirror-gap"')" "$gaps_before" "no gap is recorded while journald takes nothing"

# The module logs every decision to the system log. glibc's syslog(3) (and so pam_syslog()) blocks
# once /dev/log's queue is full (net.unix.max_dgram_qlen, 10 here), which would stall sudo on a
# stopped journald; the module sends without blocking and drops the line instead.
module_decide() {
    local pt t0 t slowest=0 allowed=0
    _jit_pamtester_prefix pt
    for _ in $(seq 30); do
        t0=$(_jit_now_us)
        timeout 20 "${pt[@]}" jit-test alice acct_mgmt >/dev/null 2>&1 && allowed=$((allowed + 1))
        t=$(($(_jit_now_us) - t0))
        ((t > slowest)) && slowest=$t
    done
    echo "$allowed $slowest"
}
read -r mod_ok mod_slowest <<<"$(module_decide)"
is "$mod_ok" 30 "journald stopped: 30 decisions through pam_jit.so (pamtester) are all allowed"
ok "and none waited for the system log (slowest $((mod_slowest / 1000)) ms)" test "$mod_slowest" -lt 5000000

# --- journald resumes: the queue drains and one record names the dropped entries -------------------
kill -CONT "$(journald_pid)"
ok "journald resumes: journald gets a mirror-gap entry" \
    jit_journal_wait 10 -t jitd JIT_RECORD=mirror-gap
# The first gap with records in it: a later one may hold only checkpoint entries.
gap=$(jq -c 'select(.type == "mirror-gap" and .fields.first_seq != null)' "$JOURNAL" | head -n1)
dropped=$(jq -r .fields.dropped <<<"$gap")
first=$(jq -r .fields.first_seq <<<"$gap")
last=$(jq -r .fields.last_seq <<<"$gap")
ok "the signed journal has the mirror-gap record: $dropped entries dropped, records $first..$last" \
    test "$dropped" -gt 0 -a "$first" -le "$last"
entry=$(jit_journal_json -t jitd JIT_RECORD=mirror-gap JIT_MIRROR_DROPPED="$dropped" | head -n1)
is "$(jq -r .JIT_MIRROR_DROPPED <<<"$entry")" "$dropped" "journald's entry says how many were dropped"
is "$(jq -r .MESSAGE_ID <<<"$entry")" 5a1b0e2c9d4f4e6f8a7b3c2d1e0f9a0d "with the mirror-gap MESSAGE_ID"
like "$(jq -r .MESSAGE <<<"$entry")" "journald missed $dropped jitd entries \\(records $first\\.\\.$last\\)" \
    "and a message naming the range"
seq_last=$(jq -s '[.[] | select(.type == "approve")] | last | .seq' "$JOURNAL")
ok "the newest entries, queued while journald was stopped, reach it afterwards" \
    jit_journal_wait 10 -t jitd JIT_SEQ="$seq_last"

# --- journald killed: decisions flow; restarted: entries flow again ---------------------------------
kill -KILL "$(journald_pid)"
ok "journald is killed" wait_for 15 journald_gone
read -r dead_ok dead_total _ <<<"$(decide 20)"
is "$dead_ok" 20 "journald dead: decisions still allowed"
ok "journald dead: 20 decisions take at most 5x as long as with journald running" \
    test "$dead_total" -le $((base_total * 5 * 20 / N))
ok "journald restarts" journald_start
decide 1 >/dev/null
id=$(last_request_id)
ok "jitd reconnects: a decision after the restart is in journald ($id)" \
    jit_journal_wait 10 -t jitd JIT_RECORD=approve JIT_REQUEST_ID="$id"

# --- hostile fields stay bounded and escaped --------------------------------------------------------
chunk=$(head -c 4000 /dev/zero | tr '\0' 'A')
big=()
for _ in $(seq 15); do big+=("$chunk"$'\nFAKE'); done
out=$(jit_call CreateRequest 'a{sv}' 3 user s alice service s sudo argv as 15 "${big[@]}" 2>&1)
hid=$(jit_request_id <<<"$out")
ok "a request with 60 KiB of newline-laden argv is mirrored ($hid)" \
    jit_journal_wait 10 -t jitd JIT_RECORD=request JIT_REQUEST_ID="$hid"
# --all: journalctl -o json shows a field over 4 KiB as null without it.
cmd=$(jit_journal_json --all -t jitd JIT_RECORD=request JIT_REQUEST_ID="$hid" | jq -r .JIT_COMMAND)
ok "its JIT_COMMAND is bounded (${#cmd} bytes) and holds no raw newline" \
    test "${#cmd}" -gt 1000 -a "${#cmd}" -le 4096 -a "${cmd//$'\n'/}" == "$cmd"
like "$cmd" '\\x0aFAKE' "the newline is shown escaped"

# --- verification ------------------------------------------------------------------------------------
ok "jitctl verify: the signed journal is complete and intact" jitctl verify
out=$(jitctl verify --journald 2>&1)
is "$?" 0 "jitctl verify --journald passes: the missing entries are a recorded gap"
like "$out" "journald missed records $first\\.\\.$last; jitd recorded the gap" \
    "and reports the dropped range as a gap, not as tampering"

# Entries journald accepted into its socket and lost when it was killed are not jitd's to know
# about: no gap record covers them, and the cross-check must say so.
kill -STOP "$(journald_pid)"
wait_for 15 journald_stopped
decide 1 >/dev/null
lost=$(jq -s '[.[] | select(.type == "approve")] | last | .seq' "$JOURNAL")
kill -KILL "$(journald_pid)"
wait_for 15 journald_gone
journald_start
decide 1 >/dev/null
id=$(last_request_id)
jit_journal_wait 10 -t jitd JIT_RECORD=approve JIT_REQUEST_ID="$id"
out=$(jitctl verify --journald 2>&1)
is "$?" 1 "jitctl verify --journald fails when journald lost records no gap record explains"
like "$out" "record [0-9]+ is missing from journald and no mirror-gap record explains it" \
    "naming the first missing record (record $lost or before it)"
