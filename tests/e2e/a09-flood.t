#!/bin/bash
# ATTACKS.md A09: one uid opens requests without end → a per-uid cap (LimitExceeded); jitd's
# memory stays bounded and other users are still served promptly.
source "$(dirname "$0")/../lib.sh"

plan 7

ask() { jit_as "$1" "$JIT_BUILD/jitctl" request --for 10m -- true "$2" 2>&1; }
n=0
for i in $(seq 1 16); do
    ask dave "$i" | grep -q pending && n=$((n + 1))
done
is "$n" 16 "dave opens 16 pending requests"
out=$(ask dave 17)
like "$out" "Too many pending requests" "the 17th is refused: LimitExceeded"

# Many more tries, from many connections at once: still refused, and jitd stays small.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(jit_jitd_pid)/status"; }
before=$(rss)
for _ in $(seq 1 8); do
    (for i in $(seq 1 50); do ask dave "x$i" >/dev/null; done) &
done
wait
after=$(rss)
is "$(jit_ctl bob list --json | jq '[.[] | select(.user == "dave")] | length')" 16 \
    "after 400 more tries dave still has exactly 16 pending requests"
if jit_sanitized; then
    skip "sanitizer build: ASan's quarantine keeps freed memory, so RSS says nothing here (LeakSanitizer checks leaks at exit)"
else
    ok "jitd's memory stayed bounded (RSS ${before} kB -> ${after} kB)" test "$after" -lt $((before + 4096))
fi

# Everybody else is still served at once.
t0=$EPOCHREALTIME
out=$(ask alice 1)
like "$out" "pending" "alice's request is accepted"
ok "promptly" awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a < 2) }'
ok "and bob can approve it" jit_ctl bob approve "$(jit_request_id <<<"$out")"
