.intel_syntax noprefix
.code64
.include "idt.inc"
# Checklist 55: ten instructions ending nop, nop, hlt with an NMI gate; the final step never vectors.
start:
  IDT
  GATE 2, handler
  nop
  nop
  nop
  nop
  hlt
handler:
  iretq
