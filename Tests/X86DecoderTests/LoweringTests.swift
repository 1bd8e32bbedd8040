import Testing
import X86IR

@testable import X86Decoder

@Suite struct LoweringTests {
    let decoder: X86Decoder
    init() throws { decoder = try X86Decoder() }

    func lower(_ bytes: [UInt8], at address: UInt64 = 0x400000) -> LoweredInstruction {
        bytes.withUnsafeBytes { decoder.lower($0, at: address) }
    }

    @Test func recordStaysSmall() {
        // The hot loop copies records; keep them to half a cache line.
        #expect(MemoryLayout<LoweredInstruction>.stride <= 32)
    }

    /// Opcodes invalid in 64-bit mode (isa-subset.md §3) raise #UD (immediate = vector 6).
    @Test(arguments: [
        [0x06], [0x07], [0x0E], [0x16], [0x17], [0x1E], [0x1F], [0x27], [0x2F], [0x37], [0x3F], [0x60], [0x61],
        [0x82, 0xC0, 0x01], [0x9A], [0xCE], [0xD4, 0x0A], [0xD5, 0x0A], [0xD6], [0xEA], [0x0F, 0x0B],
    ] as [[UInt8]])
    func invalidIn64BitModeRaisesUD(_ bytes: [UInt8]) {
        let lowered = lower(bytes + [0, 0, 0, 0, 0, 0])
        #expect(lowered.opcode == .invalid)
        #expect(lowered.immediate == 6)
    }

    /// Valid x86 outside the subset: RDRAND, RDTSC, IN, SYSCALL, XLAT, MOV from CR0, PUSHF (16-bit), IRETD, RETF (32-bit).
    @Test(arguments: [
        [0x0F, 0xC7, 0xF0], [0x0F, 0x31], [0xE4, 0x00], [0x0F, 0x05], [0xD7], [0x0F, 0x20, 0xC0], [0x66, 0x9C],
        [0xCF], [0xCB], [0xFF, 0x28], [0x8C, 0xD8], [0x66, 0x0F, 0xC8],
    ] as [[UInt8]])
    func instructionsOutsideTheSubsetAreUnsupported(_ bytes: [UInt8]) {
        #expect(lower(bytes + [0, 0, 0, 0]).opcode == .unsupported)
    }

    @Test func lockOnARegisterDestinationIsUD() {
        // f0 01 c0 = lock add eax, eax: LOCK needs a memory destination (SDM Vol. 2 LOCK).
        #expect(lower([0xF0, 0x01, 0xC0]).opcode == .invalid)
        // f0 01 00 = lock add [rax], eax is legal.
        let legal = lower([0xF0, 0x01, 0x00])
        #expect(legal.opcode == .add && legal.attributes.contains(.lock))
    }

    @Test func fifteenPrefixesMakeAnOverlongInstruction() {
        // 15 operand-size prefixes then NOP: 16 bytes > 15 ⇒ #GP(0) (SDM Vol. 2 §2.3.11).
        let lowered = lower([UInt8](repeating: 0x66, count: 15) + [0x90])
        #expect(lowered.opcode == .invalid && lowered.immediate == 13)
    }

    @Test func instructionCutOffByEndOfExecutableMemoryFaultsOnFetch() {
        // b8 + only 2 of its 4 immediate bytes available: #PF at the first byte that is missing.
        let lowered = lower([0xB8, 0x01, 0x02], at: 0x400FFD)
        #expect(lowered.opcode == .invalid && lowered.immediate == 14)
        #expect(lowered.displacement == 0x401000)
    }

    @Test func ripRelativeDisplacementIsResolvedFromTheNextInstruction() {
        // 8b 05 10 00 00 00 = mov eax, [rip+0x10]; next RIP 0x400006 ⇒ address 0x400016.
        let lowered = lower([0x8B, 0x05, 0x10, 0x00, 0x00, 0x00])
        #expect(lowered.opcode == .mov && lowered.source == .memory)
        #expect(lowered.displacement == 0x400016 && lowered.base == 0xFF)
    }

    @Test func signExtendedImmediatesFollowTheOperandSize() {
        // 83 c0 ff = add eax, -1 ⇒ 0xffffffff; 48 83 c0 ff = add rax, -1 ⇒ all ones; 6a ff = push -1.
        #expect(lower([0x83, 0xC0, 0xFF]).immediate == 0xFFFF_FFFF)
        #expect(lower([0x48, 0x83, 0xC0, 0xFF]).immediate == ~0)
        #expect(lower([0x6A, 0xFF]).immediate == ~0)
        // 48 c7 c0 00 00 00 80 = mov rax, imm32 sign-extended ⇒ 0xffffffff80000000.
        #expect(lower([0x48, 0xC7, 0xC0, 0x00, 0x00, 0x00, 0x80]).immediate == 0xFFFF_FFFF_8000_0000)
    }

    @Test func highByteRegistersNeedNoREX() {
        // 8a c4 = mov al, ah; 40 8a c4 = mov al, spl.
        #expect(lower([0x8A, 0xC4]).source == .highByte(0))
        #expect(lower([0x40, 0x8A, 0xC4]).source == .register(4))
    }
}
