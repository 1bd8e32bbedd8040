import X86IR

/// The operation whose result the arithmetic flags still describe (lazy flag evaluation).
///
/// Recording (kind, size, operands, result) costs four stores; the six flags are computed only
/// when something reads them, which most ADD/SUB/INC/DEC results never are.
enum FlagKind: UInt8 {
    /// The status flags in `rflags` are current.
    case none
    case add, sub, logic
    /// INC / DEC: CF is not changed; the CF in force before them is kept in `carry`.
    case inc, dec
    /// MUL / IMUL: CF = OF = `carry` (the product did not fit); SF, ZF, PF from the low half; AF 0.
    case multiply
    /// SHL / SHR / SAR by a non-zero count: CF = `carry`, OF = `right` (0 or 1); SF, ZF, PF from
    /// the result; AF 0 (isa-subset.md §5).
    case shift
}

struct LazyFlags {
    var kind: FlagKind = .none
    var size: UInt8 = 8
    /// CF of the recorded operation (0 or 1), worked out when it is recorded: one compare for
    /// ADD/SUB, and INC/DEC (which keep CF) and JB/JAE then read it without a switch over the
    /// kind of the operation before (perf: a compare chain on every `dec; jnz`).
    var cf: UInt8 = 0
    var left: UInt64 = 0
    var right: UInt64 = 0
    /// Always truncated to `size` (the fast Jcc path tests ZF as `result == 0`).
    var result: UInt64 = 0
    /// Carry in for ADC / SBB (0 or 1); for INC / DEC the unchanged CF (0 or 1).
    var carry: UInt64 = 0

    init() {}

    @inline(__always) init(kind: FlagKind, size: UInt8, left: UInt64, right: UInt64, result: UInt64, carry: UInt64) {
        self.kind = kind
        self.size = size
        self.left = left
        self.right = right
        self.result = result
        self.carry = carry
        switch kind {
        case .add: cf = result < left || (carry != 0 && result == left) ? 1 : 0
        case .sub: cf = left < right || (carry != 0 && left == right) ? 1 : 0
        case .none, .logic: cf = 0
        case .inc, .dec, .multiply, .shift: cf = UInt8(truncatingIfNeeded: carry & 1)
        }
    }
}

@inline(__always) func signBit(_ size: UInt8) -> UInt64 { 1 << (UInt64(size) * 8 - 1) }

@inline(__always) func mask(_ size: UInt8) -> UInt64 { size >= 8 ? ~0 : (1 << (UInt64(size) * 8)) &- 1 }

/// PF: set when the low byte of the result has an even number of 1 bits.
@inline(__always) func parityFlag(_ result: UInt64) -> UInt64 {
    (result & 0xFF).nonzeroBitCount & 1 == 0 ? RFlags.pf : 0
}

/// ZF, SF and PF of a result of `size` bytes.
@inline(__always) func resultFlags(_ result: UInt64, size: UInt8) -> UInt64 {
    (result & mask(size) == 0 ? RFlags.zf : 0) | (result & signBit(size) != 0 ? RFlags.sf : 0) | parityFlag(result)
}

extension LazyFlags {
    /// The six status flags of the recorded operation (SDM Vol. 1 Appendix A).
    func statusFlags() -> UInt64 {
        let sign = signBit(size)
        let a = left, b = right, r = result
        var flags = resultFlags(r, size: size) | ((a ^ b ^ r) & 0x10)  // AF: carry out of bit 3
        switch kind {
        case .none:
            return 0
        case .add:
            flags |= UInt64(cf)  // CF is bit 0
            if (a ^ r) & (b ^ r) & sign != 0 { flags |= RFlags.of }
        case .sub:
            flags |= UInt64(cf)
            if (a ^ b) & (a ^ r) & sign != 0 { flags |= RFlags.of }
        case .logic:
            flags &= ~RFlags.af
        case .inc:
            flags |= carry & RFlags.cf
            if r == sign { flags |= RFlags.of }
        case .dec:
            flags |= carry & RFlags.cf
            if r == sign &- 1 { flags |= RFlags.of }
        case .multiply:
            flags = resultFlags(r, size: size) | (carry != 0 ? RFlags.cf | RFlags.of : 0)
        case .shift:
            flags = resultFlags(r, size: size) | (carry != 0 ? RFlags.cf : 0) | (right != 0 ? RFlags.of : 0)
        }
        return flags
    }

    /// CF of the recorded operation alone (0 or RFlags.cf), without evaluating the other flags.
    @inline(__always) var carryFlag: UInt64 { kind == .none ? 0 : UInt64(cf) }
}
