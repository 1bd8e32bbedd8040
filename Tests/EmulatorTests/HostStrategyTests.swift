import Emulator
import Testing
import VirtualPMU

/// Host perf-event strategy (cycle-model.md §5.2): guest-visible results never depend on it; the
/// host statistics do, as derived by hand below.
@Suite struct HostStrategyTests {
    typealias Options = GuestProgram.Options

    /// guest-pmi-2018.hex with `--pmc gp0=cycles,start=-299,int --hw-pmi-exit --exit-on msr`.
    ///
    /// Cycles by hand: setup (IDT 3 = 1+1+20, gate 2 = 1+1, GLOBAL_CTRL write 3+100) = 127, then
    /// mov r8d (1): 128; each taken dec/jnz iteration costs 3, so gp0 (2^48 − 299) wraps at the jnz of
    /// iteration 57 (128 + 171 = 299). The handler re-arms gp0 while it is globally disabled and only
    /// its IRETQ (20) is counted after the enable, so every later period is 279 = 93 iterations:
    /// wraps at iterations 57, 150, 243, 336 of 400 ⇒ 4 PMIs, all vectored (each batch ends at the
    /// wrap). Final gp0 = 2^48 − 279 + 63 × 3 + 2 + 1 = 2^48 − 87.
    ///
    /// Steps: step 0 creates gp0's stand-in (1 reprogram); the setup GLOBAL_CTRL 0xFF → 0x1 reprograms
    /// gp1–gp7 (7, none allowed, no stand-ins). Per PMI gp0 reprograms 3 times: at the wrap step, at
    /// GLOBAL_CTRL := 0 (not allowed) and at GLOBAL_CTRL := 1. Total 1 + 7 + 4 × 3 = 20.
    /// reuse: created 1, reused 4 × 2 (wrap and enable resume; disable pauses), released 0.
    /// recreate: created 1 + 4 × 2 (wrap and enable), released 4 × 2 (wrap and disable), reused 0.
    static let scenario = Options(
        pmcs: ["gp0=cycles,start=-299,int"], exitOn: [.msr],
        hardware: {
            var hardware = HardwareOptions()
            hardware.hwPMIExit = true
            try? hardware.setHostCost("create=4500000,reuse=9000")
            return hardware
        }())

    func runScenario(_ strategy: HostStrategy) throws -> RunResult {
        var options = Self.scenario
        options.strategy = strategy
        return try GuestProgram.run(try GuestProgram.load("guest-pmi-2018"), options)
    }

    @Test func scenario2018IsGuestInvisibleButCostsTheHost() throws {
        let reuse = try runScenario(.reuse)
        let recreate = try runScenario(.recreate)
        for result in [reuse, recreate] {
            #expect(result.stop == .hlt)
            #expect(GuestProgram.register(result, "r12") == 4)
            #expect(result.pmis.count == 4)
            #expect(result.pmis.allSatisfy { $0.vectored })
            #expect(GuestProgram.counter(result, "gp0")?.value == (1 << 48) - 87)
            // 1 setup WRMSR exit + 4 × (wrap + 5 WRMSR exits) + the final batch.
            #expect(result.exits == 26)
            // Main 127 + 1 + 399 × 3 + 2 + 1 = 1328; handlers 4 × (5 × 103 + 1 + 20) = 2144.
            #expect(result.hardware.cycles == 3472)
            #expect(result.host.reprograms == 20)
        }
        #expect(reuse.registers == recreate.registers)
        #expect(reuse.counters == recreate.counters)
        #expect(reuse.pmis == recreate.pmis)
        #expect(reuse.globalStatus == recreate.globalStatus)

        #expect(reuse.host.perfEventsCreated == 1)
        #expect(reuse.host.perfEventsReused == 8)
        #expect(reuse.host.perfEventsReleased == 0)
        #expect(recreate.host.perfEventsCreated == 9)
        #expect(recreate.host.perfEventsReused == 0)
        #expect(recreate.host.perfEventsReleased == 8)
        // estimated_ns = created · 4,500,000 + reused · 9,000 (Wei Wang's 2018 figures as inputs).
        #expect(reuse.hardware.hostEstimatedNanoseconds == 4_572_000)
        #expect(recreate.hardware.hostEstimatedNanoseconds == 40_500_000)
    }

    @Test func specExampleS1ExitEveryOne() throws {
        // cycle-model.md §5.2: S1, gp0=instructions, --exit-every 1: 11 steps, 11 reprograms;
        // reuse 1 / 10 / 0, recreate 11 / 0 / 10.
        let code = "90 90 90 90 90 90 90 90 90 90"
        for (strategy, created, reused, released) in [(HostStrategy.reuse, 1, 10, 0), (.recreate, 11, 0, 10)] {
            let result = try GuestProgram.run(
                hex: code, Options(exitEvery: 1, pmcs: ["gp0=instructions"], strategy: strategy))
            #expect(result.host.reprograms == 11)
            #expect(result.exits == 10)
            #expect(result.host.perfEventsCreated == created)
            #expect(result.host.perfEventsReused == reused)
            #expect(result.host.perfEventsReleased == released)
        }
    }

    @Test func schedInReleasesStandInsUnusedSinceTheLastCleanup() throws {
        // WRMSR EVTSEL0 := 0 (disables gp0, marks it in use), then 5 NOPs, one instruction per batch,
        // --sched-in-every 2. Exit 2: cleanup keeps gp0 (written in batch 1) and forgets pmc_in_use;
        // exit 4: gp0 unused and not enabled ⇒ released. Exit 6: no stand-in left, nothing to do.
        var options = Options(exitEvery: 1, pmcs: ["gp0=instructions"], registers: ["rcx=0x186"])
        options.hardware.schedInEvery = 2
        let result = try GuestProgram.run(hex: "0f 30 90 90 90 90 90", options)
        #expect(result.exits == 6)
        #expect(result.host.perfEventsReleased == 1)
        options.hardware.schedInEvery = nil
        let without = try GuestProgram.run(hex: "0f 30 90 90 90 90 90", options)
        #expect(without.host.perfEventsReleased == 0)
    }
}
