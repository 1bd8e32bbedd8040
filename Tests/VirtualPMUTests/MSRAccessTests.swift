import Testing
import VirtualPMU

/// Guest RDMSR/WRMSR paths of pmu-semantics.md §10–§12 on both vendors: values, #GP, silent drops.
@Suite struct MSRAccessTests {
    // §10.3 / §5: legacy counters sign-extend bit 31 and never #GP; the full-width alias takes 48 bits.
    @Test func intelCounterMSRs() throws {
        let pmu = try makePMU(.intel)
        #expect(pmu.writeMSR(0xC1, value: 0xFF01_2345_6789))  // check_rdpmc: legacy keeps the low 32 bits
        #expect(pmu.readMSR(0xC1) == 0x2345_6789)
        #expect(pmu.writeMSR(0xC8, value: 0xFFFF_FF01_2345_6789))
        #expect(pmu.readMSR(0xC8) == 0x2345_6789)
        #expect(pmu.writeMSR(0x4C1, value: 0xFF01_2345_6789))
        #expect(pmu.readMSR(0x4C1) == 0xFF01_2345_6789)
        #expect(pmu.readMSR(0xC1) == 0xFF01_2345_6789)
        #expect(pmu.readPMC(ecx: 0, cpl: 0, cr4PCE: false) == 0xFF01_2345_6789)
        #expect(!pmu.writeMSR(0x4C1, value: 0xFFFF_FF01_2345_6789))
        #expect(pmu.readMSR(0x4C9) == nil)
        #expect(pmu.readMSR(0xC9) == nil)
        // Fixed counters: masked, never #GP.
        #expect(pmu.writeMSR(0x309, value: 0xFFFF_0000_0000_0005))
        #expect(pmu.readMSR(0x309) == 5)
        #expect(pmu.writeMSR(0x30B, value: 0xDEAD))
        #expect(pmu.readMSR(0x30B) == 0xDEAD)
        #expect(pmu.readMSR(0x30C) == nil)
        #expect(!pmu.writeMSR(0x30C, value: 0))
        let report = pmu.counter("gp0")
        #expect(report?.isProgrammed == true)
        #expect(report?.event == "0x00:0x00")
        #expect(pmu.counter("gp1")?.isProgrammed == false)
        #expect(pmu.counter("gp1")?.event == nil)
    }

    // §10.1: without FW_WRITES the 0x4C1 block does not exist and PERF_CAPABILITIES reads 0.
    @Test func fullWidthAliasNeedsFWWrites() throws {
        let pmu = try makePMU(.intel) { $0.fullWidthWrites = false }
        #expect(pmu.readMSR(0x4C1) == nil)
        #expect(!pmu.writeMSR(0x4C1, value: 1))
        #expect(pmu.readMSR(0x345) == 0)
        #expect(try makePMU(.intel).readMSR(0x345) == 0x2000)
        #expect(try makePMU(.intel) { $0.version = 1 }.readMSR(0x345) == 0x2000)
        #expect(try makePMU(.intel) { $0.version = 0 }.readMSR(0x345) == nil)
        #expect(try !makePMU(.intel).writeMSR(0x345, value: 0x2000))
    }

    // §10.3: event selects #GP on reserved bits, otherwise store and read back.
    @Test func intelEventSelects() throws {
        let pmu = try makePMU(.intel)
        #expect(pmu.writeMSR(0x186, value: 0xFFDF_FFFF))  // every architectural bit but 21
        #expect(pmu.readMSR(0x186) == 0xFFDF_FFFF)
        #expect(!pmu.writeMSR(0x18D, value: 1 << 32))
        #expect(!pmu.writeMSR(0x18D, value: 1 << 21))
        #expect(pmu.readMSR(0x18D) == 0)
        #expect(pmu.readMSR(0x18E) == nil)
        #expect(pmu.counter("gp0")?.event == "0xff:0xff")
    }

    // §10.2–§10.3: FIXED_CTR_CTRL allows 0xBBB with three fixed counters.
    @Test func intelFixedCounterControl() throws {
        let pmu = try makePMU(.intel)
        #expect(pmu.writeMSR(0x38D, value: 0xBBB))
        #expect(pmu.readMSR(0x38D) == 0xBBB)
        #expect(pmu.counter("fixed2")?.eventSelect == 0xB)
        #expect(pmu.counter("fixed2")?.event == "0x00:0x03")
        #expect(!pmu.writeMSR(0x38D, value: 0x1000))  // a fourth nibble
        #expect(!pmu.writeMSR(0x38D, value: 0x400))  // AnyThread of fixed2
        let two = try makePMU(.intel) { $0.fixedCounters = 2 }
        #expect(!two.writeMSR(0x38D, value: 0xB00))
        #expect(two.writeMSR(0x38D, value: 0xBB))
    }

    // §10.3: GLOBAL_CTRL reserved bits, read-only GLOBAL_STATUS, OVF_CTRL clears.
    @Test func intelGlobalMSRs() throws {
        let pmu = try makePMU(.intel)
        #expect(pmu.writeMSR(0x38F, value: 0x7_0000_00FF))
        #expect(pmu.readMSR(0x38F) == 0x7_0000_00FF)
        #expect(!pmu.writeMSR(0x38F, value: 0x8_0000_0000))
        #expect(!pmu.writeMSR(0x38F, value: 1 << 62))
        #expect(!pmu.writeMSR(0x38E, value: 0))
        #expect(pmu.readMSR(0x38E) == 0)
        #expect(pmu.writeMSR(0x390, value: 0xC000_0007_0000_00FF))
        #expect(!pmu.writeMSR(0x390, value: 0x8_0000_0000))
        #expect(pmu.readMSR(0x390) == 0)
        #expect(pmu.readMSR(0x391) == nil)  // GLOBAL_STATUS_SET is not provided
        #expect(!pmu.writeMSR(0x391, value: 1))
        let fewer = try makePMU(.intel) { $0.gpCounters = 4 }
        #expect(fewer.readMSR(0x38F) == 0xF)
        #expect(!fewer.writeMSR(0x38F, value: 0x10))
    }

    // §1, §10.1: version 1 has no fixed counters and no global MSRs.
    @Test func intelVersionOneMSRs() throws {
        let pmu = try makePMU(.intel) { $0.version = 1 }
        for index: UInt32 in [0x309, 0x38D, 0x38E, 0x38F, 0x390] {
            #expect(pmu.readMSR(index) == nil)
            #expect(!pmu.writeMSR(index, value: 0))
        }
        #expect(pmu.counters.map(\.name) == ["gp0", "gp1", "gp2", "gp3", "gp4", "gp5", "gp6", "gp7"])
    }

    // §10.4 from the Intel side: the AMD K7 block is dropped, other AMD MSRs #GP.
    @Test func intelSeesAMDMSRs() throws {
        let pmu = try makePMU(.intel)
        #expect(pmu.writeMSR(0xC001_0000, value: 0x43_00C0))
        #expect(pmu.readMSR(0xC001_0007) == 0)
        for index: UInt32 in [0xC001_0200, 0xC001_0201, 0xC000_0300, 0xC000_0301, 0xC000_0302, 0xC000_0303] {
            #expect(pmu.readMSR(index) == nil)
            #expect(!pmu.writeMSR(index, value: 0))
        }
    }

    // §11: PERF_CTLn drop reserved bits, PERF_CTRn mask without sign extension, K7 aliases n = 0–3.
    @Test func amdCounterAndEventSelectMSRs() throws {
        let pmu = try makePMU(.amd)
        #expect(pmu.writeMSR(0xC001_0201, value: 0xFFFF_FFFF_8000_0001))
        #expect(pmu.readMSR(0xC001_0201) == 0xFFFF_8000_0001)
        #expect(pmu.readMSR(0xC001_0004) == 0xFFFF_8000_0001)
        #expect(pmu.writeMSR(0xC001_0007, value: 0x1234))
        #expect(pmu.readMSR(0xC001_0207) == 0x1234)
        #expect(pmu.writeMSR(0xC001_0003, value: 0xF_0043_01C0))  // event 0xFC0 is 12 bits: bits 35:32 kept
        #expect(pmu.readMSR(0xC001_0206) == 0xF_0043_01C0)
        #expect(pmu.counter("gp3")?.event == "0xfc0:0x01")
        #expect(pmu.writeMSR(0xC001_020A, value: .max))
        #expect(pmu.readMSR(0xC001_020A) == ~UInt64(0xFFFF_FFF0_0028_0000))
        #expect(pmu.readMSR(0xC001_020C) == nil)
        #expect(!pmu.writeMSR(0xC001_020D, value: 0))
        #expect(pmu.readPMC(ecx: 3, cpl: 0, cr4PCE: false) == 0x1234)
    }

    // §11: GLOBAL_STATUS write ignored, GLOBAL_CTL masked, STATUS_SET limited to counters.
    @Test func amdGlobalStatusWritesAreIgnored() throws {
        let pmu = try makePMU(.amd)
        #expect(pmu.writeMSR(0xC000_0303, value: 0x3))
        #expect(pmu.writeMSR(0xC000_0300, value: 0))
        #expect(pmu.globalStatus == 0x3)
        #expect(pmu.writeMSR(0xC000_0303, value: 0xFFFF_FFFF_0000_0000))
        #expect(pmu.globalStatus == 0x3)
        #expect(pmu.writeMSR(0xC000_0301, value: 0x1_0000_0001))
        #expect(pmu.readMSR(0xC000_0301) == 0x1)
    }

    // §11 + kernel: K7 MSRs exist from version 1, PERF_CTLn only with PERFCTR_CORE, globals with v2.
    @Test func amdVersionsAndCounterCounts() throws {
        let v1 = try makePMU(.amd) { $0.version = 1 }
        #expect(v1.writeMSR(0xC001_020A, value: 0x43_00C0))  // 6 counters ⇒ PERFCTR_CORE
        for index: UInt32 in [0xC000_0300, 0xC000_0301, 0xC000_0302, 0xC000_0303] {
            #expect(v1.readMSR(index) == nil)
            #expect(!v1.writeMSR(index, value: 0))
        }
        let k7 = try makePMU(.amd) {
            $0.version = 1
            $0.gpCounters = 4
        }
        #expect(k7.writeMSR(0xC001_0003, value: 0x43_00C0))
        #expect(k7.readMSR(0xC001_0003) == 0x43_00C0)
        #expect(k7.readMSR(0xC001_0200) == nil)
        #expect(!k7.writeMSR(0xC001_0201, value: 0))
        // Kernel: amd_is_valid_msr() accepts the whole K7 block when version > 0, then
        // amd_pmu_set_msr() fails for a counter past nGP, so it is #GP, not dropped.
        let two = try makePMU(.amd) { $0.gpCounters = 2 }
        #expect(!two.writeMSR(0xC001_0002, value: 0))
        #expect(two.readMSR(0xC001_0006) == nil)
        #expect(two.readMSR(0xC001_0001) == 0)
        let none = try makePMU(.amd) { $0.version = 0 }
        #expect(none.writeMSR(0xC001_0003, value: 1))
        #expect(none.readMSR(0xC001_0000) == 0)
        #expect(none.readMSR(0xC001_0200) == nil)
        #expect(none.readPMC(ecx: 0, cpl: 0, cr4PCE: false) == nil)
    }

    // §10.4 from the AMD side: Intel's legacy four are dropped, other Intel MSRs #GP.
    @Test func amdSeesIntelMSRs() throws {
        let pmu = try makePMU(.amd)
        for index: UInt32 in [0xC1, 0xC2, 0x186, 0x187] {
            #expect(pmu.writeMSR(index, value: 0x43_00C0))
            #expect(pmu.readMSR(index) == 0)
        }
        for index: UInt32 in [0xC3, 0x188, 0x4C1, 0x309, 0x345, 0x38D] {
            #expect(pmu.readMSR(index) == nil)
            #expect(!pmu.writeMSR(index, value: 0))
        }
    }

    // Kernel, not spec: kvm_pmu_is_valid_msr() gates IA32_PERF_GLOBAL_* on version > 1 only, so an AMD
    // PerfMonV2 guest reaches them with Intel semantics (pmu-semantics.md §12 would #GP).
    @Test func amdPerfMonV2AlsoAnswersIntelGlobalMSRs() throws {
        let pmu = try makePMU(.amd)
        #expect(pmu.readMSR(0x38F) == 0x3F)
        #expect(!pmu.writeMSR(0x38F, value: 0x40))
        #expect(pmu.writeMSR(0x38F, value: 0x1))
        #expect(pmu.readMSR(0xC000_0301) == 0x1)
        #expect(!pmu.writeMSR(0x38E, value: 0))
        #expect(pmu.writeMSR(0xC000_0303, value: 0x3))
        #expect(pmu.writeMSR(0x390, value: 0x1))
        #expect(pmu.readMSR(0x38E) == 0x2)
        #expect(try makePMU(.amd) { $0.version = 1 }.readMSR(0x38F) == nil)
    }

    // §12: LVTPC accepts fixed and NMI modes, vector and mask; bit 12 ignored; anything else #GP.
    @Test(arguments: Vendor.allCases)
    func lvtpcRules(vendor: Vendor) throws {
        let pmu = try makePMU(vendor)
        #expect(pmu.readMSR(0x834) == 0x400)
        #expect(pmu.writeMSR(0x834, value: 0x1_0040))
        #expect(pmu.readMSR(0x834) == 0x1_0040)
        #expect(pmu.writeMSR(0x834, value: 0x1440))
        #expect(pmu.lvtpc == 0x440)
        for bad: UInt64 in [0x100, 0x200, 0x500, 0x700, 0x2000, 0x2_0000, 0x8000, 1 << 32] {
            #expect(!pmu.writeMSR(0x834, value: bad))
        }
        #expect(pmu.lvtpc == 0x440)
    }

    // §12: EOI accepts only 0 and cannot be read; unlisted MSRs #GP.
    @Test(arguments: Vendor.allCases)
    func eoiAndUnlistedMSRs(vendor: Vendor) throws {
        let pmu = try makePMU(vendor)
        #expect(pmu.writeMSR(0x80B, value: 0))
        #expect(!pmu.writeMSR(0x80B, value: 1))
        #expect(pmu.readMSR(0x80B) == nil)
        for index: UInt32 in [0x10, 0x1A0, 0x3F1, 0x600, 0xC000_0080] {
            #expect(pmu.readMSR(index) == nil)
            #expect(!pmu.writeMSR(index, value: 0))
        }
    }

    // §5, §6.3: the step compares against the written value, so events after a write to M overflow.
    @Test func eventsAfterAWriteAreCheckedAgainstTheWrittenValue() throws {
        let pmu = try makePMU(pmc: ["gp0=instructions,int"])
        let guest = Guest(pmu)
        guest.run([.wrmsr(0x4C1, M), .plain])  // WRMSR to M, its own event wraps to 0, NOP → 1
        #expect(pmu.value("gp0") == 1)
        #expect(pmu.overflows("gp0") == 1)
        #expect(pmu.counter("gp0")?.wraps == 1)
    }
}
