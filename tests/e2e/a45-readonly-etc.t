#!/bin/bash
# ATTACKS.md A45: the daemon rewriting its own policy or the published key. /etc is read-only to
# jitd: with /etc/jit mounted read-only it creates a new journal, publishes the identity key in its
# state directory (/var/lib/jit/journal.pub, the default PublicKeyFile= and jitctl verify's default
# --key), decides, restarts, republishes a lost journal.pub there, and never writes /etc/jit. The
# unit file gives it no write access to /etc/jit.
source "$(dirname "$0")/../lib.sh"

plan 20

STATE=/var/lib/jit
UNIT=$JIT_SRC/packaging/jitd.service

# snapshot: every entry under /etc/jit with its type, mode, owner, size, mtime and content hash.
snapshot() {
    find /etc/jit -printf '%p %y %m %u %s %T@\n' | sort
    find /etc/jit -type f -exec sha256sum {} + | sort
}

jit_stop >/dev/null
rm -rf "${STATE:?}"/*
before=$(snapshot)
ok "/etc/jit is mounted read-only (a bind mount of the sandbox's copy, remounted ro)" \
    mount -o remount,bind,ro /etc/jit
nok "/etc/jit really is read-only here: root cannot create a file in it" touch /etc/jit/probe

ok "jitd starts with a read-only /etc/jit and an empty state directory" jit_start
ok "it publishes the identity key as $STATE/journal.pub" test -s $STATE/journal.pub
is "$(stat -c '%a %U' $STATE/journal.pub)" "644 root" "journal.pub is root's, mode 0644 (anyone may read it)"
genesis=$(head -n 1 $STATE/journal.jsonl | jq -r 'select(.type == "key" and .seq == 0) | .fields.key')
is "$(cat $STATE/journal.pub)" "$genesis" "journal.pub holds the journal's identity key (its genesis record's)"
mirrored=$(jit_journal_json -t jitd JIT_JOURNAL_KEY="$genesis" | jq -r .JIT_JOURNAL_KEY | tail -n 1)
is "$mirrored" "$genesis" "the same key is mirrored to journald"

jit_bg r --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request r)
like "$id" "^$JIT_ID_RE\$" "alice's request is pending ($id)"
ok "bob approves it" jit_ctl bob approve "$id"
jit_bg_wait r 10
is "$?" 0 "the approval reaches the module: pamtester succeeds"

out=$(jitctl verify 2>&1)
is "$?" 0 "jitctl verify with its default journal and key passes"
like "$out" "^$STATE/journal.jsonl: OK: [0-9]+ records" "...and says the default journal is OK"

rm $STATE/journal.pub
ok "after journal.pub is lost, jitd restarts (still with /etc/jit read-only)" jit_restart
is "$(cat $STATE/journal.pub 2>/dev/null)" "$genesis" "...and publishes the same identity again under $STATE"
ok "jitctl verify with the default key passes after the restart" jitctl verify

jit_stop >/dev/null
is "$(snapshot)" "$before" "jitd wrote nothing under /etc/jit (entries, modes, owners, sizes, times, contents)"
nok "there is no /etc/jit/journal.pub" test -e /etc/jit/journal.pub

# The unit: ProtectSystem=strict makes everything read-only but StateDirectory=; nothing reopens /etc.
nok "packaging/jitd.service lists no path under /etc as writable" \
    grep -Eq '^[[:space:]]*ReadWritePaths=.*/etc' "$UNIT"
ok "packaging/jitd.service keeps ProtectSystem=strict and StateDirectory=jit" \
    eval "grep -qx 'ProtectSystem=strict' '$UNIT' && grep -qx 'StateDirectory=jit' '$UNIT'"
if command -v systemd-analyze >/dev/null; then
    # Checked against the built jitd: the packaged path /usr/sbin/jitd is not installed here.
    # --man=no: Documentation=man:jitd(8) is installed by the package, not here (70-deb-install.t
    # verifies the installed unit with its man pages).
    sed "s|/usr/sbin/jitd|$JIT_BUILD/jitd|" "$UNIT" >"$JIT_TMP/jitd.service"
    ok "systemd-analyze verify accepts packaging/jitd.service" \
        systemd-analyze verify --man=no "$JIT_TMP/jitd.service"
else
    skip "systemd-analyze is not installed"
fi
