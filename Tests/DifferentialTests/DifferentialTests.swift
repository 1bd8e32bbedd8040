import Emulator
import Foundation
import Testing

@testable import DifferentialTesting

/// vpmu against Unicorn 2.0.1 on generated programs (style.md §6): registers, RIP, defined flags,
/// data and stack memory, stop, and retired instruction and branch counts (interpreter and PMU).
@Suite struct DifferentialTests {
    /// CI size; `VPMU_DIFF_COUNT` raises it (the opt-in campaign is `vpmu-difftest`, release).
    static var count: Int { Int(ProcessInfo.processInfo.environment["VPMU_DIFF_COUNT"] ?? "") ?? 2000 }

    @Test func fixedSeedBatchHasNoMismatchWithUnicorn() throws {
        let report = try DifferentialCampaign(seed: 0x5650_4D55, count: Self.count).run()
        #expect(report.programs == Self.count)
        // The batch must exercise something: faults, loops (branches) and a fair number of instructions.
        #expect(report.faults > Self.count / 20)
        #expect(report.branches > UInt64(Self.count))
        #expect(report.instructions > UInt64(Self.count * 20))
        #expect(report.mismatches == 0, "\(report.reproducers.joined(separator: "\n---\n"))")
    }

    /// The harness itself can fail: a planted register difference and a planted memory difference
    /// are both reported.
    @Test func comparisonReportsPlantedDifferences() throws {
        var generator = ProgramGenerator(seed: 1)
        let program = generator.program()
        let vpmu = try VPMUMachine()
        var mine = try vpmu.run(program, exitEvery: nil)
        let unicorn = try UnicornMachine.run(program)
        #expect(compare(mine, unicorn, program: program).isEmpty)
        mine.state.registers[3] ^= 1
        mine.state.stack[0x1234] ^= 0x80
        let fields = compare(mine, unicorn, program: program).map(\.field)
        #expect(fields == ["rbx", "stack byte at 0x701234"])
    }

    /// Encodings checked by hand against SDM Vol. 2 Ch. 2 tables (REX, ModRM, SIB, disp8/disp32).
    @Test(
        arguments: [
            // mov [r15 - 8], rax: REX.W+B 49, 89, ModRM 01 000 111 = 47, disp8 f8
            (
                Assembler.Operand.memory(.init(base: .register(15), displacement: -8)), 0, [0x89] as [UInt8], true,
                [0x49, 0x89, 0x47, 0xF8] as [UInt8]
            ),
            // mov [rsp], rcx: SIB needed for base RSP: 48 89 0c 24
            (.memory(.init(base: .register(4))), 1, [0x89], true, [0x48, 0x89, 0x0C, 0x24]),
            // mov [rbp], edx: base RBP needs mod 01 with disp8 0: 89 55 00
            (.memory(.init(base: .register(5))), 2, [0x89], false, [0x89, 0x55, 0x00]),
            // lea r8, [r15 + r14*8 + 0x1000]: REX.W R X B = 4f, 8d, ModRM 10 000 100 = 84, SIB 11 110 111 = f7, disp32
            (
                .memory(.init(base: .register(15), index: 14, scale: 8, displacement: 0x1000)), 8, [0x8D], true,
                [0x4F, 0x8D, 0x84, 0xF7, 0x00, 0x10, 0x00, 0x00]
            ),
            // mov eax, [0x600000] without base: 8b 04 25 00 00 60 00
            (
                .memory(.init(base: .none, displacement: 0x60_0000)), 0, [0x8B], false,
                [0x8B, 0x04, 0x25, 0x00, 0x00, 0x60, 0x00]
            ),
            // add r9d, esi (register form): 41 01 f1? No: 01 /r with rm = r9 → REX.B 41, ModRM 11 110 001 = f1
            (.register(9), 6, [0x01], false, [0x41, 0x01, 0xF1]),
        ] as [(Assembler.Operand, Int, [UInt8], Bool, [UInt8])])
    func assemblerEncodesModRMFormsAsTheSDMTables(
        rm: Assembler.Operand, reg: Int, opcode: [UInt8], wide: Bool, expected: [UInt8]
    ) throws {
        var assembler = Assembler(origin: 0x40_0000)
        assembler.modRM(wide: wide, opcode: opcode, reg: reg, rm: rm)
        #expect(try assembler.finish() == expected)
    }

    @Test func ripRelativeDisplacementCountsFromTheNextInstruction() throws {
        // lea rax, [rip → 0x400000] at 0x400000 is 7 bytes long: disp32 = 0x400000 − 0x400007 = −7.
        var assembler = Assembler(origin: 0x40_0000)
        assembler.modRM(wide: true, opcode: [0x8D], reg: 0, rm: .memory(.init(base: .rip(0x40_0000))))
        #expect(try assembler.finish() == [0x48, 0x8D, 0x05, 0xF9, 0xFF, 0xFF, 0xFF])
    }

    /// Unicorn 2.0.1 bug (unicorn #2332), kept as a known divergence: a 32-bit CMPXCHG that succeeds
    /// must not write the accumulator (SDM CMPXCHG: "IF accumulator = DEST THEN ZF ← 1; DEST ← SRC"),
    /// so RAX keeps its upper half; Unicorn zero-extends it. The generator avoids the case.
    @Test func succeedingThirtyTwoBitCMPXCHGLeavesRAXAloneUnlikeUnicorn() throws {
        let program = try #require(
            GeneratedProgram(items: [
                .snippet(Snippet { $0.raw([0x48, 0xB8, 0, 0, 0, 0, 0xAA, 0xAA, 0xAA, 0xAA]) }),  // mov rax, 0xaaaaaaaa00000000
                .snippet(Snippet { $0.raw([0x41, 0x0F, 0xB1, 0xD4]) }),  // cmpxchg r12d, edx: EAX = R12D = 0, it succeeds
            ]))
        let vpmu = try VPMUMachine().run(program, exitEvery: nil)
        #expect(vpmu.state.registers[0] == 0xAAAA_AAAA_0000_0000)
        #expect(vpmu.state.rflags & 0x40 != 0)  // ZF = 1
        let unicorn = try UnicornMachine.run(program)
        #expect(unicorn.registers[0] == 0, "Unicorn fixed #2332: drop the generator's mov eax, eax workaround")
    }

    /// Unicorn 2.0.1 raises #UD for POPCNT (unicorn #1880): a real mismatch buried in a generated
    /// program must shrink to the POPCNT alone.
    @Test func shrinkerReducesAKnownMismatchToOneInstruction() throws {
        var generator = ProgramGenerator(seed: 42)
        let popcnt = Item.snippet(Snippet(defines: 0x8D5) { $0.raw([0xF3, 0x49, 0x0F, 0xB8, 0xF9]) })  // popcnt rdi, r9
        let noise = generator.program().items
        let program = try #require(GeneratedProgram(items: noise + [popcnt] + noise.prefix(3)))
        let vpmu = try VPMUMachine()
        #expect(!(try DifferentialCampaign.differences(in: program, vpmu: vpmu, exitEvery: nil)).isEmpty)
        let minimal = Shrinker.shrink(program, vpmu: vpmu, exitEvery: nil)
        #expect(minimal.bytes == [0xF3, 0x49, 0x0F, 0xB8, 0xF9])
        // The reproducer: bytes with address and disassembly, Unicorn's (#UD, nothing retired) values.
        let found = try DifferentialCampaign.differences(in: minimal, vpmu: vpmu, exitEvery: nil)
        let yaml = Reproducer.yaml(
            name: "popcnt", program: minimal, mismatches: found, exitEvery: nil, emulator: vpmu.emulator)
        let lines = yaml.split(separator: "\n").map(String.init)
        #expect(lines.first == "name: \"popcnt\"")
        #expect(lines.contains { $0.hasPrefix("  f3 49 0f b8 f9") && $0.hasSuffix("# 0x400000: popcnt rdi, r9") })
        #expect(lines.contains("  stop: fault"))
        #expect(lines.contains("  instructions: 0"))
        #expect(lines.contains("  registers: {rip: \"0x400000\"}"))
        #expect(lines.last?.hasPrefix("why: ") == true)
    }

    @Test func shrinkerKeepsOnlyWhatTheMismatchNeeds() {
        // Candidates of [a, loop[b, c]]: drop a, drop the loop, flatten it, drop b or c inside.
        let nop = Item.snippet(Snippet { $0.raw([0x90]) })
        let candidates = Shrinker.candidates([nop, .loop(.decJNZ, trips: 2, body: [nop, nop])])
        #expect(candidates.count == 5)
        #expect(candidates.map(\.count) == [1, 1, 3, 2, 2])
    }
}
