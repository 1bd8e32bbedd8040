import X86IR

extension CPU {
    /// The shift or rotate count: the source masked to 5 bits, or 6 with a 64-bit operand (SDM).
    @inline(__always) private func maskedCount(_ insn: borrowing LoweredInstruction, operand: Operand) -> UInt64 {
        let raw = operand == .immediate ? insn.immediate : read(register: operand, size: 1)
        return raw & (insn.operandSize == 8 ? 63 : 31)
    }

    /// Writes a shift's result; with a zero count only a 32-bit register is rewritten (zero-extended).
    @inline(__always) private mutating func writeShiftResult(_ insn: borrowing LoweredInstruction, _ value: UInt64)
        throws(GuestFault)
    {
        try write(insn.destination, of: insn, size: insn.operandSize, value)
    }

    /// SHL SAL SHR SAR ROL ROR RCL RCR (flags per isa-subset.md §5, undefined ones as Bochs).
    mutating func executeShift(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let width = UInt64(size) * 8
        let m = mask(size)
        let sign = signBit(size)
        var count = maskedCount(insn, operand: insn.source)
        let value = try read(insn.destination, of: insn, size: size)
        let opcode = insn.opcode
        if opcode == .rcl || opcode == .rcr {
            if size < 4 { count %= width + 1 }
        }
        guard count != 0 else {
            if insn.destination.isRegister && size == 4 { try writeShiftResult(insn, value) }
            return
        }
        var result: UInt64
        var carry: Bool
        var overflow: Bool
        var affected = RFlags.cf | RFlags.of
        switch insn.opcode {
        case .shl:
            result = count >= 64 ? 0 : (value << count) & m
            carry = count <= width ? (value >> (width - count)) & 1 != 0 : false
            overflow = (result & sign != 0) != carry
            affected = RFlags.status
        case .shr:
            result = count >= 64 ? 0 : value >> count
            carry = (value >> (count - 1)) & 1 != 0
            overflow = ((result >> (width - 1)) ^ (result >> (width - 2))) & 1 != 0
            affected = RFlags.status
        case .sar:
            let extended = Int64(bitPattern: signExtend(value, from: size))
            result = UInt64(bitPattern: extended >> Int64(min(count, 63))) & m
            carry = (extended >> Int64(min(count - 1, 63))) & 1 != 0
            overflow = false
            affected = RFlags.status
        case .rol:
            let rotate = count % width
            result = rotate == 0 ? value : ((value << rotate) | (value >> (width - rotate))) & m
            carry = result & 1 != 0
            overflow = (result & sign != 0) != carry
        case .ror:
            let rotate = count % width
            result = rotate == 0 ? value : ((value >> rotate) | (value << (width - rotate))) & m
            carry = result & sign != 0
            overflow = ((result >> (width - 1)) ^ (result >> (width - 2))) & 1 != 0
        case .rcl:
            result = value
            carry = flag(RFlags.cf)
            for _ in 0..<count {
                let out = result & sign != 0
                result = ((result << 1) | (carry ? 1 : 0)) & m
                carry = out
            }
            overflow = (result & sign != 0) != carry
        default:  // rcr
            result = value
            carry = flag(RFlags.cf)
            for _ in 0..<count {
                let out = result & 1 != 0
                result = (result >> 1) | (carry ? sign : 0)
                carry = out
            }
            overflow = ((result >> (width - 1)) ^ (result >> (width - 2))) & 1 != 0
        }
        try writeShiftResult(insn, result)
        var flags: UInt64 = (carry ? RFlags.cf : 0) | (overflow ? RFlags.of : 0)
        if affected == RFlags.status { flags |= resultFlags(result, size: size) }  // AF = 0
        setFlags(flags, affected: affected)
    }

    /// SHLD and SHRD; a 16-bit count above 16 shifts the 48-bit value dest:src:dest (Bochs, Intel).
    mutating func executeDoubleShift(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let width = UInt64(size) * 8
        let count = maskedCount(insn, operand: insn.source2)
        let destination = try read(insn.destination, of: insn, size: size)
        let source = read(register: insn.source, size: size)
        guard count != 0 else {
            if insn.destination.isRegister && size == 4 { try writeShiftResult(insn, destination) }
            return
        }
        let left = insn.opcode == .shld
        var result: UInt64
        var carry: Bool
        if size == 2 {
            let wide = (destination << 32) | (source << 16) | destination
            if left {
                result = ((wide << count) >> 32) & 0xFFFF
                carry = (wide >> (48 - count)) & 1 != 0
            } else {
                result = (wide >> count) & 0xFFFF
                carry = (wide >> (count - 1)) & 1 != 0
            }
        } else if left {
            result = ((destination << count) | (source >> (width - count))) & mask(size)
            carry = (destination >> (width - count)) & 1 != 0
        } else {
            result = ((destination >> count) | (source << (width - count))) & mask(size)
            carry = (destination >> (count - 1)) & 1 != 0
        }
        let overflow =
            left
            ? (result & signBit(size) != 0) != carry
            : ((result >> (width - 1)) ^ (result >> (width - 2))) & 1 != 0
        try writeShiftResult(insn, result)
        let flags = resultFlags(result, size: size) | (carry ? RFlags.cf : 0) | (overflow ? RFlags.of : 0)
        setFlags(flags, affected: RFlags.status)
    }
}
