"""callgrind_instr.py CALLGRIND_OUT FUNCTION BINARY REQUESTS [MIN]: one function's instructions with the count of
times each ran per request, from a callgrind run with --dump-instr=yes (BENCH_VALGRIND_OPTS=--dump-instr=yes
BENCH_KEEP=1 ... scripts/bench.sh keeps the dumps and the stripped binary they came from). FUNCTION is a
substring of the mangled name, e.g. ResponseHeadParserV9addHeader. Lines that ran at least MIN times a request
(default 1) are printed with objdump's disassembly: the hot loops show as the lines with the highest counts.
valgrind cannot read the Swift toolchain's debug info, so this is how a hot spot is found without source lines."""
import collections
import re
import subprocess
import sys

path, pattern, binary, requests = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
minimum = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0

counts = collections.Counter()
names = {}
function = ""
last = 0
skip_call_cost = False
for line in open(path):
    line = line.rstrip("\n")
    m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line)
    if m:   # names are compressed: "(id) name" the first time, "(id)" after
        if m.group(3):
            names[m.group(2)] = m.group(3)
        if m.group(1) == "fn":
            function = names.get(m.group(2), "")
        continue
    if line.startswith("calls="):
        skip_call_cost = True   # the next cost line is the call's inclusive cost, not this instruction's
        continue
    if not line or not (line[0] in "0123456789+-*"):
        continue
    parts = line.split()   # positions: instr line, then the Ir count
    p = parts[0]
    if p.startswith("0x"):
        address = int(p, 16)
    elif p.startswith("+"):
        address = last + int(p[1:], 0)
    elif p.startswith("-"):
        address = last - int(p[1:], 0)
    elif p == "*":
        address = last
    else:
        address = int(p, 0)
    last = address
    if skip_call_cost:
        skip_call_cost = False
        continue
    if pattern in function and len(parts) > 2:
        counts[address] += int(parts[2])

if not counts:
    sys.exit(f"callgrind_instr: no instructions of a function matching {pattern!r} (was --dump-instr=yes set?)")
low, high = min(counts), max(counts)
print(f"{sum(counts.values()) / requests:.0f} instructions per request in functions matching {pattern!r}")
listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--start-address={low:#x}",
                          f"--stop-address={high + 16:#x}", binary], capture_output=True, text=True).stdout
for row in listing.splitlines():
    head = row.split(":")[0].strip()
    try:
        address = int(head, 16)
    except ValueError:
        continue
    per_request = counts.get(address, 0) / requests
    if per_request >= minimum:
        print(f"{per_request:7.1f} {row.strip()}")
