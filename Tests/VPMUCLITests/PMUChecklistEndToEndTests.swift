import Testing

/// pmu-semantics.md §18 rows 1–51 and 57, end to end: the real guest bytes through `vpmu run --json`
/// (rows 52–56, guest PMI handlers, are in EmulatorTests/PMIDeliveryTests).
///
/// Every expected value is the spec's own (worked out there from §4–§13 by hand); where a row needs
/// a short derivation it is in the comment. VirtualPMUTests checks the same rows on the PMU alone.
@Suite struct PMUChecklistEndToEndTests {
    typealias S = Snippet
    static let m = Snippet.m
    static let counting = "--pmc gp0=instructions --pmc gp1=branches"

    @Test func row01PlainCounting() throws {
        let run = try GuestRun(S.s1, Self.counting)
        #expect(run.value("gp0") == 10)
        #expect(run.value("gp1") == 0)
        #expect(run.globalStatus == "0x0")
        #expect(run.pmis.isEmpty)
    }

    @Test func row02LoopTakenAndNotTakenAreBranches() throws {
        let run = try GuestRun(S.s2, Self.counting)
        #expect(run.instructions == 11)
        #expect(run.branches == 10)
        #expect(run.value("gp0") == 11)
        #expect(run.value("gp1") == 10)
    }

    @Test func row03NotTakenJccIsABranch() throws {
        let run = try GuestRun(S.s3, Self.counting)
        #expect(run.instructions == 3)
        #expect(run.branches == 2)
        #expect(run.value("gp0") == 3)
        #expect(run.value("gp1") == 2)
    }

    @Test func row04EnterLeaveAreNotBranches() throws {
        let plain = try GuestRun(S.s4, "--pmc gp1=branches")
        #expect(plain.instructions == 2)
        #expect(plain.branches == 0)
        #expect(plain.value("gp1") == 0)
        let quirk = try GuestRun(S.s4, "--pmc gp1=branches --quirk enter-leave-branch")
        #expect(quirk.value("gp1") == 2)
        #expect(quirk.branches == 0)  // the architectural field never follows a quirk
    }

    @Test func row05RepStringRetiresOnce() throws {
        let run = try GuestRun(S.s5, Self.counting)
        #expect(run.instructions == 4)
        #expect(run.branches == 0)
        #expect(run.value("gp0") == 4)
        #expect(run.register("rcx") == 0)
        #expect(run.register("rsi") == 0x60_0064)
    }

    @Test(arguments: ["intel", "amd"])
    func row06UnitMaskIsMatchedExactly(vendor: String) throws {
        #expect(try GuestRun(S.s1, "--vendor \(vendor) --pmc gp0=0xC0:0x01").value("gp0") == 0)
        #expect(try GuestRun(S.s1, "--vendor \(vendor) --pmc gp0=0xC0:0x00").value("gp0") == 10)
    }

    @Test func row07VendorBranchCodes() throws {
        let intel = try GuestRun(S.s2, "--pmc gp0=0xC4:0x00 --pmc gp1=0xC2:0x00")
        #expect(intel.value("gp0") == 10)
        #expect(intel.value("gp1") == 0)
        let amd = try GuestRun(S.s2, "--vendor amd --pmc gp0=0xC4:0x00 --pmc gp1=0xC2:0x00")
        #expect(amd.value("gp0") == 0)
        #expect(amd.value("gp1") == 10)
    }

    // CMASK 2, INV, EDGE set on an enabled instructions event select: the WRMSR counts itself.
    @Test(arguments: ["0x024300C0", "0xC300C0", "0x4700C0"])
    func row08CmaskInvEdgeIgnored(eventSelect: String) throws {
        let run = try GuestRun(S.wrmsr + S.s1, "--reg rcx=0x186 --reg rax=\(eventSelect)")
        #expect(run.value("gp0") == 11)
    }

    @Test(arguments: [
        ("3", "os", 0), ("3", "usr", 10), ("3", "usr,os", 10),
        ("0", "os", 10), ("0", "usr", 0), ("0", "usr,os", 10),
    ])
    func row09CPLFilter(cpl: String, rings: String, expected: Int) throws {
        let run = try GuestRun(S.s1, "--cpl \(cpl) --pmc gp0=instructions,\(rings)")
        #expect(run.value("gp0") == expected)
    }

    @Test func row10NeitherOSNorUSRNeverCounts() throws {
        #expect(try GuestRun(S.wrmsr + S.s1, "--reg rcx=0x186 --reg rax=0x4000C0").value("gp0") == 0)
    }

    @Test func row11FixedZeroCountsInstructions() throws {
        #expect(try GuestRun(S.s1, "--pmc fixed0=instructions").value("fixed0") == 10)
        #expect(try GuestRun(S.s2, "--pmc fixed0=instructions").value("fixed0") == 11)
    }

    @Test func row12FixedOneAndTwoGetNoEmulatedEvents() throws {
        let run = try GuestRun(S.s1, "--cycle-model none --pmc fixed1=cycles --pmc fixed2=ref-cycles")
        #expect(run.value("fixed1") == 0)
        #expect(run.value("fixed2") == 0)
    }

    @Test func row13RefreshValues() throws {
        let intel = try GuestRun(S.rdmsr, "--reg rcx=0x38f")
        #expect(intel.register("rax") == 0xFF)
        #expect(intel.register("rdx") == 0)
        let amd = try GuestRun(S.rdmsr, "--vendor amd --reg rcx=0xc0000301")
        #expect(amd.register("rax") == 0x3F)
    }

    @Test func row14GlobalEnable() throws {
        #expect(try GuestRun(S.wrmsr + S.s1, "--pmc gp0=instructions --reg rcx=0x38f").value("gp0") == 0)
    }

    @Test func row15VersionOneHasNoGlobalControl() throws {
        #expect(try GuestRun(S.s1, "--pmu-version 1 --pmc gp0=instructions").value("gp0") == 10)
        let read = try GuestRun(S.rdmsr, "--pmu-version 1 --reg rcx=0x38f")
        #expect(read.stopReason == "fault")
        #expect(read.exception == "#GP")
    }

    @Test func row16LocalEnable() throws {
        #expect(try GuestRun(S.wrmsr + S.s1, "--reg rcx=0x186 --reg rax=0x300C0").value("gp0") == 0)
    }

    @Test(arguments: ["emulated-counter", "prev-counter"])
    func row17SingleEventWrap(model: String) throws {
        let run = try GuestRun("90", "--model \(model) --pmc gp0=instructions,start=0xFFFFFFFFFFFF,int --exit-every 1")
        #expect(run.value("gp0") == 0)
        #expect(run.overflows("gp0") == 1)
        #expect(run.globalStatus == "0x1")
        #expect(run.pmis.count == 1)
    }

    @Test(arguments: ["emulated-counter", "prev-counter"], ["", "--exit-every 1", "--exit-every 3", "--exit-every 10"])
    func row18WrapOnTheFinalEvent(model: String, batching: String) throws {
        let run = try GuestRun(S.s1, "--model \(model) --pmc gp0=instructions,start=0xFFFFFFFFFFF6 \(batching)")
        #expect(run.value("gp0") == 0)
        #expect(run.overflows("gp0") == 1)
        #expect(run.globalStatus == "0x1")
    }

    @Test func row19NoWrapOneShort() throws {
        let run = try GuestRun(S.s1, "--pmc gp0=instructions,start=0xFFFFFFFFFFF5")
        #expect(run.value("gp0") == 281_474_976_710_655)
        #expect(run.overflows("gp0") == 0)
        #expect(run.globalStatus == "0x0")
    }

    // §8 A: two events in one batch; only the full-count comparison sees the wrap.
    @Test func row20MultiEventBatch() throws {
        let options = "--pmc gp0=instructions,start=0xFFFFFFFFFFFF,int --exit-every 2"
        let e3 = try GuestRun("90 90", options)
        #expect(e3.value("gp0") == 1)
        #expect(e3.overflows("gp0") == 1)
        #expect(e3.globalStatus == "0x1")
        #expect(e3.pmis.count == 1)
        let e2 = try GuestRun("90 90", options + " --model prev-counter")
        #expect(e2.value("gp0") == 1)
        #expect(e2.overflows("gp0") == 0)
        #expect(e2.globalStatus == "0x0")
        #expect(e2.pmis.isEmpty)
    }

    @Test(arguments: ["emulated-counter", "prev-counter"])
    func row21WrapOnLastOfTwo(model: String) throws {
        let run = try GuestRun("90 90", "--model \(model) --pmc gp0=instructions,start=0xFFFFFFFFFFFE")
        #expect(run.value("gp0") == 0)
        #expect(run.overflows("gp0") == 1)
    }

    // §8 C: batches 4,4,2 hide the wrap from prev-counter; batches of 3 end on it.
    @Test(arguments: [("emulated-counter", "4", 1), ("prev-counter", "4", 0), ("emulated-counter", "3", 1), ("prev-counter", "3", 1)])
    func row22MultiBatch(model: String, every: String, overflows: Int) throws {
        let run = try GuestRun(S.s1, "--model \(model) --pmc gp0=instructions,start=0xFFFFFFFFFFFD --exit-every \(every)")
        #expect(run.value("gp0") == 7)
        #expect(run.overflows("gp0") == overflows)
    }

    @Test func row23OverflowWithoutINT() throws {
        let run = try GuestRun("90", "--pmc gp0=instructions,start=0xFFFFFFFFFFFF --exit-every 1")
        #expect(run.globalStatus == "0x1")
        #expect(run.pmis.isEmpty)
    }

    @Test func row24StatusIsSticky() throws {
        let run = try GuestRun("90 90 90", "--pmc gp0=instructions,start=0xFFFFFFFFFFFF --exit-every 1")
        #expect(run.value("gp0") == 2)
        #expect(run.globalStatus == "0x1")
        #expect(run.overflows("gp0") == 1)
    }

    @Test func row25FixedStatusBit() throws {
        #expect(try GuestRun("90", "--pmc fixed0=instructions,start=0xFFFFFFFFFFFF").globalStatus == "0x100000000")
    }

    @Test func row26OnePMIPerStep() throws {
        let run = try GuestRun(
            "90", "--pmc gp0=instructions,start=0xFFFFFFFFFFFF,int --pmc gp1=instructions,start=0xFFFFFFFFFFFF,int")
        #expect(run.globalStatus == "0x3")
        #expect(run.overflows("gp0") == 1)
        #expect(run.overflows("gp1") == 1)
        #expect(run.pmis.count == 1)
    }

    // gp0 wraps in batch 1, gp1 in batch 2; Intel masked LVTPC after the first PMI, AMD did not.
    @Test func row27LVTPCMasking() throws {
        let options = "--pmc gp0=instructions,start=0xFFFFFFFFFFFF,int --pmc gp1=instructions,start=0xFFFFFFFFFFFE,int --exit-every 1"
        let intel = try GuestRun("90 90", options)
        #expect(intel.globalStatus == "0x3")
        #expect(intel.pmis.count == 1)
        #expect(intel.pmisSuppressed == 1)
        let amd = try GuestRun("90 90", options + " --vendor amd")
        #expect(amd.globalStatus == "0x3")
        #expect(amd.pmis.count == 2)
    }

    @Test func row28ReadsIncludePendingEvents() throws {
        let run = try GuestRun("90 90 90" + S.rdpmc, "--pmc gp0=instructions --exit-every 100")
        #expect(run.register("rax") == 3)
        #expect(run.value("gp0") == 4)
    }

    @Test func row29WRMSRCountedAfterItsWrite() throws {
        let run = try GuestRun(S.wrmsr + S.rdmsr, "--pmc gp0=instructions --reg rcx=0xc1 --reg rax=100")
        #expect(run.register("rax") == 101)
        #expect(run.value("gp0") == 102)
    }

    @Test(arguments: ["emulated-counter", "prev-counter"])
    func row30WriteDiscardsPendingEvents(model: String) throws {
        let run = try GuestRun(
            "90" + S.wrmsr, "--model \(model) --pmc gp0=instructions,start=0xFFFFFFFFFFFF --reg rcx=0xc1 --reg rax=5")
        #expect(run.value("gp0") == 6)
        #expect(run.overflows("gp0") == 0)
        #expect(run.globalStatus == "0x0")
    }

    // W (enable, counts) + 5 NOPs + xor eax,eax + W (disable, does not count) = 7.
    @Test func row31EnableCountedDisableNot() throws {
        let code = S.wrmsr + String(repeating: "90", count: 5) + "31 C0" + S.wrmsr
        #expect(try GuestRun(code, "--reg rcx=0x186 --reg rax=0x4300C0").value("gp0") == 7)
    }

    @Test func row32DisabledAtStepDropsOverflow() throws {
        let run = try GuestRun("90" + S.wrmsr, "--pmc gp0=instructions,start=0xFFFFFFFFFFFF,int --reg rcx=0x186")
        #expect(run.value("gp0") == 0)
        #expect(run.overflows("gp0") == 0)
        #expect(run.globalStatus == "0x0")
        #expect(run.pmis.isEmpty)
    }

    @Test func row33INTLatchedAtCreation() throws {
        let run = try GuestRun(S.wrmsr, "--pmc gp0=instructions,start=0xFFFFFFFFFFFF --reg rcx=0x186 --reg rax=0x5300C0")
        #expect(run.value("gp0") == 0)
        #expect(run.globalStatus == "0x1")
        #expect(run.overflows("gp0") == 1)
        #expect(run.pmis.isEmpty)
    }

    @Test(arguments: [("0xfffffffe", 0xFFFF_FFFF_FFFE), ("0x80000000", 0xFFFF_8000_0000), ("0x7fffffff", 0x7FFF_FFFF)])
    func row34LegacySignExtension(eax: String, expected: Int) throws {
        let run = try GuestRun(S.wrmsr, "--reg rcx=0xc1 --reg rdx=0x1234 --reg rax=\(eax)")
        #expect(run.value("gp0") == expected)
    }

    // The write stores M − 1; the WRMSR's own event makes M (no wrap); the NOP wraps to 0.
    @Test func row35NoSpuriousOverflowFromSignExtension() throws {
        let options = "--pmc gp0=instructions --reg rcx=0xc1 --reg rax=0xfffffffe --exit-every 1"
        let afterWrite = try GuestRun(S.wrmsr + "90", options + " --max-instructions 1")
        #expect(afterWrite.value("gp0") == Self.m)
        #expect(afterWrite.overflows("gp0") == 0)
        let whole = try GuestRun(S.wrmsr + "90", options)
        #expect(whole.value("gp0") == 0)
        #expect(whole.overflows("gp0") == 1)
    }

    @Test func row36FullWidthLimit() throws {
        let bad = try GuestRun(S.wrmsr, "--reg rcx=0x4c1 --reg rdx=0x10000")
        #expect(bad.stopReason == "fault")
        #expect(bad.exception == "#GP")
        #expect(bad.stopRIP == "0x400000")
        #expect(bad.instructions == 0)
        let good = try GuestRun(S.wrmsr, "--reg rcx=0x4c1 --reg rdx=0xffff --reg rax=0xffffffff")
        #expect(good.value("gp0") == Self.m)
    }

    @Test func row37StatusClear() throws {
        let run = try GuestRun(
            "90" + S.wrmsr + S.rdmsr, "--pmc gp0=instructions,start=0xFFFFFFFFFFFF --exit-every 1 --reg rcx=0x390 --reg rax=1")
        #expect(run.globalStatus == "0x0")
        #expect(run.overflows("gp0") == 1)
        #expect(run.register("rax") == 0)
    }

    @Test(arguments: [
        "--reg rcx=0x38e", "--reg rcx=0x186 --reg rax=0x200000", "--reg rcx=0x186 --reg rdx=0x8",
        "--reg rcx=0x38d --reg rax=0x4", "--reg rcx=0x38f --reg rax=0x100", "--reg rcx=0x390 --reg rax=0x100",
    ])
    func row38IntelGPCases(registers: String) throws {
        let run = try GuestRun(S.wrmsr, registers)
        #expect(run.stopReason == "fault")
        #expect(run.exception == "#GP")
    }

    @Test func row38OverflowControlAcceptsBits62And63() throws {
        #expect(try GuestRun(S.wrmsr, "--reg rcx=0x390 --reg rdx=0xC0000000").stopReason == "end")
    }

    @Test func row39AMDDropsReservedBits() throws {
        let run = try GuestRun(
            S.wrmsr + S.rdmsr, "--vendor amd --reg rcx=0xc0010200 --reg rax=0x6B00C0 --reg rdx=0xfffffff0")
        #expect(run.register("rax") == 0x43_00C0)
        #expect(run.register("rdx") == 0)
    }

    // GLOBAL_CTL := ~0 → r8; STATUS_SET := 0xFF → r9; STATUS_CLR := 1 → r10; GLOBAL_STATUS → r11.
    //   mov ecx,0xc0000301; mov eax,-1; mov edx,-1; wrmsr; rdmsr; mov r8,rax
    //   mov ecx,0xc0000303; mov eax,0xff; xor edx,edx; wrmsr; rdmsr; mov r9,rax
    //   mov ecx,0xc0000302; mov eax,1; wrmsr; rdmsr; mov r10,rax
    //   mov ecx,0xc0000300; rdmsr; mov r11,rax
    @Test func row40AMDGlobalMSRs() throws {
        let code =
            "b9010300c0 b8ffffffff baffffffff 0f30 0f32 4989c0"
            + "b9030300c0 b8ff000000 31d2 0f30 0f32 4989c1"
            + "b9020300c0 b801000000 0f30 0f32 4989c2"
            + "b9000300c0 0f32 4989c3"
        let run = try GuestRun(code, "--vendor amd")
        #expect(run.register("r8") == 0x3F)
        #expect(run.register("r9") == 0)
        #expect(run.register("r10") == 0)
        #expect(run.register("r11") == 0x3E)
        #expect(run.globalStatus == "0x3e")
    }

    @Test(arguments: [
        "--reg rcx=0x80000000", "--reg rcx=0x20000000", "--reg rcx=8", "--reg rcx=0x40000003", "--cpl 3",
        "--vendor amd --reg rcx=6",
    ])
    func row41RDPMCFaults(options: String) throws {
        let run = try GuestRun(S.rdpmc, options)
        #expect(run.stopReason == "fault")
        #expect(run.exception == "#GP")
    }

    @Test func row41RDPMCReads() throws {
        let fixed = try GuestRun(S.rdpmc, "--reg rcx=0x40000000 --pmc fixed0=instructions,start=1234")
        #expect(fixed.register("rax") == 1234)
        let user = try GuestRun(S.rdpmc, "--cpl 3 --reg cr4=0x100 --pmc gp0=instructions,start=77")
        #expect(user.stopReason == "end")
        #expect(user.register("rax") == 77)
    }

    @Test func row42EventFilter() throws {
        let counters = Self.counting + " --pmc fixed0=instructions"
        let deny = try GuestRun(S.s2, counters + " --filter deny,0xC0:0x00")
        #expect(deny.value("gp0") == 0)
        #expect(deny.value("gp1") == 10)
        #expect(deny.value("fixed0") == 11)
        let denyFixed = try GuestRun(S.s2, counters + " --filter deny,0xC0:0x00,fixed=0x1")
        #expect(denyFixed.value("fixed0") == 0)
    }

    @Test func row43HLTRetiresFaultsDoNot() throws {
        let halt = try GuestRun("90 F4", "--pmc gp0=instructions")
        #expect(halt.instructions == 2)
        #expect(halt.value("gp0") == 2)
        #expect(halt.stopReason == "hlt")
        #expect(halt.stopRIP == "0x400002")
        let ud = try GuestRun("90 0F 0B", "--pmc gp0=instructions")
        #expect(ud.instructions == 1)
        #expect(ud.value("gp0") == 1)
        #expect(ud.stopReason == "fault")
        #expect(ud.exception == "#UD")
        #expect(ud.stopRIP == "0x400001")
    }

    // Rows 44–46 and 48–49 are the kernel-test replays in KVMTestReplayTests.

    // Rows 50, 51, 57: the cycle side (cycle-model.md §2–§3; NOP 1, WRMSR 100, RDPMC 25, XOR 1).

    // 5 NOPs count 5; the disabling WRMSR is charged (configuration as the instruction starts) = 100.
    @Test func row50CycleSideFollowsLiveEnables() throws {
        let code = String(repeating: "90", count: 5) + S.wrmsr + String(repeating: "90", count: 5)
        #expect(try GuestRun(code, "--pmc gp0=cycles --reg rcx=0x186").value("gp0") == 105)
    }

    // From 2^48 − 5, the 5th NOP wraps at once (reported once, not again at the fold); its PMI waits
    // for the next step, which is the final one: accepted, not vectored.
    @Test func row51CycleWrapReportedOnce() throws {
        let run = try GuestRun(S.s1, "--pmc gp0=cycles,start=0xFFFFFFFFFFFB,int")
        #expect(run.value("gp0") == 5)
        #expect(run.overflows("gp0") == 1)
        #expect(run.globalStatus == "0x1")
        #expect(run.pmis.count == 1)
        #expect(run.pmis.first?["vectored"] as? Bool == false)
    }

    // xor ecx,ecx (1); RDPMC reads 1 (its own 25 is charged after it); the second reads 26; final 51.
    @Test func row57AReadExcludesItsOwnCost() throws {
        let run = try GuestRun("31 C9" + S.rdpmc + S.rdpmc, "--pmc gp0=cycles")
        #expect(run.register("rax") == 26)
        #expect(run.value("gp0") == 51)
    }

    @Test(arguments: [("emulated-counter", 0, "0x0", 0), ("prev-counter", 1, "0x2", 1)])
    func row47DownwardWriteInTheSameBatch(model: String, overflows: Int, status: String, pmis: Int) throws {
        let run = try GuestRun(
            "EB 00" + S.wrmsr, "--model \(model) --pmc gp1=branches,start=100,int --reg rcx=0xc2 --reg rax=5")
        #expect(run.value("gp1") == 5)
        #expect(run.overflows("gp1") == overflows)
        #expect(run.globalStatus == status)
        #expect(run.pmis.count == pmis)
    }
}
