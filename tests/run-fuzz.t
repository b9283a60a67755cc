#!/bin/bash
# Runs each libFuzzer harness briefly (FUZZ_SECONDS each, default 10) from its seed corpus.
# `make fuzz` runs them for longer.
set -u
build=${JIT_BUILD:-$(dirname "$0")/../build}
src=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-10}
shopt -s nullglob
harnesses=("$build"/fuzz/fuzz-*)
if [[ ${#harnesses[@]} -eq 0 ]]; then
    echo "1..0 # SKIP no fuzz harnesses built"
    exit 0
fi
echo "1..${#harnesses[@]}"
n=0
for h in "${harnesses[@]}"; do
    n=$((n + 1))
    name=$(basename "$h")
    work=$(mktemp -d)
    seeds=()
    [[ -d $src/tests/fuzz/corpus/$name ]] && seeds=("$src/tests/fuzz/corpus/$name")
    if "$h" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=0 "$work" "${seeds[@]}" \
        >"$work.log" 2>&1; then
        echo "ok $n - $name ran ${secs}s without a crash"
    else
        echo "not ok $n - $name found a crash"
        sed 's/^/# /' "$work.log" | tail -40
    fi
    rm -rf "$work" "$work.log"
done
