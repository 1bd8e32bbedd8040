/// vpmu's own operation codes: one per x86 operation the interpreter executes.
///
/// Operand size, operand kinds and prefixes live in ``LoweredInstruction``; an `Opcode` says only
/// what is done. `invalid` raises #UD when executed; `unsupported` is valid x86 outside the subset
/// (isa-subset.md §3) and ends the run with an error when execution reaches it.
public enum Opcode: UInt8, CaseIterable, Sendable {
    // data movement
    case mov, movzx, movsx, lea, xchg, push, pop, pushfq, popfq, cmovcc, setcc, bswap
    case cbw  // CBW / CWDE / CDQE by operand size
    case cwd  // CWD / CDQ / CQO by operand size
    case xadd, cmpxchg, enter, leave
    // arithmetic
    case add, adc, sub, sbb, cmp, inc, dec, neg, mul, imul1, imul, div, idiv
    // logic
    case and, or, xor, not, test
    // shifts and rotates
    case shl, shr, sar, rol, ror, rcl, rcr, shld, shrd
    // bit operations
    case bt, bts, btr, btc, bsf, bsr, popcnt, lzcnt, tzcnt
    // control flow
    case jcc, jmp, call, ret, loop, loope, loopne, jrcxz, jmpFar, callFar, retf, iretq, int3, int
    // strings
    case movs, cmps, stos, lods, scas
    // flags
    case clc, stc, cmc, cld, std, cli, sti, lahf, sahf
    // system
    case cpuid, rdmsr, wrmsr, rdpmc, hlt, lidt, clflush
    case nop  // NOP forms, PAUSE, LFENCE/MFENCE/SFENCE, PREFETCHh: no architectural effect
    // not executable
    case invalid, unsupported

    /// Whether a retired instance is a branch for PMU counting (isa-subset.md §8), taken or not.
    ///
    /// ENTER and LEAVE are not branches (KVM counted them until Sept 2025; see the
    /// `enter-leave-branch` quirk), nor are string, system or HLT instructions.
    public var isBranch: Bool {
        switch self {
        case .jcc, .jmp, .call, .ret, .loop, .loope, .loopne, .jrcxz, .jmpFar, .callFar, .retf, .iretq,
            .int3, .int:
            true
        default: false
        }
    }

    /// Whether the instruction can transfer control or stop the vCPU, so a decoded block ends after it.
    public var endsBlock: Bool {
        switch self {
        case .hlt, .invalid, .unsupported, .cpuid, .rdmsr, .wrmsr, .rdpmc, .lidt, .cli, .sti, .popfq,
            .movs, .cmps, .stos, .lods, .scas:
            true
        default: isBranch
        }
    }

    /// Whether a LOCK prefix is legal (with a memory destination); anywhere else LOCK is #UD.
    public var isLockable: Bool {
        switch self {
        case .add, .adc, .and, .btc, .btr, .bts, .cmpxchg, .dec, .inc, .neg, .not, .or, .sbb, .sub, .xor,
            .xadd, .xchg:
            true
        default: false
        }
    }

    /// Whether this is a string instruction (MOVS, CMPS, STOS, LODS, SCAS).
    public var isString: Bool {
        switch self {
        case .movs, .cmps, .stos, .lods, .scas: true
        default: false
        }
    }
}
