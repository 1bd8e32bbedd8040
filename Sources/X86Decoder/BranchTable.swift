/// vpmu's own branch classification from the raw encoding (isa-subset.md §8).
///
/// Capstone 4's instruction groups are incomplete (no relative-branch group, missing groups on some
/// forms), so branches are never classified from them. This table reads the bytes themselves.
public enum BranchTable {
    /// Whether the instruction encoded at the start of `bytes` is a branch for PMU counting.
    public static func isBranch(encoding bytes: some Collection<UInt8>) -> Bool {
        var rest = bytes.drop { isPrefix($0) }
        // A REX prefix comes last, directly before the opcode.
        if let first = rest.first, first & 0xF0 == 0x40 { rest = rest.dropFirst() }
        guard let opcode = rest.first else { return false }
        switch opcode {
        case 0x70...0x7F, 0xE0...0xE3, 0xE8, 0xE9, 0xEB, 0xC2, 0xC3, 0xCA, 0xCB, 0xCF, 0xCC, 0xCD:
            return true
        case 0x0F:
            guard let second = rest.dropFirst().first else { return false }
            return (0x80...0x8F).contains(second)
        case 0xFF:
            guard let modrm = rest.dropFirst().first else { return false }
            return (2...5).contains((modrm >> 3) & 7)
        default:
            return false
        }
    }

    /// Legacy prefixes (groups 1–4).
    static func isPrefix(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65: true
        default: false
        }
    }
}
