#!/usr/bin/python3
"""Calls every jitd method with malformed arguments (ATTACKS.md A10, A11).

    bus-fuzz.py [SEED]

Wrong signatures, huge strings and arrays, deeply nested variants, unknown and mistyped keys,
file descriptors, and valid calls with random ids, all over the system bus as whoever runs
it. Every call must be answered (a reply or an error); a call that times out means jitd hung.
Prints "calls N", "replies N", "errors N", "noreply N", "local N" (refused by python-dbus before
sending), "disconnects N" (dbus-daemon dropped the connection for a message it would not pass)
and the error names seen. Exit status 0 unless a call was not answered.
"""
import os
import random
import sys

import dbus

NAME = "org.pamjit.jit1"
PATH = "/org/pamjit/jit1"
IFACE = "org.pamjit.jit1.Manager"

METHODS = {
    "CreateRequest": "a{sv}",
    "Approve": "sa{sv}",
    "Deny": "ss",
    "DenyWithOptions": "sa{sv}",
    "Cancel": "s",
    "ListRequests": "a{sv}",
    "GetRequest": "s",
    "RequestAccess": "a{sv}",
    "ListGrants": "",
    "Revoke": "ss",
    "NoSuchMethod": "",
}
KEYS = ["user", "ruid", "service", "tty", "rhost", "ruser", "cwd", "argv", "reason", "front", "exe",
        "command", "runas_user", "runas_group", "runcwd", "sudoedit", "timeout_usec", "duration",
        "comment", "signature", "state", "limit", "after", "uid", "pid", "bogus", ""]


def rand_value(rng, depth=0):
    """A value of a random type, sometimes large, sometimes nested."""
    kind = rng.randrange(10)
    if kind == 0:
        return dbus.String("x" * rng.choice([0, 1, 255, 257, 4097, 70000, 1 << 20]))
    if kind == 1:
        return dbus.UInt32(rng.choice([0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]))
    if kind == 2:
        return dbus.UInt64(rng.choice([0, 1, 1 << 40, (1 << 64) - 1]))
    if kind == 3:
        return dbus.Boolean(rng.randrange(2))
    if kind == 4:
        n = rng.choice([0, 1, 1000, 20000])
        return dbus.Array(["w%d" % i for i in range(n)], signature="s")
    if kind == 5:
        return dbus.Int32(-1)
    if kind == 6:
        return dbus.ByteArray(os.urandom(rng.choice([0, 16, 65536])))
    if kind == 7 and depth < 3:
        return dbus.Dictionary({"k": rand_value(rng, depth + 1)}, signature="sv")
    if kind == 8:
        # Variants inside variants, up to what the bus itself allows and a bit beyond.
        return dbus.String("deep", variant_level=rng.choice([2, 8, 31, 32, 63, 64, 65]))
    return dbus.String(rng.choice(["pending", "all", "alice", "sudo", "ABCD-EFGH", "../x", "\u202e"]))


def rand_dict(rng):
    d = []
    for _ in range(rng.choice([0, 1, 3, 10, 200])):
        d.append((rng.choice(KEYS) if rng.randrange(4) else "k%d" % rng.randrange(1 << 30),
                  rand_value(rng)))
    return d


def build_call(rng, method):
    """A signature and arguments: usually the right shape with hostile content, sometimes not."""
    sig = METHODS[method]
    choice = rng.randrange(8)
    if choice == 0:  # a wrong signature
        sig = rng.choice(["", "s", "i", "as", "a{ss}", "a{sv}", "sa{sv}", "ss", "v", "ay", "sss", "(s)"])
        args = []
        for c in dbus.Signature(sig):
            if c == "s":
                args.append("x")
            elif c == "i":
                args.append(dbus.Int32(7))
            elif c == "as":
                args.append(["a"])
            elif c == "a{ss}":
                args.append({"user": "alice"})
            elif c == "a{sv}":
                args.append(dbus.Dictionary(rand_dict(rng)[:3], signature="sv"))
            elif c == "v":
                args.append(rand_value(rng))
            elif c == "ay":
                args.append(dbus.ByteArray(b"\0" * 100))
            elif c == "(s)":
                args.append(("x",))
        return sig, args
    if choice == 1 and sig:  # a file descriptor where none is allowed
        r, w = os.pipe()
        os.close(w)
        fd = dbus.types.UnixFd(r)
        os.close(r)
        if rng.randrange(2):
            return sig + "h", [default_arg(c, rng) for c in dbus.Signature(sig)] + [fd]
        if "a{sv}" in sig:
            return sig, [dbus.Dictionary([("argv", fd)], signature="sv") if c == "a{sv}"
                         else default_arg(c, rng) for c in dbus.Signature(sig)]
    args = []
    for c in dbus.Signature(sig):
        if c == "a{sv}":
            # (python-dbus folds repeated keys; the test sends those with busctl.)
            args.append(dbus.Dictionary(dict(rand_dict(rng)), signature="sv"))
        else:
            args.append(default_arg(c, rng))
    return sig, args


def default_arg(c, rng):
    if c == "s":
        return rng.choice(["", "ABCD-EFGH", "abcd-efgh", "x" * 70000, "../../etc/passwd", "0000-0000"])
    if c == "a{sv}":
        return dbus.Dictionary({}, signature="sv")
    return "x"


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    rng = random.Random(seed)
    counts = {"calls": 0, "replies": 0, "errors": 0, "noreply": 0, "local": 0, "disconnects": 0}
    names = {}
    bus = dbus.SystemBus(private=True)
    for _ in range(rounds):
        for method in METHODS:
            try:
                sig, args = build_call(rng, method)
            except (TypeError, ValueError, dbus.exceptions.DBusException):
                counts["local"] += 1
                continue
            counts["calls"] += 1
            try:
                bus.call_blocking(NAME, PATH, IFACE, method, sig, args, timeout=20)
                counts["replies"] += 1
            except dbus.exceptions.DBusException as e:
                name = e.get_dbus_name() or "?"
                if name == "org.freedesktop.DBus.Error.NoReply":
                    counts["noreply"] += 1
                    print("noreply %s %s" % (method, sig), flush=True)
                elif name in ("org.freedesktop.DBus.Error.Disconnected",
                              "org.freedesktop.DBus.Error.NoServer"):
                    counts["disconnects"] += 1
                    bus.close()
                    bus = dbus.SystemBus(private=True)
                else:
                    counts["errors"] += 1
                names[name] = names.get(name, 0) + 1
            except (TypeError, ValueError, OverflowError):
                counts["local"] += 1
    for k, v in counts.items():
        print("%s %d" % (k, v))
    for k in sorted(names):
        print("error %s %d" % (k, names[k]))
    return 1 if counts["noreply"] else 0


if __name__ == "__main__":
    sys.exit(main())
