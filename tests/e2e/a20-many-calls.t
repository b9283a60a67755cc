#!/bin/bash
# ATTACKS.md A20 and A21: the module called 1000 times in one long-lived process leaves the fd
# count, the thread count and the memory as they were; after the host forks, the child's call
# works on its own (the module keeps no bus connection between calls to share).
source "$(dirname "$0")/../lib.sh"

plan 7

jit_config <<CONF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
[Rule loop]
Service=jit-test
Action=approve
CONF
ok "jitd restarts with an auto-approve rule for jit-test" jit_restart

# In a sanitizer build the helper is instrumented too, so it can load the instrumented module.
out=$("$JIT_BUILD/helpers/pam-loop" jit-test alice 1000 2>&1)
rc=$?
is "$rc" 0 "1000 account calls in one process all succeed"
read -r _ f0 f1 <<<"$(grep '^fds' <<<"$out")"
read -r _ t0 t1 <<<"$(grep '^threads' <<<"$out")"
read -r _ r0 r1 <<<"$(grep '^rss_kb' <<<"$out")"
is "$f1" "$f0" "a20: the fd count is unchanged ($f0)"
is "$t1" "$t0" "a20: the thread count is unchanged ($t0)"
if jit_sanitized; then
    skip "sanitizer build: ASan's quarantine keeps freed memory, so RSS says nothing here (LeakSanitizer checks the helper at exit)"
else
    ok "a20: memory did not grow with the calls (RSS $r0 kB -> $r1 kB)" test "$r1" -lt $((r0 + 2048))
fi
is "$(grep '^child' <<<"$out")" "child 0" "a21: a forked child's own call succeeds"
is "$(jit_journal_json -t jitd JIT_RECORD=approve JIT_SERVICE=jit-test | wc -l)" 1006 \
    "every one of the 1006 calls was recorded (journald mirror)"
