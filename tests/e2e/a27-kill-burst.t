#!/bin/bash
# ATTACKS.md A27: kill -9 of jitd during a burst of 500 requests. After a restart the journal
# verifies (a torn tail, if any, is cut and the repair recorded), and every request whose id a
# requester was told is in the file: nothing was acknowledged before it was durable.
source "$(dirname "$0")/../lib.sh"

plan 9

J=/var/lib/jit/journal.jsonl
dir=$(mktemp -d)
burst() { # worker N: 63 requests, each answer (or error) in its own file
    for i in $(seq "$1" 8 500); do
        busctl --system --timeout=5 call org.pamjit.jit1 /org/pamjit/jit1 org.pamjit.jit1.Manager \
            CreateRequest 'a{sv}' 2 user s alice service s a27 >"$dir/$i" 2>&1
    done
}
workers=()
for w in $(seq 1 8); do
    burst "$w" &
    workers+=($!)
done
told() { grep -l '"pending"' "$dir"/* 2>/dev/null | wc -l; }
told_100() { (($(told) >= 100)); }
ok "the burst is under way (100 requests answered)" wait_for 60 told_100
rc=0
jit_stop KILL || rc=$? # waits until jitd is gone and its name is off the bus
is "$rc" 137 "jitd is killed with SIGKILL mid-burst"
wait "${workers[@]}"
n=$(told)
note "$n of 500 requests were answered before jitd died"
ok "some requests failed after the kill" test "$n" -lt 500

# The file as the kill left it, to compare with what the restart makes of it.
cp "$J" "$dir/before"
size=$(stat -c %s "$dir/before")
ok "jitd restarts on the same journal" jit_start
ok "jitctl verify passes" jitctl verify
ids=$(grep -ho '"[0-9A-Z]\{4\}-[0-9A-Z]\{4\}"' "$dir"/[0-9]* | tr -d '"' | sort -u)
missing=0
for id in $ids; do
    grep -q "\"request_id\":\"$id\"" "$J" || missing=$((missing + 1))
done
is "$missing" 0 "every one of the $(wc -w <<<"$ids") ids a requester was told is in the journal"

# A torn tail is cut and a repair record names where, how many bytes and their SHA-256; with no
# torn tail nothing is cut. Either way the kept prefix is the old file's, up to a line boundary.
repair=$(grep '"type":"repair"' "$J" | tail -n1)
if [[ -n $repair ]]; then
    kept=$(jq -r .fields.offset <<<"$repair")
    want="$(jq -r .fields.dropped_bytes <<<"$repair") $(jq -r .fields.dropped_sha256 <<<"$repair")"
    note "the kill left a torn tail: $((size - kept)) bytes after offset $kept"
else
    kept=$size
    want="0 $(sha256sum </dev/null | cut -d' ' -f1)"
    note "the kill left no torn tail"
fi
ok "the restarted journal keeps the old file's first $kept of $size bytes unchanged" \
    cmp -n "$kept" "$dir/before" "$J"
ok "the kept part ends at a line boundary (no torn line survives)" \
    test "$(head -c "$kept" "$dir/before" | tail -c1 | od -An -tx1 | tr -d ' ')" = 0a
is "$((size - kept)) $(tail -c +$((kept + 1)) "$dir/before" | sha256sum | cut -d' ' -f1)" "$want" \
    "the bytes cut are exactly those the repair record names (count and SHA-256; none without one)"
