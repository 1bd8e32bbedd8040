.intel_syntax noprefix
.code64
# Counter gp0 overflows every K = 20 instructions; an NMI handler counts PMIs in [0x600800],
# reads GLOBAL_STATUS into r14, clears the status bit, re-arms gp0 at 2^48 - 20, optionally unmasks LVTPC, and returns.
# Variants: add `.set AMD, 1` and/or `.set UNMASK, 1` after .code64 (pmi-handler-{intel,amd}[-unmask].hex).
.ifndef AMD
.set CTR, 0x4c1
.set EVTSEL, 0x186
.set STATUS, 0x38e
.set STATUS_CLEAR, 0x390
.else
.set CTR, 0xc0010201
.set EVTSEL, 0xc0010200
.set STATUS, 0xc0000300
.set STATUS_CLEAR, 0xc0000302
.endif
.set K, 20
start:
  mov word ptr [0x600ff0], 0xfff
  mov qword ptr [0x600ff2], 0x600000
  lidt [0x600ff0]
  movabs rax, 0x00408E0000100000 + (handler - start)
  mov [0x600020], rax
  mov ecx, CTR
  mov eax, -K
  mov edx, 0xffff
  wrmsr
  mov ecx, EVTSEL
  mov eax, 0x5300c0
  xor edx, edx
  wrmsr
  mov r8d, 100
1:
  dec r8d
  jnz 1b
  mov r15, qword ptr [0x600800]
  hlt
handler:
  inc qword ptr [0x600800]
  mov ecx, STATUS
  rdmsr
  mov r14, rax                         # GLOBAL_STATUS as the handler saw it
  mov ecx, STATUS_CLEAR
  mov eax, 1
  xor edx, edx
  wrmsr
  mov ecx, CTR
  mov eax, -K
  mov edx, 0xffff
  wrmsr
.ifdef UNMASK
  mov ecx, 0x834
  mov eax, 0x400
  xor edx, edx
  wrmsr
.endif
  iretq
