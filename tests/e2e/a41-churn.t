#!/bin/bash
# ATTACKS.md A41: an unprivileged uid churns RequestAccess (4 KiB argv) + Cancel from several
# connections at once → refused with LimitExceeded once its budget is spent; the journal grows by
# at most that budget; other users' decisions stay prompt and other users are not limited.
source "$(dirname "$0")/../lib.sh"

plan 10

CLIENT=$JIT_BUILD/helpers/bus-client
JOURNAL=$JIT_STATE/journal.jsonl
# include/jit-limits.h: a burst of 128 records, then one every 2 s.
BURST=128 INTERVAL=2 SECONDS_CHURN=12

jit_config <<CONF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
[Rule probe]
Service=jit-test
Action=approve
CONF
ok "jitd restarts with an auto-approve rule for the probe (pamtester jit-test)" jit_restart

# One probe: alice's PAM stack through pam_jit, decided by the rule; prints milliseconds.
probe_ms() {
    local t0=$EPOCHREALTIME
    jit_pamtester jit-test alice acct_mgmt >/dev/null 2>&1 || echo "probe failed" >&2
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}
median_of() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
probes() { for _ in $(seq "$1"); do probe_ms; done | median_of; }
dave_records() { jq -s '[.[] | select(.fields.user == "dave")] | length' "$JOURNAL"; }

idle=$(probes 7)
note "idle probe: median $idle ms"

before=$(dave_records)
t0=$EPOCHREALTIME
for i in 1 2 3 4; do
    jit_bg "c$i" --as dave -- "$CLIENT" churn "$SECONDS_CHURN" 4096
done
# The probes run while the budget is being spent and after it is spent.
over_burst() { (($(dave_records) - before >= BURST)); }
ok "dave's churn spends his burst (at least $BURST records)" wait_for 60 over_burst
busy=$(probes 7)
note "probe during dave's churn: median $busy ms"
rcs=0
for i in 1 2 3 4; do jit_bg_wait "c$i" 60 || rcs=$?; done
elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d\n", b - a + 1 }')
is "$rcs" 0 "the four churning clients ran to their end"

pairs=0 limited=0 other=0
for i in 1 2 3 4; do
    out=$(jit_bg_output "c$i")
    pairs=$((pairs + $(awk '$1 == "pairs" { print $2 }' <<<"$out")))
    limited=$((limited + $(awk '$1 == "limited" { print $2 }' <<<"$out")))
    other=$((other + $(awk '$1 == "other" { print $2 }' <<<"$out")))
done
note "dave: $pairs request+cancel pairs, $limited refusals, $other other errors in ${elapsed}s"
ok "dave is refused with LimitExceeded ($limited times)" test "$limited" -gt 0
like "$(cat "$(jit_bg_out c1)" "$(jit_bg_out c2)" "$(jit_bg_out c3)" "$(jit_bg_out c4)" | grep -m1 '^message')" \
    "^message Too many requests from uid $(jit_uid dave); try again in [0-9]+ s\\.$" \
    "the refusal names the uid and when to try again"
is "$other" 0 "no other errors: every call was either served or refused as over the budget"

grown=$(($(dave_records) - before))
budget=$((BURST + elapsed / INTERVAL + 2))
note "dave's records: $grown (budget for ${elapsed}s: $budget)"
ok "the journal grew by at most dave's budget ($grown records <= $budget)" test "$grown" -le "$budget"

ok "alice's decisions stay prompt while dave churns (median $busy ms vs $idle ms idle, <= 5x)" \
    awk -v b="$busy" -v i="$idle" 'BEGIN { exit !(b <= 5 * i) }'
out=$(jit_ctl alice request --for 10m -- true a41 2>&1)
like "$out" "pending" "alice is not limited by dave's spending: her RequestAccess is accepted"
ok "jitctl verify passes after the churn" jitctl verify
