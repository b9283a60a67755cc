#!/usr/bin/env python3
"""Which jitd file calls functions defined in which other jitd file, from the built objects.

Reads the symbol tables (nm) of BUILD/obj/jitd/*.o, so what it sees is what the linker links:
a call through a function pointer registered elsewhere (an sd-event callback, a record undo
callback) is not an edge, which is the point: news goes up through callbacks, calls go down.

Prints the edges, any call circle, and the layers (each file above everything it calls).
Exits 1 if there is a circle.  Usage: tools/jitd-calls.py [BUILD]   (default: build)
"""
import os
import subprocess
import sys


def symbols(obj, flag):
    out = subprocess.run(["nm", flag, obj], check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if flag == "--undefined-only":
            names.add(parts[-1])
        elif len(parts) == 3 and parts[1] in "TDBR":
            names.add(parts[2])
    return names


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    objdir = os.path.join(build, "obj", "jitd")
    files = sorted(f[:-2] for f in os.listdir(objdir) if f.endswith(".o"))
    defined, used = {}, {}
    for f in files:
        obj = os.path.join(objdir, f + ".o")
        defined[f] = symbols(obj, "--defined-only")
        used[f] = symbols(obj, "--undefined-only")
    owner = {s: f for f in files for s in defined[f]}
    calls = {f: sorted({owner[s] for s in used[f] if s in owner and owner[s] != f}) for f in files}

    for f in files:
        print(f"{f}.c -> {', '.join(c + '.c' for c in calls[f]) or '(no jitd file)'}")

    # Tarjan's strongly connected components: a component of more than one file is a circle.
    index, low, stack, on, sccs = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in calls[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            sccs.append(comp)

    for f in files:
        if f not in index:
            visit(f)
    circles = [sorted(c) for c in sccs if len(c) > 1]
    if circles:
        for c in circles:
            print("CIRCLE: " + " <-> ".join(x + ".c" for x in c))
        return 1

    # Layer 0 calls no other jitd file; each file sits one above the highest file it calls.
    level = {}

    def depth(f):
        if f not in level:
            level[f] = 1 + max((depth(c) for c in calls[f]), default=-1)
        return level[f]

    for f in files:
        depth(f)
    print("No call circle. Layers, top first:")
    for n in sorted(set(level.values()), reverse=True):
        print(f"  {n}: " + " ".join(f + ".c" for f in files if level[f] == n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
