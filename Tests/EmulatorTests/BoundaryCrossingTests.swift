import Emulator
import Testing
import VirtualPMU

/// Runs that go on past batch boundaries (``RunConfiguration/crossesBatchBoundaries``) give what
/// runs that stop at every boundary give, down to the last PMI record and host statistic.
@Suite struct BoundaryCrossingTests {
    typealias Options = GuestProgram.Options

    /// The bench's register loops (Sources/VPMUBench/Workloads.swift documents their assembly).
    static let tightLoop = "4801c84831c248ffc975f5"
    static let multiplyDivide = "b801000000bbb979379e41b907000000480fafc34801c831d24989c249f7f14c01d048f7e34831d0ffc975e4"
    static let lfsr = "b8e1ac000031db31f689c2d1eaa801740681f200b4000089d0a8027402ffc3a8047502ffc63d00800000720201f3ffc975d7"
    static let fib = "e802000000eb234883ff0272195748ffcfe8f1ffffff5f504883ef02e8e6ffffff594801c8c34889f8c3"

    /// mul-div with RCX = 1000 retires 3 + 10 · 1000 = 10,003 instructions. gp0 starts 5,000 below
    /// the 48-bit wrap, so its 5,000th event wraps it: that instruction is in batch ⌈5000/256⌉ = 20
    /// (instructions 4,865 … 5,120), and step 20 reports the overflow, with 5,120 retired and RIP at
    /// the 8th instruction of iteration 512 (5,120 = 3 + 511 · 10 + 7): `xor rax, rdx` at +0x25.
    /// gp0 ends at 2^48 − 5,000 + 10,003 − 2^48 = 5,003.
    @Test(arguments: [true, false])
    func anOverflowInALongRunIsReportedAtItsOwnStep(crossing: Bool) throws {
        let start = (UInt64(1) << 48) - 5_000
        let result = try GuestProgram.run(
            hex: Self.multiplyDivide,
            Options(
                exitEvery: 256,
                pmcs: ["gp0=instructions,start=\(start),int", "gp1=branches"], registers: ["rcx=1000"],
                crossesBatchBoundaries: crossing))
        #expect(result.instructions == 10_003)
        #expect(result.exits == 40)  // ⌈10,003 / 256⌉
        #expect(result.pmis.count == 1)
        #expect(result.pmis.first?.step == 20)
        #expect(result.pmis.first?.afterInstructions == 5_120)
        #expect(result.pmis.first?.rip == 0x40_0025)
        #expect(result.globalStatus == 1)
        #expect(GuestProgram.counter(result, "gp0")?.value == 5_003)
        #expect(GuestProgram.counter(result, "gp1")?.value == 1_000)
        // Step 0 creates the two stand-ins; each of the 40 steps reprograms both (every batch
        // retires instructions and at least one JNZ), re-using them.
        #expect(result.host.reprograms == 2 + 40 * 2)
        #expect(result.host.perfEventsReused == 80)
        if crossing {
            // Batches 1–18 and 21–39 can be crossed (batch 19 ends 135 events short of the wrap,
            // less than a window; batch 20 holds it; batch 40 ends the guest).
            #expect(result.exitsCrossed > 30)
        } else {
            #expect(result.exitsCrossed == 0)
        }
    }

    /// A window without a branch is not crossed: its step would not reprogram the branch PMC.
    /// 300 NOPs then the tight loop: the first four 64-instruction windows are all NOPs.
    @Test func windowsWithoutABranchEndTheRun() throws {
        let hex = String(repeating: "90", count: 300) + Self.tightLoop
        let options = Options(exitEvery: 64, pmcs: ["gp0=instructions", "gp1=branches"], registers: ["rcx=200"])
        var off = options
        off.crossesBatchBoundaries = false
        let crossed = try GuestProgram.run(hex: hex, options)
        let reference = try GuestProgram.run(hex: hex, off)
        #expect(crossed.json.rendered() == reference.json.rendered())
        #expect(crossed.instructions == 1_100)  // 300 + 4 · 200
        #expect(crossed.exits == 18)  // ⌈1,100 / 64⌉
        // Steps 1–4 reprogram gp0 only; steps 5–18 both; step 0 creates both.
        #expect(crossed.host.reprograms == 2 + 4 + 14 * 2)
        #expect(crossed.exitsCrossed > 0)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var hex: String
        var registers: [String]
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "tight", hex: tightLoop, registers: ["rcx=3000"]),
        Case(name: "mul-div", hex: multiplyDivide, registers: ["rcx=1500"]),
        Case(name: "lfsr", hex: lfsr, registers: ["rcx=1500"]),
        Case(name: "fib", hex: fib, registers: ["rdi=13"]),
    ]

    /// Counter set-ups: plain; both near the wrap with PMIs (several overflows a run); per-ring
    /// filters at CPL 0; a cycles PMC (the cycle side feeds it, so nothing may be crossed).
    static let counterSets: [[String]] = [
        ["gp0=instructions", "gp1=branches"],
        ["gp0=instructions,start=0xFFFFFFFFE000,int", "gp1=branches,start=0xFFFFFFFFFC00,int"],
        ["gp0=instructions,usr", "gp1=branches,os", "gp2=instructions,start=0xFFFFFFFFF800"],
        ["gp0=instructions", "gp1=cycles"],
    ]

    @Test(arguments: cases)
    func crossingChangesNothingInTheResult(_ program: Case) throws {
        var crossedSomewhere = 0
        for exitEvery in [64, 100, 256, 1_000] {
            for pmcs in Self.counterSets {
                for model in [OverflowModel.emulatedCounter, .prevCounter] {
                    for strategy in [HostStrategy.reuse, .recreate] {
                        for schedIn in [nil, 3] {
                            var options = Options(
                                exitEvery: exitEvery, pmcs: pmcs, registers: program.registers, strategy: strategy,
                                model: model)
                            options.hardware.schedInEvery = schedIn
                            let crossed = try GuestProgram.run(hex: program.hex, options)
                            options.crossesBatchBoundaries = false
                            let reference = try GuestProgram.run(hex: program.hex, options)
                            #expect(
                                crossed.json.rendered() == reference.json.rendered(),
                                "\(program.name) exit-every \(exitEvery) \(pmcs) \(model) \(strategy) \(schedIn ?? 0)")
                            if pmcs.contains("gp1=cycles") { #expect(crossed.exitsCrossed == 0) }
                            crossedSomewhere += crossed.exitsCrossed
                        }
                    }
                }
            }
        }
        #expect(crossedSomewhere > 100)
    }

    /// Guests that take PMIs through their IDT, mask and unmask LVTPC and program their counters,
    /// with the options their own tests use (PMIDeliveryTests, HostStrategyTests).
    @Test(arguments: [
        ("guest-pmi-2018", ["gp1=instructions", "gp2=branches"]),
        ("pmi-handler-intel", []),
        ("pmi-handler-intel-unmask", ["gp3=branches"]),
        ("final-step", ["gp0=instructions,start=0xFFFFFFFFFFF7,int"]),
    ])
    func crossingChangesNothingForGuestsThatTakePMIs(_ name: String, _ pmcs: [String]) throws {
        let code = try GuestProgram.load(name)
        for exitEvery in [64, 200, 1_000] {
            var options = Options(exitEvery: exitEvery, pmcs: pmcs)
            let crossed = try GuestProgram.run(code, options)
            options.crossesBatchBoundaries = false
            let reference = try GuestProgram.run(code, options)
            #expect(crossed.json.rendered() == reference.json.rendered(), "\(name) exit-every \(exitEvery)")
        }
    }
}
