import X86IR

extension CPU {
    /// ADD ADC SUB SBB CMP AND OR XOR TEST (SDM Vol. 2; flags per isa-subset.md §5).
    @_transparent mutating func executeBinary(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let m = mask(size)
        let a = try read(insn.destination, of: insn, size: size)
        let b = try read(insn.source, of: insn, size: size)
        let result: UInt64
        switch insn.opcode {
        case .add:
            result = (a &+ b) & m
            setLazy(.add, size: size, a, b, result)
        case .adc:
            let carry: UInt64 = flag(RFlags.cf) ? 1 : 0
            result = (a &+ b &+ carry) & m
            setLazy(.add, size: size, a, b, result, carry: carry)
        case .sub, .cmp:
            result = (a &- b) & m
            setLazy(.sub, size: size, a, b, result)
        case .sbb:
            let borrow: UInt64 = flag(RFlags.cf) ? 1 : 0
            result = (a &- b &- borrow) & m
            setLazy(.sub, size: size, a, b, result, carry: borrow)
        case .and, .test:
            result = a & b
            setLazy(.logic, size: size, a, b, result)
        case .or:
            result = a | b
            setLazy(.logic, size: size, a, b, result)
        default:
            result = a ^ b
            setLazy(.logic, size: size, a, b, result)
        }
        let opcode = insn.opcode
        if opcode != .cmp && opcode != .test {
            try write(insn.destination, of: insn, size: size, result)
        }
    }

    /// INC DEC NEG NOT.
    @_transparent mutating func executeUnary(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let m = mask(size)
        let a = try read(insn.destination, of: insn, size: size)
        let result: UInt64
        switch insn.opcode {
        case .inc:
            result = (a &+ 1) & m
            setLazy(.inc, size: size, a, 1, result)
        case .dec:
            result = (a &- 1) & m
            setLazy(.dec, size: size, a, 1, result)
        case .neg:
            result = (0 &- a) & m
            setLazy(.sub, size: size, 0, a, result)
        default:
            result = ~a & m
        }
        try write(insn.destination, of: insn, size: size, result)
    }

    /// Sign-extends the low `size` bytes of `value` to 64 bits.
    @inline(__always) func signExtend(_ value: UInt64, from size: UInt8) -> UInt64 {
        let shift = UInt64(64 - Int(size) * 8)
        return UInt64(bitPattern: Int64(bitPattern: value << shift) >> shift)
    }

    /// MUL/IMUL flags: CF = OF = `overflow`; SF ZF PF from `low`; AF = 0 (isa-subset.md §5).
    @inline(__always) mutating func setMultiplyFlags(low: UInt64, size: UInt8, overflow: Bool) {
        lazy = LazyFlags(kind: .multiply, size: size, left: 0, right: 0, result: low, carry: overflow ? 1 : 0)
    }

    /// One-operand MUL and IMUL: rDX:rAX = rAX × source (AX = AL × source for bytes).
    mutating func executeWideMultiply(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let signed = insn.opcode == .imul1
        let source = try read(insn.destination, of: insn, size: size)
        let accumulator = registers[GPR.rax] & mask(size)
        var low: UInt64
        var high: UInt64
        if size == 8 {
            if signed {
                let product = Int64(bitPattern: accumulator).multipliedFullWidth(by: Int64(bitPattern: source))
                (high, low) = (UInt64(bitPattern: product.high), product.low)
            } else {
                (high, low) = accumulator.multipliedFullWidth(by: source)
            }
        } else {
            let bits = UInt64(size) * 8
            let product: UInt64 =
                signed
                ? UInt64(bitPattern: Int64(bitPattern: signExtend(accumulator, from: size))
                    &* Int64(bitPattern: signExtend(source, from: size)))
                : accumulator &* source
            low = product & mask(size)
            high = (product >> bits) & mask(size)
        }
        let overflow = signed ? high != (low & signBit(size) != 0 ? mask(size) : 0) : high != 0
        if size == 1 {
            write(register: .register(GPR.rax), size: 2, (high << 8) | low)
        } else {
            write(register: .register(GPR.rax), size: size, low)
            write(register: .register(GPR.rdx), size: size, high)
        }
        setMultiplyFlags(low: low, size: size, overflow: overflow)
    }

    /// Two- and three-operand IMUL: destination = truncate(source × (destination or immediate)).
    @_transparent mutating func executeIMul(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let left = try read(insn.source, of: insn, size: size)
        let right =
            insn.source2 == .immediate
            ? insn.immediate & mask(size) : try read(insn.destination, of: insn, size: size)
        let product = Int64(bitPattern: signExtend(left, from: size))
            .multipliedFullWidth(by: Int64(bitPattern: signExtend(right, from: size)))
        let low = product.low & mask(size)
        let fits: Bool
        if size == 8 {
            fits = product.high == (Int64(bitPattern: product.low) < 0 ? -1 : 0)
        } else {
            fits = signExtend(low, from: size) == product.low && product.high == (Int64(bitPattern: product.low) < 0 ? -1 : 0)
        }
        try write(insn.destination, of: insn, size: size, low)
        setMultiplyFlags(low: low, size: size, overflow: !fits)
    }

    /// DIV and IDIV: #DE for a zero divisor or a quotient that does not fit; flags unchanged.
    mutating func executeDivide(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let divisor = try read(insn.destination, of: insn, size: size)
        guard divisor != 0 else { throw .divideError }
        let m = mask(size)
        let low = size == 1 ? registers[GPR.rax] & 0xFF : registers[GPR.rax] & m
        let high = size == 1 ? (registers[GPR.rax] >> 8) & 0xFF : registers[GPR.rdx] & m
        let quotient: UInt64
        let remainder: UInt64
        if insn.opcode == .div {
            guard high < divisor else { throw .divideError }  // quotient would not fit
            if size == 8 && high != 0 {
                (quotient, remainder) = divisor.dividingFullWidth((high, low))  // a 128-bit library call
            } else {
                let dividend = (high << (UInt64(size) * 8)) | low
                (quotient, remainder) = (dividend / divisor, dividend % divisor)
            }
        } else {
            (quotient, remainder) = try signedDivide(high: high, low: low, by: divisor, size: size)
        }
        if size == 1 {
            write(register: .register(GPR.rax), size: 2, ((remainder & 0xFF) << 8) | (quotient & 0xFF))
        } else {
            write(register: .register(GPR.rax), size: size, quotient)
            write(register: .register(GPR.rdx), size: size, remainder)
        }
    }

    /// Signed division of high:low (2 × size bytes) by divisor, with the SDM's #DE rules.
    private func signedDivide(high: UInt64, low: UInt64, by divisor: UInt64, size: UInt8) throws(GuestFault)
        -> (UInt64, UInt64)
    {
        let bits = UInt64(size) * 8
        let divisorNegative = divisor & signBit(size) != 0
        let dividendNegative = high & signBit(size) != 0
        // Magnitudes as unsigned 128-bit (hi, lo) values.
        let divisorMagnitude = divisorNegative ? (0 &- signExtend(divisor, from: size)) : divisor
        var magnitudeHigh: UInt64
        var magnitudeLow: UInt64
        if size == 8 {
            (magnitudeHigh, magnitudeLow) = (high, low)
            if dividendNegative {
                magnitudeLow = ~magnitudeLow &+ 1
                magnitudeHigh = ~magnitudeHigh &+ (magnitudeLow == 0 ? 1 : 0)
            }
        } else {
            let dividend = signExtend((high << bits) | low, from: size * 2)
            magnitudeHigh = 0
            magnitudeLow = dividendNegative ? 0 &- dividend : dividend
        }
        guard magnitudeHigh < divisorMagnitude else { throw .divideError }
        let (q, r) = divisorMagnitude.dividingFullWidth((magnitudeHigh, magnitudeLow))
        let negative = dividendNegative != divisorNegative
        let limit = signBit(size)  // |quotient| may reach 2^(bits-1) only when negative
        guard negative ? q <= limit : q < limit else { throw .divideError }
        let quotient = (negative ? 0 &- q : q) & mask(size)
        let remainder = (dividendNegative ? 0 &- r : r) & mask(size)
        return (quotient, remainder)
    }

    /// XADD: destination = destination + source, source = old destination; flags as ADD.
    mutating func executeXAdd(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let a = try read(insn.destination, of: insn, size: size)
        let b = read(register: insn.source, size: size)
        let sum = (a &+ b) & mask(size)
        write(register: insn.source, size: size, a)
        try write(insn.destination, of: insn, size: size, sum)
        setLazy(.add, size: size, a, b, sum)
    }

    /// CMPXCHG: compare the accumulator with the destination; flags as CMP.
    mutating func executeCompareExchange(_ insn: borrowing LoweredInstruction) throws(GuestFault) {
        let size = insn.operandSize
        let destination = try read(insn.destination, of: insn, size: size)
        let accumulator = registers[GPR.rax] & mask(size)
        if accumulator == destination {
            try write(insn.destination, of: insn, size: size, read(register: insn.source, size: size))
        } else {
            // The processor writes the destination back either way (SDM), then loads the accumulator.
            try write(insn.destination, of: insn, size: size, destination)
            write(register: .register(GPR.rax), size: size, destination)
        }
        setLazy(.sub, size: size, accumulator, destination, (accumulator &- destination) & mask(size))
    }
}
