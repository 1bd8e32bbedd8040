/// The row of the cycle table (cycle-model.md §2) an instruction's base cost comes from.
///
/// Fixed at lowering so the cycle model never looks at Capstone: most classes follow from the
/// ``Opcode``; the decoder refines the NOP family (PAUSE and the fences share ``Opcode/nop``).
public enum CostClass: UInt8, CaseIterable, Sendable {
    /// `alu`, or base 0 for pure data movement that touches memory (decided with the operands).
    case alu
    /// MOV, MOVZX/MOVSX, XCHG, PUSH, POP, SETcc, PUSHFQ/POPFQ: `alu` in registers, base 0 with memory.
    case dataMovement
    case mul, div, bitscan, branch, string, far
    case cpuid, rdmsr, wrmsr, rdpmc, lidt, iretq, int, cli, sti, hlt, pause, mfence, lfence, sfence, clflush
    /// Never retires (invalid or unsupported): costs nothing.
    case none

    /// The class implied by the opcode alone (the NOP family defaults to `alu`).
    public init(_ opcode: Opcode) {
        switch opcode {
        case .mov, .movzx, .movsx, .xchg, .push, .pop, .setcc, .pushfq, .popfq: self = .dataMovement
        case .mul, .imul1, .imul: self = .mul
        case .div, .idiv: self = .div
        case .bsf, .bsr, .popcnt, .lzcnt, .tzcnt: self = .bitscan
        case .jcc, .jmp, .call, .ret, .loop, .loope, .loopne, .jrcxz: self = .branch
        case .movs, .cmps, .stos, .lods, .scas: self = .string
        case .jmpFar, .callFar, .retf: self = .far
        case .cpuid: self = .cpuid
        case .rdmsr: self = .rdmsr
        case .wrmsr: self = .wrmsr
        case .rdpmc: self = .rdpmc
        case .lidt: self = .lidt
        case .iretq: self = .iretq
        case .int3, .int: self = .int
        case .cli: self = .cli
        case .sti: self = .sti
        case .hlt: self = .hlt
        case .clflush: self = .clflush
        case .invalid, .unsupported: self = .none
        default: self = .alu
        }
    }
}

extension Opcode {
    /// Jcc, LOOP/LOOPE/LOOPNE and JrCXZ: their `taken` cycle term is charged only when they branch.
    public var isConditionalBranch: Bool {
        switch self {
        case .jcc, .loop, .loope, .loopne, .jrcxz: true
        default: false
        }
    }
}
