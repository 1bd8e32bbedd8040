import Emulator
import Testing

/// Guest exceptions that end the run (isa-subset.md §1, §4, §6, §9): a faulting instruction does not
/// retire and stops with RIP at it; trap-class INT3/INT n retire first; a branch to an unmapped
/// target retires and the fetch faults. All expectations are hand-derived from the SDM and
/// isa-subset.md (error code bits: P=1 W=2 U=4 I=0x10; CR2 = first faulting byte). With no IDT
/// loaded every exception stops the run.
struct FaultCase: Sendable, CustomTestStringConvertible {
    var name: String
    var hex: String
    var setup: String = ""
    var userMode = false
    var exception: String
    var vector: Int
    var errorCode: UInt64? = nil
    var cr2: UInt64? = nil
    var rip: UInt64 = 0x400000
    var instructions: UInt64 = 0
    var branches: UInt64 = 0
    /// Registers changed by the instructions that retired before the fault.
    var expect = ""

    var testDescription: String { "\(name)\(userMode ? " (CPL 3)" : "") [\(setup)]" }
}

@Suite struct ISAFaultTests {
    static let faults: [FaultCase] = [
        //   0: 0f 0b   ud2
        FaultCase(name: "ud2", hex: "0f 0b", exception: "#UD", vector: 6),
        //   0: 48 ff c0   inc rax
        //   3: 0f 0b      ud2
        FaultCase(name: "inc rax; ud2", hex: "48 ff c0 0f 0b", exception: "#UD", vector: 6, rip: 0x400003,
                  instructions: 1, expect: "rax=1"),
        // LOCK is only legal with a memory destination (isa-subset.md §4).
        //   0: f0 48 01 c8   lock add rax,rcx
        FaultCase(name: "lock add rax,rcx", hex: "f0 48 01 c8", setup: "rax=1 rcx=2", exception: "#UD", vector: 6),
        // LOCK MOV is never legal.
        //   0: f0 48 89 04 25 00 00 60 00   lock mov QWORD PTR ds:0x600000,rax
        FaultCase(name: "lock mov [0x600000],rax", hex: "f0 48 89 04 25 00 00 60 00", exception: "#UD", vector: 6),
        // 06 (PUSH ES) is invalid in 64-bit mode.
        //   0: 06   (bad)
        FaultCase(name: "06", hex: "06", exception: "#UD", vector: 6),
        //   0: 48 8b 04 25 00 00 50 00   mov rax,QWORD PTR ds:0x500000
        FaultCase(name: "mov rax,[0x500000]", hex: "48 8b 04 25 00 00 50 00", exception: "#PF", vector: 14,
                  errorCode: 0, cr2: 0x500000),
        //   0: 48 89 04 25 00 00 50 00   mov QWORD PTR ds:0x500000,rax
        FaultCase(name: "mov [0x500000],rax", hex: "48 89 04 25 00 00 50 00", exception: "#PF", vector: 14,
                  errorCode: 2, cr2: 0x500000),
        FaultCase(name: "mov rax,[0x500000]", hex: "48 8b 04 25 00 00 50 00", userMode: true, exception: "#PF",
                  vector: 14, errorCode: 4, cr2: 0x500000),
        FaultCase(name: "mov [0x500000],rax", hex: "48 89 04 25 00 00 50 00", userMode: true, exception: "#PF",
                  vector: 14, errorCode: 6, cr2: 0x500000),
        // An access crossing into an unmapped byte faults as a whole; CR2 = first unmapped byte.
        //   0: 48 8b 04 25 fc ff 7f 00   mov rax,QWORD PTR ds:0x7ffffc
        FaultCase(name: "mov rax,[0x7ffffc]", hex: "48 8b 04 25 fc ff 7f 00", exception: "#PF", vector: 14,
                  errorCode: 0, cr2: 0x800000),
        //   0: 48 89 04 25 fc ff 7f 00   mov QWORD PTR ds:0x7ffffc,rax
        FaultCase(name: "mov [0x7ffffc],rax", hex: "48 89 04 25 fc ff 7f 00", exception: "#PF", vector: 14,
                  errorCode: 2, cr2: 0x800000),
        // Non-canonical: #GP(0), or #SS(0) through RSP/RBP.
        //   0: 48 8b 01   mov rax,QWORD PTR [rcx]
        FaultCase(name: "mov rax,[rcx]", hex: "48 8b 01", setup: "rcx=0x800000000000", exception: "#GP", vector: 13,
                  errorCode: 0),
        FaultCase(name: "mov rax,[rcx]", hex: "48 8b 01", setup: "rcx=0xffff7fffffffffff", exception: "#GP",
                  vector: 13, errorCode: 0),
        //   0: 48 8b 04 24   mov rax,QWORD PTR [rsp]
        FaultCase(name: "mov rax,[rsp]", hex: "48 8b 04 24", setup: "rsp=0x8000000000000000", exception: "#SS",
                  vector: 12, errorCode: 0),
        //   0: 48 8b 45 08   mov rax,QWORD PTR [rbp+0x8]
        FaultCase(name: "mov rax,[rbp+8]", hex: "48 8b 45 08", setup: "rbp=0x7ffffffffff8", exception: "#SS",
                  vector: 12, errorCode: 0),
        // A faulting PUSH/POP leaves RSP unchanged.
        //   0: 50   push rax
        FaultCase(name: "push rax", hex: "50", setup: "rsp=0x500000", exception: "#PF", vector: 14, errorCode: 2,
                  cr2: 0x4ffff8),
        FaultCase(name: "push rax", hex: "50", setup: "rsp=0x8000000000000008", exception: "#SS", vector: 12,
                  errorCode: 0),
        //   0: 58   pop rax
        FaultCase(name: "pop rax", hex: "58", setup: "rax=7 rsp=0x500000", exception: "#PF", vector: 14,
                  errorCode: 0, cr2: 0x500000),
        // Branch to an unmapped target: the JMP retires (1 branch), the fetch at the target faults
        // with I (bit 4) set; RIP = the target.
        //   0: b8 00 00 50 00   mov eax,0x500000
        //   5: ff e0            jmp rax
        FaultCase(name: "mov eax,0x500000; jmp rax", hex: "b8 00 00 50 00 ff e0", exception: "#PF", vector: 14,
                  errorCode: 0x10, cr2: 0x500000, rip: 0x500000, instructions: 2, branches: 1, expect: "rax=0x500000"),
        FaultCase(name: "mov eax,0x500000; jmp rax", hex: "b8 00 00 50 00 ff e0", userMode: true, exception: "#PF",
                  vector: 14, errorCode: 0x14, cr2: 0x500000, rip: 0x500000, instructions: 2, branches: 1,
                  expect: "rax=0x500000"),
        // Fetch from the mapped but non-executable data region: P | I.
        //   0: b8 00 00 60 00   mov eax,0x600000
        //   5: ff e0            jmp rax
        FaultCase(name: "mov eax,0x600000; jmp rax", hex: "b8 00 00 60 00 ff e0", exception: "#PF", vector: 14,
                  errorCode: 0x11, cr2: 0x600000, rip: 0x600000, instructions: 2, branches: 1, expect: "rax=0x600000"),
        // RET to an unmapped address: the RET retires and pops; the fetch faults.
        //   0: 68 00 00 50 00   push 0x500000
        //   5: c3               ret
        FaultCase(name: "push 0x500000; ret", hex: "68 00 00 50 00 c3", exception: "#PF", vector: 14,
                  errorCode: 0x10, cr2: 0x500000, rip: 0x500000, instructions: 2, branches: 1),
        // A non-canonical branch target #GPs on the branch itself (not retired, RIP at the JMP).
        //   0: 48 b8 00 00 00 00 00 80 00 00   movabs rax,0x800000000000
        //   a: ff e0                           jmp rax
        FaultCase(name: "movabs rax,0x800000000000; jmp rax", hex: "48 b8 00 00 00 00 00 80 00 00 ff e0",
                  exception: "#GP", vector: 13, errorCode: 0, rip: 0x40000a, instructions: 1,
                  expect: "rax=0x800000000000"),
        // INT3 and INT n are traps: retired (and counted as branches), RIP after them.
        //   0: cc   int3
        FaultCase(name: "int3", hex: "cc", exception: "#BP", vector: 3, rip: 0x400001, instructions: 1, branches: 1),
        //   0: cd 80   int 0x80
        FaultCase(name: "int 0x80", hex: "cd 80", exception: "INT 128", vector: 128, rip: 0x400002, instructions: 1,
                  branches: 1),
        // Privileged instructions at CPL 3: #GP(0), not retired.
        //   0: f4   hlt
        FaultCase(name: "hlt", hex: "f4", userMode: true, exception: "#GP", vector: 13, errorCode: 0),
        //   0: fa   cli
        FaultCase(name: "cli", hex: "fa", userMode: true, exception: "#GP", vector: 13, errorCode: 0),
        //   0: fb   sti
        FaultCase(name: "sti", hex: "fb", userMode: true, exception: "#GP", vector: 13, errorCode: 0),
        //   0: 0f 32   rdmsr
        FaultCase(name: "rdmsr", hex: "0f 32", setup: "rcx=0x10", userMode: true, exception: "#GP", vector: 13,
                  errorCode: 0),
        // A fault in iteration k of a REP string op keeps the k completed elements' register updates
        // and leaves RIP at the (unretired) instruction: 2 bytes copied, the third read hits 0x800000.
        //   0: f3 a4   rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]
        FaultCase(name: "rep movsb", hex: "f3 a4", setup: "rcx=4 rsi=0x7ffffe rdi=0x600000", exception: "#PF",
                  vector: 14, errorCode: 0, cr2: 0x800000, expect: "rcx=2 rsi=0x800000 rdi=0x600002"),
    ]

    @Test(arguments: faults)
    func exceptionStopsTheRun(_ testCase: FaultCase) throws {
        let result = try ISA.run(testCase.hex, testCase.setup, userMode: testCase.userMode)
        #expect(result.stop == .fault)
        #expect(result.fault?.exception == testCase.exception)
        #expect(result.fault?.vector == testCase.vector)
        #expect(result.fault?.errorCode == testCase.errorCode)
        if let cr2 = testCase.cr2 { #expect(result.fault?.cr2 == cr2) }
        #expect(result.stopRIP == testCase.rip)
        #expect(result.instructions == testCase.instructions)
        #expect(result.branches == testCase.branches)
        ISA.check(result, expect: testCase.expect)
    }

    /// hand: HLT retires and stops the run with reason `hlt`, RIP after it; nothing after it runs.
    ///   0: 90         nop
    ///   1: f4         hlt
    ///   2: 48 ff c0   inc rax
    @Test func haltRetiresAndStops() throws {
        let result = try ISA.run("90 f4 48 ff c0")
        #expect(result.stop == .hlt)
        #expect(result.fault == nil)
        #expect(result.stopRIP == 0x400002)
        #expect(result.instructions == 2)
        #expect(result.branches == 0)
        ISA.check(result, expect: "")
    }

    /// hand: an instruction outside the subset throws only when execution reaches it (isa-subset.md §2).
    ///   0: 48 ff c0   inc rax
    ///   3: 0f c7 f0   rdrand eax
    @Test func unsupportedInstructionThrowsWhenReached() throws {
        #expect(throws: InputError.unsupportedInstruction(mnemonic: "rdrand", address: 0x400003)) {
            try ISA.run("48 ff c0 0f c7 f0")
        }
    }

    /// hand: the same instruction jumped over never matters.
    ///   0: eb 03      jmp 0x5
    ///   2: 0f c7 f0   rdrand eax
    @Test func unsupportedInstructionNotReachedIsFine() throws {
        let result = try ISA.run("eb 03 0f c7 f0")
        #expect(result.stop == .end)
        #expect(result.instructions == 1)
        #expect(result.branches == 1)
    }
}
