.intel_syntax noprefix
.code64
.include "idt.inc"
# Checklist 53: a PMI accepted while the NMI handler runs is held until that handler's IRETQ.
start:
  IDT
  GATE 2, handler
  WRMSR_ 0x4c1, 0xfffffffe, 0xffff     # gp0 := 2^48 - 2
  WRMSR_ 0x186, 0x5300c0, 0            # enable: gp0 = 2^48 - 1
  nop                                  # gp0 wraps
  mov ecx, 0x834
  rdmsr                                # MSR exit: the step delivers PMI 1 (NMI)
  inc r14
  inc r14
  inc r14
  hlt
handler:
  inc r12
  cmp r12, 1
  jne second
  WRMSR_ 0x834, 0x400, 0               # unmask LVTPC (Intel masked it)
  WRMSR_ 0x4c1, 0xffffffff, 0xffff     # gp0 := 2^48 - 1; this WRMSR's own event wraps it
  nop
  nop
  iretq                                # ends NMI blocking: PMI 2 is vectored right after it
second:
  lea rbx, [r14 + 0x100]               # 0x100 if no main instruction ran in between
  iretq
