import X86IR

/// Retirement counts not yet handed to the PMU, for one privilege class.
public struct RetirementCounts: Equatable, Sendable {
    /// Architecturally retired instructions (a REP string instruction counts once).
    public var instructions: UInt64 = 0
    /// Retired branches, taken or not (isa-subset.md §8).
    public var branches: UInt64 = 0
    /// Retired ENTER and LEAVE (for the `enter-leave-branch` quirk).
    public var enterLeave: UInt64 = 0
    /// Times a REP count register reached a non-zero multiple of 1024 (for the `rep-1024` quirk).
    public var repChunks: UInt64 = 0
    public init() {}
}

/// Architectural state of the vCPU and the execution of one instruction.
///
/// A value type so the run loop works on it in place; the memory and its buffer are the one
/// reference it holds.
struct CPU {
    /// Owned by the ``Interpreter``, which frees it.
    var registers: RegisterFile
    var rip: UInt64 = 0
    /// RFLAGS; the six status flags are stale while `lazy.kind != .none`.
    var rflags: UInt64 = RFlags.reserved1
    var lazy = LazyFlags()
    var cs: UInt16 = 0x10
    var ss: UInt16 = 0x18
    var cr4: UInt64 = 0
    var idtBase: UInt64 = 0
    var idtLimit: UInt16 = 0
    /// BSF/BSR with a zero source: Intel clears bits 63:32 of a 32-bit destination, AMD does not.
    var isIntel = true
    /// Guest memory through plain pointers; the ``Interpreter`` keeps the owning ``GuestMemory`` alive.
    let memory: MemoryAccess
    /// Retirements at CPL 0 and at CPL 1–3 since the last hand-over.
    var kernelCounts = RetirementCounts()
    var userCounts = RetirementCounts()
    /// Core cycles charged by the cycle model since the last hand-over (cycle-model.md §2).
    var cycles: UInt64 = 0
    /// The run stops after the instruction that brings `cycles` to this (the next cycles-counter wrap).
    var cycleFuel = UInt64.max
    /// `taken` and `string_iter`: the run-time parts of an instruction's cost.
    var takenCycles: UInt64 = 0
    var stringElementCycles: UInt64 = 0
    /// Interrupt-relevant events since the last hand-over, and those that end the run.
    var notices: InterpreterNotices = []
    var leavesOn: InterpreterNotices = [.interruptShadow, .privilegeChanged]
    /// Batch boundaries the run may still cross without returning, `crossingWindow` instructions
    /// apart, and what the windows crossed retired (``Interpreter/allowCrossings(_:window:)``).
    var crossingsLeft = 0
    var crossingWindow = 0
    var crossings = 0
    var crossedKernel = RetirementCounts()
    var crossedUser = RetirementCounts()

    init(memory: MemoryAccess, registers: RegisterFile) {
        self.memory = memory
        self.registers = registers
    }

    var cpl: Int { Int(cs & 3) }

    // MARK: Registers

    @inline(__always) func read(register operand: Operand, size: UInt8) -> UInt64 {
        let value = registers[operand.registerNumber]
        if operand.isHighByte { return (value >> 8) & 0xFF }
        return value & mask(size)
    }

    /// Writes with the x86-64 partial-register rules: 32-bit writes zero-extend, 8/16-bit merge.
    @inline(__always) mutating func write(register operand: Operand, size: UInt8, _ value: UInt64) {
        let number = operand.registerNumber
        switch size {
        case 8: registers[number] = value
        case 4: registers[number] = value & 0xFFFF_FFFF
        case 2: registers[number] = (registers[number] & ~0xFFFF) | (value & 0xFFFF)
        default:
            if operand.isHighByte {
                registers[number] = (registers[number] & ~0xFF00) | ((value & 0xFF) << 8)
            } else {
                registers[number] = (registers[number] & ~0xFF) | (value & 0xFF)
            }
        }
    }

    // MARK: Flags

    /// Brings the status flags in `rflags` up to date.
    @inline(__always) mutating func materializeFlags() {
        guard lazy.kind != .none else { return }
        rflags = (rflags & ~RFlags.status) | lazy.statusFlags()
        lazy.kind = .none
    }

    /// RFLAGS with all status flags current.
    mutating func currentFlags() -> UInt64 {
        materializeFlags()
        return rflags
    }

    @inline(__always) mutating func setLazy(_ kind: FlagKind, size: UInt8, _ a: UInt64, _ b: UInt64, _ r: UInt64,
        carry: UInt64 = 0)
    {
        if kind == .inc || kind == .dec {
            // INC/DEC keep CF: carry the previous operation's CF along instead of materializing all
            // six flags of it (perf: the full evaluation on every `dec; jnz` loop counter).
            let cf = lazy.kind == .none ? rflags & RFlags.cf : UInt64(lazy.cf)
            lazy = LazyFlags(kind: kind, size: size, left: a, right: b, result: r, carry: cf)
            return
        }
        lazy = LazyFlags(kind: kind, size: size, left: a, right: b, result: r, carry: carry)
    }

    /// Replaces the status flags given in `affected` with `values` (an eager update).
    @inline(__always) mutating func setFlags(_ values: UInt64, affected: UInt64) {
        // Replacing all six needs none of the pending ones (perf: evaluating the previous
        // operation's flags was a quarter of an imul/div/mul chain).
        if affected & RFlags.status == RFlags.status { lazy.kind = .none } else { materializeFlags() }
        rflags = (rflags & ~affected) | (values & affected)
    }

    @inline(__always) mutating func flag(_ bit: UInt64) -> Bool {
        if lazy.kind == .none { return rflags & bit != 0 }
        switch bit {
        case RFlags.zf where lazy.kind != .none: return lazy.result & mask(lazy.size) == 0
        case RFlags.sf where lazy.kind != .none: return lazy.result & signBit(lazy.size) != 0
        default:
            materializeFlags()
            return rflags & bit != 0
        }
    }

    /// Evaluates condition code `cc` (SDM Vol. 1 Appendix B).
    @inline(__always) mutating func condition(_ cc: UInt8) -> Bool {
        let holds: Bool
        switch cc >> 1 {
        case 0: holds = flag(RFlags.of)
        case 1: holds = flag(RFlags.cf)
        case 2: holds = flag(RFlags.zf)
        case 3: holds = flag(RFlags.cf) || flag(RFlags.zf)
        case 4: holds = flag(RFlags.sf)
        case 5: holds = flag(RFlags.pf)
        case 6: holds = flag(RFlags.sf) != flag(RFlags.of)
        default: holds = flag(RFlags.zf) || (flag(RFlags.sf) != flag(RFlags.of))
        }
        return cc & 1 == 0 ? holds : !holds
    }

    // MARK: Memory operands

    /// The effective address of the instruction's memory operand (isa-subset.md §4).
    @inline(__always) func effectiveAddress(_ insn: borrowing LoweredInstruction) -> UInt64 {
        var address = insn.displacement
        if insn.base != 0xFF { address &+= registers[Int(insn.base & 15)] }
        if insn.index != 0xFF { address &+= registers[Int(insn.index & 15)] &* UInt64(insn.scale) }
        return insn.attributes.contains(.addressSize32) ? address & 0xFFFF_FFFF : address
    }

    @inline(__always) func load(_ address: UInt64, size: UInt8, stack: Bool = false) throws(GuestFault) -> UInt64 {
        let offset = try memory.translate(address, count: Int(size), access: .read, user: cpl == 3, stack: stack)
        return memory.load(at: offset, size: size)
    }

    @inline(__always) func store(_ value: UInt64, at address: UInt64, size: UInt8, stack: Bool = false)
        throws(GuestFault)
    {
        let offset = try memory.translate(address, count: Int(size), access: .write, user: cpl == 3, stack: stack)
        memory.store(value, at: offset, size: size)
    }

    /// Reads operand `operand` of `insn` at `size`.
    @inline(__always) func read(_ operand: Operand, of insn: LoweredInstruction, size: UInt8) throws(GuestFault)
        -> UInt64
    {
        if operand.isRegister { return read(register: operand, size: size) }
        if operand == .immediate { return insn.immediate & mask(size) }
        return try load(effectiveAddress(insn), size: size, stack: insn.attributes.contains(.stackSegment))
    }

    @inline(__always) mutating func write(_ operand: Operand, of insn: LoweredInstruction, size: UInt8, _ value: UInt64)
        throws(GuestFault)
    {
        if operand.isRegister {
            write(register: operand, size: size, value)
        } else {
            try store(value, at: effectiveAddress(insn), size: size, stack: insn.attributes.contains(.stackSegment))
        }
    }

    // MARK: Stack

    @inline(__always) mutating func push(_ value: UInt64, size: UInt8 = 8) throws(GuestFault) {
        let top = registers[GPR.rsp] &- UInt64(size)
        try store(value, at: top, size: size, stack: true)
        registers[GPR.rsp] = top
    }

    @inline(__always) mutating func pop(size: UInt8 = 8) throws(GuestFault) -> UInt64 {
        let value = try load(registers[GPR.rsp], size: size, stack: true)
        registers[GPR.rsp] &+= UInt64(size)
        return value
    }
}
