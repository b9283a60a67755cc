#!/bin/bash
# ATTACKS.md A30 and A33 against the live system: root truncates the journal at a checkpoint (the
# file alone still verifies) or rolls it back to an older copy; `jitctl verify --journald` (the
# mirror) and `--checkpoint` (a checkpoint saved elsewhere) both catch it.
source "$(dirname "$0")/../lib.sh"

plan 10
J=/var/lib/jit/journal.jsonl

decide() { # one request, denied by bob
    jit_bg "$1" --pamtester -- jit-test alice acct_mgmt
    local id
    id=$(jit_wait_request "$1")
    jit_ctl bob deny "$id" >/dev/null
    jit_bg_wait "$1" 10 >/dev/null
}
decide one
cp "$J" "$JIT_TMP/early.jsonl"
decide two
decide three
jitctl checkpoint >"$JIT_TMP/saved-checkpoint"
ok "the live journal verifies against journald" jitctl verify --journald
jit_stop >/dev/null

# A30: cut back to the first checkpoint after request "one": the file alone is a valid journal.
good=$(wc -l <"$JIT_TMP/early.jsonl")
cp "$J" "$JIT_TMP/full.jsonl"
head -n "$good" "$JIT_TMP/full.jsonl" >"$J"
ok "a30: the truncated file alone still verifies (that is why the mirror matters)" jitctl verify
out=$(jitctl verify --journald 2>&1)
is "$?" 1 "a30: verify --journald exits 1"
like "$out" "truncated or rolled back" "a30: ...saying the file was truncated"
out=$(jitctl verify --checkpoint "$JIT_TMP/saved-checkpoint" 2>&1)
is "$?" 1 "a30: verify against the saved checkpoint exits 1 too"

# A33: roll back to the older copy, then let jitd append to it as if nothing happened.
cp "$JIT_TMP/early.jsonl" "$J"
ok "a33: jitd starts on the rolled-back copy" jit_start
decide four
ok "a33: the rolled-back file, extended, verifies alone" jitctl verify
out=$(jitctl verify --journald 2>&1)
is "$?" 1 "a33: verify --journald exits 1"
like "$out" "differs|rolled back|rewritten" "a33: ...saying history differs from the mirror"
out=$(jitctl verify --checkpoint "$JIT_TMP/saved-checkpoint" 2>&1)
is "$?" 1 "a33: verify against the checkpoint saved before the rollback exits 1"
