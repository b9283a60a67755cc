#!/bin/bash
# ATTACKS.md A05 (sudo CVE-2019-14287): edge uids -1, 4294967295, -2 and > INT_MAX are rejected
# explicitly, never mapped to root or to anybody; and an unknown user name is rejected too.
source "$(dirname "$0")/../lib.sh"

plan 6

for uid in 4294967295 4294967294 2147483648 3000000000; do
    out=$(jit_call CreateRequest 'a{sv}' 3 user s alice service s sudo ruid u "$uid" 2>&1)
    like "$out" "Unknown requester uid" "ruid $uid is refused"
done
out=$(jit_call CreateRequest 'a{sv}' 2 user s '#-1' service s sudo 2>&1)
like "$out" "Unknown user" "user name '#-1' is refused"
is "$(jit_ctl bob list --all)" "No requests." "no request was created"
