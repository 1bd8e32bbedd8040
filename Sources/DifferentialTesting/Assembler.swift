/// A direct x86-64 byte encoder for the generator: far faster than assembling text with GNU `as`
/// once per program, and it records, per emitted instruction, what the Unicorn side must know to
/// count retirements (is it a branch, is it a REP string instruction) without any decoder.
///
/// Encodings follow SDM Vol. 2 §2.1–2.2 (prefixes, REX, ModRM, SIB, displacement, immediate).
struct Assembler {
    /// How the Unicorn side counts an instruction (isa-subset.md §8).
    /// `codeStore` is a store into code: Unicorn's hook fires for it again when QEMU invalidates
    /// the translation block it is in and re-executes it (isa-subset.md §10).
    enum Kind { case plain, branch, repString, codeStore }

    /// A ModRM memory reference.
    struct Memory {
        enum Base {
            case register(Int)
            /// RIP-relative to this absolute address (the displacement is computed at emission).
            case rip(UInt64)
            /// No base: SIB with base 101 and mod 00, a bare disp32.
            case none
        }
        var base: Base
        var index: Int? = nil
        var scale = 1
        var displacement: Int32 = 0
        /// 0x67: 32-bit effective address.
        var addressSize32 = false
    }

    /// A ModRM r/m operand.
    enum Operand {
        case register(Int)
        case memory(Memory)
    }

    struct Label: Hashable { let id: Int }
    struct Emitted {
        var offset: Int
        var length: Int
        var kind: Kind
    }
    struct Overflow: Error {}

    let origin: UInt64
    private(set) var bytes: [UInt8] = []
    private(set) var instructions: [Emitted] = []
    private var labels: [Int: Int] = [:]
    private var labelCount = 0
    private var fixups: [(position: Int, size: Int, label: Label, end: Int)] = []

    init(origin: UInt64) { self.origin = origin }

    var address: UInt64 { origin + UInt64(bytes.count) }

    mutating func newLabel() -> Label {
        labelCount += 1
        return Label(id: labelCount)
    }

    mutating func bind(_ label: Label) { labels[label.id] = bytes.count }

    /// Emits raw instruction bytes (no ModRM work), e.g. `f3 a4`.
    mutating func raw(_ encoding: [UInt8], kind: Kind = .plain) {
        instructions.append(Emitted(offset: bytes.count, length: encoding.count, kind: kind))
        bytes += encoding
    }

    /// Emits `prefixes` [REX] `opcode` ModRM [SIB] [disp] `immediate`.
    ///
    /// - Parameters:
    ///   - reg: the ModRM reg field (a register number or an opcode extension /digit).
    ///   - wide: REX.W.
    ///   - forceREX: emit REX even when empty (8-bit SPL…DIL); `noREX` callers pass AH…BH.
    mutating func modRM(
        prefixes: [UInt8] = [], wide: Bool = false, forceREX: Bool = false, opcode: [UInt8], reg: Int,
        rm: Operand, immediate: [UInt8] = [], kind: Kind = .plain
    ) {
        var rex: UInt8 = wide ? 0x48 : 0x40
        if reg >= 8 { rex |= 4 }
        var tail: [UInt8] = []
        var ripTarget: UInt64? = nil
        var addressPrefix = false
        switch rm {
        case .register(let number):
            if number >= 8 { rex |= 1 }
            tail.append(0xC0 | UInt8((reg & 7) << 3) | UInt8(number & 7))
        case .memory(let memory):
            addressPrefix = memory.addressSize32
            let scaleBits = UInt8([1: 0, 2: 1, 4: 2, 8: 3][memory.scale] ?? 0)
            let indexBits = UInt8((memory.index ?? 4) & 7)
            if let index = memory.index, index >= 8 { rex |= 2 }
            switch memory.base {
            case .rip(let target):
                tail.append(UInt8((reg & 7) << 3) | 5)
                tail += [0, 0, 0, 0]
                ripTarget = target
            case .none:
                tail.append(UInt8((reg & 7) << 3) | 4)
                tail.append(scaleBits << 6 | indexBits << 3 | 5)
                tail += littleEndian(UInt32(bitPattern: memory.displacement), count: 4)
            case .register(let base):
                if base >= 8 { rex |= 1 }
                let needsSIB = memory.index != nil || base & 7 == 4
                let mod: UInt8 =
                    memory.displacement == 0 && base & 7 != 5 ? 0 : Int8(exactly: memory.displacement) != nil ? 1 : 2
                tail.append(mod << 6 | UInt8((reg & 7) << 3) | (needsSIB ? 4 : UInt8(base & 7)))
                if needsSIB { tail.append(scaleBits << 6 | indexBits << 3 | UInt8(base & 7)) }
                if mod == 1 { tail.append(UInt8(bitPattern: Int8(memory.displacement))) }
                if mod == 2 { tail += littleEndian(UInt32(bitPattern: memory.displacement), count: 4) }
            }
        }
        var encoding = (addressPrefix ? [0x67] : []) + prefixes
        if rex != 0x40 || forceREX { encoding.append(rex) }
        encoding += opcode
        let displacementAt = encoding.count + 1
        encoding += tail + immediate
        if let target = ripTarget {
            let next = address &+ UInt64(encoding.count)
            let displacement = UInt32(truncatingIfNeeded: target &- next)
            encoding.replaceSubrange(displacementAt..<(displacementAt + 4), with: littleEndian(displacement, count: 4))
        }
        raw(encoding, kind: kind)
    }

    /// Emits `opcode` followed by a rel8 or rel32 to `label`, resolved by ``finish()``.
    mutating func branch(_ opcode: [UInt8], to label: Label, rel8: Bool, prefixes: [UInt8] = []) {
        let size = rel8 ? 1 : 4
        let encoding = prefixes + opcode + [UInt8](repeating: 0, count: size)
        let position = bytes.count + encoding.count - size
        raw(encoding, kind: .branch)
        fixups.append((position, size, label, bytes.count))
    }

    /// Resolves label references; throws if a rel8 does not reach.
    mutating func finish() throws(Overflow) -> [UInt8] {
        for fixup in fixups {
            guard let target = labels[fixup.label.id] else { throw Overflow() }
            let distance = target - fixup.end
            if fixup.size == 1 {
                guard let small = Int8(exactly: distance) else { throw Overflow() }
                bytes[fixup.position] = UInt8(bitPattern: small)
            } else {
                let wide = UInt32(bitPattern: Int32(distance))
                bytes.replaceSubrange(fixup.position..<(fixup.position + 4), with: littleEndian(wide, count: 4))
            }
        }
        return bytes
    }
}

/// The low `count` bytes of `value`, least significant first.
func littleEndian<T: FixedWidthInteger>(_ value: T, count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}
