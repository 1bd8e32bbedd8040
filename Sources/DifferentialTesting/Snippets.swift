import X86IR

/// The instruction catalogue: each case builds one snippet with its SDM flag effect (isa-subset.md §5).
extension ProgramGenerator {
    static let logicFlags = (defines: RFlags.status & ~RFlags.af, undefines: RFlags.af)
    static let multiplyFlags = (defines: RFlags.cf | RFlags.of, undefines: RFlags.status & ~(RFlags.cf | RFlags.of))

    mutating func snippet() -> Snippet {
        switch random.below(35) {
        case 0...4: return arithmetic()
        case 5: return test()
        case 6: return incDec()
        case 7: return notNeg()
        case 8: return multiply()
        case 9: return divide()
        case 10, 11: return shift()
        case 12: return doubleShift()
        case 13: return bitTest()
        case 14: return bitScan()
        case 15: return countBits()
        case 16, 17: return move()
        case 18: return extend()
        case 19: return lea()
        case 20: return exchange()
        case 21, 22: return pushPop()
        case 23: return flagsViaStack()
        case 24: return conditional()
        case 25: return accumulatorExtend()
        case 26: return exchangeAdd()
        case 27: return frame()
        case 28: return flagInstruction()
        case 29: return noOperation()
        case 30, 31: return stringInstruction()
        case 32: return byteSwap()
        case 33: return patchNextInstruction()
        default: return compare()
        }
    }

    // MARK: - Operands

    /// Operand-size prefixes and REX.W for `size`, and the opcode (the 8-bit form for size 1).
    func sized(_ size: Int, _ byteForm: [UInt8], _ form: [UInt8]) -> (prefixes: [UInt8], wide: Bool, opcode: [UInt8]) {
        switch size {
        case 1: ([], false, byteForm)
        case 2: ([0x66], false, form)
        case 4: ([], false, form)
        default: ([], true, form)
        }
    }

    mutating func size(_ choices: [Int] = [1, 2, 4, 8]) -> Int { random.pick(choices) }

    /// A data-area, stack or (for reads) code operand; never unmapped.
    mutating func memory(forWrite: Bool) -> Assembler.Memory {
        switch random.below(forWrite ? 8 : 9) {
        case 0...3:
            return .init(base: .register(Self.dataPointer), displacement: Int32(random.below(4096)) - 2048)
        case 4:
            return .init(
                base: .register(Self.dataPointer), index: Self.indexRegister, scale: random.pick([1, 2, 4, 8]),
                displacement: Int32(random.below(2048)) - 2048)
        case 5:  // 0x67: r15d is the same address, the EA is computed modulo 2^32
            return .init(base: .register(Self.dataPointer), displacement: Int32(random.below(256)), addressSize32: true)
        case 6:  // absolute disp32 through SIB without base
            return .init(base: .none, displacement: 0x60_0000 + Int32(random.below(0x1000)))
        case 7:  // below RSP
            return .init(base: .register(GPR.rsp), displacement: -8 - Int32(random.below(256)))
        default:  // RIP-relative into the code page (read-only use: stores would be self-modifying code)
            return .init(base: .rip(0x40_0000 + UInt64(random.below(64))))
        }
    }

    /// A register to write (any width) or memory.
    mutating func destination(allowMemory: Bool = true) -> Assembler.Operand {
        allowMemory && random.chance(30) ? .memory(memory(forWrite: true)) : .register(random.pick(writable))
    }

    mutating func source() -> Assembler.Operand {
        random.chance(30) ? .memory(memory(forWrite: false)) : .register(random.below(16))
    }

    /// Emits a ModRM instruction of `size` whose reg field is `reg` (a register for 8-bit forms
    /// picked as a legacy pair AL…BH without REX, or SPL…DIL/R8B… with REX).
    func emitSized(
        _ a: inout Assembler, size: Int, byteForm: [UInt8], form: [UInt8], reg: Int, rm: Assembler.Operand,
        immediate: [UInt8] = [], lock: Bool = false, extraPrefix: [UInt8] = []
    ) {
        let (prefixes, wide, opcode) = sized(size, byteForm, form)
        a.modRM(
            prefixes: (lock ? [0xF0] : []) + prefixes + extraPrefix, wide: wide, forceREX: size == 1, opcode: opcode,
            reg: reg, rm: rm, immediate: immediate)
    }

    /// An 8-bit legacy register pair (no REX): 0–3 AL…BL, 4–7 AH…BH; both operands written-safe.
    mutating func legacyBytePair() -> (Int, Int)? {
        let candidates = (0..<8).filter { !reserved.contains($0 & 3) }
        guard !candidates.isEmpty else { return nil }
        return (random.pick(candidates), random.below(8))
    }

    func immediate(_ size: Int, _ value: UInt64) -> [UInt8] { littleEndian(value, count: min(size, 4)) }

    // MARK: - Arithmetic and logic

    mutating func arithmetic() -> Snippet {
        let op = random.below(8)  // ADD OR ADC SBB AND SUB XOR CMP
        let size = size()
        let reads = op == 2 || op == 3 ? RFlags.cf : 0
        let logic = op == 1 || op == 4 || op == 6
        var snippet = Snippet(
            reads: reads, defines: logic ? Self.logicFlags.defines : RFlags.status,
            undefines: logic ? Self.logicFlags.undefines : 0
        ) { _ in }
        let value = random.interesting()
        let base = UInt8(op * 8)
        let form = random.below(5)
        if size == 1 && form == 4, let (x, y) = legacyBytePair() {  // AH…BH forms without REX
            snippet.emit = { $0.raw([base | 0, 0xC0 | UInt8(y << 3) | UInt8(x)]) }
            return snippet
        }
        let lock = op != 7 && random.chance(30)
        switch form {
        case 0:  // r/m, reg
            let rm = destination()
            let reg = random.below(16)
            let locked = lock && { if case .memory = rm { true } else { false } }()
            snippet.emit = { [self] in
                emitSized(&$0, size: size, byteForm: [base], form: [base | 1], reg: reg, rm: rm, lock: locked)
            }
        case 1:  // reg, r/m
            let reg = random.pick(writable)
            let rm = source()
            snippet.emit = { [self] in
                emitSized(&$0, size: size, byteForm: [base | 2], form: [base | 3], reg: reg, rm: rm)
            }
        case 2:  // r/m, imm8 sign-extended (83) or 80 for bytes
            let rm = destination()
            let locked = lock && { if case .memory = rm { true } else { false } }()
            snippet.emit = { [self] in
                emitSized(
                    &$0, size: size, byteForm: [0x80], form: [0x83], reg: op, rm: rm,
                    immediate: [UInt8(truncatingIfNeeded: value)], lock: locked)
            }
        case 3:  // r/m, imm (81, imm16/imm32 sign-extended)
            let rm = destination()
            snippet.emit = { [self] in
                emitSized(
                    &$0, size: size, byteForm: [0x80], form: [0x81], reg: op, rm: rm, immediate: immediate(size, value))
            }
        default:  // AL/AX/EAX/RAX, imm
            let (prefixes, wide, opcode) = sized(size, [base | 4], [base | 5])
            snippet.emit = { [self] in $0.raw(prefixes + rex(wide: wide) + opcode + immediate(size, value)) }
        }
        return snippet
    }

    mutating func test() -> Snippet {
        let size = size()
        let value = random.interesting()
        let rm = source().memoryOrWritableRegister(writable: writable)
        let reg = random.below(16)
        let useImmediate = random.chance(50)
        return Snippet(defines: Self.logicFlags.defines, undefines: Self.logicFlags.undefines) { [self] in
            if useImmediate {
                emitSized(
                    &$0, size: size, byteForm: [0xF6], form: [0xF7], reg: 0, rm: rm, immediate: immediate(size, value))
            } else {
                emitSized(&$0, size: size, byteForm: [0x84], form: [0x85], reg: reg, rm: rm)
            }
        }
    }

    mutating func incDec() -> Snippet {
        let size = size()
        let rm = destination()
        let which = random.below(2)
        let locked: Bool = { if case .memory = rm { random.chance(30) } else { false } }()
        return Snippet(defines: RFlags.status & ~RFlags.cf) { [self] in
            emitSized(&$0, size: size, byteForm: [0xFE], form: [0xFF], reg: which, rm: rm, lock: locked)
        }
    }

    mutating func notNeg() -> Snippet {
        let size = size()
        let rm = destination()
        let isNeg = random.chance(50)
        return Snippet(defines: isNeg ? RFlags.status : 0) { [self] in
            emitSized(&$0, size: size, byteForm: [0xF6], form: [0xF7], reg: isNeg ? 3 : 2, rm: rm)
        }
    }

    mutating func multiply() -> Snippet {
        let size = size()
        let form = random.below(3)
        let (defines, undefines) = Self.multiplyFlags
        let rm = source()
        let value = random.interesting()
        if form == 0 || size == 1 {  // MUL / IMUL r/m: RDX:RAX
            let extension_ = random.pick([4, 5])
            return Snippet(defines: defines, undefines: undefines) { [self] in
                emitSized(&$0, size: size, byteForm: [0xF6], form: [0xF7], reg: extension_, rm: rm)
            }
        }
        let reg = random.pick(writable)
        let short = random.chance(50)
        return Snippet(defines: defines, undefines: undefines) { [self] in
            if form == 1 {
                emitSized(&$0, size: size, byteForm: [], form: [0x0F, 0xAF], reg: reg, rm: rm)
            } else if short {
                emitSized(
                    &$0, size: size, byteForm: [], form: [0x6B], reg: reg, rm: rm,
                    immediate: [UInt8(truncatingIfNeeded: value)])
            } else {
                emitSized(
                    &$0, size: size, byteForm: [], form: [0x69], reg: reg, rm: rm, immediate: immediate(size, value))
            }
        }
    }

    /// DIV / IDIV made non-faulting: zero- or sign-extended dividend, divisor forced into a safe range.
    mutating func divide() -> Snippet {
        let size = size()
        let signed = random.chance(50)
        let divisors = writable.filter { $0 != GPR.rax && $0 != GPR.rdx && !(size == 1 && $0 >= 4 && $0 < 8) }
        guard let divisor = divisors.isEmpty ? nil : random.pick(divisors) else { return compare() }
        return Snippet(undefines: RFlags.status) { [self] in
            if size == 1 {
                // movzx/movsx ax, al: the quotient of a byte dividend by ≥ 1 (≥ 2 signed) fits in AL.
                $0.raw([0x66, 0x0F, signed ? 0xBE : 0xB6, 0xC0])
            } else if signed {
                $0.raw(sized(size, [], [0x99]).prefixes + rex(wide: size == 8) + [0x99])  // cwd/cdq/cqo
            } else {
                $0.raw([0x31, 0xD2])  // xor edx, edx
            }
            if signed {  // divisor in 2…63
                emitSized(
                    &$0, size: size, byteForm: [0x80], form: [0x83], reg: 4, rm: .register(divisor), immediate: [0x3F])
                emitSized(
                    &$0, size: size, byteForm: [0x80], form: [0x83], reg: 1, rm: .register(divisor), immediate: [0x02])
            } else {  // divisor odd, so non-zero
                emitSized(
                    &$0, size: size, byteForm: [0x80], form: [0x83], reg: 1, rm: .register(divisor), immediate: [0x01])
            }
            emitSized(&$0, size: size, byteForm: [0xF6], form: [0xF7], reg: signed ? 7 : 6, rm: .register(divisor))
        }
    }

    // MARK: - Shifts and bits

    mutating func shift() -> Snippet {
        let size = size()
        let op = random.pick([0, 1, 2, 3, 4, 5, 7])  // ROL ROR RCL RCR SHL SHR SAR
        let form = random.below(rcxIsFree ? 3 : 2)  // imm8, by 1, by CL
        let count = form == 1 ? 1 : random.chance(50) ? random.below(8) : random.below(70)
        let masked = count & (size == 8 ? 63 : 31)
        var snippet = Snippet(reads: op == 2 || op == 3 ? RFlags.cf : 0) { _ in }
        if masked != 0 {
            let overflow = masked == 1 ? RFlags.of : 0
            switch op {
            case 0, 1, 2, 3:
                snippet.defines = RFlags.cf | overflow
                snippet.undefines = RFlags.of & ~overflow
            default:
                let carryUndefined = op != 7 && size <= 2 && masked >= size * 8
                let carry = carryUndefined ? 0 : RFlags.cf
                snippet.defines = RFlags.sf | RFlags.zf | RFlags.pf | carry | overflow
                snippet.undefines = RFlags.status & ~snippet.defines
            }
        }
        let rm = destination()
        snippet.emit = { [self] in
            switch form {
            case 0:
                emitSized(&$0, size: size, byteForm: [0xC0], form: [0xC1], reg: op, rm: rm, immediate: [UInt8(count)])
            case 1: emitSized(&$0, size: size, byteForm: [0xD0], form: [0xD1], reg: op, rm: rm)
            default:
                $0.raw([0xB1, UInt8(count)])  // mov cl, count
                emitSized(&$0, size: size, byteForm: [0xD2], form: [0xD3], reg: op, rm: rm)
            }
        }
        if case .register(let number) = rm, number == GPR.rcx, form == 2 { return compare() }
        return snippet
    }

    mutating func doubleShift() -> Snippet {
        let size = size([2, 4, 8])
        let left = random.chance(50)
        let byCL = rcxIsFree && random.chance(40)
        // 16-bit counts above 16 leave the result undefined (SDM SHLD/SHRD): stay at or below 16.
        let count = size == 2 ? random.below(17) : random.below(size == 8 ? 64 : 32)
        let rm = destination()
        let reg = random.below(16)
        var snippet = Snippet { [self] in
            if byCL {
                $0.raw([0xB1, UInt8(count)])
                emitSized(&$0, size: size, byteForm: [], form: [0x0F, left ? 0xA5 : 0xAD], reg: reg, rm: rm)
            } else {
                emitSized(
                    &$0, size: size, byteForm: [], form: [0x0F, left ? 0xA4 : 0xAC], reg: reg, rm: rm,
                    immediate: [UInt8(count)])
            }
        }
        if count != 0 {
            let overflow = count == 1 ? RFlags.of : 0
            snippet.defines = RFlags.cf | RFlags.sf | RFlags.zf | RFlags.pf | overflow
            snippet.undefines = RFlags.status & ~snippet.defines
        }
        if byCL, case .register(let number) = rm, number == GPR.rcx { return compare() }
        return snippet
    }

    mutating func bitTest() -> Snippet {
        let size = size([2, 4, 8])
        let op = random.below(4)  // BT BTS BTR BTC
        let undefines = RFlags.of | RFlags.sf | RFlags.af | RFlags.pf
        if random.chance(50) {  // register offset: register destination only (a memory one may reach far)
            let destination = op == 0 ? random.below(16) : random.pick(writable)
            let offset = random.below(16)
            return Snippet(defines: RFlags.cf, undefines: undefines) { [self] in
                emitSized(
                    &$0, size: size, byteForm: [], form: [0x0F, 0xA3 | UInt8(op << 3)], reg: offset,
                    rm: .register(destination))
            }
        }
        let rm: Assembler.Operand = op == 0 ? source() : destination()
        let bit = UInt8(random.below(256))
        let locked: Bool = { if op != 0, case .memory = rm { random.chance(30) } else { false } }()
        return Snippet(defines: RFlags.cf, undefines: undefines) { [self] in
            emitSized(
                &$0, size: size, byteForm: [], form: [0x0F, 0xBA], reg: 4 + op, rm: rm, immediate: [bit], lock: locked)
        }
    }

    /// `bts src, k` then BSF/BSR: a non-zero source, since a zero one leaves the result undefined (SDM).
    mutating func bitScan() -> Snippet {
        let size = size([2, 4, 8])
        let source = random.pick(writable)
        let destination = random.pick(writable)
        let bit = UInt8(random.below(size * 8))
        let reverse = random.chance(50)
        return Snippet(defines: RFlags.zf, undefines: RFlags.status & ~RFlags.zf) { [self] in
            emitSized(
                &$0, size: size, byteForm: [], form: [0x0F, 0xBA], reg: 5, rm: .register(source), immediate: [bit])
            emitSized(
                &$0, size: size, byteForm: [], form: [0x0F, reverse ? 0xBD : 0xBC], reg: destination,
                rm: .register(source))
        }
    }

    mutating func countBits() -> Snippet {
        let size = size([2, 4, 8])
        // POPCNT is left out: Unicorn 2.0.1 raises #UD for it on every CPU model (unicorn #1880).
        let which = 1 + random.below(2)  // LZCNT TZCNT
        let reg = random.pick(writable)
        let rm = source()
        let opcode: UInt8 = [0xB8, 0xBD, 0xBC][which]
        let defines = which == 0 ? RFlags.status : RFlags.cf | RFlags.zf
        return Snippet(defines: defines, undefines: RFlags.status & ~defines) { [self] in
            // F3 is a mandatory prefix: it goes before REX, after 66.
            let (prefixes, wide, _) = sized(size, [], [])
            $0.modRM(prefixes: prefixes + [0xF3], wide: wide, opcode: [0x0F, opcode], reg: reg, rm: rm)
        }
    }

    mutating func byteSwap() -> Snippet {
        let register = random.pick(writable)
        let wide = random.chance(50)
        return Snippet { $0.raw(rex(wide: wide, b: register) + [0x0F, 0xC8 | UInt8(register & 7)]) }
    }
}

extension Assembler.Operand {
    /// This operand if it is memory or a writable register, else a writable register.
    func memoryOrWritableRegister(writable: [Int]) -> Assembler.Operand {
        if case .register(let number) = self, !writable.contains(number) { return .register(writable[0]) }
        return self
    }
}
