.intel_syntax noprefix
.code64
.include "idt.inc"
# The 2018 guest-PMI scenario (cycle-model.md §5.1-§5.2): guest perf samples cycles on gp0 (the host
# arms it: --pmc gp0=cycles,start=-299,int); its NMI handler clears GLOBAL_CTRL, clears the status
# bit, re-arms gp0 at 2^48 - 299, unmasks LVTPC and sets GLOBAL_CTRL again: five WRMSRs, each its own
# exit with --exit-on msr, two of them reprogramming gp0.
start:
  IDT
  GATE 2, handler
  WRMSR_ 0x38f, 1, 0                   # GLOBAL_CTRL := gp0 only
  mov r8d, 400
1:
  dec r8d
  jnz 1b
  hlt
handler:
  WRMSR_ 0x38f, 0, 0                   # GLOBAL_CTRL := 0
  WRMSR_ 0x390, 1, 0                   # clear gp0's overflow bit
  WRMSR_ 0x4c1, -299, 0xffff           # gp0 := 2^48 - 299
  WRMSR_ 0x834, 0x400, 0               # unmask LVTPC (NMI)
  inc r12                              # PMIs handled (gp0 is disabled: no cycles counted)
  WRMSR_ 0x38f, 1, 0                   # GLOBAL_CTRL := gp0
  iretq
