#!/bin/bash
# ATTACKS.md A27: kill -9 of jitd during a burst of 500 requests. After a restart the journal
# verifies (a torn tail, if any, is cut and the repair recorded), and every request whose id a
# requester was told is in the file: nothing was acknowledged before it was durable.
source "$(dirname "$0")/../lib.sh"

plan 6

dir=$(mktemp -d)
burst() { # worker N: 63 requests, each answer (or error) in its own file
    for i in $(seq "$1" 8 500); do
        busctl --system --timeout=5 call org.pamjit.jit1 /org/pamjit/jit1 org.pamjit.jit1.Manager \
            CreateRequest 'a{sv}' 2 user s alice service s a27 >"$dir/$i" 2>&1
    done
}
for w in $(seq 1 8); do burst "$w" & done
told() { grep -l '"pending"' "$dir"/* 2>/dev/null | wc -l; }
told_100() { (($(told) >= 100)); }
ok "the burst is under way (100 requests answered)" wait_for 60 told_100
kill -KILL "$(jit_jitd_pid)"
wait
n=$(told)
note "$n of 500 requests were answered before jitd died"
ok "some requests failed after the kill" test "$n" -lt 500

ok "jitd restarts on the same journal" jit_start
ok "jitctl verify passes" jitctl verify
ids=$(grep -ho '"[0-9A-Z]\{4\}-[0-9A-Z]\{4\}"' "$dir"/* | tr -d '"' | sort -u)
missing=0
for id in $ids; do
    grep -q "\"request_id\":\"$id\"" /var/lib/jit/journal.jsonl || missing=$((missing + 1))
done
is "$missing" 0 "every one of the $(wc -w <<<"$ids") ids a requester was told is in the journal"
if grep -q '"type":"repair"' /var/lib/jit/journal.jsonl; then
    pass "the torn tail was cut and recorded as a repair record"
else
    pass "the kill left no torn tail (no repair record needed)"
fi
