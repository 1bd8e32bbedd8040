import CCapstone
import X86IR

/// The outcome of decoding one instruction, with the text a person reads.
public struct DisassembledInstruction: Sendable {
    /// How the interpreter will treat the bytes.
    public enum Kind: String, Sendable {
        case supported, unsupported, invalid
    }
    public var address: UInt64
    public var bytes: [UInt8]
    /// Capstone's mnemonic ("add", "rep movsb", "(bad)" for undecodable bytes).
    public var mnemonic: String
    /// Intel-syntax text, mnemonic and operands.
    public var text: String
    public var kind: Kind
    public var isBranch: Bool
    public var lowered: LoweredInstruction
}

/// Decodes x86-64 bytes with Capstone and lowers each instruction to a ``LoweredInstruction``.
///
/// Decoding runs at a few million instructions per second, far slower than execution, so callers
/// decode each guest address once and cache the result (see the interpreter's code cache).
public final class X86Decoder {
    /// Longest legal x86 instruction; a longer one raises #GP(0) (SDM Vol. 2 §2.3.11).
    public static let maximumLength = 15

    private let capstone: CapstoneHandle
    private let registers: RegisterMap

    public init() throws(CapstoneError) {
        capstone = try CapstoneHandle()
        registers = RegisterMap(handle: capstone)
    }

    /// Decodes and lowers the instruction at `address`.
    ///
    /// - Parameters:
    ///   - bytes: the guest bytes from `address` up to the end of executable memory.
    ///   - address: the instruction's guest address.
    /// - Returns: an executable record; undecodable bytes give an `invalid` record carrying the
    ///   exception to raise (#UD, #GP for over-long, #PF when the instruction runs off the end of
    ///   executable memory), valid instructions outside the subset an `unsupported` record.
    public func lower(_ bytes: UnsafeRawBufferPointer, at address: UInt64) -> LoweredInstruction {
        decode(bytes, at: address, wantText: false).lowered
    }

    /// Decodes one instruction with its text and classification (for `vpmu disasm` and error messages).
    public func disassemble(_ bytes: UnsafeRawBufferPointer, at address: UInt64) -> DisassembledInstruction {
        decode(bytes, at: address, wantText: true)
    }

    private func decode(_ bytes: UnsafeRawBufferPointer, at address: UInt64, wantText: Bool)
        -> DisassembledInstruction
    {
        let window = UnsafeRawBufferPointer(rebasing: bytes.prefix(Self.maximumLength))
        guard capstone.decode(window, address: address) else {
            return undecodable(window, at: address)
        }
        let insn = capstone.instruction.pointee
        let length = Int(insn.size)
        if let redecoded = redecodeWithoutOperandSizePrefix(window, at: address, wantText: wantText) {
            return redecoded
        }
        var result = DisassembledInstruction(
            address: address, bytes: Array(window.prefix(length)), mnemonic: "", text: "", kind: .supported,
            isBranch: BranchTable.isBranch(encoding: window.prefix(length)),
            lowered: LoweredInstruction(opcode: .unsupported, length: UInt8(length)))
        if wantText {
            result.mnemonic = Self.string(from: insn.mnemonic)
            let operandText = Self.string(from: insn.op_str)
            result.text = operandText.isEmpty ? result.mnemonic : result.mnemonic + " " + operandText
        }
        guard let detail = insn.detail?.pointee.x86 else { return result }
        let lowering = Lowering(
            registers: registers, id: x86_insn(rawValue: insn.id), x86: detail, operands: operands(of: detail),
            address: address, length: UInt8(length), repeatPrefix: Lowering.repeatPrefix(in: window.prefix(length)))
        do {
            result.lowered = try lowering.lower()
            if result.lowered.opcode == .invalid {
                result.lowered.immediate = 6
                result.kind = .invalid
            }
        } catch {
            switch error {
            case .unsupported:
                result.kind = .unsupported
            case .invalidOpcode:
                result.lowered = Self.fault(vector: 6, length: length)
                result.kind = .invalid
            }
        }
        return result
    }

    /// Intel ignores the 66 prefix on near branches in 64-bit mode (the operand is still 64-bit and
    /// the displacement 32-bit); Capstone 4 decodes AMD's 16-bit form. Re-decode such an instruction
    /// with its 66 prefixes removed so length and target follow Intel (isa-subset.md §4).
    private func redecodeWithoutOperandSizePrefix(
        _ window: UnsafeRawBufferPointer, at address: UInt64, wantText: Bool
    ) -> DisassembledInstruction? {
        let prefixes = window.prefix { BranchTable.isPrefix($0) || $0 & 0xF0 == 0x40 }
        guard prefixes.contains(0x66), BranchTable.isBranch(encoding: window) else { return nil }
        let opcode = window.dropFirst(prefixes.count).first ?? 0
        // Only near branches have an operand size; LOOP/JrCXZ/INT/far forms use other rules.
        guard (0x70...0x7F).contains(opcode) || [0x0F, 0xE8, 0xE9, 0xEB, 0xC2, 0xC3, 0xFF].contains(opcode) else {
            return nil
        }
        let removed = prefixes.filter { $0 == 0x66 }.count
        let stripped = prefixes.filter { $0 != 0x66 } + window.dropFirst(prefixes.count)
        var result = stripped.withUnsafeBytes { raw in
            decode(raw, at: address &+ UInt64(removed), wantText: wantText)
        }
        guard result.kind != .invalid || result.lowered.immediate != 14 else { return nil }
        result.address = address
        result.bytes = Array(window.prefix(result.bytes.count + removed))
        result.lowered.length &+= UInt8(removed)
        return result
    }

    private func undecodable(_ window: UnsafeRawBufferPointer, at address: UInt64) -> DisassembledInstruction {
        var kind = DisassembledInstruction.Kind.invalid
        var mnemonic = "(bad)"
        var lowered = Self.fault(vector: 6, length: 1)
        let prefixCount = window.prefix { BranchTable.isPrefix($0) || $0 & 0xF0 == 0x40 }.count
        if prefixCount >= Self.maximumLength {
            lowered = Self.fault(vector: 13, length: 1)
            mnemonic = "(too long)"
        } else if window.count < Self.maximumLength, runsOffEnd(window, at: address) {
            // The instruction continues into memory that cannot be fetched: #PF on the first such byte.
            lowered = Self.fault(vector: 14, length: 1)
            lowered.displacement = address &+ UInt64(window.count)
            mnemonic = "(truncated)"
        } else if let lead = window.dropFirst(prefixCount).first, lead == 0xC4 || lead == 0xC5 || lead == 0x62 {
            // VEX/EVEX encodings Capstone 4 cannot decode are still valid x86 outside the subset.
            kind = .unsupported
            mnemonic = "(vex)"
            lowered = LoweredInstruction(opcode: .unsupported, length: 1)
        }
        return DisassembledInstruction(
            address: address, bytes: Array(window.prefix(1)), mnemonic: mnemonic, text: mnemonic, kind: kind,
            isBranch: false, lowered: lowered)
    }

    /// Whether the bytes would decode if memory continued past the window (so it was cut short).
    private func runsOffEnd(_ window: UnsafeRawBufferPointer, at address: UInt64) -> Bool {
        let padded = Array(window) + [UInt8](repeating: 0, count: Self.maximumLength - window.count)
        return padded.withUnsafeBytes { capstone.decode($0, address: address) }
            && Int(capstone.instruction.pointee.size) > window.count
    }

    /// A record that raises exception `vector` when executed (immediate = vector).
    static func fault(vector: UInt64, length: Int) -> LoweredInstruction {
        LoweredInstruction(opcode: .invalid, length: UInt8(length), immediate: vector)
    }

    private func operands(of x86: cs_x86) -> [RawOperand] {
        var detail = x86
        let count = min(Int(detail.op_count), 8)
        return withUnsafeBytes(of: &detail.operands) { raw in
            let list = raw.bindMemory(to: cs_x86_op.self)
            return (0..<count).map { index in
                let operand = list[index]
                switch operand.type {
                case X86_OP_REG: return .register(registers[operand.reg], size: operand.size)
                case X86_OP_IMM: return .immediate(operand.imm, size: operand.size)
                default: return .memory(operand.mem, size: operand.size)
                }
            }
        }
    }

    private static func string<T>(from tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
