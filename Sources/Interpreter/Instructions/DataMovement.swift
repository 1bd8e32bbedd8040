import X86IR

extension CPU {
    /// MOV MOVZX MOVSX MOVSXD LEA XCHG CMOVcc SETcc BSWAP CBW… CWD… LAHF SAHF.
    @_transparent mutating func executeMove(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        switch insn.opcode {
        case .mov:
            try write(insn.destination, of: insn, size: size, read(insn.source, of: insn, size: size))
        case .movzx:
            try write(insn.destination, of: insn, size: size, read(insn.source, of: insn, size: insn.sourceSize))
        case .movsx:
            let value = try read(insn.source, of: insn, size: insn.sourceSize)
            try write(insn.destination, of: insn, size: size, signExtend(value, from: insn.sourceSize))
        case .lea:
            write(register: insn.destination, size: size, effectiveAddress(insn))
        case .xchg:
            let a = try read(insn.destination, of: insn, size: size)
            let b = try read(insn.source, of: insn, size: size)
            try write(insn.destination, of: insn, size: size, b)
            try write(insn.source, of: insn, size: size, a)
        case .cmovcc:
            // The source is read whatever the condition; a false condition still zero-extends a
            // 32-bit destination (isa-subset.md §4).
            let value = try read(insn.source, of: insn, size: size)
            let old = read(register: insn.destination, size: size)
            write(register: insn.destination, size: size, condition(insn.condition) ? value : old)
        case .setcc:
            try write(insn.destination, of: insn, size: 1, condition(insn.condition) ? 1 : 0)
        case .bswap:
            let value = read(register: insn.destination, size: size)
            write(register: insn.destination, size: size, size == 8 ? value.byteSwapped : UInt64(UInt32(truncatingIfNeeded: value).byteSwapped))
        case .cbw:
            let half = size / 2
            write(register: .register(GPR.rax), size: size, signExtend(registers[GPR.rax] & mask(half), from: half))
        case .cwd:
            let negative = registers[GPR.rax] & signBit(size) != 0
            write(register: .register(GPR.rdx), size: size, negative ? mask(size) : 0)
        case .lahf:
            write(register: .highByte(0), size: 1, (currentFlags() & 0xD5) | RFlags.reserved1)
        default:  // sahf
            let ah = (registers[GPR.rax] >> 8) & 0xD5
            setFlags(ah, affected: RFlags.cf | RFlags.pf | RFlags.af | RFlags.zf | RFlags.sf)
        }
    }

    /// PUSH and POP. `push rsp` stores the old RSP; `pop [rsp+d]` addresses with the new RSP;
    /// a faulting push or pop leaves RSP unchanged (isa-subset.md §4).
    @_transparent mutating func executeStack(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        if insn.opcode == .push {
            let value = insn.destination == .immediate ? insn.immediate : try read(insn.destination, of: insn, size: size)
            try push(value, size: size)
            return
        }
        let oldRSP = registers[GPR.rsp]
        let value = try load(oldRSP, size: size, stack: true)
        registers[GPR.rsp] = oldRSP &+ UInt64(size)
        do {
            try write(insn.destination, of: insn, size: size, value)
        } catch {
            registers[GPR.rsp] = oldRSP
            throw error
        }
    }

    /// PUSHFQ and POPFQ; at CPL 3 (IOPL 0) POPFQ leaves IF and IOPL unchanged (isa-subset.md §5).
    mutating func executeFlagStack(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        if insn.opcode == .pushfq {
            try push(currentFlags())
            return
        }
        let value = try load(registers[GPR.rsp], size: 8, stack: true)
        registers[GPR.rsp] &+= 8
        loadFlags(value)
    }

    /// Loads RFLAGS from a popped image with the privilege rules of POPFQ and IRETQ.
    mutating func loadFlags(_ value: UInt64) {
        var writable = RFlags.writableAtCPL0
        if cpl > 0 { writable &= ~(RFlags.if | RFlags.iopl) }
        materializeFlags()
        let wasEnabled = rflags & RFlags.if != 0
        rflags = (rflags & ~writable) | (value & writable) | RFlags.reserved1
        if !wasEnabled && rflags & RFlags.if != 0 { notices.insert(.interruptsEnabled) }
    }

    /// ENTER size, level (SDM Vol. 2 "ENTER", 64-bit operand size) and LEAVE. Registers are
    /// committed only after every memory access succeeded.
    mutating func executeFrame(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        if insn.opcode == .leave {
            let frame = registers[GPR.rbp]
            let savedFrame = try load(frame, size: 8, stack: true)
            registers[GPR.rsp] = frame &+ 8
            registers[GPR.rbp] = savedFrame
            return
        }
        let allocation = insn.immediate & 0xFFFF
        let level = (insn.immediate >> 16) & 31
        var rsp = registers[GPR.rsp] &- 8
        try store(registers[GPR.rbp], at: rsp, size: 8, stack: true)
        let frameTemp = rsp
        if level > 0 {
            var rbp = registers[GPR.rbp]
            for _ in 1..<level {
                rbp &-= 8
                let link = try load(rbp, size: 8, stack: true)
                rsp &-= 8
                try store(link, at: rsp, size: 8, stack: true)
            }
            rsp &-= 8
            try store(frameTemp, at: rsp, size: 8, stack: true)
        }
        registers[GPR.rbp] = frameTemp
        registers[GPR.rsp] = rsp &- allocation
    }
}
