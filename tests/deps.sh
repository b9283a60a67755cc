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
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
