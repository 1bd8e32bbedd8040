/// One operand slot of a ``LoweredInstruction``, packed into a byte so the record stays small.
///
/// 0…15 name a general register (RAX…R15) used at the operand's size; 16…19 the legacy high-byte
/// registers AH, CH, DH, BH; ``memory`` the instruction's one memory operand; ``immediate`` its
/// immediate; ``none`` an unused slot.
public struct Operand: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let none = Operand(rawValue: 0xFF)
    public static let memory = Operand(rawValue: 0x20)
    public static let immediate = Operand(rawValue: 0x30)
    /// General register `number` (0 = RAX … 15 = R15).
    public static func register(_ number: Int) -> Operand { Operand(rawValue: UInt8(number & 15)) }
    /// AH, CH, DH or BH: bits 15:8 of RAX, RCX, RDX or RBX (`number` 0…3).
    public static func highByte(_ number: Int) -> Operand { Operand(rawValue: 16 | UInt8(number & 3)) }

    @inline(__always) public var isRegister: Bool { rawValue < 20 }
    @inline(__always) public var isHighByte: Bool { rawValue & 0xFC == 16 }
    /// The register number for register operands (high-byte operands give RAX…RBX).
    @inline(__always) public var registerNumber: Int { Int(rawValue & 15) }
}

/// Prefix and decode facts that matter to execution, as bits.
public struct InstructionAttributes: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// 67 prefix: 32-bit addressing; LOOP, JrCXZ and strings use ECX/ESI/EDI.
    public static let addressSize32 = InstructionAttributes(rawValue: 1 << 0)
    /// F3 on a string instruction (REP / REPE).
    public static let repe = InstructionAttributes(rawValue: 1 << 1)
    /// F2 on a string instruction (REPNE; REP for MOVS/STOS/LODS).
    public static let repne = InstructionAttributes(rawValue: 1 << 2)
    /// LOCK prefix (legality is checked at lowering).
    public static let lock = InstructionAttributes(rawValue: 1 << 3)
    /// The memory operand is addressed through RSP or RBP (a non-canonical address is #SS, not #GP).
    public static let stackSegment = InstructionAttributes(rawValue: 1 << 4)
}

/// vpmu's compact, trivially copyable form of one decoded x86-64 instruction.
///
/// Built once per guest address by the decoder; the interpreter executes only these. Holds
/// nothing reference-counted, so copying one is a few loads.
public struct LoweredInstruction: Hashable, Sendable {
    public var opcode: Opcode
    /// Operand size in bytes (1, 2, 4, 8) of the destination / main operation.
    public var operandSize: UInt8
    /// Size in bytes of `source` (differs for MOVZX/MOVSX/MOVSXD and shift counts).
    public var sourceSize: UInt8
    /// Instruction length in bytes.
    public var length: UInt8
    public var destination: Operand
    public var source: Operand
    /// Third operand: IMUL's immediate, SHLD/SHRD's count (immediate or CL).
    public var source2: Operand
    /// Condition code 0…15 (the low nibble of Jcc/SETcc/CMOVcc), else 0.
    public var condition: UInt8
    /// Memory base register 0…15, or 0xFF for none (RIP-relative addresses are resolved into `displacement`).
    public var base: UInt8
    /// Memory index register 0…15, or 0xFF for none.
    public var index: UInt8
    /// Memory scale 1, 2, 4 or 8.
    public var scale: UInt8
    public var attributes: InstructionAttributes
    /// Cycle-table row of the base cost (cycle-model.md §2); fits in the record's padding.
    public var costClass: CostClass
    /// The record's static cycle cost, filled in when the interpreter caches it (0 until then);
    /// ``largeCycleCost`` means "too large for 16 bits, look it up in the cache's table". Kept in the
    /// record so the run loop charges cycles without touching another array.
    public var staticCycles: UInt16
    /// Marker in ``staticCycles`` for a cost of 65535 or more.
    public static let largeCycleCost = UInt16.max
    /// Immediate, already sign- or zero-extended as the encoding defines (isa-subset.md §4).
    /// ENTER packs size (bits 15:0) and nesting level (bits 23:16).
    public var immediate: UInt64
    /// Memory displacement (sign-extended; absolute for RIP-relative and moffs), or a near branch's target.
    public var displacement: UInt64

    public init(
        opcode: Opcode, operandSize: UInt8 = 8, sourceSize: UInt8 = 0, length: UInt8,
        destination: Operand = .none, source: Operand = .none, source2: Operand = .none,
        condition: UInt8 = 0, base: UInt8 = 0xFF, index: UInt8 = 0xFF, scale: UInt8 = 1,
        attributes: InstructionAttributes = [], immediate: UInt64 = 0, displacement: UInt64 = 0
    ) {
        self.opcode = opcode
        self.operandSize = operandSize
        self.sourceSize = sourceSize == 0 ? operandSize : sourceSize
        self.length = length
        self.destination = destination
        self.source = source
        self.source2 = source2
        self.condition = condition
        self.base = base
        self.index = index
        self.scale = scale
        self.attributes = attributes
        self.costClass = CostClass(opcode)
        self.staticCycles = 0
        self.immediate = immediate
        self.displacement = displacement
    }

    /// Whether the instruction has a memory operand in any slot.
    public var hasMemoryOperand: Bool {
        destination == .memory || source == .memory || source2 == .memory
    }
}
