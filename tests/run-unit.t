#!/bin/bash
# Runs every unit test binary ($JIT_BUILD/tests/test-*, each printing TAP) and reports one TAP
# result per binary, with the binary's own TAP indented above it (a subtest, as prove shows it).
# A binary passes if it exits 0, printed a plan, ran as many tests as planned and none failed.
# In a sanitizer build the binaries are instrumented themselves: they are simply run.
JIT_NO_SANDBOX=1 source "$(dirname "$0")/lib.sh"

tests=()
for t in "$JIT_BUILD"/tests/test-*; do
    # Executables only: not the .o, .d or .log files a build may leave beside them.
    [[ -f $t && -x $t && ${t##*/} != *.* ]] && tests+=("$t")
done
((${#tests[@]} > 0)) || skip_all "no unit test binaries in $JIT_BUILD/tests (run make first)"

plan ${#tests[@]}
for t in "${tests[@]}"; do
    name=${t##*/}
    out=$JIT_TMP/$name.tap
    rc=0
    timeout --kill-after=10 600 "$t" >"$out" 2>&1 </dev/null || rc=$?
    sed 's/^/    /' "$out"
    # Count what the binary reported: its plan, its results, and results that failed (not TODO).
    read -r planned ran failed < <(awk '
        /^1\.\.[0-9]+/ { split($1, p, /\.\./); planned = p[2] }
        /^(not )?ok( |$)/ { ran++ }
        /^not ok( |$)/ && !/# *TODO/ { failed++ }
        END { print (planned == "" ? -1 : planned), ran + 0, failed + 0 }' "$out")
    why=
    if ((rc == 124)); then why="timed out after 600 s"
    elif ((rc != 0)); then why="exit status $rc"
    elif ((planned < 0)); then why="printed no plan"
    elif ((failed > 0)); then why="$failed of $ran failed"
    elif ((ran != planned)); then why="planned $planned, ran $ran"
    fi
    if [[ -z $why ]]; then
        pass "$name ($ran tests)"
    else
        fail "$name: $why"
    fi
done
