import Emulator
import Testing

/// Register writes, operand sizes and immediates (isa-subset.md §4 "Register writes",
/// "Immediates"): 32-bit writes zero-extend, 8/16-bit writes merge, REX selects SPL…DIL instead of
/// AH…BH, `90` vs `87 C0`, CMOVcc, MOVZX/MOVSX/MOVSXD, sign-extended immediates, and the other
/// data-movement instructions of the subset. Registers not named in `expect` must keep their
/// initial values.
@Suite struct ISADataMovementTests {
    static let partialRegisters: [ISACase] = [
        //   0: 89 c8                          mov eax,ecx
        ISACase("mov eax,ecx", "89 c8", setup: "rax=0xffffffffffffffff rcx=0x1111111122222222", expect: "rax=0x22222222", count: 1),  // Unicorn 2.0.1
        //   0: 66 89 c8                       mov ax,cx
        ISACase("mov ax,cx", "66 89 c8", setup: "rax=0xffffffffffffffff rcx=0x1111111122222222", expect: "rax=0xffffffffffff2222", count: 1),  // Unicorn 2.0.1
        //   0: 88 c8                          mov al,cl
        ISACase("mov al,cl", "88 c8", setup: "rax=0xffffffffffffffff rcx=0x1111111122222233", expect: "rax=0xffffffffffffff33", count: 1),  // Unicorn 2.0.1
        //   0: 88 cc                          mov ah,cl
        ISACase("mov ah,cl", "88 cc", setup: "rax=0xffffffffffffffff rcx=0x44", expect: "rax=0xffffffffffff44ff", count: 1),  // Unicorn 2.0.1
        //   0: 88 f5                          mov ch,dh
        ISACase("mov ch,dh", "88 f5", setup: "rcx=0x1122334455667788 rdx=0xaabb", expect: "rcx=0x112233445566aa88", count: 1),  // Unicorn 2.0.1
        //   0: 40 88 cc                       mov spl,cl
        ISACase("mov spl,cl", "40 88 cc", setup: "rcx=0x44", expect: "rsp=0x800044", count: 1),  // Unicorn 2.0.1
        //   0: 40 88 fd                       mov bpl,dil
        ISACase("mov bpl,dil", "40 88 fd", setup: "rbp=0x1234 rdi=0x56", expect: "rbp=0x1256", count: 1),  // Unicorn 2.0.1
        //   0: 44 88 c6                       mov sil,r8b
        ISACase("mov sil,r8b", "44 88 c6", setup: "rsi=0xffff rdi=0x56 r8=0x9a", expect: "rsi=0xff9a", count: 1),  // Unicorn 2.0.1
        //   0: 88 e7                          mov bh,ah
        ISACase("mov bh,ah", "88 e7", setup: "rax=0xab00 rbx=0x11223344", expect: "rbx=0x1122ab44", count: 1),  // Unicorn 2.0.1
        //   0: 40 88 f7                       mov dil,sil
        ISACase("mov dil,sil", "40 88 f7", setup: "rsi=0x7f rdi=0x8000", expect: "rdi=0x807f", count: 1),  // Unicorn 2.0.1
        //   0: 45 89 c1                       mov r9d,r8d
        ISACase("mov r9d,r8d", "45 89 c1", setup: "r8=0xaaaaaaaa55555555 r9=0xffffffffffffffff", expect: "r9=0x55555555", count: 1),  // Unicorn 2.0.1
        //   0: 66 45 89 c1                    mov r9w,r8w
        ISACase("mov r9w,r8w", "66 45 89 c1", setup: "r8=0xaaaaaaaa55555555 r9=0xffffffffffffffff", expect: "r9=0xffffffffffff5555", count: 1),  // Unicorn 2.0.1
        //   0: 83 c0 00                       add eax,0x0
        ISACase("add eax,0x0", "83 c0 00", setup: "rax=0xffffffff00000001", expect: "rax=0x1", flags: 0x0, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 66 ff c1                       inc cx
        ISACase("inc cx", "66 ff c1", setup: "rcx=0xffffffffffffffff", expect: "rcx=0xffffffffffff0000", flags: 0x54, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 87 c0                          xchg eax,eax
        ISACase("xchg eax,eax", "87 c0", setup: "rax=0xffffffff12345678", expect: "rax=0x12345678", count: 1),  // Unicorn 2.0.1
        //   0: 48 91                          xchg rcx,rax
        ISACase("xchg rcx,rax", "48 91", setup: "rax=1 rcx=2", expect: "rax=0x2 rcx=0x1", count: 1),  // Unicorn 2.0.1
        //   0: 91                             xchg ecx,eax
        ISACase("xchg ecx,eax", "91", setup: "rax=0xffffffff00000001 rcx=0xffffffff00000002", expect: "rax=0x2 rcx=0x1", count: 1),  // Unicorn 2.0.1
        //   0: 86 c4                          xchg ah,al
        ISACase("xchg ah,al", "86 c4", setup: "rax=0x1234", expect: "rax=0x3412", count: 1),  // Unicorn 2.0.1
        //   0: 0f 44 c1                       cmove eax,ecx
        ISACase("cmove eax,ecx", "0f 44 c1", setup: "rax=0xffffffff12345678 rcx=0x99 rflags=0x0", expect: "rax=0x12345678", count: 1),  // Unicorn 2.0.1
        //   0: 0f 44 c1                       cmove eax,ecx
        ISACase("cmove eax,ecx", "0f 44 c1", setup: "rax=0xffffffff12345678 rcx=0x99 rflags=0x40", expect: "rax=0x99", count: 1),  // Unicorn 2.0.1
        //   0: 48 0f 44 c1                    cmove rax,rcx
        ISACase("cmove rax,rcx", "48 0f 44 c1", setup: "rax=0xffffffff12345678 rcx=0x99 rflags=0x0", expect: "", count: 1),  // Unicorn 2.0.1
        //   0: 48 0f 4c c1                    cmovl rax,rcx
        ISACase("cmovl rax,rcx", "48 0f 4c c1", setup: "rax=1 rcx=2 rflags=0x800", expect: "rax=0x2", count: 1),  // Unicorn 2.0.1
        //   0: 66 0f 46 ca                    cmovbe cx,dx
        ISACase("cmovbe cx,dx", "66 0f 46 ca", setup: "rcx=0xffffffffffffffff rdx=0x1234 rflags=0x1", expect: "rcx=0xffffffffffff1234", count: 1),  // Unicorn 2.0.1
        //   0: 0f b6 c1                       movzx eax,cl
        ISACase("movzx eax,cl", "0f b6 c1", setup: "rax=0xffffffffffffffff rcx=0xff", expect: "rax=0xff", count: 1),  // Unicorn 2.0.1
        //   0: 48 0f b7 c1                    movzx rax,cx
        ISACase("movzx rax,cx", "48 0f b7 c1", setup: "rax=0xffffffffffffffff rcx=0x8001", expect: "rax=0x8001", count: 1),  // Unicorn 2.0.1
        //   0: 66 0f b6 c1                    movzx ax,cl
        ISACase("movzx ax,cl", "66 0f b6 c1", setup: "rax=0xffffffffffffffff rcx=0x80", expect: "rax=0xffffffffffff0080", count: 1),  // Unicorn 2.0.1
        //   0: 48 0f be c1                    movsx rax,cl
        ISACase("movsx rax,cl", "48 0f be c1", setup: "rcx=0x80", expect: "rax=0xffffffffffffff80", count: 1),  // Unicorn 2.0.1
        //   0: 0f bf c1                       movsx eax,cx
        ISACase("movsx eax,cx", "0f bf c1", setup: "rax=0xffffffffffffffff rcx=0x8000", expect: "rax=0xffff8000", count: 1),  // Unicorn 2.0.1
        //   0: 66 0f be c1                    movsx ax,cl
        ISACase("movsx ax,cl", "66 0f be c1", setup: "rax=0x1234567812345678 rcx=0xfe", expect: "rax=0x123456781234fffe", count: 1),  // Unicorn 2.0.1
        //   0: 48 63 c1                       movsxd rax,ecx
        ISACase("movsxd rax,ecx", "48 63 c1", setup: "rcx=0x0000000080000000", expect: "rax=0xffffffff80000000", count: 1),  // Unicorn 2.0.1
        //   0: 48 63 c1                       movsxd rax,ecx
        ISACase("movsxd rax,ecx", "48 63 c1", setup: "rcx=0xffffffff7fffffff", expect: "rax=0x7fffffff", count: 1),  // Unicorn 2.0.1
        //   0: 48 0f be 14 25 00 00 60 00     movsx rdx,BYTE PTR ds:0x600000
        ISACase("movsx rdx,BYTE PTR ds:0x600000", "48 0f be 14 25 00 00 60 00", setup: "rdx=5", expect: "rdx=0x0", count: 1),  // Unicorn 2.0.1
        //   0: 48 b8 88 77 66 55 44 33 22 11  movabs rax,0x1122334455667788
        ISACase("movabs rax,0x1122334455667788", "48 b8 88 77 66 55 44 33 22 11", setup: "", expect: "rax=0x1122334455667788", count: 1),  // Unicorn 2.0.1
        //   0: 48 c7 c0 ff ff ff ff           mov rax,0xffffffffffffffff
        ISACase("mov rax,0xffffffffffffffff", "48 c7 c0 ff ff ff ff", setup: "", expect: "rax=0xffffffffffffffff", count: 1),  // Unicorn 2.0.1
        //   0: b8 ff ff ff ff                 mov eax,0xffffffff
        ISACase("mov eax,0xffffffff", "b8 ff ff ff ff", setup: "rax=0x1234567800000000", expect: "rax=0xffffffff", count: 1),  // Unicorn 2.0.1
        //   0: 66 b8 ff ff                    mov ax,0xffff
        ISACase("mov ax,0xffff", "66 b8 ff ff", setup: "rax=0x1234567800000000", expect: "rax=0x123456780000ffff", count: 1),  // Unicorn 2.0.1
        //   0: 49 ba 00 00 00 80 00 00 00 00  movabs r10,0x80000000
        ISACase("movabs r10,0x80000000", "49 ba 00 00 00 80 00 00 00 00", setup: "", expect: "r10=0x80000000", count: 1),  // Unicorn 2.0.1
        //   0: 83 e8 fe                       sub eax,0xfffffffe
        ISACase("sub eax,0xfffffffe", "83 e8 fe", setup: "rax=0xffffffff00000001", expect: "rax=0x3", flags: 0x15, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 25 00 00 00 80              and rax,0xffffffff80000000
        ISACase("and rax,0xffffffff80000000", "48 25 00 00 00 80", setup: "rax=0x123456789abcdef0", expect: "rax=0x1234567880000000", flags: 0x4, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 49 83 f3 80                    xor r11,0xffffffffffffff80
        ISACase("xor r11,0xffffffffffffff80", "49 83 f3 80", setup: "r11=0", expect: "r11=0xffffffffffffff80", flags: 0x80, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 6b ca ff                       imul ecx,edx,0xffffffff
        ISACase("imul ecx,edx,0xffffffff", "6b ca ff", setup: "rcx=0xffffffffffffffff rdx=5", expect: "rcx=0xfffffffb", flags: 0x0, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 6a ff                          push 0xffffffffffffffff
        //   2: 58                             pop rax
        ISACase("push 0xffffffffffffffff; pop rax", "6a ff 58", setup: "", expect: "rax=0xffffffffffffffff", count: 2),  // Unicorn 2.0.1
        //   0: 68 88 a9 cb ed                 push 0xffffffffedcba988
        //   5: 5b                             pop rbx
        ISACase("push 0xffffffffedcba988; pop rbx", "68 88 a9 cb ed 5b", setup: "", expect: "rbx=0xffffffffedcba988", count: 2),  // Unicorn 2.0.1
        //   0: 6a 7f                          push 0x7f
        //   2: 59                             pop rcx
        ISACase("push 0x7f; pop rcx", "6a 7f 59", setup: "", expect: "rcx=0x7f", count: 2),  // Unicorn 2.0.1
        //   0: 0f c8                          bswap eax
        ISACase("bswap eax", "0f c8", setup: "rax=0xffffffff11223344", expect: "rax=0x44332211", count: 1),  // Unicorn 2.0.1
        //   0: 48 0f c8                       bswap rax
        ISACase("bswap rax", "48 0f c8", setup: "rax=0x1122334455667788", expect: "rax=0x8877665544332211", count: 1),  // Unicorn 2.0.1
        //   0: 66 98                          cbw
        ISACase("cbw", "66 98", setup: "rax=0xffffffff12345680", expect: "rax=0xffffffff1234ff80", count: 1),  // Unicorn 2.0.1
        //   0: 98                             cwde
        ISACase("cwde", "98", setup: "rax=0xffffffff12348000", expect: "rax=0xffff8000", count: 1),  // Unicorn 2.0.1
        //   0: 48 98                          cdqe
        ISACase("cdqe", "48 98", setup: "rax=0x80000000", expect: "rax=0xffffffff80000000", count: 1),  // Unicorn 2.0.1
        //   0: 66 99                          cwd
        ISACase("cwd", "66 99", setup: "rax=0x8000 rdx=0x1234567812345678", expect: "rdx=0x123456781234ffff", count: 1),  // Unicorn 2.0.1
        //   0: 99                             cdq
        ISACase("cdq", "99", setup: "rax=0x7fffffff rdx=0x1234567812345678", expect: "rdx=0x0", count: 1),  // Unicorn 2.0.1
        //   0: 48 99                          cqo
        ISACase("cqo", "48 99", setup: "rax=0x8000000000000000", expect: "rdx=0xffffffffffffffff", count: 1),  // Unicorn 2.0.1
        //   0: 0f 94 c0                       sete al
        //   3: 0f 92 c4                       setb ah
        //   6: 0f 9f c1                       setg cl
        ISACase("sete al; setb ah; setg cl", "0f 94 c0 0f 92 c4 0f 9f c1", setup: "rax=0xffff rcx=0x1234 rflags=0x41", expect: "rax=0x101 rcx=0x1200", count: 3),  // Unicorn 2.0.1
        //   0: 41 0f 95 c0                    setne r8b
        //   4: 40 0f 9e c7                    setle dil
        ISACase("setne r8b; setle dil", "41 0f 95 c0 40 0f 9e c7", setup: "r8=0x100 rdi=0xff rflags=0x880", expect: "rdi=0x0 r8=0x101", count: 2),  // Unicorn 2.0.1
        //   0: 8d 44 51 10                    lea eax,[rcx+rdx*2+0x10]
        ISACase("lea eax,[rcx+rdx*2+0x10]", "8d 44 51 10", setup: "rax=0xffffffffffffffff rcx=0xffffffff rdx=1", expect: "rax=0x11", count: 1),  // Unicorn 2.0.1
        //   0: 48 8d 41 f8                    lea rax,[rcx-0x8]
        ISACase("lea rax,[rcx-0x8]", "48 8d 41 f8", setup: "rcx=4", expect: "rax=0xfffffffffffffffc", count: 1),  // Unicorn 2.0.1
        //   0: 66 8d 04 11                    lea ax,[rcx+rdx*1]
        ISACase("lea ax,[rcx+rdx*1]", "66 8d 04 11", setup: "rax=0xffffffffffffffff rcx=0x1234 rdx=0x1", expect: "rax=0xffffffffffff1235", count: 1),  // Unicorn 2.0.1
        //   0: 48 0f c1 c8                    xadd rax,rcx
        ISACase("xadd rax,rcx", "48 0f c1 c8", setup: "rax=0x7fffffffffffffff rcx=1", expect: "rax=0x8000000000000000 rcx=0x7fffffffffffffff", flags: 0x894, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 0f c0 d1                       xadd cl,dl
        ISACase("xadd cl,dl", "0f c0 d1", setup: "rcx=0xf0 rdx=0x20", expect: "rcx=0x10 rdx=0xf0", flags: 0x1, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f b1 d1                    cmpxchg rcx,rdx
        ISACase("cmpxchg rcx,rdx", "48 0f b1 d1", setup: "rax=5 rcx=5 rdx=9", expect: "rcx=0x9", flags: 0x44, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f b1 d1                    cmpxchg rcx,rdx
        ISACase("cmpxchg rcx,rdx", "48 0f b1 d1", setup: "rax=5 rcx=6 rdx=9", expect: "rax=0x6", flags: 0x95, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 9f                             lahf
        ISACase("lahf", "9f", setup: "rax=0xffff rflags=0xd5", expect: "rax=0xd7ff", count: 1),  // Unicorn 2.0.1
        //   0: 9e                             sahf
        //   1: 0f 92 c3                       setb bl
        //   4: 0f 98 c7                       sets bh
        ISACase("sahf; setb bl; sets bh", "9e 0f 92 c3 0f 98 c7", setup: "rax=0x8100", expect: "rbx=0x101", flags: 0x81, mask: Flag.status - Flag.of, count: 3),  // Unicorn 2.0.1
        //   0: f9                             stc
        //   1: f5                             cmc
        //   2: 0f 92 c0                       setb al
        //   5: f9                             stc
        //   6: 0f 92 c4                       setb ah
        //   9: f8                             clc
        //   a: 0f 92 c3                       setb bl
        ISACase("stc; cmc; setb al; stc; setb ah; clc; setb bl", "f9 f5 0f 92 c0 f9 0f 92 c4 f8 0f 92 c3", setup: "", expect: "rax=0x100", count: 7),  // Unicorn 2.0.1
    ]

    @Test(arguments: partialRegisters)
    func registerWritesAndImmediates(_ testCase: ISACase) throws {
        try testCase.verify()
    }

}
