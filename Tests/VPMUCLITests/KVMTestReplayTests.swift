import Testing

/// The published KVM test expectations (pmu-semantics.md §16; checklist rows 44–46, 48, 49),
/// reproduced from guest code that reads its own counters back with RDPMC / RDMSR.
///
/// The guest programs were assembled with `as --64 -msyntax=intel -mnaked-reg`; the disassembly is
/// in the comments. Expected numbers are the kernel tests' own constants.
@Suite struct KVMTestReplayTests {
    typealias S = Snippet

    /// kvm-unit-tests x86/pmu.c `LOOP_ASM` in its Feb 2025 form (precise on Intel with GLOBAL_CTRL),
    /// preceded by a prologue that programs the counters with GLOBAL_CTRL off, so only the blob counts.
    /// `_wrmsr2` (IBPB) is `nop`, as KUT uses when IBPB is absent. RBX = N; buf = 0x600000.
    ///
    ///     mov ecx,0x38f; xor eax,eax; xor edx,edx; wrmsr        ; GLOBAL_CTRL := 0
    ///     mov ecx,0x186; mov eax,0x4300c0; wrmsr                ; EVTSEL0 := instructions, EN|OS|USR
    ///     mov ecx,0x187; mov eax,0x4300c4; wrmsr                ; EVTSEL1 := branches
    ///     mov ecx,0x38f; mov eax,3; mov esi,0x600000
    ///     wrmsr                                                 ; _wrmsr1: enable gp0|gp1 (counted)
    ///     mov edi,ecx; mov ecx,ebx; clflush [rsi]; mfence
    ///  1: mov rax,[rsi]; add rsi,64; nop ×7; loop 1b            ; 10 instructions, 1 branch × N
    ///     mov eax,1; xor edx,edx; mov ecx,73; nop               ; IBPB_JMP_ASM with _wrmsr2 = nop
    ///     call 3f; 3: pop rax; add rax,10; jmp rax; nop; 2: nop ; 9 instructions, 2 branches in all
    ///     mov ecx,edi; xor eax,eax; xor edx,edx; wrmsr          ; disable (the WRMSR is not counted)
    ///     xor ecx,ecx; rdpmc; shl rdx,32; or rax,rdx; mov r8,rax          ; gp0 → r8
    ///     mov ecx,1; rdpmc; shl rdx,32; or rax,rdx; mov r9,rax            ; gp1 → r9
    ///     mov ecx,0xc2; rdmsr; shl rdx,32; or rax,rdx; mov r10,rax        ; gp1 via IA32_PMC1 → r10
    static let kutLoop =
        "b98f03000031c031d20f30b986010000b8c00043000f30b987010000b8c40043000f30b98f030000b803000000"
        + "be000060000f3089cf89d90fae3e0faef0488b064883c64090909090909090e2f0b80100000031d2b94900000090"
        + "e8000000005848050a000000ffe0909089f931c031d20f3031c90f3348c1e2204809d04989c0b9010000000f33"
        + "48c1e2204809d04989c1b9c20000000f3248c1e2204809d04989c2"

    // KUT: LOOP_INSNS = N·10 + 17, LOOP_BRANCHES = N + 2. N is bounded by the 1 MiB data area
    // (64 bytes per iteration), so 16,383 is the largest N the default machine holds.
    @Test(arguments: [1, 10, 1000, 16383])
    func kutMainLoopCountsTenNPlusSeventeen(n: Int) throws {
        for every in ["", "--exit-every 1", "--exit-every 256"] {
            let run = try GuestRun(Self.kutLoop, "--reg rbx=\(n) \(every)")
            #expect(run.stopReason == "end")
            #expect(run.register("r8") == UInt64(10 * n + 17), "instructions read by RDPMC, \(every)")
            #expect(run.register("r9") == UInt64(n + 2), "branches read by RDPMC, \(every)")
            #expect(run.register("r10") == UInt64(n + 2), "branches read by RDMSR, \(every)")
        }
    }

    // Row 44, Nov 2024 form: wrmsr; mov ecx,10; 1: clflush [0x600000]; mfence; mov eax,[0x600000];
    // loop 1b; mov ecx,edi; xor eax,eax; xor edx,edx; wrmsr  ⇒ 10·4 + 5 = 45 instructions, 10 branches.
    static let selftest2024 =
        "0F 30 B9 0A 00 00 00 0F AE 3C 25 00 00 60 00 0F AE F0 8B 04 25 00 00 60 00 E2 EC 89 F9 31 C0 31 D2 0F 30"
    // v6.9 form: wrmsr; clflush [0x600000]; mfence; mov ecx,10; 1: loop 1b; mov ecx,edi; xor; xor; wrmsr
    //   ⇒ 10 + 7 = 17 instructions, 10 branches.
    static let selftestV69 = "0f30 0fae3c2500006000 0faef0 b90a000000 e2fe 89f9 31c0 31d2 0f30"
    // Sept 2025 form: wrmsr; mov ecx,10; 1: enter 0,0; clflush [0x600000]; mfence; mov eax,[0x600000];
    //   leave; loop 1b; mov ecx,edi; xor; xor; wrmsr  ⇒ 10·6 + 5 = 65 instructions, 10 branches.
    static let selftest2025 =
        "0f30 b90a000000 c8000000 0fae3c2500006000 0faef0 8b042500006000 c9 e2e7 89f9 31c0 31d2 0f30"
    static let selftestRegisters = "--reg rcx=0x186 --reg rdi=0x186 --reg rax="

    @Test(arguments: [(selftest2024, 45), (selftestV69, 17), (selftest2025, 65)])
    func row44SelftestMeasurementLoop(code: String, instructions: Int) throws {
        let counted = try GuestRun(code, Self.selftestRegisters + "0x4200C0")
        #expect(counted.value("gp0") == instructions)
        let branches = try GuestRun(code, Self.selftestRegisters + "0x4200C4")
        #expect(branches.value("gp0") == 10)
    }

    // The ENTER/LEAVE form exists because KVM's emulator counted them as branches: 30 with the quirk.
    @Test func row44EnterLeaveQuirkShowsThirtyBranches() throws {
        let run = try GuestRun(Self.selftest2025, Self.selftestRegisters + "0x4200C4 --quirk enter-leave-branch")
        #expect(run.value("gp0") == 30)
    }

    // Row 45: KUT check_emulated_instr. 23 instructions run; the disabling WRMSR is not counted, so
    // gp1 counts 22 from 2^48 − 22 and gp0 5 (the JNEs) from 2^48 − 5: both wrap to exactly 0.
    static let emulatedInstr =
        "0F 30 B8 01 00 00 00 BB 01 00 00 00 39 D8" + String(repeating: " 75 00", count: 5)
        + String(repeating: " B8 0A 00 00 00 0F A2", count: 5) + " B9 8F 03 00 00 31 C0 31 D2 0F 30"
    static let emulatedInstrOptions =
        "--reg rcx=0x38f --reg rax=3 --pmc gp0=branches,start=0xFFFFFFFFFFFB --pmc gp1=instructions,start=0xFFFFFFFFFFEA"

    @Test func row45EmulatedInstructionReplay() throws {
        let run = try GuestRun(Self.emulatedInstr, Self.emulatedInstrOptions + " --exit-every 1")
        #expect(run.instructions == 23)
        #expect(run.branches == 5)
        #expect(run.value("gp0") == 0)
        #expect(run.value("gp1") == 0)
        #expect(run.overflows("gp0") == 1)
        #expect(run.overflows("gp1") == 1)
        #expect(run.globalStatus == "0x3")
    }

    // Row 46: one batch — both PMCs are globally disabled at the only step after the wraps.
    @Test func row46SameInOneBatchLosesTheOverflows() throws {
        let run = try GuestRun(Self.emulatedInstr, Self.emulatedInstrOptions)
        #expect(run.value("gp0") == 0)
        #expect(run.value("gp1") == 0)
        #expect(run.globalStatus == "0x0")
        #expect(run.pmis.isEmpty)
    }

    // Row 48, `--gp-counters 1`: mov ecx,0xc2; mov eax,0xffff; xor edx,edx; wrmsr; rdmsr; mov r8,rax;
    // mov ecx,0x187; mov eax,0xffff; wrmsr; rdmsr; mov r9,rax — the legacy MSRs drop writes, read 0.
    @Test func row48LegacyMSRsPastTheLastCounterAreDropped() throws {
        let code = "b9c2000000b8ffff000031d20f300f324989c0b987010000b8ffff00000f300f324989c1"
        let run = try GuestRun(code, "--gp-counters 1 --reg r8=7 --reg r9=7")
        #expect(run.stopReason == "end")
        #expect(run.register("r8") == 0)
        #expect(run.register("r9") == 0)
        for msr in ["0xc3", "0x188", "0x4c2"] {
            let bad = try GuestRun(S.wrmsr, "--gp-counters 1 --reg rcx=\(msr)")
            #expect(bad.exception == "#GP", "WRMSR \(msr)")
        }
        for msr in ["0xc1", "0xc0010000"] {
            let dropped = try GuestRun(S.wrmsr + S.rdmsr, "--pmu-version 0 --reg rcx=\(msr) --reg rax=0xffff")
            #expect(dropped.stopReason == "end", "MSR \(msr)")
            #expect(dropped.register("rax") == 0, "MSR \(msr)")
        }
    }

    // Row 49, KUT check_counter_overflow: preset 1 − N for N = 10 counted instructions (S1 + W).
    @Test func row49PresetOneMinusN() throws {
        let options = "--pmc gp0=instructions,start=0xFFFFFFFFFFF7,int --reg rcx=0x390 --reg rax=1 --exit-every 10"
        let firstBatch = try GuestRun(S.s1 + S.wrmsr, options + " --max-instructions 10")
        #expect(firstBatch.value("gp0") == 1)
        #expect(firstBatch.globalStatus == "0x1")
        #expect(firstBatch.pmis.count == 1)
        let whole = try GuestRun(S.s1 + S.wrmsr, options)
        #expect(whole.value("gp0") == 2)
        #expect(whole.globalStatus == "0x0")
        #expect(whole.pmis.first?["step"] as? Int == 1)
        #expect(whole.pmis.first?["global_status"] as? String == "0x1")
    }

    /// `wrmsr; rdmsr; shl rdx,32; or rax,rdx; mov r8,rax; mov ecx,r12d; rdpmc; shl rdx,32; or rax,rdx;
    /// mov r9,rax` — writes EDX:EAX to MSR ECX, reads it back by RDMSR (r8) and by RDPMC index R12 (r9).
    static let writeReadBack = "0f300f3248c1e2204809d04989c04489e10f3348c1e2204809d04989c1"

    // KUT check_rdpmc: 0xFF0123456789 via IA32_PMC0 reads 0x23456789; via IA32_A_PMC0 reads it whole.
    @Test(arguments: [("0xc1", UInt64(0x2345_6789)), ("0x4c1", 0xFF01_2345_6789)])
    func kutCheckRDPMC(msr: String, expected: UInt64) throws {
        let run = try GuestRun(Self.writeReadBack, "--reg rcx=\(msr) --reg rdx=0xff01 --reg rax=0x23456789")
        #expect(run.register("r8") == expected)
        #expect(run.register("r9") == expected)
    }

    // KUT check_gp_counters_write_width: legacy writes of 0xFFFFFF0123456789 read 0x23456789; the
    // full-width MSR refuses it (bits above 47).
    @Test func kutWriteWidth() throws {
        let legacy = try GuestRun(Self.writeReadBack, "--reg rcx=0xc1 --reg rdx=0xffffff01 --reg rax=0x23456789")
        #expect(legacy.register("r8") == 0x2345_6789)
        let full = try GuestRun(Self.writeReadBack, "--reg rcx=0x4c1 --reg rdx=0xffffff01 --reg rax=0x23456789")
        #expect(full.exception == "#GP")
        #expect(full.stopRIP == "0x400000")
    }

    // pmu_counters_test: 0xFFFF and 0xDEAD written to every existing GP counter read back via both paths.
    @Test(arguments: ["0xffff", "0xdead"], 0..<8)
    func selftestCounterWriteReadBack(value: String, index: Int) throws {
        let run = try GuestRun(Self.writeReadBack, "--reg rcx=\(0xC1 + index) --reg rax=\(value) --reg r12=\(index)")
        let expected = UInt64(value.dropFirst(2), radix: 16)
        #expect(run.register("r8") == expected)
        #expect(run.register("r9") == expected)
    }

    // pmu_event_filter_test: `mov ecx,42; loop .` gives 42 branches when allowed, 0 when denied.
    @Test(arguments: [("allow,0xC4:0x00", 42), ("deny,0xC4:0x00", 0), ("deny,0xC0:0x00", 42), ("allow,0xC0:0x00", 0)])
    func eventFilterTestLoop(filter: String, branches: Int) throws {
        let run = try GuestRun("B9 2A 00 00 00 E2 FE", "--pmc gp0=branches --filter \(filter)")
        #expect(run.value("gp0") == branches)
    }
}
