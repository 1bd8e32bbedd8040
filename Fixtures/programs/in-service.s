.intel_syntax noprefix
.code64
.include "idt.inc"
# Checklist 54: a fixed-mode handler that never writes EOI keeps its PMI in service.
start:
  IDT
  GATE 0x40, handler
  WRMSR_ 0x834, 0x40, 0                # LVTPC: fixed mode, vector 0x40
  WRMSR_ 0x4c1, 0xfffffffe, 0xffff     # gp0 := 2^48 - 2
  WRMSR_ 0x186, 0x5300c0, 0            # enable: gp0 = 2^48 - 1
  nop                                  # gp0 wraps: PMI 1
  nop
  nop
  nop
  nop
  nop
  hlt
handler:
  inc r12
  WRMSR_ 0x834, 0x40, 0                # unmask LVTPC again (Intel masked it); no EOI
  WRMSR_ 0x4c1, 0xfffffffd, 0xffff     # gp0 := 2^48 - 3, then this WRMSR and the IRETQ: 2^48 - 1
  iretq
