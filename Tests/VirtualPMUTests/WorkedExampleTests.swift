import Testing
import VirtualPMU

/// pmu-semantics.md §8, examples A–E, in both overflow models. The counter counts instructions
/// (branches in E) with INT set; values traced by hand in the spec's tables.
@Suite struct WorkedExampleTests {
    static let atM = "gp0=instructions,start=0xFFFFFFFFFFFF,int"

    // A: start M, two NOPs, one batch of 2. E2 compares 1 < prev 0 and loses it; E3 compares 1 < M.
    @Test func exampleATwoEventsOneBatch() throws {
        let e2 = try run([.plain, .plain], model: .prevCounter, pmc: [Self.atM], exitEvery: 2)
        #expect(e2.pmu.value("gp0") == 1)
        #expect(e2.pmu.overflows("gp0") == 0)
        #expect(e2.pmu.globalStatus == 0)
        #expect(e2.pmu.pmis.isEmpty)
        let e3 = try run([.plain, .plain], model: .emulatedCounter, pmc: [Self.atM], exitEvery: 2)
        #expect(e3.pmu.value("gp0") == 1)
        #expect(e3.pmu.overflows("gp0") == 1)
        #expect(e3.pmu.globalStatus == 0x1)
        #expect(e3.pmu.pmis.count == 1)
        #expect(e3.pmu.pmis.first?.step == 1)
        #expect(e3.pmu.pmis.first?.afterInstructions == 2)
    }

    // B: start M−1, two NOPs: the wrap is the last event, so both report.
    @Test(arguments: OverflowModel.allCases)
    func exampleBWrapOnTheLastEvent(model: OverflowModel) throws {
        let guest = try run([.plain, .plain], model: model, pmc: ["gp0=instructions,start=0xFFFFFFFFFFFE,int"])
        #expect(guest.pmu.value("gp0") == 0)
        #expect(guest.pmu.overflows("gp0") == 1)
        #expect(guest.pmu.globalStatus == 0x1)
        #expect(guest.pmu.pmis.count == 1)
    }

    // C: start M−2, ten NOPs, batches 4, 4, 2 (E2 misses) or 3, 3, 3, 1 (both catch); both end at 7.
    @Test(arguments: OverflowModel.allCases, [3, 4])
    func exampleCMultiBatch(model: OverflowModel, exitEvery: Int) throws {
        let guest = try run(s1, model: model, pmc: ["gp0=instructions,start=0xFFFFFFFFFFFD,int"], exitEvery: exitEvery)
        #expect(guest.pmu.value("gp0") == 7)
        let caught = model == .emulatedCounter || exitEvery == 3
        #expect(guest.pmu.overflows("gp0") == (caught ? 1 : 0))
        #expect(guest.pmu.pmis.count == (caught ? 1 : 0))
        // The wrap happens on the third event, inside batch 1 either way.
        #expect(guest.acceptedSteps == (caught ? [1] : []))
    }

    // D: untruncated legacy write. EAX 0xFFFFFFFE to 0xC1 stores 0xFFFF_FFFF_FFFF_FFFE; the WRMSR's own
    // event sets prev to that and counter to M; M < prev is a spurious overflow in E2.
    @Test(arguments: OverflowModel.allCases, [false, true])
    func exampleDUntruncatedLegacyWrite(model: OverflowModel, quirk: Bool) throws {
        let guest = try run([.wrmsr(0xC1, 0xFFFF_FFFE)], model: model, pmc: ["gp0=instructions,int"]) {
            $0.untruncatedLegacyWrite = quirk
        }
        #expect(guest.pmu.value("gp0") == M)
        let spurious = quirk && model == .prevCounter
        #expect(guest.pmu.overflows("gp0") == (spurious ? 1 : 0))
        #expect(guest.pmu.globalStatus == (spurious ? 1 : 0))
        #expect(guest.pmu.pmis.count == (spurious ? 1 : 0))
        #expect(guest.pmu.counter("gp0")?.wraps == 0)
    }

    // E: GP1 counts branches from 100; JMP then WRMSR PMC1 := 5 in one batch. E2: 5 < prev 100 is a
    // spurious overflow; E3: the write discarded the pending event, base 5 = new 5.
    @Test(arguments: Vendor.allCases, OverflowModel.allCases)
    func exampleEDownwardWrite(vendor: Vendor, model: OverflowModel) throws {
        let counterMSR: UInt32 = vendor == .intel ? 0xC2 : 0xC001_0203
        let guest = try run(
            [.branch, .wrmsr(counterMSR, 5)], vendor: vendor, model: model, pmc: ["gp1=branches,start=100,int"])
        #expect(guest.pmu.value("gp1") == 5)
        let spurious = model == .prevCounter
        #expect(guest.pmu.overflows("gp1") == (spurious ? 1 : 0))
        #expect(guest.pmu.globalStatus == (spurious ? 0x2 : 0))
        #expect(guest.pmu.pmis.count == (spurious ? 1 : 0))
    }
}
