import Emulator
import Testing

/// A run whose retired-instruction and branch counts are checked (isa-subset.md §8).
typealias FlowCase = ISACase

extension ISACase {
    init(
        _ name: String, _ hex: String, setup: String = "", expect: String, flags: UInt64 = 0, mask: UInt64 = 0,
        instructions: UInt64, branches: UInt64
    ) {
        self.init(name, hex, setup: setup, expect: expect, flags: flags, mask: mask, count: instructions, branches: branches)
    }
}

/// Jcc, LOOP/LOOPE/LOOPNE, JRCXZ/JECXZ, indirect JMP/CALL, and branch counting: every Jcc (taken
/// or not), LOOP*, JrCXZ, CALL, RET and JMP is one branch (isa-subset.md §4 "LOOP / JrCXZ",
/// "Near branches", §8). Counts are hand-derived from the control flow (Unicorn's hooks count
/// instructions started, not retired, so it is not used for counts).
@Suite struct ISAControlTests {
    static let conditionalJumps: [FlowCase] = [
        //   0: 48 39 c8                       cmp rax,rcx
        //   3: 7c 05                          jl 0xa
        //   5: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("cmp rax,rcx; jl 0xa; mov ebx,0x1", "48 39 c8 7c 05 bb 01 00 00 00", setup: "rax=0xffffffffffffffff rcx=1", expect: "", instructions: 2, branches: 1),
        //   0: 48 39 c8                       cmp rax,rcx
        //   3: 72 05                          jb 0xa
        //   5: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 1 branches
        FlowCase("cmp rax,rcx; jb 0xa; mov ebx,0x1", "48 39 c8 72 05 bb 01 00 00 00", setup: "rax=0xffffffffffffffff rcx=1", expect: "rbx=0x1", instructions: 3, branches: 1),
        //   0: 48 39 c8                       cmp rax,rcx
        //   3: 7f 05                          jg 0xa
        //   5: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 1 branches
        FlowCase("cmp rax,rcx; jg 0xa; mov ebx,0x1", "48 39 c8 7f 05 bb 01 00 00 00", setup: "rax=5 rcx=5", expect: "rbx=0x1", instructions: 3, branches: 1),
        //   0: 48 39 c8                       cmp rax,rcx
        //   3: 7d 05                          jge 0xa
        //   5: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("cmp rax,rcx; jge 0xa; mov ebx,0x1", "48 39 c8 7d 05 bb 01 00 00 00", setup: "rax=5 rcx=5", expect: "", instructions: 2, branches: 1),
        //   0: 39 c8                          cmp eax,ecx
        //   2: 77 05                          ja 0x9
        //   4: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("cmp eax,ecx; ja 0x9; mov ebx,0x1", "39 c8 77 05 bb 01 00 00 00", setup: "rax=0x80000000 rcx=1", expect: "", instructions: 2, branches: 1),
        //   0: 39 c8                          cmp eax,ecx
        //   2: 76 05                          jbe 0x9
        //   4: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 1 branches
        FlowCase("cmp eax,ecx; jbe 0x9; mov ebx,0x1", "39 c8 76 05 bb 01 00 00 00", setup: "rax=0x80000000 rcx=1", expect: "rbx=0x1", instructions: 3, branches: 1),
        //   0: 38 c8                          cmp al,cl
        //   2: 7e 05                          jle 0x9
        //   4: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("cmp al,cl; jle 0x9; mov ebx,0x1", "38 c8 7e 05 bb 01 00 00 00", setup: "rax=0x80 rcx=0x7f", expect: "", instructions: 2, branches: 1),
        //   0: 48 85 c0                       test rax,rax
        //   3: 74 05                          je 0xa
        //   5: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 1 branches
        FlowCase("test rax,rax; je 0xa; mov ebx,0x1", "48 85 c0 74 05 bb 01 00 00 00", setup: "rax=0x100000000", expect: "rbx=0x1", instructions: 3, branches: 1),
        //   0: 48 85 c0                       test rax,rax
        //   3: 75 05                          jne 0xa
        //   5: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("test rax,rax; jne 0xa; mov ebx,0x1", "48 85 c0 75 05 bb 01 00 00 00", setup: "rax=0x100000000", expect: "", instructions: 2, branches: 1),
        //   0: 84 c0                          test al,al
        //   2: 78 05                          js 0x9
        //   4: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("test al,al; js 0x9; mov ebx,0x1", "84 c0 78 05 bb 01 00 00 00", setup: "rax=0x80", expect: "", instructions: 2, branches: 1),
        //   0: 00 c8                          add al,cl
        //   2: 70 05                          jo 0x9
        //   4: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("add al,cl; jo 0x9; mov ebx,0x1", "00 c8 70 05 bb 01 00 00 00", setup: "rax=0x7f rcx=1", expect: "rax=0x80", instructions: 2, branches: 1),
        //   0: 00 c8                          add al,cl
        //   2: 71 05                          jno 0x9
        //   4: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 1 branches
        FlowCase("add al,cl; jno 0x9; mov ebx,0x1", "00 c8 71 05 bb 01 00 00 00", setup: "rax=0x7f rcx=1", expect: "rax=0x80 rbx=0x1", instructions: 3, branches: 1),
        //   0: 84 c0                          test al,al
        //   2: 7a 05                          jp 0x9
        //   4: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("test al,al; jp 0x9; mov ebx,0x1", "84 c0 7a 05 bb 01 00 00 00", setup: "rax=0x3", expect: "", instructions: 2, branches: 1),
        //   0: 84 c0                          test al,al
        //   2: 7b 05                          jnp 0x9
        //   4: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 1 branches
        FlowCase("test al,al; jnp 0x9; mov ebx,0x1", "84 c0 7b 05 bb 01 00 00 00", setup: "rax=0x3", expect: "rbx=0x1", instructions: 3, branches: 1),
        //   0: f9                             stc
        //   1: 73 05                          jae 0x8
        //   3: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 1 branches
        FlowCase("stc; jae 0x8; mov ebx,0x1", "f9 73 05 bb 01 00 00 00", setup: "", expect: "rbx=0x1", instructions: 3, branches: 1),
        //   0: 48 39 c8                       cmp rax,rcx
        //   3: 0f 8c 05 00 00 00              jl 0xe
        //   9: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("cmp rax,rcx; jl 0xe; mov ebx,0x1", "48 39 c8 0f 8c 05 00 00 00 bb 01 00 00 00", setup: "rax=1 rcx=2", expect: "", instructions: 2, branches: 1),
        //   0: 48 39 c8                       cmp rax,rcx
        //   3: 0f 8c 05 00 00 00              jl 0xe
        //   9: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 1 branches
        FlowCase("cmp rax,rcx; jl 0xe; mov ebx,0x1", "48 39 c8 0f 8c 05 00 00 00 bb 01 00 00 00", setup: "rax=2 rcx=1", expect: "rbx=0x1", instructions: 3, branches: 1),
        //   0: e9 05 00 00 00                 jmp 0xa
        //   5: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 1 branches
        FlowCase("jmp 0xa; mov ebx,0x1", "e9 05 00 00 00 bb 01 00 00 00", setup: "", expect: "", instructions: 1, branches: 1),
        //   0: 48 ff c0                       inc rax
        //   3: 48 83 f8 03                    cmp rax,0x3
        //   7: 75 f7                          jne 0x0
        // registers/flags: Unicorn 2.0.1; counts hand: 9 retired, 3 branches
        FlowCase("inc rax; cmp rax,0x3; jne 0x0", "48 ff c0 48 83 f8 03 75 f7", setup: "", expect: "rax=0x3", instructions: 9, branches: 3),
    ]

    @Test(arguments: conditionalJumps)
    func conditionalJumpsTakenAndNotTaken(_ testCase: FlowCase) throws {
        try testCase.verify()
    }

    static let loopsAndIndirect: [FlowCase] = [
        //   0: 48 ff c0                       inc rax
        //   3: e2 fb                          loop 0x0
        // registers/flags: Unicorn 2.0.1; counts hand: 10 retired, 5 branches
        FlowCase("inc rax; loop 0x0", "48 ff c0 e2 fb", setup: "rcx=5", expect: "rax=0x5 rcx=0x0", instructions: 10, branches: 5),
        //   0: 48 ff c0                       inc rax
        //   3: e2 fb                          loop 0x0
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("inc rax; loop 0x0", "48 ff c0 e2 fb", setup: "rcx=1", expect: "rax=0x1 rcx=0x0", instructions: 2, branches: 1),
        //   0: 48 ff c3                       inc rbx
        //   3: 48 83 f8 00                    cmp rax,0x0
        //   7: e1 f7                          loope 0x0
        // registers/flags: Unicorn 2.0.1; counts hand: 9 retired, 3 branches
        FlowCase("inc rbx; cmp rax,0x0; loope 0x0", "48 ff c3 48 83 f8 00 e1 f7", setup: "rcx=3", expect: "rcx=0x0 rbx=0x3", instructions: 9, branches: 3),
        //   0: 48 ff c0                       inc rax
        //   3: 48 83 f8 02                    cmp rax,0x2
        //   7: e1 f7                          loope 0x0
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 1 branches
        FlowCase("inc rax; cmp rax,0x2; loope 0x0", "48 ff c0 48 83 f8 02 e1 f7", setup: "rcx=10", expect: "rax=0x1 rcx=0x9", instructions: 3, branches: 1),
        //   0: 48 ff c0                       inc rax
        //   3: 48 83 f8 03                    cmp rax,0x3
        //   7: e0 f7                          loopne 0x0
        // registers/flags: Unicorn 2.0.1; counts hand: 9 retired, 3 branches
        FlowCase("inc rax; cmp rax,0x3; loopne 0x0", "48 ff c0 48 83 f8 03 e0 f7", setup: "rcx=10", expect: "rax=0x3 rcx=0x7", instructions: 9, branches: 3),
        //   0: 48 ff c0                       inc rax
        //   3: 67 e2 fa                       addr32 loop 0x0
        // registers/flags hand: 0x67 LOOP decrements ECX (2 → 1 → 0) and zero-extends RCX (isa-subset.md §4); counts hand: 4 retired, 2 branches
        FlowCase("inc rax; addr32 loop 0x0", "48 ff c0 67 e2 fa", setup: "rcx=0x100000002", expect: "rax=0x2 rcx=0x0", instructions: 4, branches: 2),
        //   0: 48 ff c0                       inc rax
        //   3: 67 e2 fa                       addr32 loop 0x0
        // registers/flags hand: 0x67 LOOP: ECX 1 → 0, not taken, RCX[63:32] cleared; counts hand: 2 retired, 1 branches
        FlowCase("inc rax; addr32 loop 0x0", "48 ff c0 67 e2 fa", setup: "rcx=0xffffffff00000001", expect: "rax=0x1 rcx=0x0", instructions: 2, branches: 1),
        //   0: e3 05                          jrcxz 0x7
        //   2: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("jrcxz 0x7; mov ebx,0x1", "e3 05 bb 01 00 00 00", setup: "rcx=0x100000000", expect: "rbx=0x1", instructions: 2, branches: 1),
        //   0: 67 e3 05                       jecxz 0x8
        //   3: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags hand: JECXZ tests ECX = 0, not RCX; counts hand: 1 retired, 1 branches
        FlowCase("jecxz 0x8; mov ebx,0x1", "67 e3 05 bb 01 00 00 00", setup: "rcx=0x100000000", expect: "", instructions: 1, branches: 1),
        //   0: 67 e3 05                       jecxz 0x8
        //   3: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("jecxz 0x8; mov ebx,0x1", "67 e3 05 bb 01 00 00 00", setup: "rcx=1", expect: "rbx=0x1", instructions: 2, branches: 1),
        //   0: e3 05                          jrcxz 0x7
        //   2: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 1 branches
        FlowCase("jrcxz 0x7; mov ebx,0x1", "e3 05 bb 01 00 00 00", setup: "rcx=0", expect: "", instructions: 1, branches: 1),
        //   0: 48 8d 05 07 00 00 00           lea rax,[rip+0x7] # 0xe
        //   7: ff e0                          jmp rax
        //   9: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("lea rax,[rip+0x7] # 0xe; jmp rax; mov ebx,0x1", "48 8d 05 07 00 00 00 ff e0 bb 01 00 00 00", setup: "", expect: "rax=0x40000e", instructions: 2, branches: 1),
        //   0: 48 8d 05 14 00 00 00           lea rax,[rip+0x14] # 0x1b
        //   7: 48 89 04 25 00 00 60 00        mov QWORD PTR ds:0x600000,rax
        //   f: ff 24 25 00 00 60 00           jmp QWORD PTR ds:0x600000
        //  16: bb 01 00 00 00                 mov ebx,0x1
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 1 branches
        FlowCase("lea rax,[rip+0x14] # 0x1b; mov QWORD PTR ds:0x600000,rax; jmp QWORD PTR ds:0x600000; mov ebx,0x1", "48 8d 05 14 00 00 00 48 89 04 25 00 00 60 00 ff 24 25 00 00 60 00 bb 01 00 00 00", setup: "", expect: "rax=0x40001b", instructions: 3, branches: 1),
        //   0: 48 8d 05 04 00 00 00           lea rax,[rip+0x4] # 0xb
        //   7: ff d0                          call rax
        //   9: eb 06                          jmp 0x11
        //   b: bb 01 00 00 00                 mov ebx,0x1
        //  10: c3                             ret
        // registers/flags: Unicorn 2.0.1; counts hand: 5 retired, 3 branches
        FlowCase("lea rax,[rip+0x4] # 0xb; call rax; jmp 0x11; mov ebx,0x1; ret", "48 8d 05 04 00 00 00 ff d0 eb 06 bb 01 00 00 00 c3", setup: "", expect: "rax=0x40000b rbx=0x1", instructions: 5, branches: 3),
        //   0: 48 8d 05 11 00 00 00           lea rax,[rip+0x11] # 0x18
        //   7: 48 89 04 25 00 00 60 00        mov QWORD PTR ds:0x600000,rax
        //   f: ff 14 25 00 00 60 00           call QWORD PTR ds:0x600000
        //  16: eb 03                          jmp 0x1b
        //  18: ff c3                          inc ebx
        //  1a: c3                             ret
        // registers/flags: Unicorn 2.0.1; counts hand: 6 retired, 3 branches
        FlowCase("lea rax,[rip+0x11] # 0x18; mov QWORD PTR ds:0x600000,rax; call QWORD PTR ds:0x600000; jmp 0x1b; inc ebx; ret", "48 8d 05 11 00 00 00 48 89 04 25 00 00 60 00 ff 14 25 00 00 60 00 eb 03 ff c3 c3", setup: "", expect: "rax=0x400018 rbx=0x1", instructions: 6, branches: 3),
        //   0: e8 02 00 00 00                 call 0x7
        //   5: eb 02                          jmp 0x9
        //   7: f3 c3                          repz ret
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 3 branches
        FlowCase("call 0x7; jmp 0x9; repz ret", "e8 02 00 00 00 eb 02 f3 c3", setup: "", expect: "", instructions: 3, branches: 3),
        //   0: eb 05                          jmp 0x7
        //   2: bb 01 00 00 00                 mov ebx,0x1
        //   7: 90                             nop
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 1 branches
        FlowCase("jmp 0x7; mov ebx,0x1; nop", "eb 05 bb 01 00 00 00 90", setup: "", expect: "", instructions: 2, branches: 1),
    ]

    @Test(arguments: loopsAndIndirect)
    func loopsJrcxzAndIndirectBranches(_ testCase: FlowCase) throws {
        try testCase.verify()
    }


    /// The reference loop with RCX = 1,000,000: 4 instructions and 1 branch per iteration.
    /// Registers: Unicorn 2.0.1 and a Python re-computation agree (RAX = Σ1..10^6 = 500000500000);
    /// counts hand. Defined flags after the final `dec rcx` (result 0): ZF=1, SF=0, PF=1, OF=0, AF=0.
    ///   0: 48 01 c8   add rax,rcx
    ///   3: 48 31 c2   xor rdx,rax
    ///   6: 48 ff c9   dec rcx
    ///   9: 75 f5      jne 0x0
    @Test func referenceLoopOneMillionIterations() throws {
        let result = try ISA.run("4801c84831c248ffc975f5", "rcx=1000000")
        #expect(result.stop == .end)
        #expect(result.stopRIP == 0x40000b)
        #expect(result.instructions == 4_000_000)
        #expect(result.branches == 1_000_000)
        ISA.check(result, expect: "rax=0x746a5a2920 rcx=0 rdx=0x579c07d200", flags: 0x44, mask: Flag.status - Flag.cf)
    }

    /// hand: `maxInstructions` stops after exactly N retirements, even inside a block
    /// (isa-subset.md §10); the same loop stopped after 7 = one full iteration + 3: RAX = 10^6 + 999999, RDX = 10^6 XOR RAX, RCX = 999998.
    @Test func instructionLimitStopsInsideABlock() throws {
        let result = try ISA.run("4801c84831c248ffc975f5", "rcx=1000000", maxInstructions: 7)
        #expect(result.stop == .limit)
        #expect(result.instructions == 7)
        #expect(result.branches == 1)
        #expect(result.stopRIP == 0x400009)
        ISA.check(result, expect: "rax=0x1e847f rcx=999998 rdx=0x11c63f")
    }

    /// hand: the 0x66 prefix on a near JMP is ignored (Intel behaviour, isa-subset.md §4), so the
    /// branch still lands on the full 64-bit target 0x400008 (the end of the code).
    ///   0: 66 eb 05         data16 jmp 0x8
    ///   3: bb 01 00 00 00   mov ebx,0x1
    @Test func operandSizePrefixOnJumpIsIgnored() throws {
        let result = try ISA.run("66 eb 05 bb 01 00 00 00")
        #expect(result.stop == .end)
        #expect(result.instructions == 1)
        #expect(result.branches == 1)
        ISA.check(result, expect: "")
    }
}
