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
    for c in circles:
        print("CIRCLE: " + " <-> ".join(x + ".c" for x in c))

    # Layer 0 calls no other jitd file; each file sits one above the highest file it calls. A
    # circle, if any, is counted as one unit so the layers can still be shown.
    unit = {f: i for i, comp in enumerate(sccs) for f in comp}
    level = {}

    def depth(u):
        if u not in level:
            below = {unit[c] for f in sccs[u] for c in calls[f]} - {u}
            level[u] = 1 + max((depth(b) for b in below), default=-1)
        return level[u]

    print("Circles: %s. Layers, top first:" % (len(circles) or "none"))
    for n in sorted({depth(unit[f]) for f in files}, reverse=True):
        names = ["+".join(x + ".c" for x in sorted(comp)) for u, comp in enumerate(sccs) if depth(u) == n]
        print(f"  {n}: " + " ".join(sorted(names)))
    return 1 if circles else 0


if __name__ == "__main__":
    sys.exit(main())
