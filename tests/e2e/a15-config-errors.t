#!/bin/bash
# ATTACKS.md A15: a missing or malformed configuration, or unknown module options → deny and log why.
#  - `jitd --check-config FILE` rejects each kind of error, naming the file and the line.
#  - SIGHUP with a broken file (or drop-in) keeps the old rules, and jitd logs why; a good file is
#    then taken. A request already pending keeps the rules it was made under.
#  - A bad configuration at start: jitd refuses to start, and the PAM module fails closed, quickly.
#  - An unknown pam_jit.so option denies, and is logged.
source "$(dirname "$0")/../lib.sh"

D=$JIT_TMP/check
mkdir -m 0755 "$D"
HEAD="[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP"

# bad NAME LINE ERE DESC: write stdin to $D/NAME.conf (root's, 0644) and check that
# `jitd --check-config` refuses it with an error "FILE:LINE: ..." matching ERE (LINE empty: a
# whole-file error "FILE: ...").
bad() {
    local line=$2 ere=$3 desc=$4 f=$D/$1.conf out rc=0 where
    cat >"$f"
    chmod 0644 "$f"
    out=$("$JIT_BUILD/jitd" --check-config "$f" 2>&1) || rc=$?
    where=$f${line:+:$line}
    if [[ $rc -ne 0 && $out == *"$where: "* && $out =~ $ere ]]; then
        pass "$desc: refused at $(basename "$f")${line:+:$line}"
    else
        fail "$desc: refused at $(basename "$f")${line:+:$line}" "exit status $rc; output:" "$out"
    fi
}
# bad_file FILE ERE DESC [AS-USER]: `jitd --check-config FILE` (run by AS-USER, default root)
# refuses FILE as a whole, naming it.
bad_file() {
    local f=$1 ere=$2 desc=$3 out rc=0
    if [[ -n ${4:-} ]]; then
        out=$(jit_as "$4" "$JIT_BUILD/jitd" --check-config "$f" 2>&1) || rc=$?
    else
        out=$("$JIT_BUILD/jitd" --check-config "$f" 2>&1) || rc=$?
    fi
    if [[ $rc -ne 0 && $out == *"$f: "* && $out =~ $ere ]]; then
        pass "$desc"
    else
        fail "$desc" "exit status $rc; output:" "$out"
    fi
}

# --- jitd --check-config: one line per kind of error ---------------------------------------------------
printf '%s\n\n[Rule a]\nUser=alice\nAction=approve\n' "$HEAD" >"$D/good.conf"
chmod 0644 "$D/good.conf"
out=$("$JIT_BUILD/jitd" --check-config "$D/good.conf" 2>&1)
is "$?:$out" "0:$D/good.conf: OK (1 rule)" "a valid file passes"

bad unknown-key 6 'unknown key Colour=' "an unknown key" <<<"$HEAD

[Rule a]
User=alice
Colour=blue
Action=approve"
bad lowercase-key 2 'unknown key approvergroup=' "a key in the wrong case (keys are case-sensitive)" <<<"[Daemon]
approvergroup=x"
bad daemon-key-in-rule 5 'belongs in the \[Daemon\] section' "a [Daemon] key in a rule" <<<"$HEAD
[Rule a]
User=alice
RequestTimeout=5m
Action=deny"
bad bad-duration 3 'not a valid duration' "a bad duration (15 minutes)" <<<"$HEAD
DefaultGrant=15 minutes"
bad long-duration 3 'not a valid duration' "a duration over 7d" <<<"$HEAD
RequestTimeout=8d"
bad zero-duration 6 'not a valid duration' "a zero duration in a rule" <<<"$HEAD
[Rule a]
User=alice
Action=require
MaxGrant=0s"
bad default-over-max 3 'longer than MaxGrant' "DefaultGrant= longer than MaxGrant=" <<<"$HEAD
DefaultGrant=2h
MaxGrant=1h"
bad empty-user 4 'User= is empty' "an empty match (User=)" <<<"$HEAD
[Rule a]
User=
Action=deny"
bad empty-command 4 'Command= is empty' "an empty match (Command=)" <<<"$HEAD
[Rule a]
Command=
Action=deny"
bad lowercase-section 3 'unknown section \[daemon\]' "an unknown section ([daemon])" <<<"$HEAD
[daemon]
ApproverGroup=x"
bad rules-section 3 'unknown section \[Rules x\]' "an unknown section ([Rules x])" <<<"$HEAD
[Rules x]
Action=deny"
bad outside 1 'outside any section' "a key outside any section" <<<"ApproverGroup=x"
bad no-action 3 'no Action=' "a rule without Action=" <<<"$HEAD
[Rule a]
User=alice"
bad bad-action 5 'Action=allow' "an unknown action" <<<"$HEAD
[Rule a]
User=alice
Action=allow"
bad indented 5 'indented line' "an indented line" <<<"$HEAD
[Rule a]
User=alice
  Action=deny"
bad colon 3 "':' is not a separator" "Key:Value" <<<"$HEAD
ApproverGroup:x"
bad after-bracket 3 'must end with' "text after ]" <<<"$HEAD
[Rule a] ; comment
Action=deny"
bad hash-comment 2 'whitespace' "'#' after a value is part of it" <<<"[Daemon]
ApproverGroup=ops # leads"
bad duplicate-rule 6 'already defined' "a rule name used twice" <<<"$HEAD
[Rule a]
User=alice
Action=deny
[Rule a]
User=bob
Action=deny"
bad unreachable 5 'can never match' "a rule after a catch-all rule" <<<"$HEAD
[Rule all]
Action=deny
[Rule b]
User=bob
Action=deny"
bad glob-in-user 4 'match names exactly' "a glob in User=" <<<"$HEAD
[Rule a]
User=al*
Action=deny"
bad char-class 4 'character classes' "a character class in Command=" <<<"$HEAD
[Rule a]
Command=[[:alpha:]]*
Action=deny"
bad empty-approver 6 'empty entry' "an empty entry in Approvers=" <<<"$HEAD
[Rule a]
User=alice
Action=require
Approvers=bob,,carol"
bad too-many-approvals 7 'names only 2 people' "Approvals= above the users listed" <<<"$HEAD
[Rule a]
User=alice
Action=require
Approvers=bob,carol
Approvals=3"
bad approvals-with-deny 6 'needs Action=require' "Approvals= with Action=deny" <<<"$HEAD
[Rule a]
User=alice
Action=deny
Approvals=1"
bad break-glass-n 7 'cannot be combined with Approvals=2' "BreakGlass=yes with Approvals=2" <<<"$HEAD
[Rule a]
User=alice
Action=require
BreakGlass=yes
Approvals=2"
bad relative-path 3 'absolute path' "a relative path" <<<"$HEAD
StateDirectory=var/lib/jit"

# A missing main file is not an error (DESIGN §3): jitd would run on the defaults, and says so.
out=$("$JIT_BUILD/jitd" --check-config "$D/missing.conf" 2>&1)
is "$?:$out" "0:$D/missing.conf: does not exist: OK, the defaults apply (0 rules)" \
    "a missing main file checks out as the defaults, and the check says the file does not exist"
out=$("$JIT_BUILD/jitd" --check-config="$D/good.conf" 2>&1)
is "$?:$out" "0:$D/good.conf: OK (1 rule)" "--check-config=FILE works as --check-config FILE does"
out=$("$JIT_BUILD/jitd" --config "$D/good.conf" --check-config 2>&1)
is "$?:$out" "0:$D/good.conf: OK (1 rule)" "--check-config alone checks the file --config names"
out=$("$JIT_BUILD/jitd" --version 2>&1)
like "$?:$out" '^0:jitd [0-9]+\.[0-9]+' "jitd --version names the release"
out=$("$JIT_BUILD/jitd" --help 2>&1)
like "$?:$out" '^0:Usage: jitd .*SIGHUP re-reads the configuration' "jitd --help explains SIGHUP reload"

# Whole files: unreadable, not a regular file, a link, writable by others, not root's.
install -m 0600 "$D/good.conf" "$D/private.conf"
bad_file "$D/private.conf" 'cannot open: Permission denied' "an unreadable file (checked by dave)" dave
out=$(jit_as dave "$JIT_BUILD/jitd" --check-config "$D/good.conf" 2>&1)
is "$?" 0 "...while dave can check a readable one (the refusal above is about reading)"
install -m 0664 "$D/good.conf" "$D/group-writable.conf"
bad_file "$D/group-writable.conf" 'group- or world-writable' "a group-writable file"
install -m 0646 "$D/good.conf" "$D/world-writable.conf"
bad_file "$D/world-writable.conf" 'group- or world-writable' "a world-writable file"
install -m 0644 -o dave "$D/good.conf" "$D/daves.conf"
bad_file "$D/daves.conf" 'owned by root' "a file not owned by root"
ln -s "$D/good.conf" "$D/link.conf"
bad_file "$D/link.conf" 'symbolic link' "a symbolic link"
mkdir "$D/dir.conf"
bad_file "$D/dir.conf" 'not a regular file' "a directory"

# Drop-ins: an error in one names the drop-in and its line; a writable drop-in or directory is refused.
mkdir -m 0755 "$D/good.conf.d"
printf '[Rule z]\nUser=dave\nAction=deny\nFoo=1\n' >"$D/good.conf.d/50-db.conf"
chmod 0644 "$D/good.conf.d/50-db.conf"
out=$("$JIT_BUILD/jitd" --check-config "$D/good.conf" 2>&1)
like "$?:$out" "^1:.*$D/good.conf.d/50-db.conf:4: unknown key Foo=" "an error in a drop-in names the drop-in and its line"
printf '[Rule z]\nUser=dave\nAction=deny\n' >"$D/good.conf.d/50-db.conf"
out=$("$JIT_BUILD/jitd" --check-config "$D/good.conf" 2>&1)
is "$?:$out" "0:$D/good.conf: OK (2 rules)" "fixed, the drop-in's rule is counted"
chmod 0664 "$D/good.conf.d/50-db.conf"
bad_file "$D/good.conf.d/50-db.conf" 'group- or world-writable' "a group-writable drop-in"
out=$("$JIT_BUILD/jitd" --check-config "$D/good.conf" 2>&1)
like "$?:$out" "^1:.*$D/good.conf.d/50-db.conf: .*group- or world-writable" "...refused when the main file is checked"
chmod 0644 "$D/good.conf.d/50-db.conf"
chmod 0777 "$D/good.conf.d"
out=$("$JIT_BUILD/jitd" --check-config "$D/good.conf" 2>&1)
like "$?:$out" "^1:.*$D/good.conf.d: .*group- or world-writable" "a world-writable drop-in directory is refused"
chmod 0755 "$D/good.conf.d"

# The error is what a person reads: the line starts with the file name, as docs/jitd.conf.5.md shows.
out=$("$JIT_BUILD/jitd" --check-config "$D/unknown-key.conf" 2>&1)
is "$out" "$D/unknown-key.conf:6: unknown key Colour= in [Rule a]" \
    "--check-config prints the error as FILE:LINE: explanation, one line, nothing before it"

# ApproversFile=: --check-config reads it as jitd will for each signature. Missing is fine until a
# rule wants signatures; present, it must be root's, not writable by others, and well formed.
A=$D/approvers
sig="$HEAD
ApproversFile=$A"
printf '%s\n' "$sig" >"$D/no-signature.conf"
chmod 0644 "$D/no-signature.conf"
out=$("$JIT_BUILD/jitd" --check-config "$D/no-signature.conf" 2>&1)
is "$?:$out" "0:$D/no-signature.conf: OK (0 rules)" "no approvers file and no Signature=required: OK"
bad signature-no-file "" "ApproversFile=$A is missing: no signed approval can be recorded" \
    "Signature=required in [Daemon] with no approvers file" <<<"$sig
Signature=required"
bad rule-signature-no-file "" "ApproversFile=$A is missing: no signed approval can be recorded" \
    "Signature=required in one rule with no approvers file" <<<"$sig

[Rule a]
User=alice
Action=require
Signature=required"
key=$(jit_ssh_key bob id_ed25519) || bail_out "ssh-keygen cannot make bob's key"
printf '%s\n' "$(jit_approver_line bob "$key")" >"$A"
chmod 0644 "$A"
printf '%s\nSignature=required\n' "$sig" >"$D/signature.conf"
chmod 0644 "$D/signature.conf"
out=$("$JIT_BUILD/jitd" --check-config "$D/signature.conf" 2>&1)
is "$?:$out" "0:$D/signature.conf: OK (0 rules)" "Signature=required with a good approvers file: OK"
chmod 0664 "$A"
bad_file "$D/signature.conf" "ApproversFile=$A is not root's, or writable by others" \
    "a group-writable approvers file"
bad_file "$D/no-signature.conf" "ApproversFile=$A is not root's, or writable by others, or a link: no signature or approval token can be checked" \
    "...even where no rule wants signatures (approval tokens use it)"
chmod 0644 "$A"
printf 'carol ssh-ed25519 AAAA-not-base64\n' >>"$A"
bad_file "$D/signature.conf" "ApproversFile=$A is unreadable or malformed" "an approvers file with a malformed line"

# --- SIGHUP: a broken file keeps the old rules --------------------------------------------------------
jit_config <<EOF
$HEAD
RequestTimeout=10m

[Rule no-pamtester]
Service=jit-test
User=alice
Action=deny

[Rule two]
Service=login
Action=require
Approvals=2
EOF
jit_restart || bail_out "jitd does not start"
pid=$(jit_jitd_pid)
rc=0
out=$(jit_pamtester jit-test alice acct_mgmt 2>&1) || rc=$?
like "$rc:$out" "^1:.*denied by rule no-pamtester" "the running rules deny alice's pamtester (rule no-pamtester)"

# log_lines: how many lines jitd.log has; log_since N ERE: a line after the first N matches ERE.
log_lines() { wc -l <"$JIT_LOG_DIR/jitd.log"; }
log_since() { tail -n +"$(($1 + 1))" "$JIT_LOG_DIR/jitd.log" | grep -E -- "$2"; }

# A pending login request under rule two (Approvals=2), to see that it keeps its rules.
jit_bg l --pamtester -- login alice acct_mgmt
lid=$(jit_wait_request l)

n=$(log_lines)
jit_config <<EOF
$HEAD
RequestTimeout=10m

[Rule no-pamtester]
Service=jit-test
User=alice
Action=approve
Colour=blue
EOF
jit_reload
ok "SIGHUP with an unknown key: jitd logs that it keeps the old configuration" \
    wait_for 15 log_since "$n" 'Keeping the old configuration'
ok "...and why, with file and line" log_since "$n" "$JIT_CONF:9: unknown key Colour="
is "$(jit_jitd_pid)" "$pid" "jitd is still running (the same process)"
rc=0
out=$(jit_pamtester jit-test alice acct_mgmt 2>&1) || rc=$?
like "$rc:$out" "^1:.*denied by rule no-pamtester" "the old rule still denies"

# A good main file, but a group-writable drop-in: still the old configuration.
jit_config <<EOF
$HEAD
RequestTimeout=10m

[Rule no-pamtester]
Service=jit-test
User=alice
Action=approve

[Rule two]
Service=login
Action=require
EOF
mkdir -p "$JIT_CONF.d"
printf '[Rule late]\nUser=dave\nAction=deny\n' >"$JIT_CONF.d/50-late.conf"
chmod 0664 "$JIT_CONF.d/50-late.conf"
n=$(log_lines)
jit_reload
ok "SIGHUP with a group-writable drop-in: the old configuration is kept" \
    wait_for 15 log_since "$n" 'Keeping the old configuration'
ok "...naming the drop-in" log_since "$n" "$JIT_CONF.d/50-late.conf: .*writable"
rc=0
out=$(jit_pamtester jit-test alice acct_mgmt 2>&1) || rc=$?
like "$rc:$out" "^1:.*denied by rule no-pamtester" "the old rule still denies"

chmod 0644 "$JIT_CONF.d/50-late.conf"
n=$(log_lines)
jit_reload
ok "SIGHUP with everything fixed: jitd reloads (3 rules)" wait_for 15 log_since "$n" 'Reloaded .*\(3 rules\)'
rc=0
out=$(jit_pamtester jit-test alice acct_mgmt 2>&1) || rc=$?
is "$rc" 0 "the new rule (approve) lets alice's pamtester through"
rc=0
out=$(jit_pamtester jit-test dave acct_mgmt 2>&1) || rc=$?
like "$rc:$out" "^1:.*denied by rule late" "and the drop-in's rule denies dave"
is "$(jit_ctl bob show --json "$lid" | jq -r '.state + " " + (.approvals_needed | tostring)')" "pending 2" \
    "the login request pending since before the reloads still needs 2 approvals (its rules)"
ok "bob approves it" jit_ctl bob approve "$lid"
ok "it is still pending: one of two" jit_bg_running l
ok "carol approves it" jit_ctl carol approve "$lid"
rc=0
jit_bg_wait l 10 || rc=$?
is "$rc" 0 "pamtester login is allowed"

# The main file missing: kept too.
mv "$JIT_CONF" "$JIT_CONF.moved"
n=$(log_lines)
jit_reload
ok "SIGHUP with the main file missing: the old configuration is kept" \
    wait_for 15 log_since "$n" 'Keeping the old configuration'
rc=0
out=$(jit_pamtester jit-test dave acct_mgmt 2>&1) || rc=$?
like "$rc:$out" "^1:.*denied by rule late" "the rules are still there"
mv "$JIT_CONF.moved" "$JIT_CONF"

# --- a bad configuration at start -----------------------------------------------------------------------
jit_stop
printf '%s\n[Rule a]\nUser=alice\nAction=require\nMaxGrant=soon\n' "$HEAD" | jit_config
rc=0
out=$(timeout 10 "$JIT_BUILD/jitd" --config "$JIT_CONF" 2>&1) || rc=$?
is "$rc" 1 "jitd with a bad duration in its configuration refuses to start (status $rc)"
like "$out" "$JIT_CONF:6: MaxGrant=soon is not a valid duration" "...saying where and why"
like "$out" "Refusing to start" "...and that it refuses to start"
ok "nobody owns $JIT_BUS_NAME" eval '! jit_name_owned'
t0=$EPOCHREALTIME
jit_bg down --pamtester -- jit-test alice acct_mgmt
rc=0
jit_bg_wait down 10 || rc=$?
is "$rc" 1 "the module fails closed: pamtester is denied"
ok "quickly (under 5 s)" elapsed_below "$t0" 5
ok "saying jitd cannot be reached" jit_bg_has down 'cannot reach jitd.*access denied'
if jit_have_real_sudo; then
    t0=$EPOCHREALTIME
    rc=0
    out=$(jit_as alice sudo -n id -un 2>&1) || rc=$?
    isnt "$rc" 0 "real sudo is denied too"
    ok "quickly (under 5 s)" elapsed_below "$t0" 5
    unlike "$out" "^root" "the command did not run"
else
    skip "$(jit_why_no_real_sudo)" 3
fi
# No main file at all: the documented defaults, logged at notice (not as an error), and the module
# is answered again (one approval from the default approver group).
mv "$JIT_CONF" "$JIT_CONF.moved"
n=$(log_lines)
ok "with the main file missing, jitd starts on the defaults" jit_start
ok "...logging that at notice level, not as an error" \
    log_since "$n" "^(<5>)?$JIT_CONF does not exist: using the defaults"
nok "...and does not call the configuration invalid" log_since "$n" 'invalid|Refusing'
jit_bg nofile --pamtester -- jit-test alice acct_mgmt
nid=$(jit_wait_request nofile)
like "$nid" "^$JIT_ID_RE\$" "...a request waits for an approver ($nid)"
ok "bob (in $JIT_APPROVER_GROUP, the default ApproverGroup=) approves it" jit_ctl bob approve "$nid"
rc=0
jit_bg_wait nofile 10 || rc=$?
is "$rc" 0 "pamtester is allowed"
jit_stop
mv "$JIT_CONF.moved" "$JIT_CONF"
printf '%s\nRequestTimeout=60s\n' "$HEAD" | jit_config
ok "with the configuration fixed, jitd starts" jit_start

# --- an unknown module option ---------------------------------------------------------------------------
printf 'auth required pam_permit.so\naccount required @PAM_JIT@ timeout=30 bogus=1\n' | jit_pam_stack jit-bogus
t0=$EPOCHREALTIME
jit_bg bogus --pamtester -- jit-bogus alice acct_mgmt
rc=0
jit_bg_wait bogus 10 || rc=$?
is "$rc" 1 "an unknown pam_jit.so option (bogus=1) denies"
ok "at once" elapsed_below "$t0" 5
ok "telling the user it is misconfigured" jit_bg_has bogus 'pam_jit: misconfigured'
ok "and logging the option" jit_journal_wait 15 -t pamtester -p err --grep "unknown option 'bogus=1'"
is "$(jit_ctl bob list --all --json | jq '[.[] | select(.service == "jit-bogus")] | length')" 0 "no request was made"

done_testing
