#!/usr/bin/env bash
# Host instructions per guest instruction for vpmu's bench register loops: a deterministic speed
# measure on machines whose timings vary run to run (valgrind callgrind counts every instruction
# the host executes in vpmu's own code, startup included, and divides by what the guest retired).
# usage: scripts/host-instructions.sh [path/to/release/vpmu]   (needs valgrind and python3)
set -euo pipefail
binary=${1:-.build/release/vpmu}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# valgrind cannot read the debug information of Swift 6 release binaries: measure a stripped copy.
strip -o "$work/vpmu" "$binary"
pmcs=(--pmc gp0=instructions --pmc gp1=branches --exit-every 256)
measure() {  # name, vpmu arguments...
  local name=$1
  shift
  # The guest instructions retired, from an ordinary run (the bench verifies them against models).
  local guest
  guest=$("$binary" "$@" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["instructions"])')
  valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file="$work/$name.out" "$work/vpmu" "$@" >/dev/null 2>&1
  python3 - "$work/$name.out" "$guest" "$name" <<'PY'
import re, sys
path, guest, name = sys.argv[1], float(sys.argv[2]), sys.argv[3]
names, obj, total, last, skip = {}, None, 0, 0, False
def position(token, previous):
    if token.startswith('0x'): return int(token, 16)
    if token[0] == '+': return previous + int(token[1:])
    if token[0] == '-': return previous - int(token[1:])
    return previous if token == '*' else int(token)
for line in open(path):
    m = re.match(r'^(c?ob)=\((\d+)\)\s*(.*)$', line)
    if m:
        if m.group(3): names[m.group(2)] = m.group(3)
        if m.group(1) == 'ob': obj = names.get(m.group(2))
        continue
    if line.startswith('calls='):
        skip = True  # the next cost line is the call's inclusive cost
        continue
    if not line or line[0] not in '0123456789+-*': continue
    parts = line.split()
    if len(parts) < 3: continue
    last = position(parts[0], last)
    if skip:
        skip = False
        continue
    if obj and obj.endswith('/vpmu'): total += int(parts[2])
print(f"{name:8} {total / guest:6.1f} host instructions per guest instruction")
PY
}
measure tight run --hex 4801c84831c248ffc975f5 --reg rcx=1000000 "${pmcs[@]}"
measure mul-div run --hex b801000000bbb979379e41b907000000480fafc34801c831d24989c249f7f14c01d048f7e34831d0ffc975e4 --reg rcx=300000 "${pmcs[@]}"
measure lfsr run --hex b8e1ac000031db31f689c2d1eaa801740681f200b4000089d0a8027402ffc3a8047502ffc63d00800000720201f3ffc975d7 --reg rcx=300000 "${pmcs[@]}"
measure fib run --hex e802000000eb234883ff0272195748ffcfe8f1ffffff5f504883ef02e8e6ffffff594801c8c34889f8c3 --reg rdi=22 "${pmcs[@]}"
