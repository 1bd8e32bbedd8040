import X86IR

extension CPU {
    /// BT BTS BTR BTC. A register bit offset with a memory operand addresses a bit string: the
    /// signed offset selects the operand-sized unit (SDM Vol. 2 "BT"); an immediate is masked.
    mutating func executeBitTest(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let width = UInt64(size) * 8
        var offset: UInt64
        var memoryAddress: UInt64? = nil
        if insn.source == .immediate {
            offset = insn.immediate & (width - 1)
            if insn.destination == .memory { memoryAddress = effectiveAddress(insn) }
        } else {
            let raw = read(register: insn.source, size: size)
            if insn.destination == .memory {
                let signed = Int64(bitPattern: signExtend(raw, from: size))
                let unit = signed >> Int64(width.trailingZeroBitCount)
                var address = effectiveAddress(insn) &+ UInt64(bitPattern: unit &* Int64(size))
                if insn.attributes.contains(.addressSize32) { address &= 0xFFFF_FFFF }
                memoryAddress = address
            }
            offset = raw & (width - 1)
        }
        let stack = insn.attributes.contains(.stackSegment)
        let value: UInt64
        if let address = memoryAddress {
            value = try load(address, size: size, stack: stack)
        } else {
            value = read(register: insn.destination, size: size)
        }
        let bit: UInt64 = 1 << offset
        let result: UInt64
        switch insn.opcode {
        case .bts: result = value | bit
        case .btr: result = value & ~bit
        case .btc: result = value ^ bit
        default: result = value
        }
        if insn.opcode != .bt {
            if let address = memoryAddress {
                try store(result, at: address, size: size, stack: stack)
            } else {
                write(register: insn.destination, size: size, result)
            }
        }
        setFlags(value & bit != 0 ? RFlags.cf : 0, affected: RFlags.cf)
    }

    /// BSF BSR POPCNT LZCNT TZCNT.
    mutating func executeBitScan(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let width = UInt64(size) * 8
        let source = try read(insn.source, of: insn, size: size)
        switch insn.opcode {
        case .bsf, .bsr:
            guard source != 0 else {
                // Zero source: destination unchanged, except that Intel clears bits 63:32 of a
                // 32-bit register destination (isa-subset.md §4).
                if isIntel && size == 4 {
                    write(register: insn.destination, size: 4, read(register: insn.destination, size: 4))
                }
                setFlags(RFlags.zf, affected: RFlags.zf)
                return
            }
            let index =
                insn.opcode == .bsf
                ? UInt64(source.trailingZeroBitCount) : UInt64(63 - source.leadingZeroBitCount)
            write(register: insn.destination, size: size, index)
            setFlags(resultFlags(index, size: size) & ~RFlags.zf, affected: RFlags.status)
        case .popcnt:
            let count = UInt64(source.nonzeroBitCount)
            write(register: insn.destination, size: size, count)
            setFlags(source == 0 ? RFlags.zf : 0, affected: RFlags.status)
        default:
            let count: UInt64
            if insn.opcode == .lzcnt {
                count = source == 0 ? width : UInt64(source.leadingZeroBitCount) - (64 - width)
            } else {
                count = source == 0 ? width : UInt64(source.trailingZeroBitCount)
            }
            write(register: insn.destination, size: size, count)
            let flags = (source == 0 ? RFlags.cf : 0) | (count == 0 ? RFlags.zf : 0)
            setFlags(flags, affected: RFlags.cf | RFlags.zf)
        }
    }
}
