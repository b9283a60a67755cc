#!/bin/bash
# Installs the Debian 12 packages that building, testing and the demo need, if any is missing.
# `make deps`, `make demo` and `make check` call it; .ci/run calls it on a fresh machine.
set -euo pipefail

packages=(
    build-essential pkg-config clang libclang-rt-14-dev
    libpam0g-dev libsystemd-dev libsodium-dev libinih-dev libjson-c-dev libdbus-1-dev
    systemd dbus dbus-daemon dbus-bin sudo pamtester libpam-modules libpam-runtime login passwd
    util-linux bsdutils procps coreutils openssl libxml2-utils libglib2.0-bin perl
    python3 python3-dbus jq valgrind
    # OpenSSH's sshd and ssh: the end-to-end test of sshd with pam_jit in its account phase
    # (tests/e2e/16-sshd.t), and jitctl -H; ip brings up loopback in that test's network namespace.
    openssh-server openssh-client iproute2
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
