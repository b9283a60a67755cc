#!/bin/bash
# Issue 12, "approve from anywhere": `jitctl -H bob@HOST:PORT approve ID` reaches jitd through the
# real transport, sd-bus's sd_bus_open_system_remote: ssh to HOST as bob, which runs
# systemd-stdio-bridge there, which connects to the system bus as bob. jitd sees bob's uid on the
# bus (not the uid of whoever ran jitctl), so the record names bob; a non-approver (dave) reaching
# jitd the same way is refused as he would be locally, and a refused login gets no bus at all.
#
# sshd runs in a network namespace of its own (only loopback), on a port other than 22 so the
# HOST:PORT form is what is tested. UsePAM no: this test is about the bus transport, not about
# sshd's account phase (16-sshd.t covers that), and bob's own login must not wait on an approval.
source "$(dirname "$0")/../lib.sh"

SSHD=/usr/sbin/sshd
BRIDGE=$(command -v systemd-stdio-bridge)
[[ -x $SSHD ]] || skip_all "$SSHD is not installed (Debian package openssh-server; tests/deps.sh installs it)"
command -v ssh >/dev/null || skip_all "ssh is not installed (Debian package openssh-client)"
command -v ip >/dev/null || skip_all "ip is not installed (Debian package iproute2)"
[[ -n $BRIDGE ]] || skip_all "systemd-stdio-bridge is not installed (Debian package systemd)"
plan 18

T=$JIT_TMP
NS=$JIT_SANDBOX_DIR/netns-remote
PORT=2222

: >"$NS"
ok "a private network namespace for sshd" unshare --net="$NS" true
ok "with loopback up" nsenter --net="$NS" ip link set lo up

# Throwaway keys: sshd's host key; bob's and dave's client keys, each in authorized_keys.
mkdir -m 0755 -p /run/sshd "$T/authorized"
ssh-keygen -q -t ed25519 -N '' -C sandbox-host -f "$T/host_key"
for u in bob dave; do
    home=$(getent passwd "$u" | cut -d: -f6)
    install -d -o "$u" -g "$u" -m 0700 "$home/.ssh"
    jit_as "$u" ssh-keygen -q -t ed25519 -N '' -C "$u@laptop" -f "$home/.ssh/id_ed25519"
    cp "$home/.ssh/id_ed25519.pub" "$T/authorized/$u"
    # sd-bus runs plain `ssh -xT [-p PORT] -- USER@HOST systemd-stdio-bridge`: what else ssh needs
    # (no host key prompt, no password prompt) comes from the user's own ssh config, as on a laptop.
    printf '%s\n' "Host 127.0.0.1" "    BatchMode yes" "    StrictHostKeyChecking no" \
        "    UserKnownHostsFile /dev/null" "    LogLevel ERROR" >"$home/.ssh/config"
    chown "$u:$u" "$home/.ssh/config"
done

cat >"$T/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $PORT
HostKey $T/host_key
PidFile $T/sshd.pid
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $T/authorized/%u
StrictModes no
EOF

: >"$T/sshd.log"
jit_bg sshd -- nsenter --net="$NS" $SSHD -D -f "$T/sshd_config" -E "$T/sshd.log"
ok "sshd listens on port $PORT of its own namespace" \
    wait_for 10 grep -q "Server listening on 127.0.0.1 port $PORT" "$T/sshd.log"

# remote USER ARGS...: USER runs jitctl -H USER@127.0.0.1:PORT ARGS... from inside sshd's namespace.
remote() {
    local u=$1 as
    shift
    _jit_as_prefix "$u" as || return 1
    nsenter --net="$NS" "${as[@]}" "$JIT_BUILD/jitctl" -H "$u@127.0.0.1:$PORT" "$@"
}

jit_bg p --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request p)
like "$id" "^$JIT_ID_RE\$" "pamtester waits on alice's request $id"

out=$(remote bob list --json 2>&1)
is "$?" 0 "bob lists requests over ssh (jitctl -H bob@127.0.0.1:$PORT list)" ||
    diag "$out" "the end of sshd's log:" "$(tail -n 20 "$T/sshd.log")"
is "$(jq -r ".[] | select(.id == \"$id\") | .user" <<<"$out")" alice "...and sees alice's request"
ok "sshd's log: bob's key was accepted" grep -q 'Accepted publickey for bob from 127.0.0.1' "$T/sshd.log"

out=$(remote dave approve "$id" 2>&1)
isnt "$?" 0 "dave, who is no approver, cannot approve over ssh either"
# jitd's own answer (not an ssh failure): a request dave may not decide is one he cannot see.
like "$out" "approve $id: No such request" "...jitd refused him, as it would locally"
ok "(his ssh login itself was accepted)" grep -q 'Accepted publickey for dave from 127.0.0.1' "$T/sshd.log"
ok "the request is still pending" jit_bg_running p

out=$(remote bob approve "$id" --comment "from my laptop" 2>&1)
is "$?" 0 "bob approves over ssh: jitctl -H bob@127.0.0.1:$PORT approve $id" || diag "$out"
rc=0
jit_bg_wait p 10 || rc=$?
is "$rc" 0 "alice's pamtester is allowed"
is "$(jit_ctl carol show --json "$id" | jq -r '.state + "/" + .by')" approved/bob \
    "jitd records the approval as bob's"
jit_journal_wait 15 -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve
is "$(jit_journal_json -t jitd JIT_REQUEST_ID="$id" JIT_RECORD=approve | jq -r .JIT_APPROVER)" bob \
    "the journal's approval record names bob"
is "$(jq -r -s "[.[] | select(.type == \"approve\" and .fields.request_id == \"$id\") | .fields.approver_uids] | join(\" \")" \
    "$JIT_STATE/journal.jsonl")" "$(jit_uid bob)" "the signed journal's record has bob's uid"

# Without a key the server accepts, there is no bus: jitctl fails and says so.
mv "$T/authorized/bob" "$T/authorized/bob.off"
out=$(remote bob list 2>&1)
isnt "$?" 0 "when sshd refuses bob's key, jitctl -H fails (and approves nothing)"

jit_bg_kill sshd TERM
jit_bg_wait sshd 10
isnt "$?" 124 "sshd stops on SIGTERM"
