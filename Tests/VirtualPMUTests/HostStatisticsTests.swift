import Testing
import VirtualPMU

/// cycle-model.md §5.2: the host perf-event strategy changes only the statistics.
@Suite struct HostStatisticsTests {
    // S1 with gp0=instructions and --exit-every 1: 11 steps, 11 reprograms (step 0 for the setup,
    // then one per batch, since each NOP set the reprogram bit).
    @Test func reuseCreatesOnceAndResumesTen() throws {
        let guest = try run(s1, pmc: ["gp0=instructions"], exitEvery: 1)
        #expect(guest.step == 11)
        var expected = HostStatistics()
        expected.reprograms = 11
        expected.perfEventsCreated = 1
        expected.perfEventsReused = 10
        #expect(guest.pmu.hostStatistics == expected)
    }

    @Test func recreateCreatesEveryTime() throws {
        let guest = try run(s1, pmc: ["gp0=instructions"], exitEvery: 1) { $0.hostStrategy = .recreate }
        var expected = HostStatistics()
        expected.reprograms = 11
        expected.perfEventsCreated = 11
        expected.perfEventsReleased = 10
        #expect(guest.pmu.hostStatistics == expected)
        #expect(guest.pmu.value("gp0") == 10)
    }

    // §5.2: a config change re-creates under reuse too; a disallowed PMC keeps (reuse) or drops
    // (recreate) its stand-in.
    @Test(arguments: HostStrategy.allCases)
    func configChangeAndDisable(strategy: HostStrategy) throws {
        let pmu = try makePMU(pmc: ["gp0=instructions"]) { $0.hostStrategy = strategy }
        let guest = Guest(pmu, exitEvery: 1)  // step 0: create
        // Step 1: new eventsel (INT) ⇒ release + create. Step 2: disabled ⇒ not allowed.
        // Step 3: re-enabled with the old config ⇒ reuse resumes, recreate creates.
        guest.run([.wrmsr(0x186, 0x53_00C0), .wrmsr(0x38F, 0), .wrmsr(0x38F, 1)])
        var expected = HostStatistics()
        // Steps 0, 1 and 3 reprogram gp0; step 2 reprograms all 8 GP counters, since GLOBAL_CTRL
        // 0xFF → 0 changed 8 bits (reprogram_counters()); gp1–gp7 are not allowed and have no stand-in.
        expected.reprograms = 1 + 1 + 8 + 1
        switch strategy {
        case .reuse:
            expected.perfEventsCreated = 2
            expected.perfEventsReleased = 1
            expected.perfEventsReused = 1
        case .recreate:
            expected.perfEventsCreated = 3
            expected.perfEventsReleased = 2
        }
        #expect(pmu.hostStatistics == expected)
        #expect(pmu.value("gp0") == 2)  // the 0x186 write and the re-enabling write
    }

    // §6.2 step 2: after a sched-in, the step releases stand-ins of PMCs that were not written since
    // the previous cleanup and are not locally enabled.
    @Test func lazyReleaseAfterSchedIn() throws {
        let pmu = try makePMU(pmc: ["gp0=instructions", "gp1=branches"])
        let guest = Guest(pmu, exitEvery: 1)  // step 0 creates both, marks both in use
        pmu.schedIn()
        guest.run([.plain])  // step 1: cleanup forgets pmc_in_use; both locally enabled, nothing released
        #expect(pmu.hostStatistics.perfEventsReleased == 0)
        guest.run([.wrmsr(0x187, 0)])  // gp1 disabled, written (in use again)
        pmu.schedIn()
        guest.run([.plain])  // gp1 was written since the last cleanup: kept
        #expect(pmu.hostStatistics.perfEventsReleased == 0)
        pmu.schedIn()
        guest.run([.plain])  // gp1 untouched for a whole slice and disabled: released
        #expect(pmu.hostStatistics.perfEventsReleased == 1)
        #expect(pmu.value("gp0") == 4)  // NOP, WRMSR, NOP, NOP
    }
}
