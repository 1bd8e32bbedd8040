.intel_syntax noprefix
.code64
.include "idt.inc"
# Exceptions and INT n through the IDT: #GP from RDMSR of a missing MSR, #UD from UD2, INT 0x30.
start:
  IDT
  GATE 13, gp_handler
  GATE 6, ud_handler
  GATE 0x30, int_handler
  mov ecx, 0x12345678
  rdmsr                                # #GP(0): the handler skips it
  ud2                                  # #UD: the handler skips it
  int 0x30
  hlt
gp_handler:
  mov rbx, rsp                         # frame with error code: 0x800000 - 48
  mov rsi, [rsp]                       # the error code
  add rsp, 8
  add qword ptr [rsp], 2               # skip the 2-byte RDMSR
  inc r12
  iretq
ud_handler:
  mov rbp, rsp                         # frame without error code: 0x800000 - 40
  add qword ptr [rsp], 2               # skip the 2-byte UD2
  inc r12
  iretq
int_handler:
  mov rdi, [rsp]                       # return RIP: the instruction after INT 0x30
  inc r12
  iretq
