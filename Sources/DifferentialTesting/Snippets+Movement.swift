import X86IR

/// Data movement, stack, flags, strings and the faulting program ends.
extension ProgramGenerator {
    mutating func move() -> Snippet {
        let size = size()
        let value = random.interesting()
        switch random.below(6) {
        case 0:  // r/m, reg
            let rm = destination()
            let reg = random.below(16)
            return Snippet { [self] in emitSized(&$0, size: size, byteForm: [0x88], form: [0x89], reg: reg, rm: rm) }
        case 1:  // reg, r/m
            let reg = random.pick(writable)
            let rm = source()
            return Snippet { [self] in emitSized(&$0, size: size, byteForm: [0x8A], form: [0x8B], reg: reg, rm: rm) }
        case 2:  // r/m, imm
            let rm = destination()
            return Snippet { [self] in
                emitSized(
                    &$0, size: size, byteForm: [0xC6], form: [0xC7], reg: 0, rm: rm, immediate: immediate(size, value))
            }
        case 3:  // B0+r / B8+r, with REX.W the full 64-bit immediate
            let register = random.pick(writable)
            return Snippet { [self] in
                let (prefixes, wide, _) = sized(size, [], [])
                let opcode: UInt8 = (size == 1 ? 0xB0 : 0xB8) | UInt8(register & 7)
                $0.raw(
                    prefixes + rex(wide: wide, b: register, force: size == 1) + [opcode]
                        + littleEndian(value, count: size))
            }
        case 4:  // moffs: A0–A3 with a 64-bit absolute data address
            let address = 0x60_0000 + UInt64(random.below(0x2000))
            let store = random.chance(50)
            return Snippet { [self] in
                let (prefixes, wide, opcode) = sized(size, [store ? 0xA2 : 0xA0], [store ? 0xA3 : 0xA1])
                $0.raw(prefixes + rex(wide: wide) + opcode + littleEndian(address, count: 8))
            }
        default:  // AH…BH moves without REX
            guard let (x, y) = legacyBytePair() else { return compare() }
            return Snippet { $0.raw([0x88, 0xC0 | UInt8(y << 3) | UInt8(x)]) }
        }
    }

    /// MOVZX / MOVSX (from 8 or 16 bits) and MOVSXD.
    mutating func extend() -> Snippet {
        let reg = random.pick(writable)
        let rm = source()
        let choice = random.below(5)
        let size = choice == 4 ? 8 : choice < 2 ? random.pick([2, 4, 8]) : random.pick([4, 8])
        return Snippet { [self] in
            switch choice {
            case 0, 1:  // from r/m8; with REX a byte register 4–7 is SPL…DIL
                emitSized(
                    &$0, size: size, byteForm: [], form: [0x0F, choice == 0 ? 0xB6 : 0xBE], reg: reg, rm: rm,
                    extraPrefix: [])
            case 2, 3:
                emitSized(&$0, size: size, byteForm: [], form: [0x0F, choice == 2 ? 0xB7 : 0xBF], reg: reg, rm: rm)
            default:
                $0.modRM(wide: true, opcode: [0x63], reg: reg, rm: rm)
            }
        }
    }

    /// LEA with any base and index: no memory access, so every register may take part.
    mutating func lea() -> Snippet {
        let size = size([2, 4, 8])
        let reg = random.pick(writable)
        var memory = Assembler.Memory(
            base: .register(random.below(16)), displacement: Int32(truncatingIfNeeded: random.interesting()))
        if random.chance(60) { memory.index = random.pick((0..<16).filter { $0 != GPR.rsp }) }
        memory.scale = random.pick([1, 2, 4, 8])
        if random.chance(10) { memory.base = .none }
        if random.chance(10) { memory = .init(base: .rip(random.next())) }
        memory.addressSize32 = random.chance(25)
        return Snippet { [self] in emitSized(&$0, size: size, byteForm: [], form: [0x8D], reg: reg, rm: .memory(memory))
        }
    }

    mutating func exchange() -> Snippet {
        let size = size()
        let reg = random.pick(writable)
        if size != 1 && random.chance(30) {  // 90+r: xchg eAX, r (r ≠ 0, or it is NOP)
            let other = random.pick(writable.filter { $0 != 0 })
            return Snippet { [self] in
                $0.raw(sized(size, [], []).prefixes + rex(wide: size == 8, b: other) + [0x90 | UInt8(other & 7)])
            }
        }
        let rm = destination()
        return Snippet { [self] in emitSized(&$0, size: size, byteForm: [0x86], form: [0x87], reg: reg, rm: rm) }
    }

    mutating func pushPop() -> Snippet {
        let value = random.interesting()
        if random.chance(10) {  // 66 push r16 / 66 pop r16 move RSP by 2
            let register = random.pick(writable)
            if depth >= 2 && random.chance(50) {
                return Snippet(stackDelta: -2) { $0.raw([0x66] + rex(b: register) + [0x58 | UInt8(register & 7)]) }
            }
            return Snippet(stackDelta: 2) { $0.raw([0x66] + rex(b: register) + [0x50 | UInt8(register & 7)]) }
        }
        if depth >= 8 && random.chance(50) {
            if random.chance(70) {
                let register = random.pick(writable)
                return Snippet(stackDelta: -8) { $0.raw(rex(b: register) + [0x58 | UInt8(register & 7)]) }
            }
            // pop [mem]: the address is computed after RSP is incremented (SDM POP).
            let rm = memory(forWrite: true)
            return Snippet(stackDelta: -8) { $0.modRM(opcode: [0x8F], reg: 0, rm: .memory(rm)) }
        }
        switch random.below(4) {
        case 0:
            let register = random.below(16)  // push rsp stores the old RSP
            return Snippet(stackDelta: 8) { $0.raw(rex(b: register) + [0x50 | UInt8(register & 7)]) }
        case 1: return Snippet(stackDelta: 8) { $0.raw([0x6A, UInt8(truncatingIfNeeded: value)]) }
        case 2: return Snippet(stackDelta: 8) { $0.raw([0x68] + littleEndian(value, count: 4)) }
        default:
            let rm = memory(forWrite: false)
            return Snippet(stackDelta: 8) { $0.modRM(opcode: [0xFF], reg: 6, rm: .memory(rm)) }
        }
    }

    /// PUSHFQ (reads every status flag) or `push imm; popfq` with status flags and DF only.
    mutating func flagsViaStack() -> Snippet {
        if random.chance(50) {
            guard defined == RFlags.status else { return compare() }
            return Snippet(reads: RFlags.status, stackDelta: 8) { $0.raw([0x9C]) }
        }
        let value = UInt32(truncatingIfNeeded: random.next()) & UInt32(RFlags.status | RFlags.df)
        return Snippet(defines: RFlags.status) { $0.raw([0x68] + littleEndian(value, count: 4) + [0x9D]) }
    }

    /// SETcc / CMOVcc on a condition whose flags are defined here.
    mutating func conditional() -> Snippet {
        let readable = (0..<16).map(UInt8.init).filter { flagsRead(byCondition: $0) & ~defined == 0 }
        guard !readable.isEmpty else { return compare() }
        let condition = random.pick(readable)
        let reads = flagsRead(byCondition: condition)
        if random.chance(50) {
            let rm = destination()
            return Snippet(reads: reads) { $0.modRM(forceREX: true, opcode: [0x0F, 0x90 | condition], reg: 0, rm: rm) }
        }
        let size = size([2, 4, 8])
        let reg = random.pick(writable)
        let rm = source()
        // A false CMOV with a 32-bit destination still zero-extends it (isa-subset.md §4).
        return Snippet(reads: reads) { [self] in
            emitSized(&$0, size: size, byteForm: [], form: [0x0F, 0x40 | condition], reg: reg, rm: rm)
        }
    }

    /// CBW/CWDE/CDQE and CWD/CDQ/CQO.
    mutating func accumulatorExtend() -> Snippet {
        let size = size([2, 4, 8])
        let opcode: UInt8 = random.chance(50) ? 0x98 : 0x99
        return Snippet { [self] in $0.raw(sized(size, [], []).prefixes + rex(wide: size == 8) + [opcode]) }
    }

    /// XADD and CMPXCHG (LOCK allowed on a memory destination).
    mutating func exchangeAdd() -> Snippet {
        let size = size()
        let reg = random.pick(writable)
        let rm = destination()
        let isXADD = random.chance(50)
        let locked: Bool = { if case .memory = rm { random.chance(40) } else { false } }()
        return Snippet(defines: RFlags.status) { [self] in
            // Unicorn 2.0.1 zero-extends RAX when a 32-bit CMPXCHG succeeds, where the SDM leaves the
            // accumulator alone (unicorn #2332): clear RAX[63:32] first so both engines agree.
            if !isXADD && size == 4 { $0.raw([0x89, 0xC0]) }  // mov eax, eax
            emitSized(
                &$0, size: size, byteForm: [0x0F, isXADD ? 0xC0 : 0xB0], form: [0x0F, isXADD ? 0xC1 : 0xB1], reg: reg,
                rm: rm, lock: locked)
        }
    }

    /// `enter N, 0|1; mov [rbp-8], reg; leave`: stack-neutral, RBP saved and restored.
    mutating func frame() -> Snippet {
        guard !reserved.contains(GPR.rbp) else { return compare() }
        let size = UInt16(random.below(32) * 8)
        let level = UInt8(random.below(2))
        let reg = random.below(16)
        return Snippet {
            $0.raw([0xC8] + littleEndian(size, count: 2) + [level])
            $0.modRM(
                wide: true, opcode: [0x89], reg: reg, rm: .memory(.init(base: .register(GPR.rbp), displacement: -8)))
            $0.raw([0xC9])
        }
    }

    mutating func flagInstruction() -> Snippet {
        switch random.below(9) {
        case 0: return Snippet(defines: RFlags.cf) { $0.raw([0xF8]) }  // clc
        case 1: return Snippet(defines: RFlags.cf) { $0.raw([0xF9]) }  // stc
        case 2: return Snippet(reads: RFlags.cf, defines: RFlags.cf) { $0.raw([0xF5]) }  // cmc
        case 3: return Snippet { $0.raw([0xFC]) }  // cld
        case 4: return Snippet { $0.raw([0xFD]) }  // std
        case 5: return Snippet { $0.raw([0xFA]) }  // cli
        case 6: return Snippet { $0.raw([0xFB]) }  // sti
        case 7:  // lahf reads SF ZF AF PF CF into AH
            let reads = RFlags.status & ~RFlags.of
            guard defined & reads == reads, !reserved.contains(GPR.rax) else { return compare() }
            return Snippet(reads: reads) { $0.raw([0x9F]) }
        default: return Snippet(defines: RFlags.status & ~RFlags.of) { $0.raw([0x9E]) }  // sahf
        }
    }

    mutating func noOperation() -> Snippet {
        let rm = memory(forWrite: false)
        let fence = UInt8(random.below(3)) << 3
        let data = memory(forWrite: true)
        return switch random.below(7) {
        case 0: Snippet { $0.raw([0x90]) }
        case 1: Snippet { $0.raw([0x66, 0x90]) }
        case 2: Snippet { $0.modRM(opcode: [0x0F, 0x1F], reg: 0, rm: .memory(rm)) }  // multi-byte NOP
        case 3: Snippet { $0.raw([0xF3, 0x90]) }  // pause
        case 4: Snippet { $0.raw([0x0F, 0xAE, 0xE8 | fence]) }  // lfence/mfence/sfence
        case 5: Snippet { $0.modRM(opcode: [0x0F, 0x18], reg: 1, rm: .memory(rm)) }  // prefetcht0
        default: Snippet { $0.modRM(opcode: [0x0F, 0xAE], reg: 7, rm: .memory(data)) }  // clflush
        }
    }

    /// Sets RSI/RDI into the data area, ECX to a small count and DF, then one string instruction,
    /// REP/REPE/REPNE-prefixed or not, sometimes with 0x67 (ESI/EDI/ECX).
    mutating func stringInstruction() -> Snippet {
        guard rcxIsFree, !reserved.contains(GPR.rsi), !reserved.contains(GPR.rdi) else { return compare() }
        let size = size()
        let op = random.pick([0xA4, 0xA6, 0xAA, 0xAC, 0xAE] as [UInt8])  // MOVS CMPS STOS LODS SCAS
        let count = UInt32(random.below(13))
        let repeated = random.chance(75)
        let prefix: UInt8 = op == 0xA6 || op == 0xAE ? random.pick([0xF3, 0xF2]) : random.pick([0xF3, 0xF3, 0xF2])
        let down = random.chance(30)
        let addressSize32 = random.chance(20)
        let source = Int32(random.below(1024)) + 128
        let destination = Int32(random.below(1024)) - 1152
        let compares = op == 0xA6 || op == 0xAE
        let flags = compares && (!repeated || count > 0) ? RFlags.status : 0
        return Snippet(defines: flags) { [self] in
            let data = Assembler.Memory.Base.register(Self.dataPointer)
            $0.modRM(wide: true, opcode: [0x8D], reg: GPR.rsi, rm: .memory(.init(base: data, displacement: source)))
            $0.modRM(
                wide: true, opcode: [0x8D], reg: GPR.rdi, rm: .memory(.init(base: data, displacement: destination)))
            $0.raw([0xB9] + littleEndian(count, count: 4))
            $0.raw([down ? 0xFD : 0xFC])
            let (prefixes, wide, opcode) = sized(size, [op], [op | 1])
            let encoding =
                (addressSize32 ? [0x67] : []) + (repeated ? [prefix] : []) + prefixes + rex(wide: wide) + opcode
            $0.raw(encoding, kind: repeated ? .repString : .plain)
        }
    }

    /// Self-modifying code: a store into the imm32 of the very next `mov eax, imm32`, which must
    /// then run with the new value (isa-subset.md §2, SDM Vol. 3 §11.6).
    mutating func patchNextInstruction() -> Snippet {
        guard !reserved.contains(GPR.rax) else { return compare() }
        let value = UInt32(truncatingIfNeeded: random.next())
        let original = UInt32(truncatingIfNeeded: random.next())
        return Snippet {
            // mov dword [rip → next + 1], value: 10 bytes, so the target is its own address + 11.
            let target = $0.address + 11
            $0.modRM(
                opcode: [0xC7], reg: 0, rm: .memory(.init(base: .rip(target))),
                immediate: littleEndian(value, count: 4),
                kind: .codeStore)
            $0.raw([0xB8] + littleEndian(original, count: 4))
        }
    }

    /// A last instruction that faults (or traps) the same way in both engines.
    mutating func faultingEnd() -> Snippet {
        switch random.below(7) {
        case 0: return Snippet { $0.raw([0x0F, 0x0B]) }  // ud2: #UD
        case 1: return Snippet { $0.raw([0x31, 0xC9, 0xF7, 0xF1]) }  // xor ecx, ecx; div ecx: #DE
        case 2:
            return Snippet {
                $0.modRM(opcode: [0x8B], reg: 0, rm: .memory(.init(base: .none, displacement: 0x50_0000)))
            }  // read #PF
        case 3:
            return Snippet {
                $0.modRM(opcode: [0x89], reg: 0, rm: .memory(.init(base: .none, displacement: 0x80_0010)))
            }  // write #PF
        case 4:
            return Snippet {
                $0.raw([0xB8, 0x00, 0x00, 0x50, 0x00])
                $0.raw([0xFF, 0xE0], kind: .branch)
            }  // mov eax, 0x500000; jmp rax: fetch #PF
        case 5: return Snippet { $0.raw([0xCC], kind: .branch) }  // int3: a trap, retired, a branch
        default:  // pops past the top of the stack mapping: #PF at 0x800000
            return Snippet { $0.raw([0x48, 0xC7, 0xC4, 0x00, 0x00, 0x80, 0x00, 0x58]) }  // mov rsp, 0x800000; pop rax
        }
    }
}
