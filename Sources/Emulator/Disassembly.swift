import CycleModel
import Interpreter
import X86Decoder
import X86IR

/// One line of `vpmu disasm` (cli.md B6).
public struct DisassemblyLine: Sendable {
    public var address: UInt64
    public var bytes: [UInt8]
    public var text: String
    /// `branch`, `unsupported`, `invalid`, and the static cycle cost (`3 cycles`, `1 cycle +1 taken`).
    public var tags: [String]

    public var rendered: String {
        let byteText = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
        let tagText = tags.isEmpty ? "" : "  ; " + tags.joined(separator: ", ")
        return "\(String(address, radix: 16)):  \(byteText.rightPadded(to: 30)) \(text)\(tagText)"
    }
}

extension Emulator {
    /// Linear sweep over `code` from 0x400000; never fails on unsupported or invalid bytes.
    public func disassemble(_ code: GuestCode) -> [DisassemblyLine] {
        var lines: [DisassemblyLine] = []
        var offset = 0
        let padded = code.bytes + [UInt8](repeating: 0, count: X86Decoder.maximumLength)
        while offset < code.bytes.count {
            let address = Self.codeBase + UInt64(offset)
            let window = padded[offset..<(offset + X86Decoder.maximumLength)]
            let instruction = Array(window).withUnsafeBytes { decoder.disassemble($0, at: address) }
            let length = max(instruction.bytes.count, 1)
            var tags: [String] = []
            if instruction.isBranch { tags.append("branch") }
            if instruction.kind != .supported { tags.append(instruction.kind.rawValue) }
            if instruction.kind == .supported { tags.append(Self.costTag(instruction.lowered)) }
            lines.append(
                DisassemblyLine(
                    address: address, bytes: Array(code.bytes[offset..<min(offset + length, code.bytes.count)]),
                    text: instruction.text, tags: tags))
            offset += length
        }
        return lines
    }
}

extension Emulator {
    /// The built-in table's cost of `insn` as a disassembly tag (cli.md B6).
    static func costTag(_ insn: LoweredInstruction) -> String {
        let table = CycleTable()
        let cost = table.staticCost(of: insn)
        var tag = "\(cost) cycle\(cost == 1 ? "" : "s")"
        if insn.opcode.isConditionalBranch { tag += " +\(table.takenCost) taken" }
        if insn.opcode.isString { tag += " +\(table.stringElementCost) per element" }
        return tag
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
    fileprivate func rightPadded(to length: Int) -> String {
        self + String(repeating: " ", count: max(0, length - count))
    }
}
