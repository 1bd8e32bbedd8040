import Emulator
import Testing

/// Self-modifying code (isa-subset.md §2): a guest store to a code page invalidates the cached
/// records; a store into the block being executed takes effect from the next instruction; the
/// storing instruction is neither re-executed nor re-counted. All expectations are hand-derived by
/// tracing the code (Unicorn is not used: its translation cache has known SMC issues, §10).
@Suite struct SelfModifyingCodeTests {
    /// The store patches the immediate of the very next instruction in the same block.
    ///   0: c6 05 01 00 00 00 2a   mov BYTE PTR [rip+0x1],0x2a   # 0x400008 = imm8 of the next mov
    ///   7: b8 01 00 00 00         mov eax,0x1
    @Test func storePatchesNextInstructionInSameBlock() throws {
        let result = try ISA.run("c6 05 01 00 00 00 2a b8 01 00 00 00")
        #expect(result.stop == .end)
        #expect(result.instructions == 2)
        ISA.check(result, expect: "rax=0x2a")
    }

    /// Register stores and PUSH (fast forms, which report a code write themselves) patch the next
    /// instruction of their block: a 32-bit store rewrites `mov ebx, 1`'s imm32 to 0x2a, then a
    /// PUSH with RSP pointing into the code rewrites part of `mov ecx, 0`'s imm32.
    ///   0: b8 2a 00 00 00         mov eax,0x2a
    ///   5: 89 05 01 00 00 00      mov DWORD PTR [rip+0x1],eax   # 0x40000c = imm32 of the next mov
    ///   b: bb 01 00 00 00         mov ebx,0x1                    → mov ebx,0x2a
    ///  10: ba 07 00 00 00         mov edx,0x7
    ///  15: 48 8d 25 0b 00 00 00   lea rsp,[rip+0xb]              # 0x400027
    ///  1c: 52                     push rdx                       # 8 bytes at 0x40001f…0x400026
    ///  1d: b9 00 00 00 00         mov ecx,0x0   (bytes 0x40001d…0x400021: imm32 at 0x40001e)
    /// The push writes RDX = 7 to 0x40001f–0x400026 (RSP 0x400027 − 8), so the imm32 at
    /// 0x40001e…0x400021 reads 00 07 00 00 = 0x700. 7 instructions, RSP = 0x40001f.
    @Test func registerStoreAndPushPatchTheNextInstruction() throws {
        let result = try ISA.run(
            "b8 2a 00 00 00 89 05 01 00 00 00 bb 01 00 00 00 ba 07 00 00 00 48 8d 25 0b 00 00 00 52 b9 00 00 00 00")
        #expect(result.stop == .end)
        #expect(result.instructions == 7)
        ISA.check(result, expect: "rax=0x2a rbx=0x2a rcx=0x700 rdx=0x7 rsp=0x40001f")
    }

    /// A loop body that already ran (and is cached) patches its own `mov ebx, imm`: the first pass
    /// adds 0x11, the second 0x22 ⇒ RAX = 0x33. 1 + 2×5 instructions, 2 branches.
    ///   0: b9 02 00 00 00         mov ecx,0x2
    ///   5: bb 11 00 00 00         mov ebx,0x11
    ///   a: 48 01 d8               add rax,rbx
    ///   d: c6 05 f2 ff ff ff 22   mov BYTE PTR [rip-0xe],0x22   # 0x400006 = imm8 of mov ebx
    ///  14: ff c9                  dec ecx
    ///  16: 75 ed                  jne 0x5
    @Test func loopPatchesImmediateItAlreadyExecuted() throws {
        let result = try ISA.run("b9 02 00 00 00 bb 11 00 00 00 48 01 d8 c6 05 f2 ff ff ff 22 ff c9 75 ed")
        #expect(result.stop == .end)
        #expect(result.instructions == 11)
        #expect(result.branches == 2)
        ISA.check(result, expect: "rax=0x33 rbx=0x22 rcx=0")
    }

    /// The loop turns its own `inc rax` (48 ff c0) into `dec rax` (48 ff c8) after the first pass:
    /// +1 −1 −1 ⇒ RAX = −1. 1 + 3×4 instructions, 3 branches.
    ///   0: b9 03 00 00 00         mov ecx,0x3
    ///   5: 48 ff c0               inc rax
    ///   8: c6 05 f8 ff ff ff c8   mov BYTE PTR [rip-0x8],0xc8   # 0x400007 = ModRM of inc rax
    ///   f: ff c9                  dec ecx
    ///  11: 75 f2                  jne 0x5
    @Test func loopRewritesOpcodeOfCachedInstruction() throws {
        let result = try ISA.run("b9 03 00 00 00 48 ff c0 c6 05 f8 ff ff ff c8 ff c9 75 f2")
        #expect(result.stop == .end)
        #expect(result.instructions == 13)
        #expect(result.branches == 3)
        ISA.check(result, expect: "rax=0xffffffffffffffff rcx=0")
    }

    /// REP STOSB overwrites the following `mov ebx, 1` with five NOPs, which then run:
    /// 4 + 5 instructions, RBX stays 0.
    ///   0: 48 8d 3d 09 00 00 00   lea rdi,[rip+0x9]   # 0x400010
    ///   7: b9 05 00 00 00         mov ecx,0x5
    ///   c: b0 90                  mov al,0x90
    ///   e: f3 aa                  rep stos BYTE PTR es:[rdi],al
    ///  10: bb 01 00 00 00         mov ebx,0x1
    @Test func repStoreOverwritesFollowingCode() throws {
        let result = try ISA.run("48 8d 3d 09 00 00 00 b9 05 00 00 00 b0 90 f3 aa bb 01 00 00 00")
        #expect(result.stop == .end)
        #expect(result.instructions == 9)
        #expect(result.branches == 0)
        ISA.check(result, expect: "rax=0x90 rcx=0 rdi=0x400015")
    }

    /// A called function (a separate cached block) is patched between two calls: RBX = 1 + 7.
    /// 10 instructions; branches: call, ret, call, ret, jmp = 5.
    ///   0: e8 0e 00 00 00         call 0x13
    ///   5: c6 05 08 00 00 00 07   mov BYTE PTR [rip+0x8],0x7   # 0x400014 = imm8 of mov eax
    ///   c: e8 02 00 00 00         call 0x13
    ///  11: eb 09                  jmp 0x1c
    ///  13: b8 01 00 00 00         mov eax,0x1
    ///  18: 48 01 c3               add rbx,rax
    ///  1b: c3                     ret
    @Test func patchedFunctionBetweenCalls() throws {
        let result = try ISA.run("e8 0e 00 00 00 c6 05 08 00 00 00 07 e8 02 00 00 00 eb 09 b8 01 00 00 00 48 01 c3 c3")
        #expect(result.stop == .end)
        #expect(result.instructions == 10)
        #expect(result.branches == 5)
        ISA.check(result, expect: "rax=7 rbx=8")
    }

    /// An instruction that overwrites its own first byte is not re-executed or re-counted.
    ///   0: c6 05 f9 ff ff ff 90   mov BYTE PTR [rip-0x7],0x90   # 0x400000 = itself
    ///   7: 48 ff c0               inc rax
    @Test func storeOverwritingItselfIsNotReexecuted() throws {
        let result = try ISA.run("c6 05 f9 ff ff ff 90 48 ff c0")
        #expect(result.stop == .end)
        #expect(result.instructions == 2)
        ISA.check(result, expect: "rax=1")
    }
}
