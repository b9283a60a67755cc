#!/bin/bash
# ATTACKS.md A35, for a whole commit group: many requests arrive together, so jitd journals them in
# one group (one write, one fdatasync, one signature); when that commit fails on a full file
# system, every request of the group is refused with JournalUnavailable (none approved), jitd keeps
# none of them, journald hears of none, and once space returns the journal verifies and holds
# only the requests that were committed.
source "$(dirname "$0")/../lib.sh"

plan 14

CLIENT=$JIT_BUILD/helpers/bus-client
N=32

jit_stop >/dev/null
ok "a 512 KiB tmpfs over /var/lib/jit" mount -t tmpfs -o size=512k,mode=0700 jit-small /var/lib/jit
jit_config <<CONF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
[Rule burst]
Service=burst
Action=approve
CONF
ok "jitd starts on it, with a rule that approves service burst" jit_start

fill() { dd if=/dev/zero of=/var/lib/jit/filler bs=4k >/dev/null 2>&1; sync; }
unfill() { rm -f /var/lib/jit/filler; }
burst_count() { jit_ctl root list --all --json | jq '[.[] | select(.service == "burst")] | length'; }

fill
# tmpfs counts whole pages: the journal's last page may still take a record or two. Single requests
# (another service) use it up until one cannot be recorded (bounded: 40 tries).
refused=$(jit_journal_refusal probe)
like "$refused" "journal cannot be written" "the disk is full: a single request is refused"

before=$(grep -c 'denying every decision of this group' "$JIT_LOG_DIR/jitd.log")
out=$("$CLIENT" burst $N alice burst)
is "$(grep -c . <<<"$out")" "$N" "all $N requests of the burst were answered"
is "$(grep -c '^error org.pamjit.jit1.Error.JournalUnavailable$' <<<"$out")" "$N" \
    "every one of them is refused with JournalUnavailable"
is "$(grep -c '^approved' <<<"$out")" 0 "none of them is approved"
# The groups that failed: each says how many records it held (a request and its approval each).
groups=$(grep -o 'denying every decision of this group ([0-9]* records)' "$JIT_LOG_DIR/jitd.log" |
    tail -n +"$((before + 1))" | grep -o '[0-9]*')
largest=$(sort -n <<<"$groups" | tail -n1)
ok "requests that arrived together failed together: a group held $largest records ($(wc -l <<<"$groups") groups)" \
    test "${largest:-0}" -ge 4
is "$(burst_count)" 0 "jitd keeps none of the refused requests, pending or decided"
is "$(jit_ctl root grants --json | jq length)" 0 "and no grant"

unfill
out=$("$CLIENT" burst 8 alice burst)
is "$(grep -c '^approved' <<<"$out")" 8 "space is back: a new burst of 8 is approved"
is "$(burst_count)" 8 "jitd holds exactly those 8"
ok "the journal verifies: nothing half-written was left behind" jitctl verify
is "$(grep -c '"service":"burst"' /var/lib/jit/journal.jsonl)" 16 \
    "the journal holds the 8 committed requests and their approvals, nothing of the failed groups"
jit_journal_sync
is "$(jit_journal -t jitd JIT_SERVICE=burst -o cat | wc -l)" 16 \
    "journald got the same 16 entries: the mirror never carried a record that was not committed"
