#!/bin/bash
# jitd's layering (docs/architecture.md): calls go down, news goes up through callbacks. No jitd
# file may call a function defined in a file that (directly or not) calls it back.
build=${JIT_BUILD:-$(dirname "$0")/../build}
echo "1..1"
if out=$(/usr/bin/python3 "$(dirname "$0")/../tools/jitd-calls.py" "$build" 2>&1); then
    echo "ok 1 - jitd's files call each other in no circle"
else
    echo "not ok 1 - jitd's files call each other in a circle"
    sed 's/^/# /' <<<"$out"
fi
