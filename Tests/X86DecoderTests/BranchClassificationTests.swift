import Testing
import X86IR

@testable import X86Decoder

/// Branch classification comes from vpmu's own opcode table (isa-subset.md §8), never from
/// Capstone's groups; these encodings are listed by hand from the SDM opcode map.
@Suite struct BranchClassificationTests {
    static let branches: [(String, [UInt8])] = [
        ("jo rel8", [0x70, 0x00]), ("jg rel8", [0x7F, 0x00]), ("je rel32", [0x0F, 0x84, 0, 0, 0, 0]),
        ("loopne", [0xE0, 0xFE]), ("loope", [0xE1, 0xFE]), ("loop", [0xE2, 0xFE]), ("loop addr32", [0x67, 0xE2, 0xFE]),
        ("jrcxz", [0xE3, 0xFE]), ("jecxz", [0x67, 0xE3, 0xFE]), ("call rel32", [0xE8, 0, 0, 0, 0]),
        ("jmp rel32", [0xE9, 0, 0, 0, 0]), ("jmp rel8", [0xEB, 0x00]), ("call rax", [0xFF, 0xD0]),
        ("call [rax]", [0xFF, 0x10]), ("jmp rax", [0xFF, 0xE0]), ("ljmp m16:64", [0x48, 0xFF, 0x28]),
        ("lcall m16:64", [0x48, 0xFF, 0x18]), ("ret", [0xC3]), ("ret imm16", [0xC2, 0x08, 0x00]),
        ("rep ret", [0xF3, 0xC3]), ("retfq", [0x48, 0xCB]), ("retfq imm16", [0x48, 0xCA, 0x08, 0x00]),
        ("iretq", [0x48, 0xCF]), ("int3", [0xCC]), ("int 0x80", [0xCD, 0x80]),
    ]
    static let nonBranches: [(String, [UInt8])] = [
        ("nop", [0x90]), ("enter", [0xC8, 0, 0, 0]), ("leave", [0xC9]), ("hlt", [0xF4]), ("cpuid", [0x0F, 0xA2]),
        ("rep movsb", [0xF3, 0xA4]), ("inc [rax]", [0xFF, 0x00]), ("dec eax", [0xFF, 0xC8]),
        ("push [rax]", [0xFF, 0x30]), ("setz al", [0x0F, 0x94, 0xC0]), ("cmovz eax, ecx", [0x0F, 0x44, 0xC1]),
        ("wrmsr", [0x0F, 0x30]),
    ]

    @Test(arguments: branches)
    func branchEncodingsAreBranches(_ name: String, _ bytes: [UInt8]) throws {
        #expect(BranchTable.isBranch(encoding: bytes), "\(name)")
        let lowered = try lower(bytes)
        #expect(lowered.opcode.isBranch, "\(name) lowered to \(lowered.opcode)")
    }

    @Test(arguments: nonBranches)
    func otherEncodingsAreNotBranches(_ name: String, _ bytes: [UInt8]) throws {
        #expect(!BranchTable.isBranch(encoding: bytes), "\(name)")
        let lowered = try lower(bytes)
        #expect(!lowered.opcode.isBranch, "\(name) lowered to \(lowered.opcode)")
    }

    @Test func loopWithAddressSizePrefixUsesECX() throws {
        // Capstone 4 reports RCX for `67 e2`; vpmu reads the 67 prefix itself.
        let lowered = try lower([0x67, 0xE2, 0xFE])
        #expect(lowered.opcode == .loop)
        #expect(lowered.attributes.contains(.addressSize32))
        #expect(lowered.immediate == 0x400001)  // next RIP 0x400003 - 2
    }

    @Test func operandSizePrefixOnNearCallIsIgnoredAsOnIntel() throws {
        // 66 e8 rel32: Intel keeps a 32-bit displacement and 64-bit operand size (SDM Vol. 2 CALL);
        // length 6, target = 0x400006 + 0x10.
        let lowered = try lower([0x66, 0xE8, 0x10, 0x00, 0x00, 0x00])
        #expect(lowered.opcode == .call)
        #expect(lowered.length == 6)
        #expect(lowered.immediate == 0x400016)
    }

    func lower(_ bytes: [UInt8]) throws -> LoweredInstruction {
        let decoder = try X86Decoder()
        return bytes.withUnsafeBytes { decoder.lower($0, at: 0x400000) }
    }
}
