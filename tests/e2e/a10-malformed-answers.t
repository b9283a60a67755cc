#!/bin/bash
# ATTACKS.md A10 from the clients' side: pam_jit.so and jitctl read jitd's answers through the one
# a{sv} reader (lib/asv.c). Keys they do not know are skipped, so a newer jitd may add some; a key
# they rely on (GetRequest's state, which confirms an approval) given twice or with the wrong type
# makes the whole answer unreadable: the module denies, jitctl refuses. No real jitd sends such
# answers: a stand-in (tests/helpers/answer-jitd) owns jitd's name on the sandbox's real bus and
# answers the real module in pamtester and the real jitctl. The stand-in also announces the
# approval, so only the answer to GetRequest decides.
export JIT_NO_JITD=1 # the stand-in owns jitd's name
source "$(dirname "$0")/../lib.sh"

plan 18

STANDIN=$JIT_BUILD/helpers/answer-jitd

# answer MODE: start the stand-in answering in MODE (not in a subshell: jit_bg keeps its pid).
answer() { jit_bg "$1" -- "$STANDIN" "$1"; }
# owning MODE: the stand-in said it owns the name, and the bus agrees.
owning() { wait_for_output "$1" '^ready$' 10 && jit_name_owned; }

# leave MODE: stop the stand-in and collect it (the bus frees the name a moment later).
leave() {
    jit_bg_kill "$1"
    jit_bg_wait "$1" 10
}

# module NAME: run the module in pamtester for alice; set rc to its exit status.
module() {
    jit_bg "$1" --pamtester -- jit-test alice acct_mgmt
    rc=0
    jit_bg_wait "$1" 30 || rc=$?
}

answer newer
ok "the stand-in owns $JIT_BUS_NAME, answering with keys of a newer jitd" owning newer
module newer-module
is "$rc" 0 "the module allows: the keys it does not know are skipped (status $rc)"
ok "it says who approved" jit_bg_has newer-module "approved by mallory"
unlike "$(jit_bg_output newer-module)" "could not be confirmed" "it never doubts the answer"
out=$(jit_ctl root show --json ABCD-EFGH 2>&1)
is "$?" 0 "jitctl show reads the same answer"
is "$(jq -r '[.state, (keys | join(" "))] | join(": ")' <<<"$out")" "approved: by id state until_usec" \
    "and shows the keys it knows, without the newer ones"
leave newer
ok "the stand-in leaves the name" wait_for 10 eval '! jit_name_owned'

answer twice
ok "the stand-in returns, giving GetRequest's state twice (denied, then approved)" owning twice
module twice-module
is "$rc" 1 "the module denies: which state counts is not left to the reader (status $rc)"
ok "it says the approval could not be confirmed" jit_bg_has twice-module \
    "the approval of request ABCD-EFGH could not be confirmed; access denied"
out=$(jit_ctl root show ABCD-EFGH 2>&1)
is "$?" 1 "jitctl show refuses the same answer"
like "$out" "Malformed answer from jitd: Option 'state' is given twice\\." "and says what is wrong with it"
leave twice
ok "the stand-in leaves the name" wait_for 10 eval '! jit_name_owned'

answer mistyped
ok "the stand-in returns, giving GetRequest's state as a number" owning mistyped
module mistyped-module
is "$rc" 1 "the module denies (status $rc)"
ok "it says the approval could not be confirmed" jit_bg_has mistyped-module \
    "the approval of request ABCD-EFGH could not be confirmed; access denied"
leave mistyped
ok "the stand-in leaves the name" wait_for 10 eval '! jit_name_owned'

# Without anyone on the name the module fails closed as always: the stand-in really was the one
# answering above.
module nobody
isnt "$rc" 0 "with nobody owning the name the module denies (status $rc)"
