#!/bin/bash
# ATTACKS.md A12: the D-Bus policy gives send_destination on every rule and lets only root own the
# name or call CreateRequest — checked in the file, and against the real dbus-daemon and jitd.
source "$(dirname "$0")/../lib.sh"

policy=${JIT_POLICY_FILE:-$JIT_SRC/packaging/org.pamjit.jit1.conf} # (override: to lint another file)
[[ -f $policy ]] || skip_all "packaging/org.pamjit.jit1.conf does not exist"
command -v xmllint >/dev/null || skip_all "xmllint (libxml2-utils) is not installed"

plan 26

# xpath EXPR: evaluate an XPath 1.0 expression on the policy file (never fetches the DTD).
xpath() { xmllint --nonet --xpath "$1" "$policy" 2>/dev/null; }
# count_is EXPR WANT DESC: the number of nodes EXPR selects.
count_is() { is "$(xpath "count($1)")" "$2" "$3"; }

# --- The file ---------------------------------------------------------------------------------
ok "the policy file is well-formed XML" xmllint --nonet --noout "$policy"
like "$(head -c 400 "$policy")" '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1\.0//EN"' \
    "it declares the busconfig DOCTYPE"
count_is '//policy[not(@user="root") and not(@context="default")]' 0 \
    "its only contexts are user=root and context=default (no group, at_console or mandatory)"
count_is '//*[@*[starts-with(name(), "send_")]][not(@send_destination="org.pamjit.jit1")]' 0 \
    "every send_* rule has send_destination=\"org.pamjit.jit1\""
count_is '//*[@*[starts-with(name(), "receive_")]]' 0 "no receive_* rules"
count_is '//*[self::allow or self::deny][@eavesdrop or @send_broadcast or @own_prefix or @user or @group]' 0 \
    "no eavesdrop, send_broadcast, own_prefix, user= or group= rules"
count_is '//allow[@own][not(parent::policy[@user="root"])]' 0 "no allow own= outside <policy user=\"root\">"
count_is '//allow[@own][@own!="org.pamjit.jit1"]' 0 "root may own org.pamjit.jit1 and nothing else"
count_is '//policy[@user="root"]/allow[@own="org.pamjit.jit1"]' 1 "root may own org.pamjit.jit1"
count_is '//allow[@send_member="CreateRequest"][not(parent::policy[@user="root"])]' 0 \
    "no allow for CreateRequest outside <policy user=\"root\">"
# An allow outside root's context must name one of the open methods, or one of the standard
# interfaces; anything wider (no member, or the whole Manager interface) would let any user
# call CreateRequest.
open_methods='|Approve|Redeem|Deny|DenyWithOptions|Cancel|Revoke|RequestAccess|ListRequests|GetRequest|ListGrants|'
count_is "//policy[not(@user=\"root\")]/allow[@*[starts-with(name(), \"send_\")]][
    not(@send_interface=\"org.pamjit.jit1.Manager\" and @send_member and
        contains(\"$open_methods\", concat(\"|\", @send_member, \"|\")))
    and not(@send_interface=\"org.freedesktop.DBus.Introspectable\")
    and not(@send_interface=\"org.freedesktop.DBus.Peer\")
    and not(@send_interface=\"org.freedesktop.DBus.Properties\" and (@send_member=\"Get\" or @send_member=\"GetAll\"))]" \
    0 "every allow for other users names an open method or a standard interface"
count_is '//policy[@context="default"]/deny[@send_member="CreateRequest"]' 1 \
    "the default context denies CreateRequest explicitly"

# --- Live: the sandbox's dbus-daemon loaded this file, jitd owns the name ------------------------
# The error *name* tells who refused: org.freedesktop.DBus.Error.AccessDenied is the bus (the
# policy), org.pamjit.jit1.Error.AccessDenied is jitd. busctl prints only the message; gdbus
# prints the name.
have_gdbus=1
command -v gdbus >/dev/null || have_gdbus=0

# error_name USER METHOD ARGS...: call a Manager method with gdbus as USER and print the D-Bus
# error name it got ("" if the call succeeded).
error_name() {
    local user=$1 method=$2 out
    shift 2
    out=$(jit_as "$user" gdbus call --system --timeout 10 --dest "$JIT_BUS_NAME" \
        --object-path "$JIT_BUS_PATH" --method "$method" "$@" 2>&1) && return 0
    grep -o 'GDBus\.Error:[A-Za-z0-9_.]*' <<<"$out" | head -n1 | sed 's/^GDBus\.Error://'
    grep -q 'GDBus\.Error:' <<<"$out" || echo "no-error-name: $out"
}

if ! jit_name_owned; then
    skip "jitd does not own $JIT_BUS_NAME in this sandbox (JIT_NO_JITD?)" 12
    exit 0
fi

out=$(jit_call --as dave CreateRequest 'a{sv}' 2 user s dave service s sudo 2>&1)
rc=$?
isnt "$rc" 0 "busctl call CreateRequest as dave fails"
like "$out" 'Access denied|Rejected send message' "... with Access denied (busctl: '$out')"

if ((have_gdbus)); then
    name=$(error_name dave "$JIT_BUS_INTERFACE.CreateRequest" "{'user': <'dave'>, 'service': <'sudo'>}")
    like "$name" '^org\.(freedesktop\.DBus|pamjit\.jit1)\.Error\.AccessDenied$' \
        "CreateRequest as dave is refused with AccessDenied ($name)"
    case $name in
    org.freedesktop.DBus.Error.AccessDenied) note "CreateRequest from dave: refused by the bus (policy)" ;;
    org.pamjit.jit1.Error.AccessDenied) note "CreateRequest from dave: refused by jitd, not the bus" ;;
    esac
    name=$(error_name bob "$JIT_BUS_INTERFACE.CreateRequest" "{'user': <'alice'>}")
    like "$name" 'AccessDenied$' "CreateRequest as bob (an approver) is refused too ($name)"
    name=$(error_name root "$JIT_BUS_INTERFACE.CreateRequest" "{'user': <'alice'>, 'service': <'a12-lint'>, 'timeout_usec': <uint64 1000000>}")
    isnt "$name" org.freedesktop.DBus.Error.AccessDenied \
        "the bus lets root call CreateRequest (jitd answered: ${name:-success})"
    name=$(error_name dave "$JIT_BUS_INTERFACE.ListRequests" "{}")
    isnt "$name" org.freedesktop.DBus.Error.AccessDenied \
        "the bus lets dave call ListRequests (jitd answered: ${name:-success})"
    name=$(error_name dave "$JIT_BUS_INTERFACE.NoSuchMethod")
    is "$name" org.freedesktop.DBus.Error.AccessDenied \
        "the bus refuses dave a Manager method the policy does not name"
    name=$(error_name dave org.freedesktop.DBus.Properties.Set "$JIT_BUS_INTERFACE" Version "<'x'>")
    is "$name" org.freedesktop.DBus.Error.AccessDenied "the bus refuses dave Properties.Set"
else
    skip "gdbus (libglib2.0-bin) is not installed: cannot read error names" 6
fi
ok "dave may introspect jitd" jit_as dave busctl --system introspect "$JIT_BUS_NAME" "$JIT_BUS_PATH"

# RequestName with flag 4 (DO_NOT_QUEUE): 3 means "exists" (allowed, but jitd has it).
request_name() {
    jit_as "$1" busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        RequestName su "$JIT_BUS_NAME" 4 2>&1
}
for user in dave bob; do
    out=$(request_name $user)
    like "$out" 'not allowed to own|Access denied' "the bus refuses $user ownership of $JIT_BUS_NAME ('$out')"
done
is "$(request_name root)" "u 3" "root may ask for the name (it is taken by jitd: EXISTS)"

# The private socket (/run/jit/private) bypasses dbus-daemon and so this policy: its fence is the
# directory's mode, which the unit sets (and jitd checks at start), and jitd's own SO_PEERCRED check.
unit=$JIT_SRC/packaging/jitd.service
ok "the unit gives jitd /run/jit (RuntimeDirectory=jit)" grep -qx 'RuntimeDirectory=jit' "$unit"
ok "root's alone (RuntimeDirectoryMode=0700)" grep -qx 'RuntimeDirectoryMode=0700' "$unit"
