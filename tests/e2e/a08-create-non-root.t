#!/bin/bash
# ATTACKS.md A08: CreateRequest from a non-root uid → AccessDenied: by the D-Bus policy, and by
# jitd itself when the policy is opened wide (defence in depth).
source "$(dirname "$0")/../lib.sh"

plan 6

gd() { # gdbus prints the D-Bus error name, which says who refused
    local prefix=()
    _jit_as_prefix "$1" prefix
    "${prefix[@]}" gdbus call --system --dest org.pamjit.jit1 --object-path /org/pamjit/jit1 \
        --method org.pamjit.jit1.Manager.CreateRequest "{'user': <'$1'>, 'service': <'sudo'>}" 2>&1
}
like "$(gd dave)" "org.freedesktop.DBus.Error.AccessDenied" "dave: refused by the bus policy"
like "$(gd bob)" "org.freedesktop.DBus.Error.AccessDenied" "bob, an approver: refused by the bus policy"

# Open the policy wide and reload the bus: jitd must refuse on its own.
cat >/etc/dbus-1/system.d/zz-wide-open.conf <<'X'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><policy context="mandatory"><allow send_destination="org.pamjit.jit1"/></policy></busconfig>
X
ok "the bus reloads a wide-open policy" busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus ReloadConfig
like "$(gd dave)" "org.pamjit.jit1.Error.AccessDenied" "dave: now refused by jitd itself"
like "$(gd bob)" "org.pamjit.jit1.Error.AccessDenied" "bob: refused by jitd itself"
is "$(jit_ctl bob list --all)" "No requests." "no request was created"
