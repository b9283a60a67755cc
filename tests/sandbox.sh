#!/bin/bash
# Runs a command inside a throwaway mount + PID namespace that has its own users, PAM stacks,
# sudoers, journald, system bus and jitd, so that end-to-end tests never touch the host.
#
#   tests/sandbox.sh [CMD [ARGS...]]      (no CMD: an interactive bash inside)
#
# Inputs (environment): JIT_BUILD (default <repo>/build), JIT_NO_JITD=1 (do not start jitd; the
# test starts it with jit_start from tests/lib.sh), JIT_PAM_TIMEOUT (timeout= of the pam_jit line in
# the stacks, default 30), JIT_VERBOSE=1 (say what is being set up), JIT_STATE_DIR (a host directory
# to use as /var/lib/jit instead of a tmpfs: benchmarks that need a real disk).
#
# Inside, CMD sees (all exported):
#   JIT_SANDBOX_DIR  /run/jit-sandbox: the sandbox's private state (on a tmpfs over /run)
#   JIT_SRC          the repository, bound read-only at $JIT_SANDBOX_DIR/src
#   JIT_BUILD        the build tree, bound read-only at $JIT_SANDBOX_DIR/build (test users can run it)
#   JIT_CONF         /etc/jit/jitd.conf (a private directory bound over /etc/jit)
#   JIT_STATE        /var/lib/jit (a private directory)
#   JIT_PAM_MODULE   absolute path of pam_jit.so as written in the stacks
#   JIT_HOST         a read-only view of the host's root file system and /run, for "did the host
#                    change?" assertions
#   JIT_PASSWORD     the password of root and every test user in the private shadow
#   JIT_LOG_DIR      logs of the services the sandbox started (jitd.log, journald.log, dbus.log)
#   JIT_SANDBOX_TOKEN  proof for tests/lib.sh that it really runs inside a sandbox
#
# The mounts: tmpfs over /run (so /run/dbus, /run/systemd, /run/log, /run/sudo are private), a
# private /dev (device nodes, the host's devpts, and /dev/log pointing at the sandbox's journald),
# tmpfs over /tmp (unless the repository lives there), copy-on-write overlays over /etc and /var
# (so nothing a test or a tool writes there reaches the host), and on top of those, bind mounts of
# private copies of passwd, group, shadow, gshadow, sudoers, sudoers.d, pam.d, dbus-1/system.d,
# /etc/jit, /var/lib/jit and /var/log/journal. When CMD exits, the sandbox stops jitd (so a
# sanitizer build can report leaks), reports any sanitizer error in jitd's log, and exits; the
# kernel then kills every process left in the PID namespace and the mounts disappear with it.
set -euo pipefail

sandbox_die() {
    echo "sandbox: $*" >&2
    exit 1
}

sandbox_say() {
    if [[ ${JIT_VERBOSE:-} == 1 ]]; then echo "sandbox: $*" >&2; fi
    return 0
}

# ---------------------------------------------------------------------------------------------
# Outside: check what we need, then re-run this script as PID 1 of new mount + PID namespaces.
# ---------------------------------------------------------------------------------------------
if [[ ${JIT_SANDBOX_STAGE:-} != inside ]]; then
    [[ $EUID -eq 0 ]] || sandbox_die "must run as root (it creates namespaces and mounts)"
    self=$(readlink -f "${BASH_SOURCE[0]}")
    JIT_SRC=$(cd "$(dirname "$self")/.." && pwd -P)
    JIT_BUILD=${JIT_BUILD:-$JIT_SRC/build}
    [[ -d $JIT_BUILD ]] || sandbox_die "build directory $JIT_BUILD does not exist (run make first)"
    JIT_BUILD=$(cd "$JIT_BUILD" && pwd -P)
    for tool in unshare mount findmnt setpriv dbus-daemon busctl journalctl openssl; do
        command -v "$tool" >/dev/null || sandbox_die "$tool not found (see .ci/run for the packages)"
    done
    [[ -x /lib/systemd/systemd-journald ]] || sandbox_die "/lib/systemd/systemd-journald not found"
    export JIT_SRC JIT_BUILD JIT_SANDBOX_STAGE=inside
    # --kill-child: if unshare itself is killed (a harness timeout), the whole namespace goes too.
    exec unshare --mount --pid --fork --kill-child --mount-proc --propagation private \
        -- /bin/bash "$self" "$@"
fi

# ---------------------------------------------------------------------------------------------
# Inside: we are PID 1 of a fresh PID namespace, in a private copy of the mount table.
# ---------------------------------------------------------------------------------------------
[[ $$ -eq 1 ]] || sandbox_die "the inside stage must be PID 1 of a new PID namespace"
unset JIT_SANDBOX_STAGE

S=/run/jit-sandbox
JIT_PAM_TIMEOUT=${JIT_PAM_TIMEOUT:-30}
JIT_PASSWORD=${JIT_PASSWORD:-jit-sandbox-pw}

# Test users: name uid. Each has a personal group with gid == uid; bob and carol also belong to
# jit-approvers. alice is the requester (NOPASSWD sudo), dave belongs to no group at all.
TEST_USERS=(alice:2001 bob:2002 carol:2003 dave:2004)
APPROVER_GROUP=jit-approvers
APPROVER_GID=2100
APPROVERS=bob,carol

# Handles on the host's originals, taken before anything is mounted over them.
exec {host_run_fd}</run

sandbox_say "mounting private /run, /dev, /tmp, /etc, /var"
mount -t tmpfs -o mode=0755,nosuid,nodev jit-run /run
mkdir -m 0755 $S $S/host $S/src $S/build $S/etc $S/home $S/log $S/jit $S/state $S/dev \
    $S/etc.upper $S/etc.work $S/var.upper $S/var.work /run/dbus /run/systemd /run/systemd/journal \
    /run/log /run/user
mkdir -m 2755 $S/journal
mkdir -m 1777 $S/tmp /run/lock

# A read-only view of the host (root file system, and its /run), so tests can assert that the host
# did not change. Mounting on a directory of a read-only bind writes nothing.
mount --bind / $S/host
mount -o remount,bind,ro $S/host
mount --no-canonicalize --bind /proc/self/fd/$host_run_fd $S/host/run
mount -o remount,bind,ro $S/host/run
exec {host_run_fd}<&-

# The repository and build tree, read-only, under a path every test user can traverse.
mount --bind "$JIT_SRC" $S/src
mount -o remount,bind,ro $S/src
mount --bind "$JIT_BUILD" $S/build
mount -o remount,bind,ro $S/build
host_src=$JIT_SRC host_build=$JIT_BUILD
JIT_SRC=$S/src
JIT_BUILD=$S/build

# A private /dev: real device nodes on a tmpfs of its own (/run is nodev), the host's devpts so
# that inherited terminals keep their names, and /dev/log leading to the sandbox's journald (the
# host has none, so syslog(3) and pam_syslog would otherwise go nowhere).
mount -t tmpfs -o mode=0755,nosuid jit-dev $S/dev
for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0 ptmx:5:2; do
    IFS=: read -r name major minor <<<"$node"
    mknod -m 0666 "$S/dev/$name" c "$major" "$minor"
done
mkdir -m 0755 $S/dev/pts
mount --bind /dev/pts $S/dev/pts
mkdir -m 1777 $S/dev/shm
mount -t tmpfs -o mode=1777,nosuid,nodev jit-shm $S/dev/shm
ln -s /proc/self/fd $S/dev/fd
ln -s /proc/self/fd/0 $S/dev/stdin
ln -s /proc/self/fd/1 $S/dev/stdout
ln -s /proc/self/fd/2 $S/dev/stderr
ln -s /run/systemd/journal/dev-log $S/dev/log
mount --move $S/dev /dev

# A private /tmp. The repository may live under the host's /tmp, which this hides: from here on,
# paths into it (the command's arguments, the working directory) go through $S/src and $S/build.
mount -t tmpfs -o mode=1777,nosuid,nodev jit-tmp /tmp
export TMPDIR=$S/tmp
sandbox_path() {
    case $1 in
    "$host_build" | "$host_build"/*) echo "$JIT_BUILD${1#"$host_build"}" ;;
    "$host_src" | "$host_src"/*) echo "$JIT_SRC${1#"$host_src"}" ;;
    *) echo "$1" ;;
    esac
}
args=()
for arg; do args+=("$(sandbox_path "$arg")"); done
set -- "${args[@]}"
cd "$(sandbox_path "$PWD")" 2>/dev/null || cd /

# Copy-on-write /etc and /var: everything written there stays in the sandbox.
mount -t overlay jit-etc -o lowerdir=/etc,upperdir=$S/etc.upper,workdir=$S/etc.work /etc
mount -t overlay jit-var -o lowerdir=/var,upperdir=$S/var.upper,workdir=$S/var.work /var

# journald and dbus need a machine id; a fresh image may not have one yet.
if [[ ! -s /etc/machine-id ]]; then
    tr -d '-' </proc/sys/kernel/random/uuid >/etc/machine-id
fi

# bind_private SRC DST: put a private copy over a host path (creating the mount point inside the
# overlay if the host has none).
bind_private() {
    local src=$1 dst=$2
    if [[ -d $src ]]; then mkdir -p "$dst"; elif [[ ! -e $dst ]]; then : >"$dst"; fi
    mount --bind "$src" "$dst"
}

# ---------------------------------------------------------------------------------------------
# Users and groups.
# ---------------------------------------------------------------------------------------------
sandbox_say "writing users, sudoers, PAM stacks, D-Bus policy, jitd.conf"
hash=$(openssl passwd -6 "$JIT_PASSWORD") || sandbox_die "openssl passwd -6 failed"
today=$(($(date +%s) / 86400))
names_re='^(alice|bob|carol|dave|jit-approvers):'
for u in "${TEST_USERS[@]}"; do
    name=${u%%:*} uid=${u##*:}
    if awk -F: -v n="$name" -v u="$uid" '$1 != n && $3 == u { found = 1 } END { exit !found }' \
        /etc/passwd /etc/group; then
        sandbox_die "uid/gid $uid of test user $name is taken on this host"
    fi
done
if awk -F: -v g=$APPROVER_GID '$3 == g && $1 != "jit-approvers" { f = 1 } END { exit !f }' /etc/group; then
    sandbox_die "gid $APPROVER_GID of $APPROVER_GROUP is taken on this host"
fi

grep -Ev "$names_re" /etc/passwd >$S/etc/passwd
grep -Ev "$names_re" /etc/group >$S/etc/group
# root gets the known password too, so that `su` to root can be tested with a password.
grep -Ev "$names_re" /etc/shadow | awk -F: -v OFS=: -v h="$hash" '$1 == "root" { $2 = h } 1' >$S/etc/shadow
grep -Ev "$names_re" /etc/gshadow >$S/etc/gshadow
for u in "${TEST_USERS[@]}"; do
    name=${u%%:*} uid=${u##*:}
    mkdir -m 0700 "$S/home/$name"
    chown "$uid:$uid" "$S/home/$name"
    echo "$name:x:$uid:$uid:sandbox user $name:$S/home/$name:/bin/bash" >>$S/etc/passwd
    echo "$name:x:$uid:" >>$S/etc/group
    echo "$name:$hash:$today:0:99999:7:::" >>$S/etc/shadow
    echo "$name:!::" >>$S/etc/gshadow
done
echo "$APPROVER_GROUP:x:$APPROVER_GID:$APPROVERS" >>$S/etc/group
echo "$APPROVER_GROUP:!::$APPROVERS" >>$S/etc/gshadow
chmod 0644 $S/etc/passwd $S/etc/group
chmod 0640 $S/etc/shadow $S/etc/gshadow
chgrp shadow $S/etc/shadow $S/etc/gshadow 2>/dev/null || true
for f in passwd group shadow gshadow; do bind_private $S/etc/$f /etc/$f; done

# ---------------------------------------------------------------------------------------------
# sudoers: alice may run anything without a password — pam_jit's account phase gates her anyway.
# ---------------------------------------------------------------------------------------------
cat >$S/etc/sudoers <<'EOF'
# sudoers of the pam_jit test sandbox (tests/sandbox.sh)
Defaults	env_reset
Defaults	secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults	use_pty
Defaults	lecture=never
root	ALL=(ALL:ALL) ALL
alice	ALL=(ALL) NOPASSWD: ALL
@includedir /etc/sudoers.d
EOF
chmod 0440 $S/etc/sudoers
mkdir -m 0750 $S/etc/sudoers.d
bind_private $S/etc/sudoers /etc/sudoers
bind_private $S/etc/sudoers.d /etc/sudoers.d

# ---------------------------------------------------------------------------------------------
# PAM: the distribution's stacks, with pam_jit's account line added to sudo, su, login and sshd right
# after common-account (as packaging's snippet tells an admin to do), plus jit-test, a minimal
# stack (auth pam_permit, account pam_jit) for pamtester. The module is named by absolute path.
# ---------------------------------------------------------------------------------------------
JIT_PAM_MODULE=$JIT_BUILD/pam_jit.so
pam_line="account    required   $JIT_PAM_MODULE timeout=$JIT_PAM_TIMEOUT"
cp -a /etc/pam.d $S/etc/pam.d
# sshd's stack exists only where openssh-server is installed (tests/deps.sh installs it).
for svc in sudo sudo-i su login sshd; do
    if [[ ! -f $S/etc/pam.d/$svc ]]; then
        [[ $svc == sshd ]] || sandbox_die "/etc/pam.d/$svc missing on this host"
        continue
    fi
    awk -v line="$pam_line" '
        { print }
        /^@include[ \t]+common-account/ && !done { print line; done = 1 }
        END { if (!done) print line }' /etc/pam.d/$svc >$S/etc/pam.d/$svc
done
cat >$S/etc/pam.d/jit-test <<EOF
# pamtester stack of the pam_jit test sandbox
auth       required   pam_permit.so
$pam_line
session    required   pam_permit.so
EOF
bind_private $S/etc/pam.d /etc/pam.d

# ---------------------------------------------------------------------------------------------
# D-Bus policy directory holding only the project's policy; jitd's config and state.
# ---------------------------------------------------------------------------------------------
mkdir -p $S/etc/dbus-system.d
if [[ -f $JIT_SRC/packaging/org.pamjit.jit1.conf ]]; then
    cp $JIT_SRC/packaging/org.pamjit.jit1.conf $S/etc/dbus-system.d/
else
    echo "sandbox: warning: packaging/org.pamjit.jit1.conf missing; the bus has no jitd policy" >&2
fi
bind_private $S/etc/dbus-system.d /etc/dbus-1/system.d

cat >$S/jit/jitd.conf <<EOF
# jitd.conf of the pam_jit test sandbox; tests rewrite it and call jit_restart.
[Daemon]
ApproverGroup=$APPROVER_GROUP
RequestTimeout=10m
DefaultGrant=15m
MaxGrant=8h
EOF
chmod 0644 $S/jit/jitd.conf
chmod 0700 $S/state
bind_private $S/jit /etc/jit
# JIT_STATE_DIR (benchmarks): a host directory on a real disk for /var/lib/jit, so fdatasync costs
# what it costs on a server; by default the state lives on the sandbox's tmpfs.
if [[ -n ${JIT_STATE_DIR:-} ]]; then
    [[ -d $JIT_STATE_DIR ]] || sandbox_die "JIT_STATE_DIR=$JIT_STATE_DIR is not a directory"
    chmod 0700 "$JIT_STATE_DIR"
    bind_private "$JIT_STATE_DIR" /var/lib/jit
else
    bind_private $S/state /var/lib/jit
fi
bind_private $S/journal /var/log/journal
chgrp systemd-journal $S/journal 2>/dev/null || true

# ---------------------------------------------------------------------------------------------
# Services. Each readiness wait is a bounded poll of the condition that marks it ready.
# ---------------------------------------------------------------------------------------------
# wait_until SECONDS CMD...: run CMD every 10 ms until it succeeds; fail after SECONDS.
wait_until() {
    local deadline=$((SECONDS + $1)) # SECONDS has 1 s resolution: this allows $1..$1+1 s.
    shift
    until "$@"; do
        ((SECONDS <= deadline)) || return 1
        sleep 0.01
    done
}

# shellcheck disable=SC2317 # called through wait_until
busctl_quiet() { busctl --system "$@" >/dev/null 2>&1; }

sandbox_say "starting systemd-journald"
/lib/systemd/systemd-journald </dev/null >$S/log/journald.log 2>&1 &
echo $! >$S/journald.pid
wait_until 5 test -S /run/systemd/journal/socket -a -S /run/systemd/journal/stdout \
    -a -S /run/systemd/journal/dev-log ||
    sandbox_die "systemd-journald did not create its sockets in 5 s: $(cat $S/log/journald.log)"

sandbox_say "starting dbus-daemon --system"
dbus-daemon --system --fork --print-pid=3 3>$S/dbus.pid >$S/log/dbus.log 2>&1 </dev/null ||
    sandbox_die "dbus-daemon --system failed: $(cat $S/log/dbus.log)"
wait_until 5 busctl_quiet status org.freedesktop.DBus ||
    sandbox_die "the sandbox's system bus did not answer in 5 s"

token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
echo "$token" >$S/token
chmod 0644 $S/token

export JIT_SANDBOX_DIR=$S JIT_SRC JIT_BUILD JIT_CONF=/etc/jit/jitd.conf JIT_STATE=/var/lib/jit
export JIT_PAM_MODULE JIT_PAM_TIMEOUT JIT_HOST=$S/host JIT_PASSWORD JIT_LOG_DIR=$S/log
export JIT_SANDBOX_TOKEN=$token JIT_APPROVER_GROUP=$APPROVER_GROUP
export PATH=$JIT_BUILD:$PATH

# jitd is started (and restarted) by the same functions tests use.
# shellcheck source=tests/lib.sh
JIT_LIB_NO_TRAP=1 source "$JIT_SRC/tests/lib.sh"
if [[ ${JIT_NO_JITD:-} != 1 ]]; then
    sandbox_say "starting jitd"
    jit_start || sandbox_die "jitd did not come up (set JIT_NO_JITD=1 to run without it)"
fi

# ---------------------------------------------------------------------------------------------
# Run the command, then stop jitd cleanly and report sanitizer findings from its log.
# ---------------------------------------------------------------------------------------------
sandbox_say "ready; running: ${*:-bash}"
rc=0
if [[ $# -eq 0 ]]; then
    bash -i || rc=$?
else
    "$@" || rc=$?
fi

# A jitd that crashed (SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE), during the run or when asked
# to stop at the end, fails the run even if CMD passed.
if [[ -s $S/jitd.pid ]]; then
    stop_rc=0
    jit_stop TERM 2>/dev/null || stop_rc=$?
    case $stop_rc in
    0 | 137 | 143) ;;
    *)
        echo "# sandbox: jitd ended with status $stop_rc; the end of its log:" >&2
        tail -n 20 $S/log/jitd.log | sed 's/^/#   /' >&2
        case $stop_rc in 132 | 134 | 135 | 136 | 139) ((rc != 0)) || rc=70 ;; esac
        ;;
    esac
fi
if grep -Eq 'ERROR: [A-Za-z]*Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer' $S/log/jitd*.log 2>/dev/null; then
    echo "# sandbox: jitd's log has sanitizer reports:" >&2
    sed 's/^/#   /' $S/log/jitd*.log >&2
    ((rc != 0)) || rc=70
fi
exit $rc
