import Testing

/// Which guest exceptions end a batch. cli.md B1 says every faulting instruction does; KVM exits
/// only on the exceptions its exception bitmap intercepts — with EPT, #UD (for emulation) but not
/// #DE, #SS, #GP or #PF (vmx_update_exception_bitmap()) — and the kernel wins. MSR and RDPMC #GPs are
/// raised by the host while handling an exit, so they still end their batch.
@Suite struct FaultExitTests {
    /// Fixtures/programs/exceptions-in-batch.s: IDT with #DE, #PF and #UD gates (9 setup
    /// instructions); xor ecx,ecx; div ecx (#DE, handler: add [rsp],2; inc r12; iretq);
    /// mov rax,[0x900000] (#PF, handler: add rsp,8; add [rsp],8; inc r12; iretq); ud2 (#UD, handler
    /// as for #DE); hlt.
    static let code = "66c70425f00f6000ff0f48c70425f20f6000000060000f011c25f00f600048b863001000008e4000488904250000600048b86d001000008e400048890425e000600048b87b001000008e4000488904256000600031c9f7f1488b0425000090000f0bf4488304240249ffc448cf4883c408488304240849ffc448cf488304240249ffc448cf"

    // Retired: 9 + 1 (xor) + 3 (#DE handler) + 4 (#PF handler) + 3 (#UD handler) + 1 (hlt) = 21; the
    // three faulting instructions never retire. Batches: the first ends at the #UD, the second at HLT.
    @Test func onlyTheInterceptedExceptionEndsTheBatch() throws {
        let run = try GuestRun(Self.code, "--pmc gp0=instructions")
        #expect(run.stopReason == "hlt")
        #expect(run.instructions == 21)
        #expect(run.value("gp0") == 21)
        #expect(run.register("r12") == 3)
        #expect(run.exits == 2)
    }

    // An MSR #GP is an exit: with a #GP gate the batch ends there (RDMSR of a missing MSR, then HLT).
    @Test func anMSRFaultStillEndsTheBatch() throws {
        // IDT with one #GP gate; mov ecx,0x12345678; rdmsr (#GP; the handler pops the error code,
        // skips the 2-byte RDMSR, iretq); hlt. Assembled with as/ld at 0x400000.
        let run = try GuestRun(
            "66c70425f00f6000ff0f48c70425f20f6000000060000f011c25f00f600048b838001000008e400048890425d0006000"
                + "b9785634120f32f44883c408488304240248cf", "")
        #expect(run.stopReason == "hlt")
        #expect(run.instructions == 10)  // 3 IDT + 2 gate + mov ecx + 3 handler + hlt
        #expect(run.exits == 2)
    }
}
