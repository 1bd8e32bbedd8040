import X86IR

/// The six status flags as an RFLAGS mask, for tracking which ones the SDM defines at a point.
typealias FlagMask = UInt64

/// One straight-line piece of a generated program: one or a few instructions that only make sense
/// together (`mov cl, 3` + `shl eax, cl`), with their static effect on flag definedness and stack depth.
struct Snippet {
    /// Status flags the snippet reads; they must be SDM-defined where it runs.
    var reads: FlagMask = 0
    /// Flags left defined / undefined afterwards (isa-subset.md §5); others keep their state.
    var defines: FlagMask = 0
    var undefines: FlagMask = 0
    /// Bytes pushed (positive) or popped (negative) net.
    var stackDelta = 0
    /// The planned faulting last instruction of a program (flags are compared up to it).
    var isTerminator = false
    var emit: (inout Assembler) -> Void
}

/// A generated program as a tree, so the shrinker can drop pieces and re-emit a valid program.
indirect enum Item {
    case snippet(Snippet)
    /// `mov ecx|r13d, trips` … body … `loop`/`loope`/`loopne` or `dec r13d; jnz`.
    case loop(LoopKind, trips: UInt32, body: [Item])
    /// `jcc` (or `jrcxz`, or `jecxz` for ``Item/jecxz``) forward over the body: taken or not, both paths are valid.
    case skip(condition: UInt8?, body: [Item])

    /// The `skip` condition that stands for JECXZ (67 E3), which tests ECX, not RCX.
    static let jecxz: UInt8 = 0x10
    /// `jmp over; f: body; ret [imm]; over: [push arg]; call f` — direct, through a register or memory.
    case call(CallKind, body: [Item])

    /// `loop32` is LOOP under 0x67: it counts ECX and zero-extends RCX (isa-subset.md §4).
    enum LoopKind: CaseIterable { case loop, loop32, loope, loopne, decJNZ }
    enum CallKind: CaseIterable { case direct, register, memory, retImmediate }
}

/// Which flags each condition code (the low nibble of Jcc/SETcc/CMOVcc) reads (SDM Vol. 1 App. B).
func flagsRead(byCondition condition: UInt8) -> FlagMask {
    switch condition & 0xF {
    case 0, 1: RFlags.of
    case 2, 3: RFlags.cf
    case 4, 5: RFlags.zf
    case 6, 7: RFlags.cf | RFlags.zf
    case 8, 9: RFlags.sf
    case 0xA, 0xB: RFlags.pf
    case 0xC, 0xD: RFlags.sf | RFlags.of
    default: RFlags.zf | RFlags.sf | RFlags.of
    }
}

/// Static checks that make a (possibly shrunk) item list safe to compare: every flag read is
/// SDM-defined on every path, and the stack never pops below where the scope began.
struct ProgramAnalysis {
    /// Flags defined after `items`, or nil if the items are not a valid program from `defined`.
    static func flags(after items: [Item], defined: FlagMask, depth: inout Int) -> FlagMask? {
        var state = defined
        for item in items {
            switch item {
            case .snippet(let snippet):
                guard snippet.reads & ~state == 0 else { return nil }
                depth += snippet.stackDelta
                guard depth >= 0 else { return nil }
                state = (state & ~snippet.undefines) | snippet.defines
            case .loop(let kind, _, let body):
                // Fixed point over the back edge: a flag is defined at the body's start only if it is
                // defined on entry and after every iteration.
                var entry = state
                var exit: FlagMask = 0
                for _ in 0..<4 {
                    var local = 0
                    guard let after = flags(after: body, defined: entry, depth: &local), local == 0 else { return nil }
                    exit = after
                    if kind == .decJNZ { exit = (exit & RFlags.cf) | (RFlags.status & ~RFlags.cf) }
                    if kind == .loope || kind == .loopne { guard exit & RFlags.zf != 0 else { return nil } }
                    let next = entry & exit
                    if next == entry { break }
                    entry = next
                }
                state = exit
            case .skip(let condition, let body):
                if let condition, condition != Item.jecxz {
                    guard flagsRead(byCondition: condition) & ~state == 0 else { return nil }
                }
                var local = 0
                guard let after = flags(after: body, defined: state, depth: &local), local == 0 else { return nil }
                state &= after
            case .call(_, let body):
                var local = 0
                guard let after = flags(after: body, defined: state, depth: &local), local == 0 else { return nil }
                state = after
            }
        }
        return state
    }
}

/// Emits the item tree as code at 0x400000.
struct ProgramEmitter {
    static let loopCounter = 13  // r13: the dec/jnz loop counter, never written by loop bodies

    static func emit(_ items: [Item], into assembler: inout Assembler) {
        for item in items {
            switch item {
            case .snippet(let snippet):
                snippet.emit(&assembler)
            case .loop(let kind, let trips, let body):
                let counter = kind == .decJNZ ? loopCounter : GPR.rcx
                assembler.modRM(
                    opcode: [0xC7], reg: 0, rm: .register(counter), immediate: littleEndian(trips, count: 4))
                let top = assembler.newLabel()
                assembler.bind(top)
                emit(body, into: &assembler)
                switch kind {
                case .loop: assembler.branch([0xE2], to: top, rel8: true)
                case .loop32: assembler.branch([0xE2], to: top, rel8: true, prefixes: [0x67])
                case .loope: assembler.branch([0xE1], to: top, rel8: true)
                case .loopne: assembler.branch([0xE0], to: top, rel8: true)
                case .decJNZ:
                    assembler.modRM(opcode: [0xFF], reg: 1, rm: .register(counter))  // dec r13d
                    assembler.branch([0x0F, 0x85], to: top, rel8: false)
                }
            case .skip(let condition, let body):
                let over = assembler.newLabel()
                if condition == Item.jecxz {
                    assembler.branch([0xE3], to: over, rel8: true, prefixes: [0x67])
                } else if let condition {
                    assembler.branch([0x0F, 0x80 | condition], to: over, rel8: false)
                } else {
                    assembler.branch([0xE3], to: over, rel8: true)  // jrcxz
                }
                emit(body, into: &assembler)
                assembler.bind(over)
            case .call(let kind, let body):
                let over = assembler.newLabel()
                let function = assembler.newLabel()
                assembler.branch([0xE9], to: over, rel8: false)
                let functionAddress = assembler.address
                assembler.bind(function)
                emit(body, into: &assembler)
                if kind == .retImmediate {
                    assembler.raw([0xC2, 0x08, 0x00], kind: .branch)  // ret 8: drops the pushed argument
                } else {
                    assembler.raw([0xC3], kind: .branch)
                }
                assembler.bind(over)
                switch kind {
                case .direct:
                    assembler.branch([0xE8], to: function, rel8: false)
                case .retImmediate:
                    assembler.raw([0x6A, 0x2A])  // push 42: the argument ret 8 drops
                    assembler.branch([0xE8], to: function, rel8: false)
                case .register:
                    // lea rax, [rip → f]; call rax
                    assembler.modRM(
                        wide: true, opcode: [0x8D], reg: GPR.rax,
                        rm: .memory(.init(base: .rip(functionAddress))))
                    assembler.modRM(opcode: [0xFF], reg: 2, rm: .register(GPR.rax), kind: .branch)
                case .memory:
                    // lea rax, [rip → f]; mov [r15 - 8], rax; call [r15 - 8]
                    assembler.modRM(
                        wide: true, opcode: [0x8D], reg: GPR.rax,
                        rm: .memory(.init(base: .rip(functionAddress))))
                    let slot = Assembler.Memory(base: .register(ProgramGenerator.dataPointer), displacement: -8)
                    assembler.modRM(wide: true, opcode: [0x89], reg: GPR.rax, rm: .memory(slot))
                    assembler.modRM(opcode: [0xFF], reg: 2, rm: .memory(slot), kind: .branch)
                }
            }
        }
    }
}

/// A finished program: the tree, its bytes and what the Unicorn side needs to count.
struct GeneratedProgram {
    var items: [Item]
    var bytes: [UInt8]
    var instructions: [Assembler.Emitted]
    /// Flags the SDM defines at the end (compared); the rest are not.
    var definedFlags: FlagMask
    /// Where the planned faulting last snippet starts, if the program has one.
    var terminatorAddress: UInt64?

    /// Emits `items`; nil if they do not form a valid program (flag reads, stack, rel8 reach).
    init?(items: [Item]) {
        var depth = 0
        guard !items.isEmpty, let defined = ProgramAnalysis.flags(after: items, defined: RFlags.status, depth: &depth)
        else { return nil }
        var assembler = Assembler(origin: 0x40_0000)
        if case .snippet(let last) = items[items.count - 1], last.isTerminator {
            ProgramEmitter.emit(Array(items.dropLast()), into: &assembler)
            terminatorAddress = assembler.address
            ProgramEmitter.emit([items[items.count - 1]], into: &assembler)
        } else {
            ProgramEmitter.emit(items, into: &assembler)
        }
        guard let bytes = try? assembler.finish(), !bytes.isEmpty else { return nil }
        self.items = items
        self.bytes = bytes
        self.instructions = assembler.instructions
        self.definedFlags = defined
    }
}
