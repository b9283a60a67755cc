#!/bin/bash
# Issue 12, signed approvals: a request's canonical statement. `jitctl show --statement ID` prints
# the one versioned text an approver signs, and GetRequest carries it as "statement": the journal's
# origin, the request id, the requester, the command and its kind, the deadline, the grant asked
# for. Anyone who may see the request reads the same bytes.
source "$(dirname "$0")/../lib.sh"

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m

[Rule test]
Service=jit-test
Action=require
EOF
jit_restart || bail_out "jitd does not start"

jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
like "$id" "^$JIT_ID_RE\$" "pamtester waits on request $id"

st=$(jit_ctl bob show --statement "$id")
is "$?" 0 "jitctl show --statement succeeds"
is "$(head -n1 <<<"$st")" "pam-jit approval statement v1" "the statement starts with its version line"
origin=$(jq -r -s '.[0].fields.origin' "$JIT_STATE/journal.jsonl")
like "$origin" "/pam_jit\$" "the journal has an origin ($origin)"
is "$(grep '^origin=' <<<"$st")" "origin=$origin" "the statement names the journal's origin"
is "$(grep '^request=' <<<"$st")" "request=$id" "...the request id"
is "$(grep '^requester=' <<<"$st")" "requester=alice" "...the requester"
is "$(grep '^uid=' <<<"$st")" "uid=$(jit_uid alice)" "...the requester's uid"
is "$(grep '^service=' <<<"$st")" "service=jit-test" "...the service"
deadline=$(jit_ctl bob show --json "$id" | jq -r .deadline_usec)
is "$(grep '^deadline-usec=' <<<"$st")" "deadline-usec=$deadline" "...the deadline, as GetRequest says"
is "$(grep '^rule=' <<<"$st")" "rule=test" "...the rule"
is "$(grep -c '' <<<"$st")" 17 "seventeen lines: the version and sixteen fields"

is "$(jit_ctl bob show --json "$id" | jq -r .statement)" "$st" "GetRequest's statement key holds the same text"
is "$(jit_ctl alice show --statement "$id")" "$st" "the requester reads the same bytes"
is "$("$JIT_BUILD/jitctl" show --statement "$id")" "$st" "so does root"

out=$(jit_ctl bob show --statement NOPE-NOPE 2>&1)
isnt "$?" 0 "an unknown id is refused"

ok "bob approves" jit_ctl bob approve "$id"
jit_bg_wait p 10
is "$?" 0 "pamtester is allowed"
st2=$(jit_ctl bob show --statement "$id")
is "$st2" "$st" "the statement does not change with the decision"

done_testing
