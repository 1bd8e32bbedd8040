import X86IR

extension CPU {
    /// MOVS CMPS STOS LODS SCAS with REP / REPE / REPNE (isa-subset.md §4).
    ///
    /// Registers are committed after every element, so a fault in element k leaves the k
    /// completed elements done and RIP at the instruction; resuming finishes it. With a zero
    /// count nothing is accessed or changed.
    mutating func executeString(_ insn: borrowing LoweredInstruction) -> (fault: GuestFault?, chunks: UInt64) {
        let size = insn.operandSize
        let short = insn.attributes.contains(.addressSize32)
        let addressMask: UInt64 = short ? 0xFFFF_FFFF : ~0
        let repeated = !insn.attributes.isDisjoint(with: [.repe, .repne])
        let opcode = insn.opcode
        let compares = opcode == .cmps || opcode == .scas
        let delta = rflags & RFlags.df != 0 ? 0 &- UInt64(size) : UInt64(size)
        var chunks: UInt64 = 0
        var elements: UInt64 = 0
        while true {
            if repeated, countRegister(insn) == 0 { break }
            let rsi = registers[GPR.rsi] & addressMask
            let rdi = registers[GPR.rdi] & addressMask
            do {
                switch insn.opcode {
                case .movs:
                    try store(try load(rsi, size: size), at: rdi, size: size)
                case .stos:
                    try store(registers[GPR.rax], at: rdi, size: size)
                case .lods:
                    write(register: .register(GPR.rax), size: size, try load(rsi, size: size))
                case .cmps:
                    let a = try load(rsi, size: size)
                    let b = try load(rdi, size: size)
                    setLazy(.sub, size: size, a, b, (a &- b) & mask(size))
                default:  // scas
                    let a = registers[GPR.rax] & mask(size)
                    let b = try load(rdi, size: size)
                    setLazy(.sub, size: size, a, b, (a &- b) & mask(size))
                }
            } catch {
                return (error, chunks)
            }
            elements &+= 1
            let usesSource = opcode != .stos && opcode != .scas
            let usesDestination = insn.opcode != .lods
            if usesSource { setAddressRegister(GPR.rsi, (rsi &+ delta) & addressMask, short: short) }
            if usesDestination { setAddressRegister(GPR.rdi, (rdi &+ delta) & addressMask, short: short) }
            guard repeated else { break }
            let count = (countRegister(insn) &- 1) & addressMask
            setAddressRegister(GPR.rcx, count, short: short)
            if count != 0 && count & 0x3FF == 0 { chunks &+= 1 }
            if compares {
                let zero = flag(RFlags.zf)
                let attributes = insn.attributes
                if attributes.contains(.repe), !zero { break }
                if attributes.contains(.repne), zero { break }
            }
        }
        // A faulting string instruction costs nothing; a completed one pays per element (cycle-model.md §2).
        cycles &+= elements &* stringElementCycles
        return (nil, chunks)
    }

    /// Under a 67 prefix the string registers are 32-bit and their writes zero-extend.
    @inline(__always) private mutating func setAddressRegister(_ number: Int, _ value: UInt64, short: Bool) {
        registers[number] = short ? value & 0xFFFF_FFFF : value
    }
}
