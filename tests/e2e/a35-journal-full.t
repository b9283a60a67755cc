#!/bin/bash
# ATTACKS.md A35: the journal's file system is full (a small tmpfs filled to the brim): nothing is
# approved or allowed without its durable record; callers get JournalUnavailable, the module
# denies, and jitd recovers by itself when space returns.
source "$(dirname "$0")/../lib.sh"

plan 14

jit_stop >/dev/null
# The tmpfs below hides the old journal.pub too: a new journal on a new disk publishes a new identity.
ok "a 512 KiB tmpfs over /var/lib/jit" mount -t tmpfs -o size=512k,mode=0700 jit-small /var/lib/jit
ok "jitd starts on it" jit_start

fill() { dd if=/dev/zero of=/var/lib/jit/filler bs=4k >/dev/null 2>&1; sync; }
unfill() { rm -f /var/lib/jit/filler; }

# A pending request, then the disk fills, then bob approves: the approval cannot be recorded.
jit_bg w --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request w)
like "$id" "^$JIT_ID_RE\$" "a request is pending ($id)"
fill
nok "the file system is full" dd if=/dev/zero of=/var/lib/jit/probe bs=4k count=1 status=none
# tmpfs counts whole pages: the journal's last page may still take a record or two. New requests
# use it up; the first one that cannot be recorded must be refused (bounded: 40 tries).
refused=$(jit_journal_refusal a35)
like "$refused" "journal cannot be written" "a request that cannot be recorded is refused with JournalUnavailable"
out=$(jit_ctl bob approve "$id" 2>&1)
like "$out" "journal cannot be written" "bob's approval is refused: the journal cannot be written"
jit_bg_wait w 10
isnt "$?" 0 "the waiting module is denied, not approved"
isnt "$(jit_ctl bob show --json "$id" | jq -r .state)" approved "jitd does not hold the request as approved"

# New requests cannot even be recorded: denied at once with the reason.
jit_bg n --pamtester -- jit-test alice acct_mgmt
jit_bg_wait n 10
isnt "$?" 0 "a new request while the disk is full is denied"
ok "saying the journal is unavailable" jit_bg_has n "journal cannot be written"

# Space returns: jitd recovers without a restart.
unfill
jit_bg r --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request r)
like "$id" "^$JIT_ID_RE\$" "space is back: a new request is recorded ($id)"
ok "bob approves it" jit_ctl bob approve "$id"
jit_bg_wait r 10
is "$?" 0 "and it is allowed"
ok "the journal verifies: nothing half-written was left behind" jitctl verify
