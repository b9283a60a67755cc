#!/bin/bash
# ATTACKS.md A42: slow or hostile readers. With ~1,000 large records in jitd, 100 connections
# each send 128 ListRequests{state: all} calls and never read a reply. Replies are bounded pages,
# each reader's uid has a read budget, and reads are refused while jitd's queue to dbus-daemon is
# long: a probe decision stays prompt (<= 5x idle), jitctl still pages through everything, and
# jitd is responsive once the readers are gone.
source "$(dirname "$0")/../lib.sh"

plan 11

CLIENT=$JIT_BUILD/helpers/bus-client
N_RECORDS=1000 N_READERS=100 CALLS=128

jit_config <<CONF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
[Rule probe]
Service=jit-test
Action=approve
[Rule bulk]
Service=a42
Action=deny
CONF
ok "jitd restarts with an auto-approve rule for the probe and a deny rule for the bulk records" jit_restart

# ~1,000 records of ~4 KiB (argv) for dave, decided at once and kept for list/show.
out=$("$CLIENT" create "$N_RECORDS" 4096 dave a42 2>&1)
is "$out" "created $N_RECORDS" "$N_RECORDS large records were created (denied by the bulk rule)"

probe_ms() {
    local t0=$EPOCHREALTIME
    jit_pamtester jit-test alice acct_mgmt >/dev/null 2>&1 || echo "probe failed" >&2
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}
median_of() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
probes() { for _ in $(seq "$1"); do probe_ms; done | median_of; }
idle=$(probes 7)
note "idle probe: median $idle ms"

# Paging: everything is still listed, in pages.
n=$(jitctl list --all --json | jq length)
ok "root's jitctl list --all shows all $N_RECORDS records and the probes (got $n)" test "$n" -ge "$N_RECORDS"
out=$(jit_as bob "$CLIENT" list-pages)
read -r _ pages _ records <<<"$out"
ok "ListRequests answers in bounded pages: bob reads $records records in $pages pages" \
    test "$records" -ge "$N_RECORDS" -a "$pages" -gt 1
n=$(jit_ctl bob list --all --json | jq '[.[] | select(.user == "dave")] | length')
is "$n" "$N_RECORDS" "bob's jitctl list --all pages through all of dave's records"

# The slow readers: half as dave (his own records), half as bob (an approver sees everything).
for i in $(seq "$N_READERS"); do
    jit_bg "r$i" --as "$( ((i % 2)) && echo dave || echo bob)" -- "$CLIENT" slow-reader "$CALLS"
done
all_sent() {
    local i
    for i in $(seq "$N_READERS"); do jit_bg_has "r$i" "^sent $CALLS\$" || return 1; done
}
ok "$N_READERS readers each sent $CALLS ListRequests calls they never read" wait_for 120 all_sent
busy=$(probes 7)
note "probe with $N_READERS slow readers: median $busy ms"
ok "decisions stay prompt next to the slow readers (median $busy ms vs $idle ms idle, <= 5x)" \
    awk -v b="$busy" -v i="$idle" 'BEGIN { exit !(b <= 5 * i) }'
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$(jit_jitd_pid)/status")
note "jitd RSS with the readers connected: $rss kB"
if jit_sanitized; then
    skip "sanitizer build: ASan's quarantine keeps freed memory, so RSS says nothing here"
else
    ok "jitd's memory stays bounded with the readers connected (RSS $rss kB < 64 MiB)" test "$rss" -lt 65536
fi

for i in $(seq "$N_READERS"); do jit_bg_kill "r$i" KILL; done
gone=0
for i in $(seq "$N_READERS"); do jit_bg_wait "r$i" 10 >/dev/null; [[ $(jit_bg_rc "r$i") == 137 ]] && gone=$((gone + 1)); done
is "$gone" "$N_READERS" "the readers are gone (killed)"
after=$(probes 7)
note "probe after the readers died: median $after ms"
ok "jitd is responsive after the readers die (median $after ms vs $idle ms idle, <= 5x)" \
    awk -v b="$after" -v i="$idle" 'BEGIN { exit !(b <= 5 * i) }'
ok "jitctl verify passes" jitctl verify
