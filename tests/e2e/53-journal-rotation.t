#!/bin/bash
# Issue 11 item 7, journal rotation: with a small MaxFileSize, a real jitd under load continues its
# signed journal in new files (journal-<seq>.jsonl for the old ones). jitctl verify checks the series as
# one history and names the file and the reason when one is missing, reordered, altered or cut; a
# file alone verifies with a note that history before it was not checked. Every decision is in
# exactly one file and in journald. A restart after rotations keeps a pending request made ahead of
# time and a live grant (the new file restates them; replay reads the current file only), and a
# module that waited across the restart is denied, as without rotation (a13).
source "$(dirname "$0")/../lib.sh"

J=$JIT_STATE/journal.jsonl

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=30m
DefaultGrant=15m
MaxGrant=8h
MaxFileSize=64K

[Rule load]
Service=jit-test
User=alice bob carol
Action=approve

[Rule whoami]
Command=whoami
Action=require
EOF
jit_restart || bail_out "jitd does not start with MaxFileSize=64K"

printf '[Daemon]\nMaxFileSize=1K\n' >"$JIT_TMP/small.conf"
out=$("$JIT_BUILD/jitd" --check-config="$JIT_TMP/small.conf" 2>&1)
like "$out" "MaxFileSize=1K: expected a size of at least 64K" "MaxFileSize below the minimum is refused with the reason"
for v in 0 64K 1G 70000; do
    printf '[Daemon]\nMaxFileSize=%s\n' "$v" >"$JIT_TMP/size.conf"
    ok "MaxFileSize=$v is accepted" "$JIT_BUILD/jitd" --check-config="$JIT_TMP/size.conf"
done

rotated() { ls "$JIT_STATE"/journal-[0-9]*.jsonl 2>/dev/null; }
series_jq() { cat $(rotated) "$J" | jq -c "$@"; }
grant() { jit_ctl bob grants --json | jq -c --arg id "$1" '.[] | select(.id == $id)'; }
field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }

# --- live state before the load ---------------------------------------------------------------------
pending=$(jit_ctl alice request --for 30m -- whoami | jit_request_id)
like "$pending" "^$JIT_ID_RE\$" "alice asks ahead of time for whoami: $pending waits for an approver"
live=$(jit_ctl alice request --for 2h -- id -un | jit_request_id)
jit_ctl bob approve "$live" >/dev/null
is "$(grant "$live" | jq -r .user)" alice "bob approves $live: a live grant for alice's id -un"

# A follower of the journal, across the rotations to come; and an auditor verifying it over and over
# meanwhile (a rotation between listing the files and reading them must not look like a gap).
jit_bg follow -- jitctl log --follow --json
jit_bg verifier -- bash -c 'n=0 bad=0
    while [[ ! -e $0 ]]; do
        out=$(jitctl verify 2>&1) || { bad=$((bad + 1)); printf "%s\n" "$out" >&2; }
        n=$((n + 1))
    done
    echo "$n $bad"' "$JIT_TMP/stop-verifier"

# --- load: auto-approved pamtester runs, eight at a time ------------------------------------------
runs=0
users=(alice bob carol)
for batch in $(seq 1 20); do
    for i in $(seq 1 8); do
        jit_bg "l$i" --pamtester -- jit-test "${users[i % 3]}" acct_mgmt
    done
    for i in $(seq 1 8); do
        jit_bg_wait "l$i" 20 && runs=$((runs + 1))
    done
done
is "$runs" 160 "160 pamtester runs, 8 at a time, are approved by the rule"
n_rot=$(rotated | wc -l)
ok "jitd rotated the journal under load ($n_rot rotated files)" test "$n_rot" -ge 2
ok "jitd says so in its log" grep -q "Rotated the journal: $J continues from seq" "$JIT_LOG_DIR/jitd.log"
first=$(rotated | head -n1)
is "$(basename "$first")" "journal-0000000000000000.jsonl" "the first file is named by its first seq, 0"
is "$(head -n1 "$J" | jq -r .type)" link "the current file begins with a link record"
newest=$(rotated | tail -n1)
is "$(head -n1 "$J" | jq -r .seq)" "$(($(tail -n1 "$newest" | jq .seq) + 1))" \
    "...at the seq after the last record of the newest rotated file"

# --- every decision exactly once ---------------------------------------------------------------------
is "$(series_jq 'select(.type == "request" and .fields.service == "jit-test") | .fields.request_id' | sort -u | wc -l)" \
    160 "the files hold 160 distinct jit-test requests"
is "$(series_jq 'select(.type == "approve" and .fields.service == "jit-test")' | wc -l)" 160 \
    "...and 160 approvals, none lost or written twice"
is "$(series_jq -s '[.[] | .seq] | (. == [range(0; length)])')" true \
    "the seqs run from 0 without a gap or a repeat across the files"
ok "journald got every approval" wait_for 10 eval \
    '[[ $(jit_journal_json -t jitd JIT_RECORD=approve JIT_SERVICE=jit-test | wc -l) == 160 ]]'

touch "$JIT_TMP/stop-verifier"
jit_bg_wait verifier 60
read -r v_runs v_bad <"$(jit_bg_out verifier)"
ok "jitctl verify passed every time while jitd wrote and rotated ($v_runs runs, $v_bad failed)" \
    test "${v_runs:-0}" -gt 0 -a "${v_bad:-1}" -eq 0
[[ ${v_bad:-0} == 0 ]] || diag "$(cat "$(jit_bg_err verifier)")"

followed() { jq -c 'select(.type == "approve" and .fields.service == "jit-test")' "$(jit_bg_out follow)" | wc -l; }
ok "jitctl log --follow went on into each new file and showed all 160 approvals" \
    wait_for 10 eval '[[ $(followed) == 160 ]]'
is "$(jq -c 'select(.type == "link")' "$(jit_bg_out follow)" | wc -l)" "$n_rot" "...and the $n_rot link records"
jit_bg_kill follow
is "$(jitctl log --json | jq -c 'select(.type == "approve" and .fields.service == "jit-test")' | wc -l)" 160 \
    "jitctl log reads the rotated files too: all 160 approvals"
is "$(jitctl log --json | head -n1 | jq -r '.seq')" 0 "...from seq 0 in the first file"

# --- verify the series ----------------------------------------------------------------------------------
out=$(jitctl verify 2>&1)
is "$?" 0 "jitctl verify (the journal and its rotated files) passes"
like "$out" "$((n_rot + 1)) files checked as one history" "...as one history of $((n_rot + 1)) files"
unlike "$out" "NOT checked" "...with nothing left unchecked"
out=$(jitctl verify --journald 2>&1)
is "$?" 0 "jitctl verify --journald: the series agrees with journald"
# The same journal rebuilt from journald's record lines alone (as a fleet collector would, a53):
# link records and the restated live records run on across the files.
journalctl --sync
jdir=$(dirname "$(journalctl --header | sed -n 's/^File path: //p' | head -n1)")
out=$(jitctl verify --journald --directory "$jdir" 2>&1)
is "$?" 0 "the journal rebuilt from journald's record lines verifies across $n_rot rotations" || diag "$out"
like "$out" "OK: host .*: records 0\\.\\." "...from seq 0"
out=$(jitctl verify "$J" 2>&1)
is "$?" 0 "the current file alone verifies"
like "$out" "history before seq [0-9]+ is NOT checked" "...saying history before it was not checked"
out=$(jitctl verify --complete "$J" 2>&1)
is "$?" 1 "with --complete, the current file alone fails"
jitctl checkpoint >"$JIT_TMP/saved"
receipt=$(jitctl prove 3)
ok "a receipt for seq 3 (in the first file) verifies with the identity key alone" \
    jitctl verify-proof - <<<"$receipt"

# --- a13 across a rotation: a module waiting on a restart is denied, its id dead ------------------------
jit_bg d --pamtester -- jit-test dave acct_mgmt
waiting=$(jit_wait_request d)
like "$waiting" "^$JIT_ID_RE\$" "dave's pamtester waits on $waiting (no rule lets dave through)"
# Sequential runs until the file is rotated again (a bounded loop: at most 300 runs).
for i in $(seq 1 300); do
    jit_pamtester jit-test "${users[i % 3]}" acct_mgmt >/dev/null 2>&1
    [[ $(rotated | wc -l) -gt $n_rot ]] && break
done
ok "more load rotates the journal again while dave waits" test "$(rotated | wc -l)" -gt "$n_rot"
restated=$(jq -r 'select(.type == "live") | .fields.request_id' "$J" | sort | tr '\n' ' ')
like "$restated" "$pending" "the new file restates the request made ahead of time"
like "$restated" "$live" "...the live grant"
like "$restated" "$waiting" "...and dave's waiting request"
before=$(grant "$live")
ok "jitd restarts" jit_restart
rc=0
jit_bg_wait d 20 || rc=$?
is "$rc" 1 "dave's pamtester is denied when jitd restarts"
nok "the waiting request cannot be approved on the new jitd" jit_ctl bob approve "$waiting"
is "$(field "$pending" state)" pending "the request made ahead of time is still pending after the restart"
is "$(grant "$live")" "$before" "the live grant is the same (id, until, scope, by, uses) after the restart"
ok "journald has the restated grant too" jit_journal_wait 10 -t jitd JIT_RECORD=live JIT_REQUEST_ID="$live"
if jit_have_real_sudo; then
    rc=0
    out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
    is "$rc:$out" "0:root" "alice's sudo -n id -un goes through at once on the restored grant"
    is "$(grant "$live" | jq -r .uses)" 1 "...and the grant counts the use"
else
    skip "$(jit_why_no_real_sudo)" 2
fi
out=$(jit_ctl carol approve "$pending" 2>&1)
like "$out" "^Approved $pending until " "carol approves the restored pending request"
is "$(grant "$pending" | jq -r .user)" alice "...and it opens a grant"
ok "the series still verifies after the restart" jitctl verify --checkpoint "$JIT_TMP/saved"

# --- tampering with copies of the series ---------------------------------------------------------------
C=$JIT_TMP/copy
mkdir -p "$C"
cp "$JIT_STATE"/journal*.jsonl "$C/"
mapfile -t files < <(ls "$C"/journal-[0-9]*.jsonl)
mid=${files[1]}
next=${files[2]}
ok "a copy of the series verifies (a directory stands for its files)" jitctl verify "$C"

mv "$mid" "$C/removed"
out=$(jitctl verify "$C" 2>&1)
is "$?" 1 "a middle file removed: verify fails"
like "$out" "$next: FAILED at line 1 .*records [0-9]+\.\.[0-9]+ are missing" \
    "...naming the file after the gap and the records missing"
mv "$C/removed" "$mid"

cp "$mid" "$C/a" && cp "$next" "$mid" && cp "$C/a" "$next" && rm "$C/a"
out=$(jitctl verify "$C" 2>&1)
is "$?" 1 "two middle files swapped: verify fails"
like "$out" "$mid: FAILED" "...naming the first file out of place"
cp "$JIT_STATE/$(basename "$mid")" "$mid" && cp "$JIT_STATE/$(basename "$next")" "$next"

line=$(grep -n '"user":"' "$mid" | sed -n 4p | cut -d: -f1)
sed -i "${line}s/\"user\":\"[a-z]*\"/\"user\":\"mallory\"/" "$mid"
out=$(jitctl verify "$C" 2>&1)
is "$?" 1 "a record altered in a middle file: verify fails"
like "$out" "$mid: FAILED at line [0-9]+" "...naming that file and line: ${out%%$'\n'*}"
cp "$JIT_STATE/$(basename "$mid")" "$mid"

head -n -1 "$mid" >"$C/a" && mv "$C/a" "$mid"
out=$(jitctl verify "$C" 2>&1)
is "$?" 1 "a middle file cut short: verify fails"
like "$out" "$mid: FAILED.*unsealed records after the last checkpoint" "...naming it and why"
cp "$JIT_STATE/$(basename "$mid")" "$mid"

rm "${files[0]}"
out=$(jitctl verify "$C" 2>&1)
is "$?" 0 "the first file archived away: the rest verifies"
like "$out" "NOT checked" "...with a note that history before it was not checked"
out=$(jitctl verify --complete "$C" 2>&1)
is "$?" 1 "...and --complete refuses it"

done_testing
