import Emulator
import Testing
import VirtualPMU

/// Guest PMI and exception delivery through the IDT (isa-subset.md §7, pmu-semantics.md §6.5,
/// checklist 52–56). Expected values are derived by hand from the spec in each comment.
@Suite struct PMIDeliveryTests {
    typealias Options = GuestProgram.Options

    /// pmi-handler-*.hex: the guest arms gp0 (AMD PERF_CTR0) at 2^48 − K, K = 20, enables it with INT
    /// (that WRMSR is event 1), then runs `mov r8d, 100`, 100 × (dec r8d; jnz), `mov r15, [count]`,
    /// hlt: T = 203 main instructions after the arming WRMSR. The NMI handler increments [0x600800],
    /// reads GLOBAL_STATUS into r14 (bit 0 is set then: r14 = 1), clears the status bit, re-arms the counter at 2^48 − K (that WRMSR's own event leaves it at
    /// 2^48 − 19), optionally unmasks LVTPC (4 more events) and IRETQs (1 event): h = 2 or 6 events of
    /// the next period come from the handler. With --exit-every 1 each wrap is vectored at the step
    /// right after its instruction, unless it is the last one (the final step only records).
    ///
    /// First wrap: main instruction K − 1 = 19. Later wraps every K − h main instructions.
    /// h = 6: 19 + 14j ≤ 202 ⇒ j ≤ 13 ⇒ 14 handler runs. h = 2: 19 + 18j ≤ 202 ⇒ 11 runs.
    /// Intel without unmask: LVTPC is masked by the first PMI (a16eb25b09c0), so the handler runs once;
    /// the wrap at 19 + 18 = 37 is consumed by the masked LVTPC (suppressed, status bit stays set) and,
    /// with no handler to re-arm, gp0 never wraps again. AMD leaves LVTPC unmasked (v6.9): 11 runs.
    @Test(arguments: [
        ("pmi-handler-intel", Vendor.intel, 1, 1, "0x1"),
        ("pmi-handler-intel-unmask", Vendor.intel, 14, 0, "0x0"),
        ("pmi-handler-amd", Vendor.amd, 11, 0, "0x0"),
        ("pmi-handler-amd-unmask", Vendor.amd, 14, 0, "0x0"),
    ] as [(String, Vendor, UInt64, Int, String)])
    func handlerCountFollowsTheSpec(_ program: String, _ vendor: Vendor, _ runs: UInt64, _ suppressed: Int,
        _ status: String) throws
    {
        let result = try GuestProgram.run(try GuestProgram.load(program), Options(vendor: vendor, exitEvery: 1))
        #expect(result.stop == .hlt)
        // r15 = the handler's count in guest memory, loaded before the HLT.
        #expect(GuestProgram.register(result, "r15") == runs)
        #expect(result.pmis.count == Int(runs))
        #expect(result.pmis.allSatisfy { $0.vectored && $0.mode == "nmi" && $0.vector == 2 })
        #expect(result.pmisSuppressed == suppressed)
        #expect(hex(result.globalStatus) == status)
        #expect(GuestProgram.register(result, "r14") == 1)
        // 13 setup instructions (IDT 5, counter write 4, enable 4) + 203 main + runs × handler length
        // (13 instructions, 17 with the unmask; the status read comes before the re-arm, so the
        // period arithmetic above is unchanged).
        let handlerLength: UInt64 = program.hasSuffix("unmask") ? 17 : 13
        #expect(result.instructions == 13 + 203 + runs * handlerLength)
    }

    @Test func stiShadowHoldsAFixedModePMIForOneInstruction() throws {
        // Checklist 52: the PMI from the wrap at the first NOP is accepted while IF = 0 and held; after
        // STI the shadow instruction INC R9 runs first, so the handler sees r9 = 1.
        let result = try GuestProgram.run(try GuestProgram.load("sti-shadow"), Options(exitEvery: 1))
        #expect(GuestProgram.register(result, "r10") == 1)
        #expect(GuestProgram.register(result, "r9") == 2)
        // Accepted at the step after instruction 18 (IDT 5, three 4-instruction WRMSR groups, the NOP).
        #expect(result.pmis.map(\.step) == [18])
        #expect(result.pmis.first?.mode == "fixed")
        #expect(result.pmis.first?.vector == 0x40)
        #expect(result.pmis.first?.vectored == true)
    }

    @Test func windowExitEndsTheBatchAfterTheShadowInstruction() throws {
        // Checklist 53, fixed mode: with --exit-every 1000 --exit-on msr the batches end at the three
        // WRMSRs (1–3) and the RDMSR (4; its step accepts the PMI, held since IF = 0), then at the window
        // after STI; INC R9 (5; its step vectors), at the handler's EOI WRMSR (6) and at HLT (7).
        // Without the window exit the PMI would wait for the final step: 5 exits and no handler.
        let result = try GuestProgram.run(
            try GuestProgram.load("sti-shadow"), Options(exitEvery: 1000, exitOn: [.msr]))
        #expect(result.exits == 7)
        #expect(GuestProgram.register(result, "r10") == 1)
        #expect(result.pmis.map(\.step) == [4])
        #expect(result.pmis.first?.vectored == true)
    }

    @Test func nmiAcceptedInsideTheNMIHandlerIsVectoredAfterItsIRETQ() throws {
        // Checklist 53, NMI mode: PMI 1 is vectored at step 3 (after the RDMSR). Its handler unmasks
        // LVTPC (exit 4) and writes gp0 := 2^48 − 1, whose own event wraps it (exit 5, PMI 2 accepted,
        // held: NMIs are blocked). The IRETQ opens the NMI window (exit 6) and PMI 2 is vectored before
        // any main instruction runs: the second entry computes rbx = r14 + 0x100 = 0x100. HLT ends
        // exit 7; main's three INC R14 run after both handlers.
        let result = try GuestProgram.run(
            try GuestProgram.load("nmi-in-nmi"), Options(exitEvery: 1000, exitOn: [.msr]))
        #expect(result.exits == 7)
        #expect(GuestProgram.register(result, "r12") == 2)
        #expect(GuestProgram.register(result, "rbx") == 0x100)
        #expect(GuestProgram.register(result, "r14") == 3)
        #expect(result.pmis.map(\.step) == [3, 5])
        #expect(result.pmis.map(\.vectored) == [true, true])
    }

    @Test func fixedModePMIStaysInServiceWithoutEOI() throws {
        // Checklist 54: IF = 1 from the start; the handler re-arms gp0 (2^48 − 3, then its WRMSR and the
        // IRETQ make it 2^48 − 1) and unmasks LVTPC but never writes EOI, so the wrap at the next NOP is
        // accepted (pmis[1]) and never vectored; the handler ran once.
        let result = try GuestProgram.run(
            try GuestProgram.load("in-service"), Options(exitEvery: 1, registers: ["rflags=0x202"]))
        #expect(GuestProgram.register(result, "r12") == 1)
        #expect(result.pmis.map(\.vectored) == [true, false])
        // Step 18 = 17 setup instructions + the NOP; step 29 = 18 + 10 handler instructions + the next NOP.
        #expect(result.pmis.map(\.step) == [18, 29])
    }

    @Test func finalStepRecordsButNeverVectors() throws {
        // Checklist 55: 10 instructions (IDT 5, 4 NOPs, HLT); gp0 starts 2^48 − 9, wraps on the 9th,
        // ends at 1; one batch, so the only step after the wrap is the final one.
        let result = try GuestProgram.run(
            try GuestProgram.load("final-step"), Options(pmcs: ["gp0=instructions,start=0xFFFFFFFFFFF7,int"]))
        #expect(result.instructions == 10)
        #expect(result.pmis.count == 1)
        #expect(result.pmis.first?.vectored == false)
        #expect(result.pmis.first?.step == 1)
        #expect(GuestProgram.register(result, "rsp") == 0x80_0000)
        #expect(result.rip == 0x40_0035)  // the HLT is at 0x400034
        #expect(GuestProgram.counter(result, "gp0")?.value == 1)
    }

    @Test func withoutAnIDTThePMIIsRecordedOnly() throws {
        // Checklist 17 again, now asserting the delivery side: no IDT loaded ⇒ accepted, not vectored.
        let result = try GuestProgram.run(
            hex: "90", Options(exitEvery: 1, pmcs: ["gp0=instructions,start=0xFFFFFFFFFFFF,int"]))
        #expect(result.pmis.map(\.vectored) == [false])
        #expect(result.stop == .end)
    }

    @Test func lvtpcDeliveryStatusBitIsReadOnly() throws {
        // Checklist 56: WRMSR 0x834 := 0x1400, RDMSR ⇒ 0x400 (bit 12 reads 0, ignored on write).
        let result = try GuestProgram.run(hex: "0f30 0f32", Options(registers: ["rcx=0x834", "rax=0x1400"]))
        #expect(result.stop == .end)
        #expect(GuestProgram.register(result, "rax") == 0x400)
    }

    @Test func exceptionsAndSoftwareInterruptsUseTheirGates() throws {
        // exceptions.hex: RDMSR of 0x12345678 #GPs (error code 0 pushed: frame 48 bytes below the
        // 16-aligned 0x800000, rbx = 0x7fffd0); UD2 #UDs (no error code: 40 bytes, rbp = 0x7fffd8);
        // INT 0x30 is a trap: its return RIP is the HLT after it (0x40005f). Each handler counts in r12.
        // The two faults end their batches (cli.md B1); INT n does not: 3 exits.
        let result = try GuestProgram.run(try GuestProgram.load("exceptions"), Options())
        #expect(result.stop == .hlt)
        #expect(GuestProgram.register(result, "r12") == 3)
        #expect(GuestProgram.register(result, "rbx") == 0x7F_FFD0)
        #expect(GuestProgram.register(result, "rsi") == 0)
        #expect(GuestProgram.register(result, "rbp") == 0x7F_FFD8)
        #expect(GuestProgram.register(result, "rdi") == 0x40_005F)
        #expect(GuestProgram.register(result, "rsp") == 0x80_0000)
        #expect(result.exits == 3)
        // RDMSR and UD2 never retire: IDT 3 + 3 gates × 2 + mov ecx + INT + HLT = 12 main instructions,
        // handlers 6 + 4 + 3 = 13.
        #expect(result.instructions == 25)
    }

    @Test func interruptFrameIsAlignedAndRestoredByIRETQ() throws {
        // INT3 with a gate at vector 3 whose handler IRETQs at once, RSP starting at 0x7ffff8 (not
        // 16-aligned): the frame starts at 0x7ffff0 and IRETQ restores the unaligned RSP exactly.
        // Bytes: IDT setup as in idt.inc (0x400000–0x40001d), movabs rax, gate(0x400032); mov [0x600030],
        // rax; int3 at 0x400030; hlt at 0x400031; iretq at 0x400032.
        let code = """
            66 c7 04 25 f0 0f 60 00 ff 0f 48 c7 04 25 f2 0f 60 00 00 00 60 00 0f 01 1c 25 f0 0f 60 00
            48 b8 32 00 10 00 00 8e 40 00 48 89 04 25 30 00 60 00 cc f4 48 cf
            """
        let result = try GuestProgram.run(hex: code, Options(registers: ["rsp=0x7ffff8"]))
        #expect(result.stop == .hlt)
        #expect(GuestProgram.register(result, "rsp") == 0x7F_FFF8)
        // movabs, mov, INT3, IRETQ, HLT plus the 3 IDT instructions.
        #expect(result.instructions == 8)
        #expect(result.branches == 2)  // INT3 and IRETQ are branches (isa-subset.md §8)
    }
}
