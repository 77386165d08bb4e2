#!/usr/bin/env python3
"""Calls to malloc, and to its slow path (_int_malloc: the tcache had no chunk of that size, or the size is over
its 1,032 bytes), per request, from one callgrind dump: `callgrind_allocs.py FILE REQUESTS` prints
`malloc<TAB>slow` as calls per request. Reads callgrind's own format (cfn= names the callee of the next calls=
line; a name is given once, then only its (id))."""
import re
import sys

path, requests = sys.argv[1], int(sys.argv[2])
names = {}
counts = {"malloc": 0, "_int_malloc": 0}
callee = None
ref = re.compile(r"^c?fn=\((\d+)\)(?: (.*))?$")
with open(path, errors="replace") as f:
    for line in f:
        m = ref.match(line.rstrip("\n"))
        if m:
            ident, name = m.group(1), m.group(2)
            if name is not None:
                names[ident] = name.split(" ")[0]
            if line.startswith("cfn="):
                callee = names.get(ident)
            continue
        if line.startswith("calls=") and callee in counts:
            counts[callee] += int(line[6:].split()[0])
            callee = None
        elif not line.startswith("calls="):
            pass
print(f"{counts['malloc'] / requests:.2f}\t{counts['_int_malloc'] / requests:.2f}")
