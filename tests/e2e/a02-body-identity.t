#!/bin/bash
# ATTACKS.md A02: identity fields in a message body (uid, user, pid, ruid) never count; only the
# bus connection's credentials do. Each claim below is either refused outright (an unknown option,
# a wrong signature, the caller's own rights) or ignored — never does it approve, deny, cancel,
# widen a listing or put a request in someone else's name.
source "$(dirname "$0")/../lib.sh"

plan 43

ALICE=$(jit_uid alice) BOB=$(jit_uid bob)

# gd USER METHOD ARGS...: call a jitd method with gdbus as USER (GVariant text arguments). gdbus
# prints the D-Bus error name, which says who refused.
gd() {
    local prefix=() user=$1 method=$2
    shift 2
    _jit_as_prefix "$user" prefix || return 1
    "${prefix[@]}" gdbus call --system --dest $JIT_BUS_NAME --object-path $JIT_BUS_PATH \
        --method "$JIT_BUS_INTERFACE.$method" "$@" 2>&1
}
# refused DESC OUTPUT: the call failed with a D-Bus error (gdbus may print a warning line first, when
# the arguments do not match the introspection data).
refused() { like "$2" "Error: GDBus\.Error:org\.(pamjit\.jit1|freedesktop\.DBus)\.Error\.[A-Za-z]+" "$1"; }
failed() { [[ $1 == *"Error: GDBus.Error:"* ]]; }
# field ID KEY: one entry of GetRequest's a{sv} (asked as root, straight from jitd).
field() {
    busctl --system --json=short call $JIT_BUS_NAME $JIT_BUS_PATH $JIT_BUS_INTERFACE GetRequest s "$1" |
        jq -r --arg k "$2" '.data[0][$k].data'
}
still_pending() { is "$(field "$id" state)" pending "$1: the request is still pending"; }

jit_bg r --pamtester -- jit-test alice acct_mgmt
id=$(jit_wait_request r)
like "$id" "^$JIT_ID_RE\$" "alice's request is pending ($id)"

# --- Approve: dave is no approver, whatever his message says -----------------------------------
for claim in "{'uid': <uint32 0>}" "{'user': <'bob'>}" "{'uid': <uint32 $BOB>, 'user': <'bob'>}" \
    "{'pid': <uint32 1>}" "{'ruid': <uint32 0>}"; do
    refused "dave's Approve with options $claim is refused" "$(gd dave Approve "$id" "$claim")"
done
still_pending "after dave's claims"

# --- Approve: alice may not decide her own request by claiming to be bob -------------------------
refused "alice's Approve of her own request with options {'uid': $BOB, 'user': 'bob'} is refused" \
    "$(gd alice Approve "$id" "{'uid': <uint32 $BOB>, 'user': <'bob'>}")"
refused "alice's Approve of her own request with options {'ruid': $BOB} is refused" \
    "$(gd alice Approve "$id" "{'ruid': <uint32 $BOB>}")"
still_pending "after alice's claims"

# --- Deny and Cancel take no options: an extra identity argument is a wrong signature -------------
refused "dave's Deny with an extra {'uid': 0} argument is refused" \
    "$(gd dave Deny "$id" "no" "{'uid': <uint32 0>}")"
refused "dave's Deny (comment 'uid=0 user=bob') is refused" "$(gd dave Deny "$id" "uid=0 user=bob")"
refused "dave's Cancel with an extra {'uid': $ALICE} argument (the requester's uid) is refused" \
    "$(gd dave Cancel "$id" "{'uid': <uint32 $ALICE>}")"
refused "dave's Cancel of alice's request is refused" "$(gd dave Cancel "$id")"
refused "bob's Cancel claiming {'user': 'alice'} is refused" "$(gd bob Cancel "$id" "{'user': <'alice'>}")"
still_pending "after Deny and Cancel claims"

# --- ListRequests: an identity key never changes what the caller sees -----------------------------
like "$(gd alice ListRequests "{'state': <'all'>}")" "$id" "alice's ListRequests shows her own request"
for caller in alice dave; do
    plain=$(gd $caller ListRequests "{'state': <'all'>}")
    for claim in "'uid': <uint32 0>" "'user': <'bob'>" "'pid': <uint32 1>"; do
        out=$(gd $caller ListRequests "{'state': <'all'>, $claim}")
        if failed "$out"; then
            refused "$caller's ListRequests with {$claim} is refused" "$out"
        else
            is "$out" "$plain" "$caller's ListRequests with {$claim} lists exactly what it lists without it"
        fi
    done
done

# --- RequestAccess: a request is always in the caller's own name -----------------------------------
# attributed_to_alice DESC OUTPUT: refused, or the request it made is alice's (uid and name).
attributed_to_alice() {
    local rid
    if failed "$2"; then
        refused "$1: refused" "$2"
        pass "$1: (nothing was created)"
        return
    fi
    rid=$(grep -oE "$JIT_ID_RE" <<<"$2" | head -n 1)
    like "$rid" "^$JIT_ID_RE\$" "$1: accepted as request $rid"
    is "$(field "$rid" user)/$(field "$rid" uid)" "alice/$ALICE" "$1: the request is alice's, not bob's"
    gd alice Cancel "$rid" >/dev/null
}
attributed_to_alice "alice's RequestAccess with {'user': 'bob'}" \
    "$(gd alice RequestAccess "{'reason': <'a02'>, 'user': <'bob'>}")"
attributed_to_alice "alice's RequestAccess with {'uid': $BOB}" \
    "$(gd alice RequestAccess "{'reason': <'a02'>, 'uid': <uint32 $BOB>}")"
attributed_to_alice "alice's RequestAccess with {'ruid': $BOB}" \
    "$(gd alice RequestAccess "{'reason': <'a02'>, 'ruid': <uint32 $BOB>}")"
attributed_to_alice "alice's RequestAccess with {'pid': 1}" \
    "$(gd alice RequestAccess "{'reason': <'a02'>, 'pid': <uint32 1>}")"

# --- bob's approval is recorded as bob's, whatever name he puts in the body ------------------------
out=$(gd bob Approve "$id" "{'user': <'carol'>}")
if failed "$out"; then
    refused "bob's Approve with {'user': 'carol'} is refused" "$out"
    still_pending "after bob's claim"
    out=$(gd bob Approve "$id" "@a{sv} {}")
fi
if failed "$out"; then fail "bob approves alice's request" "$out"; else pass "bob approves alice's request"; fi
jit_bg_wait r 10
is "$?" 0 "the approval reaches alice's module: pamtester succeeds"
is "$(field "$id" state)/$(field "$id" by)" "approved/bob" "the request is approved by bob (nobody else)"
rec=$(jq -c --arg id "$id" 'select(.type == "approve" and .fields.request_id == $id) | .fields' \
    /var/lib/jit/journal.jsonl | tail -n 1)
is "$(jq -r '.by + " " + .approver_uids' <<<"$rec")" "bob $BOB" \
    "the journal's approve record names bob (and only bob's uid) as the approver"

# --- CreateRequest from a non-root caller claiming ruid or user (the bus policy opened wide, so jitd
# itself must refuse: defence in depth, as in a08) ------------------------------------------------
before=$(jit_ctl bob list --all --json | jq length)
cat >/etc/dbus-1/system.d/zz-wide-open.conf <<'X'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><policy context="mandatory"><allow send_destination="org.pamjit.jit1"/></policy></busconfig>
X
ok "the bus reloads a wide-open policy" busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus ReloadConfig
like "$(gd alice CreateRequest "{'user': <'alice'>, 'ruid': <uint32 0>, 'service': <'sudo'>}")" \
    "org\.pamjit\.jit1\.Error\.AccessDenied" "alice's CreateRequest claiming ruid 0: jitd refuses (AccessDenied)"
like "$(gd dave CreateRequest "{'user': <'bob'>, 'ruid': <uint32 $BOB>, 'service': <'sudo'>}")" \
    "org\.pamjit\.jit1\.Error\.AccessDenied" "dave's CreateRequest claiming to be bob: jitd refuses (AccessDenied)"
like "$(gd dave Approve "$id" "{'uid': <uint32 0>}")" "^Error: GDBus\.Error:org\.pamjit\.jit1\.Error\." \
    "dave's Approve claiming uid 0 reaches jitd and jitd refuses it"
is "$(jit_ctl bob list --all --json | jq length)" "$before" "no request was created by any of these"
rm /etc/dbus-1/system.d/zz-wide-open.conf
busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null
ok "and the journal verifies" jitctl verify
