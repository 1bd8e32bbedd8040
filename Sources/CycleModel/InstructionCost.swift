import X86IR

/// What one record does to memory, for the `load` / `store` / `locked` terms of cycle-model.md §2.
public struct MemoryAccess: Equatable, Sendable {
    public var reads: Bool
    public var writes: Bool
    public var locked: Bool

    /// The accesses of `insn`, stack accesses included (PUSH, POP, CALL, RET, ENTER, LEAVE,
    /// PUSHFQ, POPFQ). LEA, the NOP forms and PREFETCHh never touch memory.
    public init(of insn: LoweredInstruction) {
        var reads = false
        var writes = false
        switch insn.opcode {
        case .lea, .nop:
            break
        case .push, .pushfq, .call:
            writes = true
        case .pop, .popfq, .ret, .leave:
            reads = true
        case .enter:
            writes = true
            reads = insn.immediate >> 16 & 0xFF > 0  // nesting level > 0 copies frame pointers
        default:
            break
        }
        if insn.destination == .memory {
            switch insn.opcode {
            case .cmp, .test, .bt, .mul, .imul1, .div, .idiv, .push: reads = true
            case .mov, .setcc, .pop: writes = true
            default:
                reads = true
                writes = true
            }
        }
        if insn.source == .memory || insn.source2 == .memory {
            reads = true
            if insn.opcode == .xchg { writes = true }
        }
        if insn.opcode == .lea || insn.opcode == .nop {
            reads = false
            writes = false
        }
        self.reads = reads
        self.writes = writes
        locked = insn.attributes.contains(.lock) || (insn.opcode == .xchg && insn.hasMemoryOperand)
    }
}

extension CycleTable {
    /// Mnemonics `op.<mnemonic>` may name: vpmu's operation names, one per family (`jcc`, `setcc`,
    /// `cmovcc` for all conditions; `imul` for every form; `ljmp` / `lcall` for far transfers).
    public static let mnemonics: Set<String> = Set(
        Opcode.allCases.filter { $0 != .invalid && $0 != .unsupported }.map(mnemonic(of:))
            + ["pause", "lfence", "mfence", "sfence"])

    static func mnemonic(of opcode: Opcode) -> String {
        switch opcode {
        case .imul1: "imul"
        case .jmpFar: "ljmp"
        case .callFar: "lcall"
        default: "\(opcode)"
        }
    }

    /// The mnemonic an `op.` override of `insn` is looked up under.
    static func mnemonic(of insn: LoweredInstruction) -> String {
        switch insn.costClass {
        case .pause: "pause"
        case .lfence: "lfence"
        case .mfence: "mfence"
        case .sfence: "sfence"
        default: mnemonic(of: insn.opcode)
        }
    }

    /// The instruction's base cost: its class row, or its `op.` override.
    public func baseCost(of insn: LoweredInstruction) -> UInt64 {
        if !overrides.isEmpty, let override = overrides[Self.mnemonic(of: insn)] { return override }
        switch insn.costClass {
        case .alu: return self["alu"]
        case .dataMovement:
            // Pure data movement that touches memory has base 0: its memory term is its whole cost.
            let access = MemoryAccess(of: insn)
            return access.reads || access.writes ? 0 : self["alu"]
        case .mul: return self["mul"]
        case .div:
            switch insn.operandSize {
            case 1: return self["div8"]
            case 2: return self["div16"]
            case 4: return self["div32"]
            default: return self["div64"]
            }
        case .bitscan: return self["bitscan"]
        case .branch: return self["branch"]
        case .string: return self["string"]
        case .far: return self["far"]
        case .cpuid: return self["cpuid"]
        case .rdmsr: return self["rdmsr"]
        case .wrmsr: return self["wrmsr"]
        case .rdpmc: return self["rdpmc"]
        case .lidt: return self["lidt"]
        case .iretq: return self["iretq"]
        case .int: return self["int"]
        case .cli: return self["cli"]
        case .sti: return self["sti"]
        case .hlt: return self["hlt"]
        case .pause: return self["pause"]
        case .mfence: return self["mfence"]
        case .lfence: return self["lfence"]
        case .sfence: return self["sfence"]
        case .clflush: return self["clflush"]
        case .none: return 0
        }
    }

    /// Whether the class row is all-inclusive (no load, store, locked, branch or taken terms).
    static func isAllInclusive(_ costClass: CostClass) -> Bool {
        switch costClass {
        case .alu, .dataMovement, .mul, .div, .bitscan, .branch: false
        default: true
        }
    }

    /// Everything known at decode: base + load + store + locked, plus `taken` for an unconditional
    /// branch. A taken conditional branch adds ``takenCost`` and a string instruction adds
    /// ``stringElementCost`` per element at run time.
    public func staticCost(of insn: LoweredInstruction) -> UInt64 {
        let base = baseCost(of: insn)
        guard !Self.isAllInclusive(insn.costClass) else { return base }
        let access = MemoryAccess(of: insn)
        var cost = base
        if access.reads { cost += self["load"] }
        if access.writes { cost += self["store"] }
        if access.locked { cost += self["locked"] }
        if insn.costClass == .branch && !insn.opcode.isConditionalBranch { cost += self["taken"] }
        return cost
    }

    /// `taken`: added when a conditional branch transfers control.
    public var takenCost: UInt64 { self["taken"] }
    /// `string_iter`: added per element a string instruction processes.
    public var stringElementCost: UInt64 { self["string_iter"] }
    /// `exit_cost`: charged once per batch, at its end.
    public var exitCost: UInt64 { self["exit_cost"] }

    /// The table's clocks as plain values, for per-batch use (no table lookups).
    public var clocks: ReferenceClock { ReferenceClock(coreMHz: coreMHz, refMHz: refMHz) }

    /// R(C) with this table's clocks (``ReferenceClock/referenceCycles(atCoreCycles:)``).
    public func referenceCycles(atCoreCycles cycles: UInt64) -> UInt64 {
        clocks.referenceCycles(atCoreCycles: cycles)
    }

    /// ``ReferenceClock/coreCyclesBound(forReferenceCycles:)`` with this table's clocks.
    public func coreCyclesBound(forReferenceCycles refEvents: UInt64) -> UInt64 {
        clocks.coreCyclesBound(forReferenceCycles: refEvents)
    }
}

/// The core and reference clocks (`core_mhz`, `ref_mhz`, each ≥ 1) and the arithmetic between them.
public struct ReferenceClock: Sendable, Equatable {
    public let coreMHz: UInt64
    public let refMHz: UInt64

    public init(coreMHz: UInt64, refMHz: UInt64) {
        self.coreMHz = max(coreMHz, 1)
        self.refMHz = max(refMHz, 1)
    }

    /// The reference clock R(C) = floor(C · ref_mhz / core_mhz) modulo 2^64 (cycle-model.md §3.4).
    ///
    /// Computed in 128 bits so no C overflows; only differences R(c1) − R(c0) are used.
    public func referenceCycles(atCoreCycles cycles: UInt64) -> UInt64 {
        let (high, low) = cycles.multipliedFullWidth(by: refMHz)
        // Dropping (high / core) · 2^64 from the quotient keeps it modulo 2^64 and makes the division fit.
        return coreMHz.dividingFullWidth((high: high % coreMHz, low: low)).quotient
    }

    /// The smallest increase of C that can raise R by `refEvents` (≥ 1): a conservative cycle budget
    /// so the run stops at or before the instruction that carries a ref-cycles counter to its wrap.
    public func coreCyclesBound(forReferenceCycles refEvents: UInt64) -> UInt64 {
        // R(c0 + x) − R(c0) ≥ d needs x·ref/core > d − 1, i.e. x ≥ floor((d − 1)·core/ref) + 1.
        let (high, low) = (refEvents &- 1).multipliedFullWidth(by: coreMHz)
        guard high < refMHz else { return UInt64.max }
        let x = refMHz.dividingFullWidth((high: high, low: low)).quotient
        return x == UInt64.max ? x : x + 1
    }
}
