#!/bin/bash
# ATTACKS.md A43: state files with a wrong owner or mode. Whoever can write jitd's state directory,
# its keys/ directory, a key file or the journal can swap the signing key or rewrite history, and a
# symlink hands the choice of file to whoever owns the link. For each such plant jitd refuses to
# start with a non-zero status and one message that names the path, what is wrong and the fix;
# the refused start writes nothing; the fix the message gives works, jitd starts again on the same
# journal and `jitctl verify` passes.
source "$(dirname "$0")/../lib.sh"

plan 75

STATE=/var/lib/jit
J=$STATE/journal.jsonl
jit_stop >/dev/null
key=$(find $STATE/keys -maxdepth 1 -name 'journal-key.*' | head -n 1)
[[ -n $key && -f $J && -f $STATE/journal.pub ]] || bail_out "no journal, key or journal.pub after the first start"

# refused CASE ERE: jitd must refuse to start, with a non-zero status, and its one "Refusing to
# start" line must match ERE; the journal must be byte for byte what it was. Sets $message.
# (jitd runs directly, as in a36: jit_start would only learn of the refusal at its deadline.)
refused() {
    local what=$1 want=$2 before out rc=0
    before=$(sha256sum <"$J")
    out=$(timeout 20 "$JIT_BUILD/jitd" --config "$JIT_CONF" 2>&1) || rc=$?
    if ((rc != 0 && rc != 124)); then
        pass "$what: jitd refuses to start (exit status $rc)"
    else
        fail "$what: jitd refuses to start with a non-zero status" "status: $rc" "$out"
    fi
    message=$(grep 'Refusing to start:' <<<"$out")
    is "$(grep -c . <<<"$message")" 1 "$what: one message says why"
    like "$message" "$want" "$what: the message names the path, what is wrong and the fix"
    is "$(sha256sum <"$J")" "$before" "$what: the refused start wrote nothing to the journal"
}

# apply_fix CASE: run the chmod/chown the message ends with, as an admin would paste it.
apply_fix() {
    local fix=${message##*: }
    if [[ $fix =~ ^(chmod|chown)\ [0-9a-z]+\ /[^\ ]+$ ]]; then
        ok "$1: the fix it gives ($fix) works" $fix
    else
        fail "$1: the message ends with a chmod or chown to paste" "$message"
    fi
}

# starts CASE: after the fix jitd starts on the same journal, and the journal verifies.
starts() {
    ok "$1, fixed: jitd starts" jit_start
    ok "$1, fixed: jitctl verify passes" jitctl verify
    jit_stop >/dev/null
}

c="the state directory mode 0777"
chmod 0777 $STATE
refused "$c" "^Refusing to start: $STATE is mode 0777; the state directory must not be group- or world-writable: chmod 0700 $STATE\$"
apply_fix "$c"
starts "$c"

c="the state directory owned by alice"
chown alice $STATE
refused "$c" "^Refusing to start: $STATE is owned by alice \(uid 2001\); the state directory must be owned by root: chown root $STATE\$"
apply_fix "$c"
starts "$c"

c="keys/ owned by alice"
chown alice $STATE/keys
refused "$c" "^Refusing to start: $STATE/keys is owned by alice \(uid 2001\); the key directory must be owned by root: chown root $STATE/keys\$"
apply_fix "$c"
starts "$c"

c="keys/ mode 0770"
chmod 0770 $STATE/keys
refused "$c" "^Refusing to start: $STATE/keys is mode 0770; the key directory must not be group- or world-writable: chmod 0700 $STATE/keys\$"
apply_fix "$c"
starts "$c"

# Epochs may have rolled over while jitd ran: the key in use now is the one to plant on.
key=$(find $STATE/keys -maxdepth 1 -name 'journal-key.*' | head -n 1)
c="a key file mode 0644"
chmod 0644 "$key"
refused "$c" "^Refusing to start: $key is mode 0644; a key file must not be readable or writable by group or others: chmod 0600 $key\$"
apply_fix "$c"
starts "$c"

c="the journal mode 0666"
chmod 0666 $J
refused "$c" "^Refusing to start: $J is mode 0666; the journal must not be group- or world-writable: chmod 0640 $J\$"
apply_fix "$c"
starts "$c"

c="journal.pub owned by alice"
chown alice $STATE/journal.pub
refused "$c" "^Refusing to start: $STATE/journal.pub is owned by alice \(uid 2001\); the published key must be owned by root: chown root $STATE/journal.pub\$"
apply_fix "$c"
starts "$c"

# A rotated journal file writable by others: jitd does not read it again, but it is history that
# jitctl verify reads, held to the journal's rules.
rot=$STATE/journal-0000000000000000.jsonl
c="a rotated journal file of mode 0666"
install -m 0666 /dev/null "$rot"
refused "$c" "^Refusing to start: $rot is mode 0666; a rotated journal file must not be group- or world-writable: chmod 0640 $rot\$"
apply_fix "$c"
rm "$rot" # it was planted: the journal never rotated
starts "$c"

# The journal kept outside the state directory, in a directory others may write: they could rename
# it away and put another in its place.
T=$JIT_TMP/a43
mkdir -m 0700 "$T"
mkdir -m 0777 "$T/log"
cp "$JIT_CONF" "$T/jitd.conf.saved"
jit_config_set JournalFile "$T/log/journal.jsonl"
c="the journal's directory of mode 0777"
refused "$c" "^Refusing to start: $T/log is mode 0777; a directory holding the journal or its key must not be group- or world-writable: chmod 0755 $T/log\$"
apply_fix "$c"
cat "$T/jitd.conf.saved" >"$JIT_CONF"

# A key file replaced by a symlink (to the real key, kept under another name): following it would
# let whoever controls the link choose the signing key.
key=$(find $STATE/keys -maxdepth 1 -name 'journal-key.*' | head -n 1)
c="a key file replaced by a symlink"
mv "$key" $STATE/keys/saved
ln -s saved "$key"
refused "$c" "^Refusing to start: $key is a symlink; a key file must not be one .*: replace it with a real file owned by root, mode 0600\$"
rm "$key"
mv $STATE/keys/saved "$key"
starts "$c"

# The state directory a symlink to a directory: StateDirectory= names a link to a copy of the state.
cp -a $STATE "$T/real"
ln -s real "$T/state"
cp "$JIT_CONF" "$T/jitd.conf.saved"
jit_config_set StateDirectory "$T/state"
J=$T/real/journal.jsonl
c="the state directory a symlink to a directory"
refused "$c" "^Refusing to start: $T/state is a symlink; the state directory must not be one .*: replace it with a real directory owned by root, mode 0700\$"
rm "$T/state"
mv "$T/real" "$T/state"
J=$T/state/journal.jsonl
ok "$c, fixed: jitd starts" jit_start
ok "$c, fixed: jitctl verify of the moved state passes" jitctl verify --journal "$J" --key "$T/state/journal.pub"
jit_stop >/dev/null
cat "$T/jitd.conf.saved" >"$JIT_CONF"

ok "after every fix: jitd starts on /var/lib/jit" jit_start
ok "after every fix: jitctl verify (default journal and key) passes" jitctl verify
