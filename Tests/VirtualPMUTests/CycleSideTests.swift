import Testing
import VirtualPMU

/// The PMU's hardware side in isolation (cycle-model.md §3): which PMCs it feeds and what a wrap does.
@Suite struct CycleSideTests {
    @Test func countingSetFollowsEventEnablesAndRings() throws {
        let pmu = try makePMU(
            pmc: ["gp0=cycles", "gp1=ref-cycles", "gp2=cycles,usr", "gp3=instructions", "fixed1=cycles",
                  "fixed2=ref-cycles,os"])
        pmu.handleEvents(step: 0, afterInstructions: 0, rip: 0)
        // idx bits: gp0 1, gp1 2, gp2 4, fixed1 1 << 33, fixed2 1 << 34 (pmu-semantics.md §0).
        let kernel = pmu.cycleCounting(cpl: 0)
        #expect(kernel.cycles == 0x1 | 1 << 33)
        #expect(kernel.refCycles == 0x2 | 1 << 34)
        let user = pmu.cycleCounting(cpl: 3)
        #expect(user.cycles == 0x1 | 0x4 | 1 << 33)
        #expect(user.refCycles == 0x2)
        // GLOBAL_CTRL := 0 stops every one of them at once.
        #expect(pmu.writeMSR(0x38F, value: 0))
        #expect(pmu.cycleCounting(cpl: 0).isEmpty)
    }

    @Test func umaskAndAMDCodesSelectTheEvent() throws {
        // Intel 0x3C:0x02 is neither cycles nor ref-cycles; AMD 0x76:0x00 is cycles, 0x3C is nothing.
        let intel = try makePMU(pmc: ["gp0=0x3C:0x02"])
        #expect(intel.cycleCounting(cpl: 0).isEmpty)
        let amd = try makePMU(.amd, pmc: ["gp0=cycles", "gp1=0x3C:0x00"])
        #expect(amd.cycleCounting(cpl: 0).cycles == 0x1)
    }

    @Test func wrapIsReportedAtOnceAndNotAgainByTheStep() throws {
        let pmu = try makePMU(pmc: ["gp0=cycles,start=0xFFFFFFFFFFFB,int", "gp1=cycles,start=0xFFFFFFFFFFFB"])
        pmu.handleEvents(step: 0, afterInstructions: 0, rip: 0)
        let counting = pmu.cycleCounting(cpl: 0)
        #expect(pmu.eventsUntilWrap(counting.cycles) == 5)
        #expect(!pmu.chargeHardware(cycles: 4, refCycles: 0, to: counting))
        #expect(pmu.globalStatus == 0)
        // The 5th cycle wraps both: status bits at once, a PMI request only from gp0 (INT).
        #expect(pmu.chargeHardware(cycles: 3, refCycles: 0, to: counting))
        #expect(pmu.globalStatus == 0x3)
        #expect(pmu.value("gp0") == 2)
        #expect(pmu.overflows("gp0") == 1)
        let pmi = pmu.handleEvents(step: 1, afterInstructions: 0, rip: 0)
        #expect(pmi?.sources == ["gp0"])
        // The fold at the step saw no second wrap, and the reprogram was counted.
        #expect(pmu.overflows("gp0") == 1)
        #expect(pmu.overflows("gp1") == 1)
        #expect(pmu.counter("gp0")?.wraps == 1)
        #expect(pmu.hostStatistics.reprograms == 4)  // two at step 0, two after the wraps
    }
}
