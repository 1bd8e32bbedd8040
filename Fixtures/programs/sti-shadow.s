.intel_syntax noprefix
.code64
.include "idt.inc"
# Checklist 52/53: a fixed-mode PMI (vector 0x40) is held while IF = 0 and through the STI shadow.
start:
  IDT
  GATE 0x40, handler
  WRMSR_ 0x834, 0x40, 0                # LVTPC: fixed mode, vector 0x40
  WRMSR_ 0x4c1, 0xfffffffe, 0xffff     # gp0 := 2^48 - 2
  WRMSR_ 0x186, 0x5300c0, 0            # gp0 counts instructions, INT, EN; this WRMSR makes it 2^48 - 1
  nop                                  # gp0 wraps: the PMI is accepted at the next step, held (IF = 0)
  mov ecx, 0x834
  rdmsr                                # an MSR exit (with --exit-on msr) so a step runs while IF = 0
  sti
  inc r9                               # the interrupt shadow
  inc r9
  hlt
handler:
  mov r10, r9                          # what the handler saw
  WRMSR_ 0x80b, 0, 0                   # EOI
  iretq
