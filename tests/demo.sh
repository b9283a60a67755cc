#!/bin/bash
# `make demo`: the story of DESIGN.md, told inside the sandbox (tests/sandbox.sh) with no typing.
# alice's sudo waits; bob lists and approves; sudo runs; root reads journalctl and verifies.
source "$JIT_SRC/tests/lib.sh"

bold=$(tput bold 2>/dev/null || true) dim=$(tput dim 2>/dev/null || true) off=$(tput sgr0 2>/dev/null || true)
say() { printf '\n%s# %s%s\n' "$dim" "$*" "$off"; }
show() { printf '%s%s$ %s%s\n' "$bold" "$1" "$2" "$off"; }

say "A sandbox with its own users, system bus, journald and jitd is up. alice may run sudo (NOPASSWD),"
say "but sudo loads the sudo_jit approval plugin: another person must approve the exact command first."
jit_use_sudo_plugin timeout=300 || { echo "demo: cannot switch sudo to the plugin" >&2; exit 1; }
show root "cat /etc/sudo.conf"
grep '^Plugin' /etc/sudo.conf

show alice "sudo sh -c 'echo restarting nginx; id -un'"
jit_bg s --as alice --pty -- sudo sh -c 'echo restarting nginx; id -un'
id=$(jit_wait_request s 10) || { echo "demo: no request appeared" >&2; exit 1; }
tr -d '\000\r' <"$(jit_bg_out s)"
jit_bg_running s && say "alice's sudo is waiting for $id."

show bob "jitctl list"
jit_ctl bob list
show bob "jitctl approve $id --for 30m --comment 'change ticket 4711'"
jit_ctl bob approve "$id" --for 30m --comment 'change ticket 4711'

jit_bg_wait s 10
rc=$?
say "alice's terminal:"
tr -d '\000\r' <"$(jit_bg_out s)"
say "sudo exited with status $rc."

say "The approval opened a 30-minute grant for this command; each use is recorded:"
show bob "jitctl grants"
jit_ctl bob grants

say "Nobody may approve their own request:"
jit_bg s2 --as alice -- sudo -n true
id2=$(jit_wait_request s2 10)
show alice "jitctl approve $id2"
jit_ctl alice approve "$id2"
show carol "jitctl deny $id2 --comment 'use the runbook'"
jit_ctl carol deny "$id2" --comment 'use the runbook'
jit_bg_wait s2 10
sed 's/\r$//' "$(jit_bg_out s2)" "$(jit_bg_err s2)" | grep sudo_jit | tail -n 1

say "su has no plugin API: there pam_jit.so sits in the account phase of /etc/pam.d/su."
show alice "su -c 'id -un' root"
jit_bg su --as alice --pty --keys -- su -c 'id -un' root
wait_for_output su 'Password:' 10 && jit_bg_send su "$JIT_PASSWORD\n"
id3=$(jit_wait_request su 10)
show bob "jitctl approve $id3"
jit_ctl bob approve "$id3"
jit_bg_wait su 10
tr -d '\000\r' <"$(jit_bg_out su)" | grep -v '^Password:' | grep -v '^$'

say "What the admin sees:"
show root "journalctl -t jitd JIT_REQUEST_ID=$id"
jit_journal -t jitd JIT_REQUEST_ID="$id"
show root "journalctl -t jitd JIT_REQUEST_ID=$id -o verbose --output-fields=JIT_USER,JIT_COMMAND,JIT_APPROVER,JIT_STATE"
jit_journal -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve -o verbose \
    --output-fields=JIT_USER,JIT_COMMAND,JIT_APPROVER,JIT_STATE,JIT_COMMENT

say "What the auditor checks: the signed, hash-chained journal, against journald's mirror:"
show root "jitctl verify --journald"
"$JIT_BUILD/jitctl" verify --journald
show root "jitctl log | tail -n 4"
"$JIT_BUILD/jitctl" log | tail -n 4 | cut -c1-150
say "Done. Everything above ran in throwaway namespaces; the host is unchanged."
exit "$rc"
