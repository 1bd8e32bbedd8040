import TestSupport
import X86IR

/// Generates random but valid programs from the supported subset (isa-subset.md §3): straight-line
/// code, bounded loops, calls, memory traffic into the data area and the stack, REP string
/// instructions, partial registers and every flag-reading instruction, reading only flags the SDM
/// defines at that point so both engines must agree.
///
/// Register conventions (never written by random instructions): RSP is the stack, R15 points into
/// the data area, R14 holds a small index; RCX and R13 are reserved inside the loops they count.
struct ProgramGenerator {
    static let dataPointer = 15
    static let indexRegister = 14
    static let alwaysReserved: Set<Int> = [GPR.rsp, indexRegister, dataPointer]

    var random: SplitMix
    /// Registers random instructions must not write here (the loop counters in scope, RSP, R14, R15).
    var reserved = alwaysReserved
    /// Flags defined at the point being generated.
    var defined: FlagMask = RFlags.status
    /// Bytes pushed in the current scope (a loop, call or skip body starts at 0).
    var depth = 0
    var nesting = 0

    init(seed: UInt64) { random = SplitMix(state: seed) }

    var writable: [Int] { (0..<16).filter { !reserved.contains($0) } }
    var rcxIsFree: Bool { !reserved.contains(GPR.rcx) }

    /// One program; retries with the same stream until the rel8 jumps reach.
    mutating func program() -> GeneratedProgram {
        while true {
            reserved = Self.alwaysReserved
            defined = RFlags.status
            depth = 0
            nesting = 0
            var items = prologue()
            items += body(count: 4 + random.below(28))
            if random.chance(15) {
                var end = faultingEnd()
                end.isTerminator = true
                items.append(.snippet(end))
            }
            if let program = GeneratedProgram(items: items) { return program }
        }
    }

    /// R15 → data (page-crossing offsets included), R14 = small index, a few interesting registers.
    private mutating func prologue() -> [Item] {
        let pointer = 0x60_1000 + UInt64(random.below(0xFC000))
        let index = UInt32(random.below(256))
        var items: [Item] = [
            .snippet(
                Snippet {
                    $0.modRM(
                        wide: true, opcode: [0xC7], reg: 0, rm: .register(15),
                        immediate: littleEndian(UInt32(pointer), count: 4))
                }),
            .snippet(
                Snippet {
                    $0.modRM(opcode: [0xC7], reg: 0, rm: .register(14), immediate: littleEndian(index, count: 4))
                }),
        ]
        for register in writable where random.chance(60) {
            let value = random.interesting()
            items.append(
                .snippet(
                    Snippet {
                        $0.raw(
                            rex(wide: true, b: register) + [0xB8 | UInt8(register & 7)] + littleEndian(value, count: 8))
                    }))
        }
        return items
    }

    /// `count` items at the current scope, updating the flag and stack state as it goes.
    mutating func body(count: Int) -> [Item] {
        var items: [Item] = []
        for _ in 0..<count {
            let item = nextItem()
            var newDepth = depth
            guard let after = ProgramAnalysis.flags(after: [item], defined: defined, depth: &newDepth) else { continue }
            items.append(item)
            defined = after
            depth = newDepth
        }
        return items
    }

    private mutating func nextItem() -> Item {
        let roll = random.below(100)
        if nesting < 2 && roll < 6 { return loopItem() }
        if nesting < 3 && roll < 10 { return skipItem() }
        if nesting < 2 && roll < 13 { return callItem() }
        return .snippet(snippet())
    }

    /// A body in its own scope: stack-neutral at the end, with the given extra reserved registers.
    private mutating func scoped(entry: FlagMask, reserving extra: [Int], count: Int) -> [Item] {
        let saved = (reserved, defined, depth)
        reserved.formUnion(extra)
        defined = entry
        depth = 0
        nesting += 1
        var items = body(count: count)
        if depth > 0 {
            let pushed = Int32(depth)
            items.append(
                .snippet(
                    Snippet(stackDelta: -depth) {  // lea rsp, [rsp + pushed]
                        $0.modRM(
                            wide: true, opcode: [0x8D], reg: GPR.rsp,
                            rm: .memory(.init(base: .register(GPR.rsp), displacement: pushed)))
                    }))
        }
        nesting -= 1
        (reserved, defined, depth) = saved
        return items
    }

    private mutating func loopItem() -> Item {
        var kinds: [Item.LoopKind] = []
        if rcxIsFree { kinds += [.loop, .loop32, .loope, .loopne] }
        if !reserved.contains(ProgramEmitter.loopCounter) { kinds.append(.decJNZ) }
        guard !kinds.isEmpty else { return .snippet(snippet()) }
        let kind = random.pick(kinds)
        let trips = UInt32(1 + random.below(5))
        let counter = kind == .decJNZ ? ProgramEmitter.loopCounter : GPR.rcx
        // LOOP's rel8 must reach back over the body: keep LOOP bodies short.
        let length = kind == .decJNZ ? 1 + random.below(8) : 1 + random.below(4)
        let entry = kind == .decJNZ ? defined & (RFlags.status & ~RFlags.cf) : 0
        var inner = scoped(entry: entry, reserving: [counter], count: length)
        if kind == .loope || kind == .loopne {
            // LOOPE/LOOPNE read ZF: end the body with a CMP so ZF is defined at the back edge.
            inner.append(.snippet(compare()))
        }
        return .loop(kind, trips: trips, body: inner)
    }

    private mutating func skipItem() -> Item {
        let inner = scoped(entry: defined, reserving: [], count: 1 + random.below(5))
        if random.chance(20) { return .skip(condition: random.chance(50) ? nil : Item.jecxz, body: inner) }
        let readable = (0..<16).map(UInt8.init).filter { flagsRead(byCondition: $0) & ~defined == 0 }
        guard !readable.isEmpty else { return .skip(condition: nil, body: inner) }
        return .skip(condition: random.pick(readable), body: inner)
    }

    private mutating func callItem() -> Item {
        let inner = scoped(entry: defined, reserving: [], count: 1 + random.below(6))
        return .call(random.pick(Item.CallKind.allCases), body: inner)
    }

    /// `cmp reg, imm8`: defines all six status flags.
    mutating func compare() -> Snippet {
        let register = random.below(16)
        let value = UInt8(truncatingIfNeeded: random.next())
        return Snippet(defines: RFlags.status) {
            $0.modRM(wide: true, opcode: [0x83], reg: 7, rm: .register(register), immediate: [value])
        }
    }
}

/// REX with W and B (and R) as given, or nothing when empty and not forced.
func rex(wide: Bool = false, r: Int = 0, b: Int = 0, force: Bool = false) -> [UInt8] {
    let value: UInt8 = 0x40 | (wide ? 8 : 0) | (r >= 8 ? 4 : 0) | (b >= 8 ? 1 : 0)
    return value != 0x40 || force ? [value] : []
}
