#!/bin/bash
# A39 on the plugin path: sudo_jit.so sends the program sudo resolved, so a grant covers exactly that
# program and the approver sees it. Each case approves and then checks that the program that ran is
# the one that was shown: two directories, a symlinked directory, -D/--chdir, a bare name shadowed in
# the user's PATH, -u and -g.
source "$(dirname "$0")/../lib.sh"

jit_have_sudo_plugin || skip_all "$(jit_why_no_sudo_plugin)"
plan 21

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
EOF
jit_restart || bail_out "jitd does not start"
jit_use_sudo_plugin timeout=30 || bail_out "jit_use_sudo_plugin failed"
# sudo -D needs sudoers to allow a working directory of the user's choice, and -g a group list.
printf 'Defaults:alice runcwd=*\nalice ALL=(ALL:ALL) NOPASSWD: ALL\n' >/etc/sudoers.d/a39
chmod 0440 /etc/sudoers.d/a39

show_field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }

base=/tmp/a39p
mkdir -p $base/a $base/b
for d in a b; do printf '#!/bin/sh\necho RAN-%s\n' "$d" >$base/$d/run.sh; done
chmod 0755 $base $base/a/run.sh $base/b/run.sh
ln -s $base/b $base/link

# approve_and_run NAME SHOWN RAN CMD...: run CMD as alice, wait for its request, check that the
# approver sees SHOWN, approve, and check that what ran printed RAN: what was shown is what ran.
approve_and_run() {
    local name=$1 shown=$2 ran=$3 id
    shift 3
    jit_bg "$name" --as alice -- "$@"
    id=$(jit_wait_request "$name")
    is "$(show_field "$id" command)" "$shown" "$name: the approver sees $shown"
    jit_ctl bob approve "$id" >/dev/null
    jit_bg_wait "$name" 10
    ok "$name: approved, and what ran is that program ($ran)" jit_bg_has "$name" "^$ran\$"
}

approve_and_run a1 "$base/a/run.sh" RAN-a bash -c "cd $base/a && exec sudo -n ./run.sh"
jit_bg a2 --as alice -- bash -c "cd $base/a && exec sudo -n ./run.sh"
jit_bg_wait a2 10
is "$?" 0 "the same program again runs within the grant"
unlike "$(jit_bg_output a2)" "$JIT_ID_RE" "without a new request"

jit_bg b1 --as alice -- bash -c "cd $base/b && exec sudo -n ./run.sh"
id=$(jit_wait_request b1)
like "$id" "^$JIT_ID_RE\$" "./run.sh in $base/b is another program: a new request ($id)"
is "$(show_field "$id" command)" "$base/b/run.sh" "naming $base/b/run.sh"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait b1 10
nok "denied: b's script did not run" jit_bg_has b1 RAN-b

# Through the symlinked directory: the program is b's, and a's grant does not cover it.
jit_bg l1 --as alice -- bash -c "cd $base/link && exec sudo -n ./run.sh"
id=$(jit_wait_request l1)
like "$id" "^$JIT_ID_RE\$" "through a symlinked directory: not covered by a's grant ($id)"
like "$(show_field "$id" command)" "^$base/(b|link)/run.sh\$" "the program is named by a path that leads to b"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait l1 10
nok "denied: nothing ran" jit_bg_has l1 RAN-

# -D moves the directory: the program that runs is b's, and that is what is shown.
approve_and_run c1 "$base/b/run.sh" RAN-b bash -c "cd $base/a && exec sudo -n -D $base/b ./run.sh"
is "$(jit_ctl bob list --all --json | jq -r "map(select(.command == \"$base/b/run.sh\" and .state == \"approved\")) | .[0].runcwd")" \
    "$base/b" "the request records where the command ran (runcwd)"

# A bare name shadowed in the user's PATH: sudo's secure_path decides, and the path shows which.
home=$(getent passwd alice | cut -d: -f6)
jit_as alice bash -c "mkdir -p '$home/bin' && printf '#!/bin/sh\necho FAKE-ID\n' >'$home/bin/id' && chmod 0755 '$home/bin/id'"
approve_and_run p1 "/usr/bin/id -u" 0 env PATH="$home/bin:/usr/bin:/bin" sudo -n id -u
nok "the user's ~/bin/id did not run" jit_bg_has p1 FAKE-ID

# -u and -g: another target is another grant; the approver sees the target.
jit_bg u1 --as alice -- sudo -n -u bob id -u
id=$(jit_wait_request u1)
like "$id" "^$JIT_ID_RE\$" "sudo -u bob id -u is not covered by the grant for root ($id)"
is "$(show_field "$id" target)" bob "the approver sees the target, bob"
jit_ctl bob approve "$id" >/dev/null
jit_bg_wait u1 10
ok "approved: it ran as bob" jit_bg_has u1 "^$(jit_uid bob)\$"

jit_bg g1 --as alice -- sudo -n -g bob id -g
id=$(jit_wait_request g1)
like "$id" "^$JIT_ID_RE\$" "sudo -g bob id -g needs its own approval ($id)"
jit_ctl bob approve "$id" >/dev/null
jit_bg_wait g1 10
ok "approved: it ran with group bob" jit_bg_has g1 "^$(jit_uid bob)\$"
