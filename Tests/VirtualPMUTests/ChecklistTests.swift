import Testing
import VirtualPMU

/// pmu-semantics.md §18, the model checklist, row by row. Snippets become ops (TestSupport.swift);
/// expected values are the spec's, worked out by hand from §4–§12.
@Suite struct ChecklistTests {
    // Row 1.
    @Test func plainCountingCountsTenNOPs() throws {
        let guest = try run(s1, pmc: ["gp0=instructions", "gp1=branches"])
        #expect(guest.pmu.value("gp0") == 10)
        #expect(guest.pmu.value("gp1") == 0)
        #expect(guest.pmu.globalStatus == 0)
        #expect(guest.pmu.pmis.isEmpty)
    }

    // Row 2.
    @Test func loopTakenAndNotTakenAreBranches() throws {
        let guest = try run(s2, pmc: ["gp0=instructions", "gp1=branches"])
        #expect(guest.retired == 11)
        #expect(guest.pmu.value("gp0") == 11)
        #expect(guest.pmu.value("gp1") == 10)
    }

    // Row 6.
    @Test(arguments: Vendor.allCases)
    func unitMaskIsMatchedExactly(vendor: Vendor) throws {
        #expect(try run(s1, vendor: vendor, pmc: ["gp0=0xC0:0x01"]).pmu.value("gp0") == 0)
        #expect(try run(s1, vendor: vendor, pmc: ["gp0=0xC0:0x00"]).pmu.value("gp0") == 10)
    }

    // Row 7.
    @Test func branchEventCodesDifferByVendor() throws {
        let intel = try run(s2, vendor: .intel, pmc: ["gp0=0xC4:0x00", "gp1=0xC2:0x00"])
        #expect(intel.pmu.value("gp0") == 10)
        #expect(intel.pmu.value("gp1") == 0)
        let amd = try run(s2, vendor: .amd, pmc: ["gp0=0xC4:0x00", "gp1=0xC2:0x00"])
        #expect(amd.pmu.value("gp0") == 0)
        #expect(amd.pmu.value("gp1") == 10)
    }

    // Row 8: CMASK 2, INV, EDGE do not affect emulated counting.
    @Test(arguments: [UInt64(0x0243_00C0), 0x00C3_00C0, 0x0047_00C0])
    func cmaskInvEdgeAreIgnored(eventSelect: UInt64) throws {
        let guest = try run([.wrmsr(0x186, eventSelect)] + s1)
        #expect(guest.pmu.value("gp0") == 11)
    }

    // Row 9.
    @Test func cplFilterFollowsOSAndUSR() throws {
        #expect(try run(s1, pmc: ["gp0=instructions,os"], cpl: 3).pmu.value("gp0") == 0)
        #expect(try run(s1, pmc: ["gp0=instructions,usr"], cpl: 3).pmu.value("gp0") == 10)
        #expect(try run(s1, pmc: ["gp0=instructions,usr,os"], cpl: 3).pmu.value("gp0") == 10)
        #expect(try run(s1, pmc: ["gp0=instructions,os"], cpl: 0).pmu.value("gp0") == 10)
        #expect(try run(s1, pmc: ["gp0=instructions,usr"], cpl: 0).pmu.value("gp0") == 0)
        #expect(try run(s1, pmc: ["gp0=instructions,usr,os"], cpl: 0).pmu.value("gp0") == 10)
    }

    // Row 10.
    @Test func neitherOSNorUSRNeverCounts() throws {
        #expect(try run([.wrmsr(0x186, 0x40_00C0)] + s1).pmu.value("gp0") == 0)
    }

    // Row 11.
    @Test func fixedZeroCountsInstructions() throws {
        #expect(try run(s1, pmc: ["fixed0=instructions"]).pmu.value("fixed0") == 10)
        #expect(try run(s2, pmc: ["fixed0=instructions"]).pmu.value("fixed0") == 11)
    }

    // Row 12 (no cycle model exists in this module, so this is `--cycle-model none`).
    @Test func fixedOneAndTwoGetNoEmulatedEvents() throws {
        let guest = try run(s1, pmc: ["fixed1=cycles", "fixed2=ref-cycles"])
        #expect(guest.pmu.value("fixed1") == 0)
        #expect(guest.pmu.value("fixed2") == 0)
    }

    // Row 13.
    @Test func refreshEnablesEveryGPCounterGlobally() throws {
        #expect(try makePMU(.intel).readMSR(0x38F) == 0xFF)
        #expect(try makePMU(.amd).readMSR(0xC000_0301) == 0x3F)
    }

    // Row 14.
    @Test func globalControlZeroStopsCounting() throws {
        #expect(try run([.wrmsr(0x38F, 0)] + s1, pmc: ["gp0=instructions"]).pmu.value("gp0") == 0)
    }

    // Row 15.
    @Test func versionOneHasNoGlobalControl() throws {
        let guest = try run(s1, pmc: ["gp0=instructions"]) { $0.version = 1 }
        #expect(guest.pmu.value("gp0") == 10)
        #expect(guest.pmu.readMSR(0x38F) == nil)
    }

    // Row 16.
    @Test func eventSelectWithoutENDoesNotCount() throws {
        #expect(try run([.wrmsr(0x186, 0x3_00C0)] + s1).pmu.value("gp0") == 0)
    }

    // Row 17.
    @Test(arguments: OverflowModel.allCases)
    func singleEventWrapIsReported(model: OverflowModel) throws {
        let guest = try run([.plain], model: model, pmc: ["gp0=instructions,start=0xFFFFFFFFFFFF,int"], exitEvery: 1)
        #expect(guest.pmu.value("gp0") == 0)
        #expect(guest.pmu.overflows("gp0") == 1)
        #expect(guest.pmu.globalStatus == 0x1)
        #expect(guest.pmu.pmis.count == 1)
        #expect(guest.pmu.pmis.first?.sources == ["gp0"])
    }

    // Row 18: the wrap is the last event of the run, so every batch size catches it.
    @Test(arguments: OverflowModel.allCases, [1, 2, 3, 4, 7, 10, 100])
    func wrapOnTheFinalEventIsReported(model: OverflowModel, exitEvery: Int) throws {
        let guest = try run(s1, model: model, pmc: ["gp0=instructions,start=0xFFFFFFFFFFF6"], exitEvery: exitEvery)
        #expect(guest.pmu.value("gp0") == 0)
        #expect(guest.pmu.overflows("gp0") == 1)
        #expect(guest.pmu.globalStatus == 0x1)
    }

    // Row 19.
    @Test func oneShortOfTheWrapIsNoOverflow() throws {
        let guest = try run(s1, pmc: ["gp0=instructions,start=0xFFFFFFFFFFF5"])
        #expect(guest.pmu.value("gp0") == 281_474_976_710_655)
        #expect(guest.pmu.overflows("gp0") == 0)
        #expect(guest.pmu.globalStatus == 0)
    }

    // Row 20 (§8 A).
    @Test func multiEventBatchWrapIsCaughtOnlyByEmulatedCounter() throws {
        let e3 = try run([.plain, .plain], pmc: ["gp0=instructions,start=0xFFFFFFFFFFFF,int"], exitEvery: 2)
        #expect(e3.pmu.value("gp0") == 1)
        #expect(e3.pmu.overflows("gp0") == 1)
        #expect(e3.pmu.globalStatus == 0x1)
        #expect(e3.pmu.pmis.count == 1)
        let e2 = try run(
            [.plain, .plain], model: .prevCounter, pmc: ["gp0=instructions,start=0xFFFFFFFFFFFF,int"], exitEvery: 2)
        #expect(e2.pmu.value("gp0") == 1)
        #expect(e2.pmu.overflows("gp0") == 0)
        #expect(e2.pmu.globalStatus == 0)
        #expect(e2.pmu.pmis.isEmpty)
    }

    // Row 21 (§8 B).
    @Test(arguments: OverflowModel.allCases)
    func wrapOnTheLastOfTwoIsCaughtByBothModels(model: OverflowModel) throws {
        let guest = try run([.plain, .plain], model: model, pmc: ["gp0=instructions,start=0xFFFFFFFFFFFE"])
        #expect(guest.pmu.value("gp0") == 0)
        #expect(guest.pmu.overflows("gp0") == 1)
    }

    // Row 22 (§8 C).
    @Test func multiBatchWrapDependsOnWhereTheBatchEnds() throws {
        let spec = ["gp0=instructions,start=0xFFFFFFFFFFFD"]
        let e3By4 = try run(s1, pmc: spec, exitEvery: 4)
        let e2By4 = try run(s1, model: .prevCounter, pmc: spec, exitEvery: 4)
        let e3By3 = try run(s1, pmc: spec, exitEvery: 3)
        let e2By3 = try run(s1, model: .prevCounter, pmc: spec, exitEvery: 3)
        for guest in [e3By4, e2By4, e3By3, e2By3] {
            #expect(guest.pmu.value("gp0") == 7)
        }
        #expect(e3By4.pmu.overflows("gp0") == 1)
        #expect(e2By4.pmu.overflows("gp0") == 0)
        #expect(e3By3.pmu.overflows("gp0") == 1)
        #expect(e2By3.pmu.overflows("gp0") == 1)
        // The missed overflow is still a true wrap of the visible value.
        #expect(e2By4.pmu.counter("gp0")?.wraps == 1)
    }

    // Row 23.
    @Test func overflowWithoutINTSetsStatusButNoPMI() throws {
        let guest = try run([.plain], pmc: ["gp0=instructions,start=0xFFFFFFFFFFFF"], exitEvery: 1)
        #expect(guest.pmu.globalStatus == 0x1)
        #expect(guest.pmu.pmis.isEmpty)
        #expect(guest.pmu.pmisSuppressed == 0)
    }

    // Row 24.
    @Test func statusIsSticky() throws {
        let guest = try run(repeated(.plain, 3), pmc: ["gp0=instructions,start=0xFFFFFFFFFFFF"], exitEvery: 1)
        #expect(guest.pmu.value("gp0") == 2)
        #expect(guest.pmu.globalStatus == 0x1)
        #expect(guest.pmu.overflows("gp0") == 1)
    }

    // Row 25.
    @Test func fixedCounterOverflowSetsBit32() throws {
        let guest = try run([.plain], pmc: ["fixed0=instructions,start=0xFFFFFFFFFFFF"])
        #expect(guest.pmu.globalStatus == 0x1_0000_0000)
        #expect(guest.pmu.overflows("fixed0") == 1)
    }

    // Row 26.
    @Test func twoOverflowsInOneStepGiveOnePMI() throws {
        let guest = try run(
            [.plain],
            pmc: ["gp0=instructions,start=0xFFFFFFFFFFFF,int", "gp1=instructions,start=0xFFFFFFFFFFFF,int"])
        #expect(guest.pmu.globalStatus == 0x3)
        #expect(guest.pmu.overflows("gp0") == 1)
        #expect(guest.pmu.overflows("gp1") == 1)
        #expect(guest.pmu.pmis.count == 1)
        #expect(guest.pmu.pmis.first?.sources == ["gp0", "gp1"])
    }

    // Row 27.
    @Test func intelMasksLVTPCAfterAPMIAndAMDDoesNot() throws {
        let specs = ["gp0=instructions,start=0xFFFFFFFFFFFF,int", "gp1=instructions,start=0xFFFFFFFFFFFE,int"]
        let intel = try run([.plain, .plain], vendor: .intel, pmc: specs, exitEvery: 1)
        #expect(intel.pmu.globalStatus == 0x3)
        #expect(intel.pmu.pmis.count == 1)
        #expect(intel.pmu.pmisSuppressed == 1)
        #expect(intel.pmu.lvtpc == 0x1_0400)
        let amd = try run([.plain, .plain], vendor: .amd, pmc: specs, exitEvery: 1)
        #expect(amd.pmu.globalStatus == 0x3)
        #expect(amd.pmu.pmis.count == 2)
        #expect(amd.pmu.pmisSuppressed == 0)
        #expect(amd.pmu.lvtpc == 0x400)
        #expect(amd.pmu.pmis.map(\.sources) == [["gp0"], ["gp1"]])
        #expect(amd.pmu.pmis.map(\.step) == [1, 2])
    }

    // Row 28.
    @Test func readsIncludePendingEvents() throws {
        let guest = try run(repeated(.plain, 3) + [.rdpmc(0)], pmc: ["gp0=instructions"], exitEvery: 100)
        #expect(guest.reads == [3])
        #expect(guest.pmu.value("gp0") == 4)
    }

    // Row 29.
    @Test func wrmsrIsCountedAfterItsWrite() throws {
        let guest = try run([.wrmsr(0xC1, 100), .rdmsr(0xC1)], pmc: ["gp0=instructions"])
        #expect(guest.reads == [101])
        #expect(guest.pmu.value("gp0") == 102)
    }

    // Row 30.
    @Test(arguments: OverflowModel.allCases)
    func counterWriteDiscardsPendingEvents(model: OverflowModel) throws {
        let guest = try run(
            [.plain, .wrmsr(0xC1, 5)], model: model, pmc: ["gp0=instructions,start=0xFFFFFFFFFFFF"])
        #expect(guest.pmu.value("gp0") == 6)
        #expect(guest.pmu.overflows("gp0") == 0)
        #expect(guest.pmu.globalStatus == 0)
    }

    // Row 31.
    @Test func enablingWRMSRCountsAndDisablingDoesNot() throws {
        let ops: [Op] = [.wrmsr(0x186, 0x43_00C0)] + repeated(.plain, 5) + [.plain, .wrmsr(0x186, 0)]
        let guest = try run(ops)
        #expect(guest.pmu.value("gp0") == 7)
        // Guest-programmed, and the disabling write left event select 0.
        #expect(guest.pmu.counter("gp0")?.event == "0x00:0x00")
        #expect(guest.pmu.counter("gp0")?.isProgrammed == true)
    }

    // Row 32.
    @Test func overflowOfACounterDisabledAtTheStepIsDropped() throws {
        let guest = try run([.plain, .wrmsr(0x186, 0)], pmc: ["gp0=instructions,start=0xFFFFFFFFFFFF,int"])
        #expect(guest.pmu.value("gp0") == 0)
        #expect(guest.pmu.overflows("gp0") == 0)
        #expect(guest.pmu.globalStatus == 0)
        #expect(guest.pmu.pmis.isEmpty)
        #expect(guest.pmu.counter("gp0")?.wraps == 1)
    }

    // Row 33.
    @Test func intIsLatchedWhenTheStandInIsCreated() throws {
        let guest = try run([.wrmsr(0x186, 0x53_00C0)], pmc: ["gp0=instructions,start=0xFFFFFFFFFFFF"])
        #expect(guest.pmu.value("gp0") == 0)
        #expect(guest.pmu.globalStatus == 0x1)
        #expect(guest.pmu.overflows("gp0") == 1)
        #expect(guest.pmu.pmis.isEmpty)
    }

    // Row 34.
    @Test(arguments: [
        (UInt64(0xFFFF_FFFE), UInt64(0xFFFF_FFFF_FFFE)), (0x8000_0000, 0xFFFF_8000_0000), (0x7FFF_FFFF, 0x7FFF_FFFF),
    ])
    func legacyCounterWriteSignExtendsBit31(eax: UInt64, expected: UInt64) throws {
        let guest = try run([.wrmsr(0xC1, edxEax(0x1234, eax))])
        #expect(guest.pmu.value("gp0") == expected)
    }

    // Row 35.
    @Test func signExtendedWriteCausesNoSpuriousOverflow() throws {
        let pmu = try makePMU(pmc: ["gp0=instructions"])
        let guest = Guest(pmu, exitEvery: 1)
        guest.run([.wrmsr(0xC1, 0xFFFF_FFFE)])
        #expect(pmu.value("gp0") == M)
        #expect(pmu.overflows("gp0") == 0)
        guest.run([.plain])
        #expect(pmu.value("gp0") == 0)
        #expect(pmu.overflows("gp0") == 1)
    }

    // Row 36.
    @Test func fullWidthWriteRejectsBit48() throws {
        let bad = try run([.wrmsr(0x4C1, edxEax(0x1_0000, 0))])
        #expect(bad.faulted)
        #expect(bad.retired == 0)
        let good = try run([.wrmsr(0x4C1, edxEax(0xFFFF, 0xFFFF_FFFF))])
        #expect(!good.faulted)
        #expect(good.pmu.value("gp0") == M)
    }

    // Row 37.
    @Test func overflowControlClearsStatus() throws {
        let guest = try run(
            [.plain, .wrmsr(0x390, 1), .rdmsr(0x390)], pmc: ["gp0=instructions,start=0xFFFFFFFFFFFF"], exitEvery: 1)
        #expect(guest.pmu.globalStatus == 0)
        #expect(guest.pmu.overflows("gp0") == 1)
        #expect(guest.reads == [0])
    }

    // Row 38.
    @Test func intelGPCases() throws {
        let pmu = try makePMU(.intel)
        #expect(!pmu.writeMSR(0x38E, value: 0))
        #expect(!pmu.writeMSR(0x186, value: 0x20_0000))  // bit 21 (ANY)
        #expect(!pmu.writeMSR(0x186, value: 1 << 35))
        #expect(!pmu.writeMSR(0x38D, value: 0x4))  // AnyThread
        #expect(!pmu.writeMSR(0x38F, value: 0x100))
        #expect(!pmu.writeMSR(0x390, value: 0x100))
        #expect(pmu.writeMSR(0x390, value: edxEax(0xC000_0000, 0)))
    }

    // Row 39.
    @Test func amdDropsReservedEventSelectBits() throws {
        let pmu = try makePMU(.amd)
        #expect(pmu.writeMSR(0xC001_0200, value: edxEax(0xFFFF_FFF0, 0x6B_00C0)))
        #expect(pmu.readMSR(0xC001_0200) == 0x43_00C0)
    }

    // Row 40.
    @Test func amdGlobalMSRs() throws {
        let pmu = try makePMU(.amd)
        #expect(pmu.writeMSR(0xC000_0301, value: .max))
        #expect(pmu.readMSR(0xC000_0301) == 0x3F)
        #expect(pmu.writeMSR(0xC000_0303, value: 0xFF))
        #expect(pmu.globalStatus == 0x3F)
        #expect(pmu.writeMSR(0xC000_0302, value: 1))
        #expect(pmu.globalStatus == 0x3E)
        #expect(pmu.readMSR(0xC000_0300) == 0x3E)
        #expect(pmu.readMSR(0xC000_0302) == 0)
        #expect(pmu.readMSR(0xC000_0303) == 0)
    }

    // Row 41.
    @Test func rdpmcRules() throws {
        let intel = try makePMU(.intel, pmc: ["fixed0=instructions,start=77"])
        for ecx: UInt32 in [0x8000_0000, 0x2000_0000, 8, 0x4000_0003] {
            #expect(intel.readPMC(ecx: ecx, cpl: 0, cr4PCE: false) == nil)
        }
        #expect(intel.readPMC(ecx: 0x4000_0000, cpl: 0, cr4PCE: false) == 77)
        #expect(intel.readPMC(ecx: 0, cpl: 3, cr4PCE: false) == nil)
        #expect(intel.readPMC(ecx: 0, cpl: 3, cr4PCE: true) == 0)
        let amd = try makePMU(.amd)
        #expect(amd.readPMC(ecx: 6, cpl: 0, cr4PCE: false) == nil)
        #expect(amd.readPMC(ecx: 5, cpl: 0, cr4PCE: false) == 0)
        #expect(amd.readPMC(ecx: 0x4000_0000, cpl: 0, cr4PCE: false) == nil)
    }

    // Row 42.
    @Test func eventFilterGatesEmulatedEvents() throws {
        let specs = ["gp0=instructions", "gp1=branches", "fixed0=instructions"]
        let pmu = try makePMU(pmc: specs)
        pmu.install(filter: try EventFilter.parse("deny,0xC0:0x00", vendor: .intel))
        Guest(pmu).run(s2)
        #expect(pmu.value("gp0") == 0)
        #expect(pmu.value("gp1") == 10)
        #expect(pmu.value("fixed0") == 11)

        let fixedToo = try makePMU(pmc: specs)
        fixedToo.install(filter: try EventFilter.parse("deny,0xC0:0x00,fixed=0x1", vendor: .intel))
        Guest(fixedToo).run(s2)
        #expect(fixedToo.value("fixed0") == 0)
        #expect(fixedToo.value("gp1") == 10)
    }

    // Row 43: HLT retires (2 events), a faulting UD2 does not (1 event); the PMU counts what it is fed.
    @Test func onlyRetiredInstructionsAreCounted() throws {
        #expect(try run([.plain, .plain], pmc: ["gp0=instructions"]).pmu.value("gp0") == 2)
        let faulting = try run([.plain, .wrmsr(0x391, 0)], pmc: ["gp0=instructions"])
        #expect(faulting.faulted)
        #expect(faulting.pmu.value("gp0") == 1)
    }

    // Row 44: pmu_counters_test. WRMSR enables, MOV ECX,10, body × 10, MOV, XOR, XOR, WRMSR disables.
    @Test(arguments: [
        (UInt64(0x42_00C0), [Op.plain, .plain, .plain, .branch], UInt64(45)),  // CLFLUSH MFENCE MOV LOOP
        (0x42_00C4, [.plain, .plain, .plain, .branch], 10),
        (0x42_00C0, [.plain, .plain, .plain, .plain, .plain, .branch], 65),  // ENTER ... LEAVE LOOP
        (0x42_00C4, [.plain, .plain, .plain, .plain, .plain, .branch], 10),
    ])
    func selftestReplay(eventSelect: UInt64, body: [Op], expected: UInt64) throws {
        var ops: [Op] = [.wrmsr(0x186, eventSelect), .plain]
        for _ in 0..<10 { ops += body }
        ops += [.plain, .plain, .plain, .wrmsr(0x186, 0)]
        #expect(try run(ops).pmu.value("gp0") == expected)
    }

    // Row 44, v6.9 form: CLFLUSH, MFENCE before MOV ECX,10 and LOOP to itself.
    @Test func selftestReplayOriginalForm() throws {
        func ops(_ eventSelect: UInt64) -> [Op] {
            [.wrmsr(0x186, eventSelect), .plain, .plain, .plain] + repeated(.branch, 10)
                + [.plain, .plain, .plain, .wrmsr(0x186, 0)]
        }
        #expect(try run(ops(0x42_00C0)).pmu.value("gp0") == 17)
        #expect(try run(ops(0x42_00C4)).pmu.value("gp0") == 10)
    }

    /// kvm-unit-tests check_emulated_instr body: WRMSR GLOBAL_CTRL := 3, MOV, MOV, CMP, 5 × JNE,
    /// 5 × (MOV EAX,0xA; CPUID), MOV ECX,0x38F, XOR, XOR, WRMSR GLOBAL_CTRL := 0.
    static let kutBody: [Op] =
        [.wrmsr(0x38F, 3), .plain, .plain, .plain] + repeated(.branch, 5) + repeated(.plain, 10)
        + [.plain, .plain, .plain, .wrmsr(0x38F, 0)]
    static let kutCounters = ["gp0=branches,start=0xFFFFFFFFFFFB", "gp1=instructions,start=0xFFFFFFFFFFEA"]

    // Row 45.
    @Test func kutEmulatedInstructionReplay() throws {
        let guest = try run(Self.kutBody, pmc: Self.kutCounters, exitEvery: 1)
        #expect(guest.retired == 23)
        #expect(guest.pmu.value("gp0") == 0)
        #expect(guest.pmu.value("gp1") == 0)
        #expect(guest.pmu.overflows("gp0") == 1)
        #expect(guest.pmu.overflows("gp1") == 1)
        #expect(guest.pmu.globalStatus == 0x3)
    }

    // Row 46.
    @Test func kutReplayInOneBatchLosesBothOverflows() throws {
        let guest = try run(Self.kutBody, pmc: Self.kutCounters)
        #expect(guest.pmu.value("gp0") == 0)
        #expect(guest.pmu.value("gp1") == 0)
        #expect(guest.pmu.globalStatus == 0)
        #expect(guest.pmu.pmis.isEmpty)
    }

    // Row 47 (§8 E).
    @Test func downwardWriteInTheSameBatch() throws {
        let ops: [Op] = [.branch, .wrmsr(0xC2, 5)]
        let spec = ["gp1=branches,start=100,int"]
        let e3 = try run(ops, pmc: spec)
        #expect(e3.pmu.value("gp1") == 5)
        #expect(e3.pmu.overflows("gp1") == 0)
        #expect(e3.pmu.globalStatus == 0)
        let e2 = try run(ops, model: .prevCounter, pmc: spec)
        #expect(e2.pmu.value("gp1") == 5)
        #expect(e2.pmu.overflows("gp1") == 1)
        #expect(e2.pmu.globalStatus == 0x2)
        #expect(e2.pmu.pmis.count == 1)
    }

    // Row 48.
    @Test func legacyMSRsPastTheLastCounterAreDropped() throws {
        let pmu = try makePMU(.intel) { $0.gpCounters = 1 }
        #expect(pmu.writeMSR(0xC2, value: 0xFFFF))
        #expect(pmu.writeMSR(0x187, value: 0xFFFF))
        #expect(pmu.readMSR(0xC2) == 0)
        #expect(pmu.readMSR(0x187) == 0)
        for index: UInt32 in [0xC3, 0x188, 0x4C2] {
            #expect(!pmu.writeMSR(index, value: 0xFFFF))
            #expect(pmu.readMSR(index) == nil)
        }
        for vendor in Vendor.allCases {
            let none = try makePMU(vendor) { $0.version = 0 }
            #expect(none.counters.isEmpty)
            for index: UInt32 in [0xC1, 0xC001_0000] {
                #expect(none.writeMSR(index, value: 0xFFFF))
                #expect(none.readMSR(index) == 0)
            }
        }
    }

    // Row 49.
    @Test func presetOneMinusN() throws {
        let pmu = try makePMU(pmc: ["gp0=instructions,start=0xFFFFFFFFFFF7,int"])
        let guest = Guest(pmu, exitEvery: 10)
        guest.run(s1)
        #expect(pmu.value("gp0") == 1)
        #expect(pmu.globalStatus == 0x1)
        #expect(pmu.pmis.count == 1)
        guest.run([.wrmsr(0x390, 1)])
        #expect(pmu.value("gp0") == 2)
        #expect(pmu.globalStatus == 0)
    }

    // Row 56.
    @Test func lvtpcDeliveryStatusIsReadOnly() throws {
        let pmu = try makePMU()
        #expect(pmu.writeMSR(0x834, value: 0x1400))
        #expect(pmu.readMSR(0x834) == 0x400)
    }
}
