#!/bin/bash
# ATTACKS.md A10 and A11: malformed bus input and interface fuzzing of every method, as dave,
# alice, bob and root: wrong signatures, huge strings and arrays, deep variants, unknown, repeated
# and mistyped keys, file descriptors → every call gets a clean answer, jitd never crashes (in a
# SANITIZE build the sandbox reports any finding from jitd's log), holds no fd a caller sent, its
# memory stays bounded, and the journal verifies afterwards.
source "$(dirname "$0")/../lib.sh"

plan 20

FUZZ=$JIT_SRC/tests/helpers/bus-fuzz.py
ROUNDS=${JIT_BUS_FUZZ_ROUNDS:-30}
pid=$(jit_jitd_pid)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
fds() { find "/proc/$pid/fd" -mindepth 1 | wc -l; }

# Deterministic cases first, each with the answer it must get (busctl sends what python-dbus
# cannot: the same key twice).
out=$(jit_call CreateRequest 'a{sv}' 3 user s alice service s a10 user s bob 2>&1)
like "$out" "Option 'user' is given twice" "a repeated key is refused (CreateRequest)"
out=$(jit_call --as bob Approve 'sa{sv}' ABCD-EFGH 2 comment s a comment s b 2>&1)
like "$out" "Option 'comment' is given twice" "a repeated key is refused (Approve)"
out=$(jit_call CreateRequest 'a{sv}' 2 user u 5 service s a10 2>&1)
like "$out" "Option 'user' must be of type s" "a key with a value of the wrong type is refused, naming the type"
out=$(jit_call --as dave RequestAccess 'a{sv}' 1 $'\e[31mevil' s x 2>&1)
like "$out" "Unknown option\\.$" "an unknown key is refused without echoing it"
out=$(jit_call --as dave ListRequests 'a{sv}' 1 limit u 0 2>&1)
like "$out" "limit must be between 1 and" "a page limit of 0 is refused"
out=$(jit_call --as dave ListRequests 'a{sv}' 1 after s NOPE-NOPE 2>&1)
like "$out" "No such request" "a page cursor that names no request is NotFound"
out=$(jit_call CreateRequest 'a{sv}' 1 argv v s x 2>&1)
like "$out" "Option 'argv' must be of type as" "a variant where a string array belongs is refused"
out=$(jit_call CreateRequest 's' x 2>&1)
like "$out" "Invalid arguments 's' to call org.pamjit.jit1.Manager.CreateRequest\(\), expecting 'a\{sv\}'" \
    "a wrong signature is refused by the bus layer, naming the expected one"

rss0=$(rss) fds0=$(fds)
note "jitd before fuzzing: RSS $rss0 kB, $fds0 fds"
seed=0
for user in dave alice bob root; do
    seed=$((seed + 1))
    if [[ $user == root ]]; then
        out=$(/usr/bin/python3 "$FUZZ" "$seed" "$ROUNDS" 2>&1)
    else
        out=$(jit_as "$user" /usr/bin/python3 "$FUZZ" "$seed" "$ROUNDS" 2>&1)
    fi
    rc=$?
    note "$user: $(grep -E '^(calls|replies|errors|noreply|disconnects) ' <<<"$out" | paste -sd' ')"
    is "$rc $(awk '$1 == "noreply" { print $2 }' <<<"$out")" "0 0" \
        "every one of $user's $(awk '$1 == "calls" { print $2 }' <<<"$out") fuzzed calls was answered"
    ok "jitd is still running after $user's calls" jit_jitd_pid
    [[ $user == dave ]] && fdcase=$out
done
like "$fdcase" "error org.freedesktop.DBus.Error.NotSupported" \
    "calls carrying file descriptors are refused before they reach jitd (it does not take fds)"
is "$(fds)" "$fds0" "jitd holds no more fds than before ($fds0): none a caller sent is kept"
rss1=$(rss)
note "jitd after fuzzing: RSS $rss1 kB"
if jit_sanitized; then
    skip "sanitizer build: ASan's quarantine keeps freed memory, so RSS says nothing here (LeakSanitizer checks leaks at exit)"
else
    ok "jitd's memory stayed bounded (RSS $rss0 kB -> $rss1 kB, < +8 MiB)" test "$rss1" -lt $((rss0 + 8192))
fi
ok "jitctl verify passes after the fuzzing" jitctl verify
