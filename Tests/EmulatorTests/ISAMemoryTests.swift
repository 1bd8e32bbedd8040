import Emulator
import Testing

/// Addressing modes (SIB, RIP-relative, 0x67 32-bit addressing, moffs, FS/GS) and the stack
/// (PUSH/POP edge cases, CALL/RET, RET imm16, ENTER/LEAVE, PUSHFQ/POPFQ) (isa-subset.md §4
/// "Addresses", "Stack"). Memory effects are checked by loading the stored values back.
@Suite struct ISAMemoryTests {
    static let addressing: [ISACase] = [
        //   0: 48 89 54 cb 10                 mov QWORD PTR [rbx+rcx*8+0x10],rdx
        //   5: 48 8b 04 25 28 00 60 00        mov rax,QWORD PTR ds:0x600028
        ISACase("mov QWORD PTR [rbx+rcx*8+0x10],rdx; mov rax,QWORD PTR ds:0x600028", "48 89 54 cb 10 48 8b 04 25 28 00 60 00", setup: "rbx=0x600000 rcx=3 rdx=0x1122334455667788", expect: "rax=0x1122334455667788", count: 2),  // Unicorn 2.0.1
        //   0: c7 44 8b fc 78 56 34 12        mov DWORD PTR [rbx+rcx*4-0x4],0x12345678
        //   8: 8b 03                          mov eax,DWORD PTR [rbx]
        ISACase("mov DWORD PTR [rbx+rcx*4-0x4],0x12345678; mov eax,DWORD PTR [rbx]", "c7 44 8b fc 78 56 34 12 8b 03", setup: "rax=0xffffffffffffffff rbx=0x600004 rcx=1", expect: "rax=0x12345678", count: 2),  // Unicorn 2.0.1
        //   0: 4f 89 b4 6c 00 01 00 00        mov QWORD PTR [r12+r13*2+0x100],r14
        //   8: 48 8b 04 25 02 03 60 00        mov rax,QWORD PTR ds:0x600302
        ISACase("mov QWORD PTR [r12+r13*2+0x100],r14; mov rax,QWORD PTR ds:0x600302", "4f 89 b4 6c 00 01 00 00 48 8b 04 25 02 03 60 00", setup: "r12=0x600000 r13=0x101 r14=0xdeadbeef", expect: "rax=0xdeadbeef", count: 2),  // Unicorn 2.0.1
        //   0: c6 44 24 ff 5a                 mov BYTE PTR [rsp-0x1],0x5a
        //   5: 8a 44 24 ff                    mov al,BYTE PTR [rsp-0x1]
        ISACase("mov BYTE PTR [rsp-0x1],0x5a; mov al,BYTE PTR [rsp-0x1]", "c6 44 24 ff 5a 8a 44 24 ff", setup: "", expect: "rax=0x5a", count: 2),  // Unicorn 2.0.1
        //   0: 48 8b 04 11                    mov rax,QWORD PTR [rcx+rdx*1]
        ISACase("mov rax,QWORD PTR [rcx+rdx*1]", "48 8b 04 11", setup: "rax=0x1234 rcx=0xffffffffffa00000 rdx=0xc00000", expect: "rax=0x0", count: 1),  // Unicorn 2.0.1
        //   0: 48 8d 05 10 00 00 00           lea rax,[rip+0x10] # 0x17
        ISACase("lea rax,[rip+0x10] # 0x17", "48 8d 05 10 00 00 00", setup: "", expect: "rax=0x400017", count: 1),  // Unicorn 2.0.1
        //   0: 48 8d 1d f9 ff ff ff           lea rbx,[rip+0xfffffffffffffff9] # 0x0
        ISACase("lea rbx,[rip+0xfffffffffffffff9] # 0x0", "48 8d 1d f9 ff ff ff", setup: "", expect: "rbx=0x400000", count: 1),  // Unicorn 2.0.1
        //   0: 48 89 0d 00 01 00 00           mov QWORD PTR [rip+0x100],rcx # 0x107
        //   7: 48 8b 05 f9 00 00 00           mov rax,QWORD PTR [rip+0xf9] # 0x107
        ISACase("mov QWORD PTR [rip+0x100],rcx # 0x107; mov rax,QWORD PTR [rip+0xf9] # 0x107", "48 89 0d 00 01 00 00 48 8b 05 f9 00 00 00", setup: "rcx=0x8877665544332211", expect: "rax=0x8877665544332211", count: 2),  // Unicorn 2.0.1
        //   0: c7 04 25 00 00 60 00 aa 55 00 00 mov DWORD PTR ds:0x600000,0x55aa
        //   b: 67 8b 01                       mov eax,DWORD PTR [ecx]
        ISACase("mov DWORD PTR ds:0x600000,0x55aa; mov eax,DWORD PTR [ecx]", "c7 04 25 00 00 60 00 aa 55 00 00 67 8b 01", setup: "rcx=0xffffffff00600000", expect: "rax=0x55aa", count: 2),  // Unicorn 2.0.1
        //   0: 67 48 8d 04 11                 lea rax,[ecx+edx*1]
        ISACase("lea rax,[ecx+edx*1]", "67 48 8d 04 11", setup: "rcx=0xfffffff0 rdx=0x600010", expect: "rax=0x600000", count: 1),  // Unicorn 2.0.1
        //   0: 67 48 8d 41 ff                 lea rax,[ecx-0x1]
        ISACase("lea rax,[ecx-0x1]", "67 48 8d 41 ff", setup: "rcx=0x0", expect: "rax=0xffffffff", count: 1),  // Unicorn 2.0.1
        //   0: c7 04 25 00 00 60 00 77 00 00 00 mov DWORD PTR ds:0x600000,0x77
        //   b: 67 8b 04 51                    mov eax,DWORD PTR [ecx+edx*2]
        ISACase("mov DWORD PTR ds:0x600000,0x77; mov eax,DWORD PTR [ecx+edx*2]", "c7 04 25 00 00 60 00 77 00 00 00 67 8b 04 51", setup: "rcx=0xfffffff0 rdx=0x80300008", expect: "rax=0x77", count: 2),  // Unicorn 2.0.1
        //   0: 48 a3 08 00 60 00 00 00 00 00  movabs ds:0x600008,rax
        //   a: 66 a1 0a 00 60 00 00 00 00 00  movabs ax,ds:0x60000a
        ISACase("movabs ds:0x600008,rax; movabs ax,ds:0x60000a", "48 a3 08 00 60 00 00 00 00 00 66 a1 0a 00 60 00 00 00 00 00", setup: "rax=0x1122334455667788", expect: "rax=0x1122334455665566", count: 2),  // Unicorn 2.0.1
        //   0: a1 fc ff 7f 00 00 00 00 00     movabs eax,ds:0x7ffffc
        ISACase("movabs eax,ds:0x7ffffc", "a1 fc ff 7f 00 00 00 00 00", setup: "rax=0xffffffffffffffff", expect: "rax=0x0", count: 1),  // Unicorn 2.0.1
        //   0: 64 8b 0c 25 00 00 60 00        mov ecx,DWORD PTR fs:0x600000
        ISACase("mov ecx,DWORD PTR fs:0x600000", "64 8b 0c 25 00 00 60 00", setup: "rcx=0xffffffffffffffff", expect: "rcx=0x0", count: 1),  // Unicorn 2.0.1
        //   0: 48 c7 c0 00 00 60 00           mov rax,0x600000
        //   7: 65 48 89 40 08                 mov QWORD PTR gs:[rax+0x8],rax
        //   c: 48 8b 1c 25 08 00 60 00        mov rbx,QWORD PTR ds:0x600008
        ISACase("mov rax,0x600000; mov QWORD PTR gs:[rax+0x8],rax; mov rbx,QWORD PTR ds:0x600008", "48 c7 c0 00 00 60 00 65 48 89 40 08 48 8b 1c 25 08 00 60 00", setup: "", expect: "rax=0x600000 rbx=0x600000", count: 3),  // Unicorn 2.0.1
    ]

    @Test(arguments: addressing)
    func addressingModes(_ testCase: ISACase) throws {
        try testCase.verify()
    }

    static let stack: [ISACase] = [
        //   0: 54                             push rsp
        //   1: 58                             pop rax
        ISACase("push rsp; pop rax", "54 58", setup: "", expect: "rax=0x800000", count: 2),  // Unicorn 2.0.1
        //   0: 54                             push rsp
        //   1: 48 8b 1c 24                    mov rbx,QWORD PTR [rsp]
        ISACase("push rsp; mov rbx,QWORD PTR [rsp]", "54 48 8b 1c 24", setup: "", expect: "rbx=0x800000 rsp=0x7ffff8", count: 2),  // Unicorn 2.0.1
        //   0: 68 00 01 60 00                 push 0x600100
        //   5: 5c                             pop rsp
        ISACase("push 0x600100; pop rsp", "68 00 01 60 00 5c", setup: "", expect: "rsp=0x600100", count: 2),  // Unicorn 2.0.1
        //   0: 50                             push rax
        //   1: 51                             push rcx
        //   2: 5a                             pop rdx
        //   3: 5b                             pop rbx
        ISACase("push rax; push rcx; pop rdx; pop rbx", "50 51 5a 5b", setup: "rax=1 rcx=2", expect: "rdx=0x2 rbx=0x1", count: 4),  // Unicorn 2.0.1
        //   0: 66 50                          push ax
        //   2: 48 89 e3                       mov rbx,rsp
        //   5: 66 59                          pop cx
        ISACase("push ax; mov rbx,rsp; pop cx", "66 50 48 89 e3 66 59", setup: "rax=0x1234 rcx=0xffffffffffffffff", expect: "rcx=0xffffffffffff1234 rbx=0x7ffffe", count: 3),  // Unicorn 2.0.1
        //   0: 66 68 34 12                    pushw 0x1234
        //   4: 66 5a                          pop dx
        ISACase("pushw 0x1234; pop dx", "66 68 34 12 66 5a", setup: "rdx=0xffffffffffffffff", expect: "rdx=0xffffffffffff1234", count: 2),  // Unicorn 2.0.1
        //   0: 6a fe                          push 0xfffffffffffffffe
        //   2: 41 5f                          pop r15
        ISACase("push 0xfffffffffffffffe; pop r15", "6a fe 41 5f", setup: "", expect: "r15=0xfffffffffffffffe", count: 2),  // Unicorn 2.0.1
        //   0: 48 89 04 25 00 00 60 00        mov QWORD PTR ds:0x600000,rax
        //   8: ff 34 25 00 00 60 00           push QWORD PTR ds:0x600000
        //   f: 8f 04 25 10 00 60 00           pop QWORD PTR ds:0x600010
        //  16: 48 8b 1c 25 10 00 60 00        mov rbx,QWORD PTR ds:0x600010
        ISACase("mov QWORD PTR ds:0x600000,rax; push QWORD PTR ds:0x600000; pop QWORD PTR ds:0x600010; mov rbx,QWORD PTR ds:0x600010", "48 89 04 25 00 00 60 00 ff 34 25 00 00 60 00 8f 04 25 10 00 60 00 48 8b 1c 25 10 00 60 00", setup: "rax=0xabcdef", expect: "rbx=0xabcdef", count: 4),  // Unicorn 2.0.1
        //   0: 6a 01                          push 0x1
        //   2: 6a 02                          push 0x2
        //   4: 8f 04 24                       pop QWORD PTR [rsp]
        //   7: 58                             pop rax
        ISACase("push 0x1; push 0x2; pop QWORD PTR [rsp]; pop rax", "6a 01 6a 02 8f 04 24 58", setup: "", expect: "rax=0x2", count: 4),  // Unicorn 2.0.1
        //   0: e8 09 00 00 00                 call 0xe
        //   5: 48 c7 c3 01 00 00 00           mov rbx,0x1
        //   c: eb 05                          jmp 0x13
        //   e: 48 8b 04 24                    mov rax,QWORD PTR [rsp]
        //  12: c3                             ret
        ISACase("call 0xe; mov rbx,0x1; jmp 0x13; mov rax,QWORD PTR [rsp]; ret", "e8 09 00 00 00 48 c7 c3 01 00 00 00 eb 05 48 8b 04 24 c3", setup: "", expect: "rax=0x400005 rbx=0x1", count: 5),  // Unicorn 2.0.1
        //   0: 6a 07                          push 0x7
        //   2: e8 02 00 00 00                 call 0x9
        //   7: eb 03                          jmp 0xc
        //   9: c2 08 00                       ret 0x8
        //   c: 48 89 e0                       mov rax,rsp
        ISACase("push 0x7; call 0x9; jmp 0xc; ret 0x8; mov rax,rsp", "6a 07 e8 02 00 00 00 eb 03 c2 08 00 48 89 e0", setup: "", expect: "rax=0x800000", count: 5),  // Unicorn 2.0.1
        //   0: c8 10 00 00                    enter 0x10,0x0
        //   4: 48 89 e8                       mov rax,rbp
        //   7: 48 89 e3                       mov rbx,rsp
        //   a: c9                             leave
        ISACase("enter 0x10,0x0; mov rax,rbp; mov rbx,rsp; leave", "c8 10 00 00 48 89 e8 48 89 e3 c9", setup: "rbp=0x1234", expect: "rax=0x7ffff8 rbx=0x7fffe8", count: 4),  // Unicorn 2.0.1
        //   0: c8 08 00 01                    enter 0x8,0x1
        //   4: 48 8b 44 24 08                 mov rax,QWORD PTR [rsp+0x8]
        //   9: 48 89 eb                       mov rbx,rbp
        //   c: 48 89 e1                       mov rcx,rsp
        //   f: c9                             leave
        ISACase("enter 0x8,0x1; mov rax,QWORD PTR [rsp+0x8]; mov rbx,rbp; mov rcx,rsp; leave", "c8 08 00 01 48 8b 44 24 08 48 89 eb 48 89 e1 c9", setup: "rbp=0x1234", expect: "rax=0x7ffff8 rcx=0x7fffe8 rbx=0x7ffff8", count: 5),  // Unicorn 2.0.1
        //   0: f9                             stc
        //   1: 9c                             pushf
        //   2: 58                             pop rax
        ISACase("stc; pushf; pop rax", "f9 9c 58", setup: "", expect: "rax=0x3", count: 3),  // Unicorn 2.0.1
        //   0: 68 d5 0c 00 00                 push 0xcd5
        //   5: 9d                             popf
        //   6: 9c                             pushf
        //   7: 58                             pop rax
        ISACase("push 0xcd5; popf; pushf; pop rax", "68 d5 0c 00 00 9d 9c 58", setup: "", expect: "rax=0xcd7", flags: 0xcd5, mask: Flag.status | Flag.df, count: 4),  // Unicorn 2.0.1
        //   0: 6a 00                          push 0x0
        //   2: 9d                             popf
        ISACase("push 0x0; popf", "6a 00 9d", setup: "rflags=0x8d5", expect: "", flags: 0x0, mask: Flag.status | Flag.df, count: 2),  // Unicorn 2.0.1
    ]

    @Test(arguments: stack)
    func stackOperations(_ testCase: ISACase) throws {
        try testCase.verify()
    }


    /// hand: RIP-relative data read of a constant embedded in the code; disp = 2 from the next RIP
    /// (0x400007) lands on the .quad at 0x400009; the JMP skips it to the end of the code.
    ///   0: 48 8b 05 02 00 00 00   mov rax,QWORD PTR [rip+0x2]   # 0x400009
    ///   7: eb 08                  jmp 0x400011
    ///   9: 88 77 66 55 44 33 22 11   .quad 0x1122334455667788
    @Test func ripRelativeReadsEmbeddedConstant() throws {
        let result = try ISA.run("48 8b 05 02 00 00 00 eb 08 88 77 66 55 44 33 22 11")
        #expect(result.stop == .end)
        #expect(result.stopRIP == 0x400011)
        #expect(result.instructions == 2)
        #expect(result.branches == 1)
        ISA.check(result, expect: "rax=0x1122334455667788")
    }

    /// hand: RET pops the return address and RET imm16 then adds imm16 to RSP; CALL, RET and JMP are
    /// branches, ENTER/LEAVE are not (isa-subset.md §8).
    ///   0: 6a 07                  push 0x7
    ///   2: e8 02 00 00 00         call 0x9
    ///   7: eb 03                  jmp 0xc
    ///   9: c2 08 00               ret 0x8
    ///   c: c8 10 00 00            enter 0x10,0x0
    ///  10: c9                     leave
    @Test func callRetImmediateAndEnterLeaveBranchCounts() throws {
        let result = try ISA.run("6a 07 e8 02 00 00 00 eb 03 c2 08 00 c8 10 00 00 c9", "rbp=0x1234")
        #expect(result.stop == .end)
        #expect(result.instructions == 6)
        #expect(result.branches == 3)
        ISA.check(result, expect: "rsp=0x800000 rbp=0x1234")
    }
}
