import CCapstone
import X86IR

/// One Capstone operand, read out of `cs_x86_op` into plain Swift.
enum RawOperand {
    case register(RegisterMap.Entry, size: UInt8)
    case immediate(Int64, size: UInt8)
    case memory(x86_op_mem, size: UInt8)

    var size: UInt8 {
        switch self {
        case .register(_, let size), .immediate(_, let size), .memory(_, let size): size
        }
    }
}

/// Why an instruction could not be lowered to an executable record.
enum LoweringFailure: Error {
    /// Valid x86 outside the subset (isa-subset.md §3).
    case unsupported
    /// Would raise #UD (misplaced LOCK, UD2 ...).
    case invalidOpcode
}

/// Lowers one Capstone-decoded instruction to a ``LoweredInstruction``.
struct Lowering {
    let registers: RegisterMap
    let id: x86_insn
    let x86: cs_x86
    let operands: [RawOperand]
    let address: UInt64
    let length: UInt8
    /// The last F2/F3 among the legacy prefixes in the raw bytes (0 if none). Capstone 4 drops F2 on
    /// `f2 a5` (it reads it as SSE MOVSD's prefix) and so reports no REP; on MOVS/STOS/LODS F2 means
    /// REP like F3 (isa-subset.md §4), so string lowering reads the prefix from the bytes.
    var repeatPrefix: UInt8 = 0

    /// The last F2/F3 among the legacy prefixes (and REX) at the start of `bytes`, or 0.
    static func repeatPrefix(in bytes: some Collection<UInt8>) -> UInt8 {
        var found: UInt8 = 0
        for byte in bytes {
            switch byte {
            case 0xF2, 0xF3: found = byte
            case 0xF0, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65, 0x66, 0x67, 0x40...0x4F: continue
            default: return found
            }
        }
        return found
    }

    var nextAddress: UInt64 { address &+ UInt64(length) }
    var hasREXW: Bool { x86.rex & 0x08 != 0 }
    var hasOperandSizePrefix: Bool { x86.prefix.2 == 0x66 }
    var repPrefix: UInt8 { x86.prefix.0 }
    var opcodeBytes: (UInt8, UInt8) { (x86.opcode.0, x86.opcode.1) }

    func lower() throws(LoweringFailure) -> LoweredInstruction {
        var record = LoweredInstruction(opcode: .nop, length: length)
        if x86.addr_size == 4 { record.attributes.insert(.addressSize32) }
        try lowerOperation(into: &record)
        record.costClass = Self.nopCostClasses[id.rawValue] ?? CostClass(record.opcode)
        if repPrefix == 0xF0 {
            guard record.opcode.isLockable, record.destination == .memory else { throw .invalidOpcode }
            record.attributes.insert(.lock)
        }
        return record
    }

    // MARK: - Operations

    private func lowerOperation(into record: inout LoweredInstruction) throws(LoweringFailure) {
        if let simple = Self.simpleOperations[id.rawValue] {
            record.opcode = simple
            switch simple {
            case .cbw, .cwd: record.operandSize = hasREXW ? 8 : hasOperandSizePrefix ? 2 : 4
            case .pushfq, .popfq, .iretq, .retf:
                // 16- and 32-bit forms (PUSHF, IRETD, RETF without REX.W) are outside the subset.
                if simple == .pushfq || simple == .popfq {
                    guard !hasOperandSizePrefix else { throw .unsupported }
                }
                if simple == .retf, let imm = operands.first, case .immediate(let value, _) = imm {
                    record.immediate = UInt64(bitPattern: value) & 0xFFFF
                }
            default: break
            }
            record.sourceSize = record.operandSize
            return
        }
        if let condition = conditionCode(), let family = Self.conditionalFamilies[id.rawValue] {
            record.opcode = family
            record.condition = condition
            switch family {
            case .jcc:
                record.immediate = try branchTarget()
            case .setcc:
                try assign(operands, to: &record, slots: 1)
                record.operandSize = 1
            default:
                try assign(operands, to: &record, slots: 2)
            }
            return
        }
        if let string = stringOperation() {
            record.opcode = string
            let opcodeByte = opcodeBytes.0
            record.operandSize = opcodeByte & 1 == 0 ? 1 : hasREXW ? 8 : hasOperandSizePrefix ? 2 : 4
            record.sourceSize = record.operandSize
            let prefix = repeatPrefix != 0 ? repeatPrefix : repPrefix
            if prefix == 0xF3 { record.attributes.insert(.repe) }
            if prefix == 0xF2 { record.attributes.insert(.repne) }
            return
        }
        guard let family = Self.operandFamilies[id.rawValue] else { throw .unsupported }
        record.opcode = family
        switch family {
        case .push, .pop:
            try assign(operands, to: &record, slots: 1)
            if record.destination == .immediate { record.operandSize = hasOperandSizePrefix ? 2 : 8 }
        case .mul, .imul1, .div, .idiv, .inc, .dec, .neg, .not, .bswap:
            try assign(operands, to: &record, slots: 1)
            if family == .bswap, record.operandSize == 2 { throw .unsupported }  // undefined result
        case .imul:
            if operands.count == 1 {
                record.opcode = .imul1
                try assign(operands, to: &record, slots: 1)
            } else {
                try assign(operands, to: &record, slots: 3)
            }
        case .jmp, .call:
            if operands.count == 1, case .immediate = operands[0] {
                record.immediate = try branchTarget()
                record.source = .immediate
            } else {
                // Indirect: the target operand is always 64-bit (the 66 prefix is ignored, Intel).
                try assign(operands, to: &record, slots: 1)
                record.source = record.destination
                record.destination = .none
                record.operandSize = 8
                record.sourceSize = 8
            }
        case .ret:
            if let imm = operands.first, case .immediate(let value, _) = imm {
                record.immediate = UInt64(bitPattern: value) & 0xFFFF
            }
        case .loop, .loope, .loopne, .jrcxz:
            record.immediate = try branchTarget()
        case .jmpFar, .callFar:
            guard hasREXW else { throw .unsupported }  // m16:32 forms are outside the subset
            try assign(operands, to: &record, slots: 1)
            record.source = record.destination
            record.destination = .none
            record.operandSize = 8
        case .int:
            if let imm = operands.first, case .immediate(let value, _) = imm {
                record.immediate = UInt64(bitPattern: value) & 0xFF
            }
        case .enter:
            guard operands.count == 2, case .immediate(let size, _) = operands[0],
                case .immediate(let level, _) = operands[1]
            else { throw .unsupported }
            record.immediate = (UInt64(bitPattern: size) & 0xFFFF) | ((UInt64(bitPattern: level) & 0xFF) << 16)
        case .lidt, .clflush:
            try assign(operands, to: &record, slots: 1)
            record.source = record.destination
            record.destination = .none
        default:
            try assign(operands, to: &record, slots: 3)
        }
    }

    /// The condition nibble of Jcc (70–7F, 0F 80–8F), SETcc (0F 90–9F) and CMOVcc (0F 40–4F).
    private func conditionCode() -> UInt8? {
        let (first, second) = opcodeBytes
        if (0x70...0x7F).contains(first) { return first & 0xF }
        if first == 0x0F, (0x80...0x9F).contains(second) || (0x40...0x4F).contains(second) {
            return second & 0xF
        }
        return nil
    }

    /// String instructions are identified by their one-byte opcode (A4–A7, AA–AF): Capstone's ids
    /// are shared with SSE forms (MOVSD) and its operand lists vary.
    private func stringOperation() -> Opcode? {
        switch opcodeBytes.0 {
        case 0xA4, 0xA5: .movs
        case 0xA6, 0xA7: .cmps
        case 0xAA, 0xAB: .stos
        case 0xAC, 0xAD: .lods
        case 0xAE, 0xAF: opcodeBytes.0 == 0xAE && x86.opcode.1 != 0 ? nil : .scas
        default: nil
        }
    }

    private func branchTarget() throws(LoweringFailure) -> UInt64 {
        guard operands.count == 1, case .immediate(let target, _) = operands[0] else { throw .unsupported }
        return UInt64(bitPattern: target)
    }

    // MARK: - Operands

    /// Places up to `slots` explicit operands into destination, source, source2.
    private func assign(_ operands: [RawOperand], to record: inout LoweredInstruction, slots: Int)
        throws(LoweringFailure)
    {
        guard operands.count <= slots else { throw .unsupported }
        for (position, raw) in operands.enumerated() {
            let operand = try place(raw, into: &record)
            switch position {
            case 0:
                record.destination = operand
                record.operandSize = raw.size
                record.sourceSize = raw.size
            case 1:
                record.source = operand
                record.sourceSize = raw.size
            default:
                record.source2 = operand
            }
        }
        // Immediates are used at the operation's size (Capstone already sign-extends imm8/imm32).
        if case .immediate = operands.last, record.destination != .immediate {
            let size = record.source2 == .immediate ? record.operandSize : record.sourceSize
            record.immediate &= sizeMask(size)
        }
    }

    private func place(_ raw: RawOperand, into record: inout LoweredInstruction) throws(LoweringFailure) -> Operand {
        switch raw {
        case .register(let entry, _):
            guard case .general(let operand, _) = entry else { throw .unsupported }
            return operand
        case .immediate(let value, _):
            record.immediate = UInt64(bitPattern: value)
            return .immediate
        case .memory(let memory, _):
            try placeMemory(memory, into: &record)
            return .memory
        }
    }

    private func placeMemory(_ memory: x86_op_mem, into record: inout LoweredInstruction) throws(LoweringFailure) {
        var displacement = UInt64(bitPattern: memory.disp)
        switch registers[memory.base] {
        case .instructionPointer:
            // RIP-relative: the next instruction's address plus disp32, resolved now (isa-subset.md §4).
            displacement = nextAddress &+ displacement
            if record.attributes.contains(.addressSize32) { displacement &= 0xFFFF_FFFF }
        case .general(let operand, _):
            record.base = UInt8(operand.registerNumber)
            if operand.registerNumber == GPR.rsp || operand.registerNumber == GPR.rbp {
                record.attributes.insert(.stackSegment)
            }
        case .other:
            guard memory.base == X86_REG_INVALID else { throw .unsupported }
        }
        switch registers[memory.index] {
        case .general(let operand, _):
            record.index = UInt8(operand.registerNumber)
            record.scale = UInt8(truncatingIfNeeded: memory.scale)
        case .instructionPointer: throw .unsupported
        case .other:
            guard memory.index == X86_REG_INVALID else { throw .unsupported }
        }
        record.displacement = displacement
    }

    // MARK: - Tables

    private static func table(_ pairs: [(x86_insn, Opcode)]) -> [UInt32: Opcode] {
        Dictionary(pairs.map { ($0.0.rawValue, $0.1) }, uniquingKeysWith: { first, _ in first })
    }

    /// Instructions with no explicit operands that matter.
    static let simpleOperations = table([
        (X86_INS_NOP, .nop), (X86_INS_PAUSE, .nop), (X86_INS_LFENCE, .nop), (X86_INS_MFENCE, .nop),
        (X86_INS_SFENCE, .nop), (X86_INS_PREFETCHT0, .nop), (X86_INS_PREFETCHT1, .nop),
        (X86_INS_PREFETCHT2, .nop), (X86_INS_PREFETCHNTA, .nop),
        (X86_INS_CBW, .cbw), (X86_INS_CWDE, .cbw), (X86_INS_CDQE, .cbw),
        (X86_INS_CWD, .cwd), (X86_INS_CDQ, .cwd), (X86_INS_CQO, .cwd),
        (X86_INS_PUSHFQ, .pushfq), (X86_INS_POPFQ, .popfq), (X86_INS_LEAVE, .leave),
        (X86_INS_CLC, .clc), (X86_INS_STC, .stc), (X86_INS_CMC, .cmc), (X86_INS_CLD, .cld),
        (X86_INS_STD, .std), (X86_INS_CLI, .cli), (X86_INS_STI, .sti), (X86_INS_LAHF, .lahf),
        (X86_INS_SAHF, .sahf), (X86_INS_CPUID, .cpuid), (X86_INS_RDMSR, .rdmsr), (X86_INS_WRMSR, .wrmsr),
        (X86_INS_RDPMC, .rdpmc), (X86_INS_HLT, .hlt), (X86_INS_IRETQ, .iretq), (X86_INS_RETFQ, .retf),
        (X86_INS_INT3, .int3), (X86_INS_UD2, .invalid),
    ])

    /// NOP-family instructions with their own cycle-table rows (cycle-model.md §2).
    static let nopCostClasses: [UInt32: CostClass] = [
        X86_INS_PAUSE.rawValue: .pause, X86_INS_LFENCE.rawValue: .lfence, X86_INS_MFENCE.rawValue: .mfence,
        X86_INS_SFENCE.rawValue: .sfence,
    ]

    /// Condition-code families; the condition comes from the opcode byte.
    static let conditionalFamilies: [UInt32: Opcode] = {
        let jumps: [x86_insn] = [
            X86_INS_JO, X86_INS_JNO, X86_INS_JB, X86_INS_JAE, X86_INS_JE, X86_INS_JNE, X86_INS_JBE, X86_INS_JA,
            X86_INS_JS, X86_INS_JNS, X86_INS_JP, X86_INS_JNP, X86_INS_JL, X86_INS_JGE, X86_INS_JLE, X86_INS_JG,
        ]
        let sets: [x86_insn] = [
            X86_INS_SETO, X86_INS_SETNO, X86_INS_SETB, X86_INS_SETAE, X86_INS_SETE, X86_INS_SETNE,
            X86_INS_SETBE, X86_INS_SETA, X86_INS_SETS, X86_INS_SETNS, X86_INS_SETP, X86_INS_SETNP,
            X86_INS_SETL, X86_INS_SETGE, X86_INS_SETLE, X86_INS_SETG,
        ]
        let moves: [x86_insn] = [
            X86_INS_CMOVO, X86_INS_CMOVNO, X86_INS_CMOVB, X86_INS_CMOVAE, X86_INS_CMOVE, X86_INS_CMOVNE,
            X86_INS_CMOVBE, X86_INS_CMOVA, X86_INS_CMOVS, X86_INS_CMOVNS, X86_INS_CMOVP, X86_INS_CMOVNP,
            X86_INS_CMOVL, X86_INS_CMOVGE, X86_INS_CMOVLE, X86_INS_CMOVG,
        ]
        return table(jumps.map { ($0, .jcc) } + sets.map { ($0, .setcc) } + moves.map { ($0, .cmovcc) })
    }()

    /// Instructions whose explicit operands map onto destination / source / source2.
    static let operandFamilies = table([
        (X86_INS_MOV, .mov), (X86_INS_MOVABS, .mov), (X86_INS_MOVZX, .movzx), (X86_INS_MOVSX, .movsx),
        (X86_INS_MOVSXD, .movsx), (X86_INS_LEA, .lea), (X86_INS_XCHG, .xchg), (X86_INS_PUSH, .push),
        (X86_INS_POP, .pop), (X86_INS_BSWAP, .bswap), (X86_INS_XADD, .xadd), (X86_INS_CMPXCHG, .cmpxchg),
        (X86_INS_ENTER, .enter), (X86_INS_ADD, .add), (X86_INS_ADC, .adc), (X86_INS_SUB, .sub),
        (X86_INS_SBB, .sbb), (X86_INS_CMP, .cmp), (X86_INS_INC, .inc), (X86_INS_DEC, .dec), (X86_INS_NEG, .neg),
        (X86_INS_MUL, .mul), (X86_INS_IMUL, .imul), (X86_INS_DIV, .div), (X86_INS_IDIV, .idiv),
        (X86_INS_AND, .and), (X86_INS_OR, .or), (X86_INS_XOR, .xor), (X86_INS_NOT, .not), (X86_INS_TEST, .test),
        (X86_INS_SHL, .shl), (X86_INS_SAL, .shl), (X86_INS_SHR, .shr), (X86_INS_SAR, .sar), (X86_INS_ROL, .rol),
        (X86_INS_ROR, .ror), (X86_INS_RCL, .rcl), (X86_INS_RCR, .rcr), (X86_INS_SHLD, .shld),
        (X86_INS_SHRD, .shrd), (X86_INS_BT, .bt), (X86_INS_BTS, .bts), (X86_INS_BTR, .btr), (X86_INS_BTC, .btc),
        (X86_INS_BSF, .bsf), (X86_INS_BSR, .bsr), (X86_INS_POPCNT, .popcnt), (X86_INS_LZCNT, .lzcnt),
        (X86_INS_TZCNT, .tzcnt), (X86_INS_JMP, .jmp), (X86_INS_CALL, .call), (X86_INS_RET, .ret),
        (X86_INS_LOOP, .loop), (X86_INS_LOOPE, .loope), (X86_INS_LOOPNE, .loopne), (X86_INS_JRCXZ, .jrcxz),
        (X86_INS_JECXZ, .jrcxz), (X86_INS_LJMP, .jmpFar), (X86_INS_LCALL, .callFar), (X86_INS_INT, .int),
        (X86_INS_LIDT, .lidt), (X86_INS_CLFLUSH, .clflush), (X86_INS_CLFLUSHOPT, .clflush),
    ])
}

/// The mask of an operand of `size` bytes.
@inline(__always) func sizeMask(_ size: UInt8) -> UInt64 {
    size >= 8 ? ~0 : (1 << (UInt64(size) * 8)) &- 1
}
