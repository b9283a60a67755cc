#!/bin/bash
# Installs the Debian 12 packages that building, testing and the demo need, if any is missing.
# `make deps`, `make demo` and `make check` call it; .ci/run calls it on a fresh machine.
set -euo pipefail

# What each package is for:
#   build-essential pkg-config          gcc (with libasan/libubsan for SANITIZE=), make
#   clang libclang-rt-14-dev            the libFuzzer harnesses (make fuzz-build)
#   libpam0g-dev libsystemd-dev libsodium-dev libinih-dev libjson-c-dev libdbus-1-dev
#                                       the libraries pam_jit.so, sudo_jit.so, jitd and jitctl link
#   libssl-dev                          libcrypto: the journal's SHA-256 (lib/sha256.c; jitd, jitctl)
#   systemd                             systemd-journald, journalctl, busctl, systemd-cat (sandbox)
#   dbus dbus-daemon dbus-bin           the sandbox's system bus (dbus-daemon --system)
#   sudo pamtester                      the real hosts the end-to-end tests drive (sudo also ships
#                                       sudo_plugin.h, which sudo_jit.so is built against)
#   libpam-modules libpam-runtime       pam_unix, pam_permit and the distribution's stacks
#   login passwd                        su, login, and the distribution's login stack
#   util-linux bsdutils procps coreutils  unshare, setpriv, findmnt, script, logger, pgrep, mkfifo
#   openssl                             `openssl passwd -6` hashes the sandbox users' password
#   libxml2-utils                       xmllint: the D-Bus policy lint (A12)
#   libglib2.0-bin                      gdbus: calls that report the D-Bus error *name* (A12)
#   perl                                prove, the TAP harness of `make check`
#   python3 python3-dbus                test clients that own names or send raw signals
#   jq valgrind                         JSON checks of journal output; leak checks
#   curl                                the notification examples post and mail with it (55-notify-examples.t)
#   openssh-server openssh-client iproute2
#                                       sshd with pam_jit in its account phase (16-sshd.t), ssh and
#                                       jitctl -H; ip brings up loopback in that test's namespace
#   dpkg-dev debhelper fakeroot         dpkg-buildpackage and dh: `make deb` and 70-deb-install.t
#                                       (fakeroot for builders that still ask for it)
#   pandoc                              the manual pages, from Markdown (make man, make install)
#   lintian                             the packages' checks in 70-deb-install.t
#   git                                 make deb copies the files git knows into its build tree
#   binutils                            readelf and nm: 70-deb-install.t checks the hardening flags
#   systemd-journal-remote              systemd-journal-upload and -remote: the fleet collector test
#                                       (a53-collector-rewritten-journal.t)
packages=(
    build-essential pkg-config clang libclang-rt-14-dev
    libpam0g-dev libsystemd-dev libsodium-dev libinih-dev libjson-c-dev libdbus-1-dev libssl-dev
    systemd dbus dbus-daemon dbus-bin sudo pamtester libpam-modules libpam-runtime login passwd
    util-linux bsdutils procps coreutils openssl libxml2-utils libglib2.0-bin perl
    python3 python3-dbus jq valgrind curl
    openssh-server openssh-client iproute2
    dpkg-dev debhelper fakeroot pandoc lintian git binutils
    systemd-journal-remote
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $EUID -ne 0 ]]; then
    echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive

# Installing openssh-server, dbus or systemd must not start the host's services (the tests start
# their own, in the sandbox): policy-rc.d tells invoke-rc.d to start nothing while apt runs.
policy_rc=/usr/sbin/policy-rc.d
if [[ ! -e $policy_rc ]]; then
    printf '#!/bin/sh\nexit 101\n' >$policy_rc
    chmod 0755 $policy_rc
    trap 'rm -f $policy_rc' EXIT
fi

apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
