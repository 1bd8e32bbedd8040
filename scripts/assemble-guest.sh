#!/bin/bash
# Assembles a guest program for Fixtures/programs: GNU as --64 (Intel syntax in the source), linked at
# 0x400000, objcopy -O binary, written as a .hex file with the objdump disassembly as comments.
# usage: scripts/assemble-guest.sh SOURCE.s OUT.hex "one-line title" [extra lines for after .code64]
set -euo pipefail
src=$1; out=$2; title=$3; extra=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$(dirname "$src")"/*.inc "$work"/ 2>/dev/null || true
sed "s/^.code64/.code64\n$extra/" "$src" > "$work/source.s"
(cd "$work" && as --64 -o t.o source.s && ld -Ttext=0x400000 -e 0x400000 -o t.elf t.o && objcopy -O binary -j .text t.elf t.bin)
{
  echo "# $title"
  echo "# Assembled with GNU as --64 (.intel_syntax noprefix), linked at 0x400000, objcopy -O binary."
  objdump -d -M intel --insn-width=15 "$work/t.elf" | awk -F'\t' '/^  4[0-9a-f]+:/ {
      addr=$1; gsub(/ /,"",addr); bytes=$2; gsub(/ +$/,"",bytes); printf "%-45s # %s %s\n", bytes, addr, $3 }'
} > "$out"
