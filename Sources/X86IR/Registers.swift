/// Names of the 16 general registers in encoding order, as vpmu prints them.
public let generalRegisterNames = [
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
]

/// Register numbers used by implicit operands.
public enum GPR {
    public static let rax = 0, rcx = 1, rdx = 2, rbx = 3, rsp = 4, rbp = 5, rsi = 6, rdi = 7
}

/// RFLAGS bits (SDM Vol. 1 §3.4.3).
public enum RFlags {
    public static let cf: UInt64 = 1 << 0
    public static let reserved1: UInt64 = 1 << 1
    public static let pf: UInt64 = 1 << 2
    public static let af: UInt64 = 1 << 4
    public static let zf: UInt64 = 1 << 6
    public static let sf: UInt64 = 1 << 7
    public static let tf: UInt64 = 1 << 8
    public static let `if`: UInt64 = 1 << 9
    public static let df: UInt64 = 1 << 10
    public static let of: UInt64 = 1 << 11
    public static let iopl: UInt64 = 3 << 12
    public static let nt: UInt64 = 1 << 14
    public static let ac: UInt64 = 1 << 18
    public static let id: UInt64 = 1 << 21
    /// The six arithmetic status flags.
    public static let status: UInt64 = cf | pf | af | zf | sf | of
    /// Every bit POPFQ may change at CPL 0 (isa-subset.md §5).
    public static let writableAtCPL0: UInt64 = status | tf | `if` | df | iopl | nt | ac | id
}
