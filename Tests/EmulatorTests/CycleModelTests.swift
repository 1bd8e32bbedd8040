import Emulator
import Testing
import VirtualPMU

/// The hardware side of cycles counters (cycle-model.md §2–§4, checklist 12, 50, 51, 57), end to end.
/// Every expected value is a hand sum of the default table's rows.
@Suite struct CycleModelTests {
    typealias Options = GuestProgram.Options
    static let s1 = "90 90 90 90 90 90 90 90 90 90"  // 10 × nop
    static let s2 = "b9 0a 00 00 00 e2 fe"  // mov ecx, 10; loop self
    static let s5 = "b9 64 00 00 00 be 00 00 60 00 bf 00 01 60 00 f3 a4"  // 3 × mov; rep movsb (100)

    func run(_ hex: String, _ options: Options = Options()) throws -> RunResult {
        try GuestProgram.run(hex: hex, options)
    }

    func value(_ result: RunResult, _ name: String) -> UInt64? { GuestProgram.counter(result, name)?.value }

    @Test func runTotalsAreHandSums() throws {
        // S1: 10 × alu 1 = 10; R = floor(10 · 2000 / 3000) = 6.
        let s1 = try run(Self.s1)
        #expect(s1.hardware.cycles == 10)
        #expect(s1.hardware.refCycles == 6)
        // S2: mov 1 + 9 taken LOOPs × (branch 1 + taken 1) + the last LOOP 1 = 20; R = 13.
        let s2 = try run(Self.s2)
        #expect(s2.hardware.cycles == 20)
        #expect(s2.hardware.refCycles == 13)
        // S5: 3 × mov 1 + rep movsb (string 2 + 100 × string_iter 1) = 105.
        #expect(try run(Self.s5).hardware.cycles == 105)
        // S4 enter 0,0 (alu 1 + store 1) + leave (alu 1 + load 4) = 7.
        #expect(try run("c8 00 00 00 c9").hardware.cycles == 7)
    }

    @Test func fixedAndGeneralCountersSeeTheSameClock() throws {
        // fixed1 = cycles, fixed2 = ref-cycles, gp0 = 0x3C:0x00, gp1 = 0x3C:0x01 (Intel, §3.1).
        let result = try run(
            Self.s2,
            Options(pmcs: ["fixed1=cycles", "fixed2=ref-cycles", "gp0=cycles", "gp1=ref-cycles"]))
        #expect(value(result, "fixed1") == 20)
        #expect(value(result, "fixed2") == 13)
        #expect(value(result, "gp0") == 20)
        #expect(value(result, "gp1") == 13)
        // AMD: 0x76:0x00 counts core cycles.
        let amd = try run(Self.s2, Options(vendor: .amd, pmcs: ["gp0=cycles"]))
        #expect(value(amd, "gp0") == 20)
    }

    @Test func cycleModelNoneLeavesCyclesCountersAlone() throws {
        // Checklist 12: no hardware side ⇒ fixed1/fixed2 stay 0 and the totals are 0.
        var options = Options(pmcs: ["fixed1=cycles", "fixed2=ref-cycles"])
        options.hardware.cycleTable = nil
        let result = try run(Self.s1, options)
        #expect(value(result, "fixed1") == 0)
        #expect(value(result, "fixed2") == 0)
        #expect(result.hardware.cycles == 0)
        #expect(result.hardware.refCycles == 0)
    }

    @Test func cycleSideFollowsLiveEnables() throws {
        // Checklist 50: 5 NOPs (5), the WRMSR that disables gp0 is counted (100), 5 NOPs after are not.
        let result = try run(
            "90 90 90 90 90 0f 30 90 90 90 90 90", Options(pmcs: ["gp0=cycles"], registers: ["rcx=0x186"]))
        #expect(value(result, "gp0") == 105)
        // The WRMSR that enables a cycles counter is not counted by it: gp0 := EN|OS|USR|0x3C, then
        // 5 NOPs: 5 (the enabling WRMSR's 100 is charged with the configuration at its start).
        let enable = try run(
            "0f 30 90 90 90 90 90", Options(registers: ["rcx=0x186", "rax=0x43003c"]))
        #expect(value(enable, "gp0") == 5)
    }

    @Test func readsExcludeTheirOwnCost() throws {
        // Checklist 57: xor ecx,ecx (1); RDPMC reads 1 then costs 25; the second reads 26; final 51.
        let result = try run("31 c9 0f 33 0f 33", Options(pmcs: ["gp0=cycles"]))
        #expect(GuestProgram.register(result, "rax") == 26)
        #expect(value(result, "gp0") == 51)
    }

    @Test func cycleWrapIsReportedOnceAndDeliveredAtTheNextStep() throws {
        // Checklist 51: start 2^48 − 5 wraps at the 5th NOP; status 0x1, one overflow, one PMI accepted
        // at the final step (step 1), recorded but not vectored; gp0 ends at 5. The step's fold must
        // not report the wrap again.
        let result = try run(Self.s1, Options(pmcs: ["gp0=cycles,start=0xFFFFFFFFFFFB,int"]))
        #expect(value(result, "gp0") == 5)
        #expect(GuestProgram.counter(result, "gp0")?.overflows == 1)
        #expect(GuestProgram.counter(result, "gp0")?.wraps == 1)
        #expect(result.globalStatus == 0x1)
        #expect(result.pmis.map(\.step) == [1])
        #expect(result.pmis.map(\.vectored) == [false])
    }

    @Test func hwPMIExitEndsTheBatchAtTheWrappingInstruction() throws {
        // With --hw-pmi-exit the batch ends right after the 5th NOP: the PMI is accepted at step 1
        // after 5 instructions, RIP 0x400005; a second batch runs the other 5: 2 exits.
        var options = Options(pmcs: ["gp0=cycles,start=0xFFFFFFFFFFFB,int"])
        options.hardware.hwPMIExit = true
        let result = try run(Self.s1, options)
        #expect(result.exits == 2)
        #expect(result.pmis.map(\.afterInstructions) == [5])
        #expect(result.pmis.map(\.rip) == [0x40_0005])
        // ref-cycles at 2^48 − 6 needs 6 reference cycles: R(C) first reaches 6 at C = 9 (9·2/3).
        var refOptions = Options(pmcs: ["gp1=ref-cycles,start=0xFFFFFFFFFFFA,int"])
        refOptions.hardware.hwPMIExit = true
        let ref = try run(Self.s1, refOptions)
        #expect(ref.pmis.map(\.afterInstructions) == [9])
        #expect(value(ref, "gp1") == 0)  // R(10) − R(9) = 6 − 6 = 0 after the wrap at 2^48
    }

    @Test func stringElementsCountTowardTheWrapOfTheirInstruction() throws {
        // S5 then a NOP: 3 × mov (3) + rep movsb (2 + 100) + nop. gp0 at 2^48 − 10 wraps inside the
        // REP MOVSB (3 + 102 ≥ 10), so with --hw-pmi-exit the PMI step comes after 4 instructions, not 5.
        var options = Options(pmcs: ["gp0=cycles,start=0xFFFFFFFFFFF6,int"])
        options.hardware.hwPMIExit = true
        let result = try run(Self.s5 + " 90", options)
        #expect(result.pmis.map(\.afterInstructions) == [4])
        #expect(value(result, "gp0") == 96)  // 106 − 10
    }

    @Test func costsAbove16BitsAreKeptExactly() throws {
        // op.nop = 70000 does not fit the record's 16-bit field: S1 = 10 × 70000 = 700000.
        var options = Options(pmcs: ["gp0=cycles"])
        options.hardware.cycleTable = try CycleTableFixture.table("version = 1\nop.nop = 70000")
        let result = try run(Self.s1, options)
        #expect(result.hardware.cycles == 700_000)
        #expect(value(result, "gp0") == 700_000)
    }

    @Test func privilegeIsTakenAtTheInstructionStart() throws {
        // mov rax,rsp (1); push 0x2b, push rax, pushfq, push 0x33, push 0x400010 (5 × store 1);
        // iretq (20) to CPL 3; 3 NOPs at CPL 3. Cycles use the CPL at the start: os 26, usr 3.
        // Emulated events use the CPL after: the IRETQ is a user instruction (os 6, usr 4).
        let code = "48 89 e0 6a 2b 50 9c 6a 33 68 10 00 40 00 48 cf 90 90 90"
        let result = try run(
            code,
            Options(pmcs: ["gp0=cycles,os", "gp1=cycles,usr", "gp2=instructions,os", "gp3=instructions,usr"]))
        #expect(result.stop == .end)
        #expect(value(result, "gp0") == 26)
        #expect(value(result, "gp1") == 3)
        #expect(value(result, "gp2") == 6)
        #expect(value(result, "gp3") == 4)
        #expect(result.hardware.cycles == 29)
    }

    @Test func exitCostIsChargedOncePerBatch() throws {
        // exit_cost = 7 with --exit-every 4 on S1: batches 4, 4, 2 ⇒ 10 + 3 × 7 = 31.
        var options = Options(exitEvery: 4, pmcs: ["gp0=cycles"])
        options.hardware.cycleTable = try CycleTableFixture.table("version = 1\nexit_cost = 7")
        let result = try run(Self.s1, options)
        #expect(result.hardware.cycles == 31)
        #expect(value(result, "gp0") == 31)
    }

    @Test func clockOptionsChangeOnlyTheReferenceRatio() throws {
        // --core-mhz 1000 --ref-mhz 3000: R(20) = 60 for S2; cycles stay 20.
        var options = Options(pmcs: ["fixed2=ref-cycles"])
        try options.hardware.setClock("--core-mhz", "1000")
        try options.hardware.setClock("--ref-mhz", "3000")
        let result = try run(Self.s2, options)
        #expect(result.hardware.cycles == 20)
        #expect(result.hardware.refCycles == 60)
        #expect(value(result, "fixed2") == 60)
    }

    @Test func cycleCountsDoNotDependOnBatchSize() throws {
        // The dec/jnz loop of cli.md's example with rcx = 1000: per taken iteration add 1, xor 1,
        // dec 1, jnz 2 = 5; the last jnz is not taken: 1000 × 5 − 1 = 4999.
        for exitEvery in [nil, 1, 3, 7, 1000] as [Int?] {
            let result = try run(
                "4801c8 4831c2 48ffc9 75f5",
                Options(exitEvery: exitEvery, pmcs: ["gp0=cycles"], registers: ["rcx=1000"]))
            #expect(result.hardware.cycles == 4999)
            #expect(value(result, "gp0") == 4999)
        }
    }
}

/// Builds cycle tables for tests through the same parser `--cycle-table` uses.
enum CycleTableFixture {
    static func table(_ text: String) throws -> HardwareOptions.Table {
        try HardwareOptions.parseTable(text, name: "test table")
    }
}
