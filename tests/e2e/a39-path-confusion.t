#!/bin/bash
# A39: path confusion. A grant covers only the program it was given for, and the approver sees
# which program that is. On the PAM path a relative program is made absolute against the
# requester's working directory (the physical one: symbolic links resolved), a bare name is shown
# as typed and marked as resolved by sudo's secure_path, and a relative program under -D/--chdir
# cannot be placed at all: it is marked unparsed and matches no rule and no grant.
source "$(dirname "$0")/../lib.sh"

jit_have_real_sudo || skip_all "$(jit_why_no_real_sudo)"
plan 22

jit_config <<EOF
[Daemon]
ApproverGroup=$JIT_APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m

[Rule scripts]
Service=sudo
Command=*/run.sh
Action=require
EOF
jit_restart || bail_out "jitd does not start"
# sudo -D needs sudoers to allow a working directory of the user's choice.
echo 'Defaults:alice runcwd=*' >/etc/sudoers.d/a39
chmod 0440 /etc/sudoers.d/a39

show_field() { jit_ctl bob show --json "$1" | jq -r ".$2"; }
pending() { jit_ctl bob list --json | jq length; }

# Two directories, each with its own run.sh, and a symbolic link to the second.
base=/tmp/a39
mkdir -p $base/a $base/b
for d in a b; do printf '#!/bin/sh\necho RAN-%s\n' "$d" >$base/$d/run.sh; done
chmod 0755 $base/a/run.sh $base/b/run.sh
ln -s $base/b $base/link
chmod 0755 $base

# --- the same relative command from two directories needs two approvals --------------------------
jit_bg a1 --as alice -- bash -c "cd $base/a && exec sudo -n ./run.sh"
id=$(jit_wait_request a1)
like "$id" "^$JIT_ID_RE\$" "sudo ./run.sh in $base/a waits ($id)"
is "$(show_field "$id" command)" "$base/a/run.sh" "the approver sees $base/a/run.sh"
is "$(show_field "$id" command_kind)" typed "marked as typed (made absolute)"
ok "bob approves it" jit_ctl bob approve "$id"
jit_bg_wait a1 10
is "$?" 0 "sudo exits 0"
ok "a's script ran" jit_bg_has a1 RAN-a

jit_bg a2 --as alice -- bash -c "cd $base/a && exec sudo -n ./run.sh"
jit_bg_wait a2 10
is "$?" 0 "the same command in the same directory runs within the grant"
unlike "$(jit_bg_output a2)" "$JIT_ID_RE" "without a new request"

jit_bg b1 --as alice -- bash -c "cd $base/b && exec sudo -n ./run.sh"
id=$(jit_wait_request b1)
like "$id" "^$JIT_ID_RE\$" "sudo ./run.sh in $base/b needs its own approval ($id)"
is "$(show_field "$id" command)" "$base/b/run.sh" "and names $base/b/run.sh"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait b1 10
nok "b's script did not run" jit_bg_has b1 RAN-b

# --- a symbolic link to the directory: the physical directory is what is shown ------------------
jit_bg l1 --as alice -- bash -c "cd $base/link && exec sudo -n ./run.sh"
id=$(jit_wait_request l1)
like "$id" "^$JIT_ID_RE\$" "through a symlinked directory it waits too ($id)"
is "$(show_field "$id" command)" "$base/b/run.sh" "and names the program the link leads to"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait l1 10

# --- -D/--chdir moves the directory sudo resolves ./run.sh against: unparsed --------------------
jit_bg c1 --as alice -- bash -c "cd $base/a && exec sudo -n -D $base/b ./run.sh"
id=$(jit_wait_request c1)
like "$id" "^$JIT_ID_RE\$" "sudo -D $base/b ./run.sh from $base/a is not covered by a's grant ($id)"
is "$(show_field "$id" command_kind)" unparsed "it is marked unparsed: the module cannot tell which run.sh runs"
is "$(show_field "$id" rule)" "(default)" "an unparsed command matches no Command= rule"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait c1 10
nok "nothing ran" jit_bg_has c1 RAN-

# --- a bare name with a same-named program earlier in the user's PATH ----------------------------
home=$(getent passwd alice | cut -d: -f6)
jit_as alice bash -c "mkdir -p '$home/bin' && printf '#!/bin/sh\necho FAKE-ID\n' >'$home/bin/id' && chmod 0755 '$home/bin/id'"
jit_bg p1 --as alice -- env PATH="$home/bin:/usr/bin:/bin" sudo -n id -u
id=$(jit_wait_request p1)
is "$(show_field "$id" command) $(show_field "$id" command_kind)" "id -u bare" \
    "a bare name is shown as typed and marked: sudo resolves it through secure_path"
ok "bob approves it" jit_ctl bob approve "$id"
jit_bg_wait p1 10
ok "what ran is the system id, not ~/bin/id (secure_path)" jit_bg_has p1 '^0$'

# --- -u: a grant for root is not a grant for another user ---------------------------------------
jit_bg u1 --as alice -- sudo -n -u bob id -u
id=$(jit_wait_request u1)
like "$id" "^$JIT_ID_RE\$" "sudo -u bob id -u is not covered by the grant for root ($id)"
jit_ctl bob deny "$id" >/dev/null
jit_bg_wait u1 10
is "$?" 1 "denied: sudo -u bob exits 1"
