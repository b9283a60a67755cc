#!/bin/bash
# Issue 12 item 3, one audit trail for a fleet, and threat-model T53 (a collector fed a rewritten host
# journal). Two jitd with different origins (host alpha, then host beta with its own state, under a
# hostname of its own) mirror every record line to journald; a real systemd-journal-upload sends the
# sandbox's journal to a real systemd-journal-remote on localhost, which writes a journal directory.
# `jitctl verify --journald --directory` rebuilds each host's signed journal from that directory
# alone and verifies it with that host's key. A record rewritten in the collected journal (a
# rewritten export stream fed to journal-remote) is named as tampering with its seq; entries removed
# are named as a gap.
source "$(dirname "$0")/../lib.sh"

REMOTE=/lib/systemd/systemd-journal-remote
UPLOAD=/lib/systemd/systemd-journal-upload
[[ -x $REMOTE && -x $UPLOAD ]] || skip_all "systemd-journal-remote is not installed (tests/deps.sh)"
plan 21

decide() { # one request, denied by bob
    jit_bg "$1" --pamtester -- jit-test alice acct_mgmt
    local id
    id=$(jit_wait_request "$1")
    jit_ctl bob deny "$id" >/dev/null
    jit_bg_wait "$1" 10 >/dev/null
}

# Host alpha: the sandbox's own jitd, under the sandbox's hostname.
ALPHA="$(hostname)/pam_jit"
cp "$JIT_STATE/journal.pub" "$JIT_TMP/alpha.pub"
decide a1
decide a2
ok "alpha: its journal verifies" jitctl verify
jit_stop >/dev/null

# Host beta: another jitd with its own state and key, started under another hostname (a UTS
# namespace of its own: the origin of a new journal is the host name).
BETA_STATE=$JIT_TMP/beta-state
mkdir -m 0700 "$BETA_STATE"
jit_config_set StateDirectory "$BETA_STATE"
jit_config_set JournalFile "$BETA_STATE/journal.jsonl"
jit_config_set PublicKeyFile "$BETA_STATE/journal.pub"
# host_bin NAME: a directory standing for $JIT_BUILD whose jitd runs under hostname NAME.
host_bin() {
    mkdir "$JIT_TMP/$1-bin"
    printf '#!/bin/sh\nexec unshare --uts -- /bin/sh -c '\''hostname %s && exec "$0" "$@"'\'' %q "$@"\n' \
        "$1" "$JIT_BUILD/jitd" >"$JIT_TMP/$1-bin/jitd"
    chmod 0755 "$JIT_TMP/$1-bin/jitd"
    echo "$JIT_TMP/$1-bin"
}
JIT_BUILD=$(host_bin fleet-beta) jit_start || bail_out "the second jitd (host fleet-beta) does not start"
decide b1
decide b2
decide b3
ok "beta: its journal verifies" jitctl verify --journal "$BETA_STATE/journal.jsonl" --key "$BETA_STATE/journal.pub"
jit_stop >/dev/null

# Host gamma: journald stops for a while (A37), so jitd drops entries from its small mirror queue
# and, once journald is back, records the gap in a signed mirror-gap record.
GAMMA_STATE=$JIT_TMP/gamma-state
mkdir -m 0700 "$GAMMA_STATE"
printf '%s\n' '[Daemon]' "ApproverGroup=$JIT_APPROVER_GROUP" MirrorQueue=16 \
    "StateDirectory=$GAMMA_STATE" "JournalFile=$GAMMA_STATE/journal.jsonl" \
    "PublicKeyFile=$GAMMA_STATE/journal.pub" '' '[Rule auto]' Service=jit-test User=alice Action=approve |
    jit_config
JIT_BUILD=$(host_bin fleet-gamma) jit_start || bail_out "the third jitd (host fleet-gamma) does not start"
create() { jit_call CreateRequest 'a{sv}' 2 user s alice service s jit-test >/dev/null; }
create
JOURNALD_PID=$(cat "$JIT_SANDBOX_DIR/journald.pid")
kill -STOP "$JOURNALD_PID"
for _ in $(seq 400); do create; done
kill -CONT "$JOURNALD_PID"
ok "gamma: jitd records the entries journald missed" jit_journal_wait 20 -t jitd JIT_RECORD=mirror-gap
create
jit_stop >/dev/null
journalctl --sync

# The collector: journal-remote on a free localhost port, fed by journal-upload.
COL=$JIT_TMP/collected
mkdir "$COL"
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
for _ in 1 2 3 4 5; do
    PORT=$((20000 + RANDOM % 20000))
    listening && continue
    jit_bg remote -- "$REMOTE" --listen-http="127.0.0.1:$PORT" --output="$COL/fleet.journal" --split-mode=none
    wait_for 10 eval 'listening || ! jit_bg_running remote'
    listening && jit_bg_running remote && break
done
ok "systemd-journal-remote listens on 127.0.0.1:$PORT" listening
jit_bg upload -- "$UPLOAD" --url="http://127.0.0.1:$PORT" --follow=no --save-state="$JIT_TMP/upload-state"
jit_bg_wait upload 60 >/dev/null
is "$(jit_bg_rc upload)" 0 "systemd-journal-upload sent the sandbox's journal and exited" ||
    diag "$(jit_bg_output upload)"
jit_bg_kill remote TERM
jit_bg_wait remote 20 >/dev/null
ls "$COL"/*.journal >/dev/null 2>&1 || bail_out "journal-remote wrote no journal file: $(jit_bg_output remote)"

out=$(jitctl verify --journald --directory "$COL" --key "$JIT_TMP/alpha.pub" 2>&1)
is "$?" 0 "the collector verifies host alpha from the collected directory alone" || diag "$out"
like "$out" "OK: host $ALPHA: records 0\\.\\." "...naming the host and the records it rebuilt"
note "$out"
out=$(jitctl verify --journald --directory "$COL" --key "$BETA_STATE/journal.pub" --json 2>&1)
is "$?" 0 "the collector verifies host beta with beta's key" || diag "$out"
like "$out" '"origin":"fleet-beta/pam_jit".*"verdict":"ok"' "...as host fleet-beta/pam_jit"
out=$(jitctl verify --journald --directory "$COL" --key "$JIT_TMP/alpha.pub" --host fleet-beta/pam_jit 2>&1)
is "$?" 1 "beta's records checked against alpha's key: refused"
like "$out" "TAMPERED.*not the trusted key" "...as a journal of a foreign key"

out=$(jitctl verify --journald --directory "$COL" --key "$GAMMA_STATE/journal.pub" 2>&1)
is "$?" 1 "gamma: the collector cannot vouch for records journald never got"
like "$out" "GAP: host fleet-gamma/pam_jit: records? [0-9.]+ (is|are) missing; a mirror-gap record after the gap \\(seq [0-9]+" \
    "...and names the gap jitd recorded, as a gap"
note "$out"

# T53: rewrite one of beta's records in transit (the export stream journal-remote reads), as a
# compromised relay or collector would: one deny record now names mallory instead of alice.
journalctl -D "$COL" -o export >"$JIT_TMP/export"
/usr/bin/python3 - "$JIT_TMP/export" "$JIT_TMP/forged-export" "$JIT_TMP/removed-export" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
entries = data.split(b'\n\n')
def field(e, k):
    for line in e.split(b'\n'):
        if line.startswith(k + b'='):
            return line[len(k) + 1:]
forged, removed, done_f, done_r = [], [], False, False
for e in entries:
    origin, rec = field(e, b'JIT_ORIGIN'), field(e, b'JIT_RECORD')
    if not done_f and origin == b'fleet-beta/pam_jit' and rec == b'deny':
        e = e.replace(b'"user":"alice"', b'"user":"mallory"', 1)
        done_f = True
    forged.append(e)
    # The gap: alpha's first request record never arrives.
    if not done_r and origin is not None and origin != b'fleet-beta/pam_jit' and rec == b'request':
        done_r = True
        continue
    removed.append(e)
assert done_f and done_r
open(sys.argv[2], 'wb').write(b'\n\n'.join(forged))
open(sys.argv[3], 'wb').write(b'\n\n'.join(removed))
EOF
mkdir "$JIT_TMP/forged" "$JIT_TMP/removed"
"$REMOTE" --output="$JIT_TMP/forged/forged.journal" "$JIT_TMP/forged-export" 2>/dev/null
"$REMOTE" --output="$JIT_TMP/removed/removed.journal" "$JIT_TMP/removed-export" 2>/dev/null
seq=$(grep -a -m1 '"user":"mallory"' "$JIT_TMP/forged-export" | grep -o '"seq":[0-9]*' | cut -d: -f2)

out=$(jitctl verify --journald --directory "$JIT_TMP/forged" --key "$BETA_STATE/journal.pub" 2>&1)
is "$?" 1 "t53: a rewritten record in the collected journal fails verification"
like "$out" "TAMPERED: host fleet-beta/pam_jit, seq ($seq|$((seq + 1))): " "...named as tampering at that record (seq $seq)"
note "$out"
ok "t53: the other host's trail in the same directory still verifies" \
    jitctl verify --journald --directory "$JIT_TMP/forged" --key "$JIT_TMP/alpha.pub"

# An entry uploaded twice (journal-upload resends after a lost reply) is one record; a second,
# different record under a later seq is a forgery. Both in one stream: the collector must drop the
# copy, report the forgery, and clean up after itself (it once freed the copied lines twice).
/usr/bin/python3 - "$JIT_TMP/export" "$JIT_TMP/twice-export" <<'EOF'
import sys
entries = [e for e in open(sys.argv[1], 'rb').read().split(b'\n\n') if e.strip()]
def field(e, k):
    for line in e.split(b'\n'):
        if line.startswith(k + b'='):
            return line[len(k) + 1:]
beta = [e for e in entries if field(e, b'JIT_ORIGIN') == b'fleet-beta/pam_jit' and field(e, b'JIT_RECORD_LINE')]
deny = next(e for e in beta if field(e, b'JIT_RECORD') == b'deny')
assert beta[0] is not deny
out = entries + [beta[0], deny.replace(b'"user":"alice"', b'"user":"mallory"', 1)]
open(sys.argv[2], 'wb').write(b''.join(e + b'\n\n' for e in out))
EOF
mkdir "$JIT_TMP/twice"
"$REMOTE" --output="$JIT_TMP/twice/twice.journal" "$JIT_TMP/twice-export" 2>/dev/null
rc=0
out=$(jitctl verify --journald --directory "$JIT_TMP/twice" --key "$BETA_STATE/journal.pub" 2>&1) || rc=$?
is "$rc" 1 "an entry sent twice and a second record for another seq: verification fails, no crash"
like "$out" "TAMPERED: host fleet-beta/pam_jit, seq $seq: journald holds two different records with seq $seq" \
    "...naming the seq that has two records"

out=$(jitctl verify --journald --directory "$JIT_TMP/removed" --key "$JIT_TMP/alpha.pub" 2>&1)
is "$?" 1 "an entry removed from the collected journal fails verification"
like "$out" "GAP: host $ALPHA: record [0-9]+ is missing and no mirror-gap record names the gap" \
    "...named as a gap, not as tampering"
note "$out"
out=$(jitctl verify --journald --directory "$JIT_TMP/removed" --key "$JIT_TMP/alpha.pub" --json 2>&1)
like "$out" '"verdict":"gap"' "...and as verdict gap in --json"
