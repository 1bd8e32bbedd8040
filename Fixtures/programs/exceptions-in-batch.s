.intel_syntax noprefix
.code64
.include "idt.inc"
# A #DE and a #PF delivered through the IDT inside one batch, then a #UD, which KVM intercepts.
start:
  IDT
  GATE 0, de_handler
  GATE 14, pf_handler
  GATE 6, ud_handler
  xor ecx, ecx
  div ecx                              # #DE: the handler skips the 2-byte DIV
  mov rax, [0x900000]                  # #PF (unmapped): the handler skips the 8-byte MOV
  ud2                                  # #UD: the handler skips it
  hlt
de_handler:
  add qword ptr [rsp], 2
  inc r12
  iretq
pf_handler:
  add rsp, 8                           # the error code
  add qword ptr [rsp], 8
  inc r12
  iretq
ud_handler:
  add qword ptr [rsp], 2
  inc r12
  iretq
