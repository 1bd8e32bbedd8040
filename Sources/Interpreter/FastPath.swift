import X86IR

/// A pre-specialised handler for the commonest instruction shapes, chosen once when a record is
/// cached, so the run loop's one switch lands on code that reads only the fields it needs.
///
/// The generic ``CPU/execute(_:)`` pays per instruction for the operand-kind tests (register,
/// immediate or memory), the size switch and a second switch on the opcode; perf annotate showed
/// it loading and spilling most of the record for every `add rax, rcx`. Each form below does
/// exactly what `execute` does for that shape (tests compare the two, and the Unicorn campaign
/// covers both); every other record keeps ``generic``.
enum FastForm: UInt8 {
    case generic = 0
    // Register-register and register-immediate ALU, 64 and 32 bits.
    case addRR64, subRR64, cmpRR64, andRR64, orRR64, xorRR64, testRR64
    case addRI64, subRI64, cmpRI64, andRI64, orRI64, xorRI64, testRI64
    case addRR32, subRR32, cmpRR32, andRR32, orRR32, xorRR32, testRR32
    case addRI32, subRI32, cmpRI32, andRI32, orRI32, xorRI32, testRI32
    // Flag-only byte compares of a low byte register with an immediate (`test al, 1`).
    case cmpRI8, testRI8
    case inc64, dec64, inc32, dec32
    // ALU with one memory operand, 64 or 32 bits, the opcode read from the record.
    case aluMemoryDestination, aluMemorySource
    case movRR64, movRR32, movRI64, movRI32, load64, load32, store64, store32, lea64, lea32
    case jcc, jmp, call, ret, push64, pop64
    // Jcc on ZF or CF with a canonical target (checked at decode): JZ, JNZ, JB, JAE.
    case jz, jnz, jb, jae
    // 64-bit multiply and divide on registers: `imul r, r`, `mul r`, `div r`.
    case imulRR64, mul64, div64
    // Shifts of a register by a non-zero immediate count.
    case shlRI64, shrRI64, sarRI64, shlRI32, shrRI32, sarRI32
    // A flag-setting form fused with the JZ / JNZ / JB / JAE record after it (`dec rcx; jnz`,
    // `test al, 1; jz`, `cmp rdi, 2; jb`): one dispatch for the pair, the branch decided from the
    // result just made rather than from the lazy flags in memory. Set by the cache
    // (``fused(before:)``), never by `init`; each setter's variants are consecutive, in the
    // order JZ, JNZ, JB, JAE (TEST leaves CF 0 and DEC keeps it, so those fuse with JZ/JNZ only).
    case cmpRR64Jz, cmpRR64Jnz, cmpRR64Jb, cmpRR64Jae
    case cmpRI64Jz, cmpRI64Jnz, cmpRI64Jb, cmpRI64Jae
    case cmpRR32Jz, cmpRR32Jnz, cmpRR32Jb, cmpRR32Jae
    case cmpRI32Jz, cmpRI32Jnz, cmpRI32Jb, cmpRI32Jae
    case cmpRI8Jz, cmpRI8Jnz, cmpRI8Jb, cmpRI8Jae
    case subRI64Jz, subRI64Jnz, subRI64Jb, subRI64Jae
    case subRI32Jz, subRI32Jnz, subRI32Jb, subRI32Jae
    case testRR64Jz, testRR64Jnz
    case testRI64Jz, testRI64Jnz
    case testRR32Jz, testRR32Jnz
    case testRI32Jz, testRI32Jnz
    case testRI8Jz, testRI8Jnz
    case dec64Jz, dec64Jnz
    case dec32Jz, dec32Jnz

    init(_ insn: LoweredInstruction) {
        self = Self.classify(insn) ?? .generic
    }

    /// The fused variant of this form when the next record of its block is `next`, if there is one.
    func fused(before next: FastForm) -> FastForm? {
        let condition: UInt8
        switch next {
        case .jz: condition = 0
        case .jnz: condition = 1
        case .jb: condition = 2
        case .jae: condition = 3
        default: return nil
        }
        // The setter's first fused variant and how many conditions it has (JZ, JNZ[, JB, JAE]).
        let (first, conditions): (FastForm, UInt8)
        switch self {
        case .cmpRR64: (first, conditions) = (.cmpRR64Jz, 4)
        case .cmpRI64: (first, conditions) = (.cmpRI64Jz, 4)
        case .cmpRR32: (first, conditions) = (.cmpRR32Jz, 4)
        case .cmpRI32: (first, conditions) = (.cmpRI32Jz, 4)
        case .cmpRI8: (first, conditions) = (.cmpRI8Jz, 4)
        case .subRI64: (first, conditions) = (.subRI64Jz, 4)
        case .subRI32: (first, conditions) = (.subRI32Jz, 4)
        case .testRR64: (first, conditions) = (.testRR64Jz, 2)
        case .testRI64: (first, conditions) = (.testRI64Jz, 2)
        case .testRR32: (first, conditions) = (.testRR32Jz, 2)
        case .testRI32: (first, conditions) = (.testRI32Jz, 2)
        case .testRI8: (first, conditions) = (.testRI8Jz, 2)
        case .dec64: (first, conditions) = (.dec64Jz, 2)
        case .dec32: (first, conditions) = (.dec32Jz, 2)
        default: return nil
        }
        guard condition < conditions else { return nil }
        return FastForm(rawValue: first.rawValue + condition)
    }

    private static func classify(_ insn: LoweredInstruction) -> FastForm? {
        guard insn.attributes.isDisjoint(with: [.lock, .repe, .repne]) else { return nil }
        let size = insn.operandSize
        let destination = insn.destination.rawValue
        let source = insn.source.rawValue
        let destinationIsRegister = destination < 16
        let sourceIsRegister = source < 16
        let sourceIsImmediate = insn.source == .immediate
        let wide = size == 8
        switch insn.opcode {
        case .add, .sub, .cmp, .and, .or, .xor, .test:
            guard insn.source2 == .none else { return nil }
            let operation: Int
            switch insn.opcode {
            case .add: operation = 0
            case .sub: operation = 1
            case .cmp: operation = 2
            case .and: operation = 3
            case .or: operation = 4
            case .xor: operation = 5
            default: operation = 6
            }
            if size == 1 {
                guard destinationIsRegister, sourceIsImmediate else { return nil }
                if insn.opcode == .cmp { return .cmpRI8 }
                return insn.opcode == .test ? .testRI8 : nil
            }
            guard size == 8 || size == 4 else { return nil }
            if destinationIsRegister && (sourceIsRegister || sourceIsImmediate) {
                let row: FastForm =
                    switch (sourceIsImmediate, wide) {
                    case (false, true): .addRR64
                    case (true, true): .addRI64
                    case (false, false): .addRR32
                    case (true, false): .addRI32
                    }
                return FastForm(rawValue: row.rawValue + UInt8(operation))
            }
            if insn.destination == .memory && (sourceIsRegister || sourceIsImmediate) { return .aluMemoryDestination }
            if destinationIsRegister && insn.source == .memory { return .aluMemorySource }
            return nil
        case .inc, .dec:
            guard destinationIsRegister, size == 8 || size == 4 else { return nil }
            return insn.opcode == .inc ? (wide ? .inc64 : .inc32) : (wide ? .dec64 : .dec32)
        case .mov:
            guard size == 8 || size == 4 else { return nil }
            if destinationIsRegister && sourceIsRegister { return wide ? .movRR64 : .movRR32 }
            if destinationIsRegister && sourceIsImmediate { return wide ? .movRI64 : .movRI32 }
            if destinationIsRegister && insn.source == .memory { return wide ? .load64 : .load32 }
            if insn.destination == .memory && sourceIsRegister { return wide ? .store64 : .store32 }
            return nil
        case .lea:
            guard destinationIsRegister, size == 8 || size == 4 else { return nil }
            return wide ? .lea64 : .lea32
        case .shl, .shr, .sar:
            guard destinationIsRegister, sourceIsImmediate, size == 8 || size == 4,
                insn.immediate & (wide ? 63 : 31) != 0
            else { return nil }
            switch insn.opcode {
            case .shl: return wide ? .shlRI64 : .shlRI32
            case .shr: return wide ? .shrRI64 : .shrRI32
            default: return wide ? .sarRI64 : .sarRI32
            }
        case .imul:
            guard wide, destinationIsRegister, sourceIsRegister, insn.source2 == .none else { return nil }
            return .imulRR64
        case .mul: return wide && destinationIsRegister ? .mul64 : nil
        case .div: return wide && destinationIsRegister ? .div64 : nil
        case .jcc:
            guard isCanonical(insn.immediate) else { return .jcc }
            switch insn.condition {
            case 4: return .jz
            case 5: return .jnz
            case 2: return .jb
            case 3: return .jae
            default: return .jcc
            }
        case .jmp: return sourceIsImmediate ? .jmp : nil
        case .call: return sourceIsImmediate ? .call : nil
        case .ret: return .ret
        case .push: return destinationIsRegister && wide ? .push64 : nil
        case .pop: return destinationIsRegister && wide ? .pop64 : nil
        default: return nil
        }
    }
}

/// The operation of an ALU fast form: a constant at every call site, so the switch folds away
/// (closures here were called out of line, ten instructions each).
enum FastOperation {
    case add, subtract, and, or, xor

    @_transparent func apply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        switch self {
        case .add: a &+ b
        case .subtract: a &- b
        case .and: a & b
        case .or: a | b
        case .xor: a ^ b
        }
    }
}

extension CPU {
    /// Executes cached record `record`; a fault leaves RIP at it (the fast forms do not keep RIP
    /// up to date as they go). A fused form also executes the branch after it unless `record` is
    /// `last`, and then leaves `record` at that branch (it cannot fault).
    @_transparent
    mutating func execute(
        record: inout UnsafeMutablePointer<RecordStore.Entry>, last: UnsafeMutablePointer<RecordStore.Entry>
    ) throws(GuestFault) -> Step {
        do {
            return try execute(
                record.pointer(to: \.instruction)!, form: record.pointee.form, record: &record, last: last)
        } catch {
            rip = record.pointee.address
            throw error
        }
    }

    /// Executes cached record `record` through its fast form, or through ``execute(_:)``.
    ///
    /// Fast forms leave RIP alone when they fall through: the run loop sets it from the record's
    /// address where it can be observed (a block's end, a fault), which spares a read-modify-write
    /// of RIP per instruction. The generic path and branches see and set it as before.
    @_transparent
    mutating func execute(
        _ insn: UnsafePointer<LoweredInstruction>, form: FastForm,
        record: inout UnsafeMutablePointer<RecordStore.Entry>, last: UnsafeMutablePointer<RecordStore.Entry>
    )
        throws(GuestFault) -> Step
    {
        switch form {
        case .generic:
            rip = record.pointee.address
            let step = try execute(insn.pointee)
            if case .next = step, memory.codeWritten { return .codeWritten }
            return step
        case .addRR64: aluRegister(insn, size: 8, immediate: false, .add, writes: true, .add)
        case .subRR64: aluRegister(insn, size: 8, immediate: false, .sub, writes: true, .subtract)
        case .cmpRR64: aluRegister(insn, size: 8, immediate: false, .sub, writes: false, .subtract)
        case .andRR64: aluRegister(insn, size: 8, immediate: false, .logic, writes: true, .and)
        case .orRR64: aluRegister(insn, size: 8, immediate: false, .logic, writes: true, .or)
        case .xorRR64: aluRegister(insn, size: 8, immediate: false, .logic, writes: true, .xor)
        case .testRR64: aluRegister(insn, size: 8, immediate: false, .logic, writes: false, .and)
        case .addRI64: aluRegister(insn, size: 8, immediate: true, .add, writes: true, .add)
        case .subRI64: aluRegister(insn, size: 8, immediate: true, .sub, writes: true, .subtract)
        case .cmpRI64: aluRegister(insn, size: 8, immediate: true, .sub, writes: false, .subtract)
        case .andRI64: aluRegister(insn, size: 8, immediate: true, .logic, writes: true, .and)
        case .orRI64: aluRegister(insn, size: 8, immediate: true, .logic, writes: true, .or)
        case .xorRI64: aluRegister(insn, size: 8, immediate: true, .logic, writes: true, .xor)
        case .testRI64: aluRegister(insn, size: 8, immediate: true, .logic, writes: false, .and)
        case .addRR32: aluRegister(insn, size: 4, immediate: false, .add, writes: true, .add)
        case .subRR32: aluRegister(insn, size: 4, immediate: false, .sub, writes: true, .subtract)
        case .cmpRR32: aluRegister(insn, size: 4, immediate: false, .sub, writes: false, .subtract)
        case .andRR32: aluRegister(insn, size: 4, immediate: false, .logic, writes: true, .and)
        case .orRR32: aluRegister(insn, size: 4, immediate: false, .logic, writes: true, .or)
        case .xorRR32: aluRegister(insn, size: 4, immediate: false, .logic, writes: true, .xor)
        case .testRR32: aluRegister(insn, size: 4, immediate: false, .logic, writes: false, .and)
        case .addRI32: aluRegister(insn, size: 4, immediate: true, .add, writes: true, .add)
        case .subRI32: aluRegister(insn, size: 4, immediate: true, .sub, writes: true, .subtract)
        case .cmpRI32: aluRegister(insn, size: 4, immediate: true, .sub, writes: false, .subtract)
        case .andRI32: aluRegister(insn, size: 4, immediate: true, .logic, writes: true, .and)
        case .orRI32: aluRegister(insn, size: 4, immediate: true, .logic, writes: true, .or)
        case .xorRI32: aluRegister(insn, size: 4, immediate: true, .logic, writes: true, .xor)
        case .testRI32: aluRegister(insn, size: 4, immediate: true, .logic, writes: false, .and)
        case .cmpRI8: aluRegister(insn, size: 1, immediate: true, .sub, writes: false, .subtract)
        case .testRI8: aluRegister(insn, size: 1, immediate: true, .logic, writes: false, .and)
        case .inc64: stepRegister(insn, size: 8, .inc, .add)
        case .dec64: stepRegister(insn, size: 8, .dec, .subtract)
        case .inc32: stepRegister(insn, size: 4, .inc, .add)
        case .dec32: stepRegister(insn, size: 4, .dec, .subtract)
        case .aluMemoryDestination:
            try executeBinary(insn.pointee)
            if memory.codeWritten { return .codeWritten }
        case .aluMemorySource:
            try executeBinary(insn.pointee)
        case .movRR64:
            registers[Int(insn.pointee.destination.rawValue)] = registers[Int(insn.pointee.source.rawValue)]
        case .movRR32:
            registers[Int(insn.pointee.destination.rawValue)] =
                registers[Int(insn.pointee.source.rawValue)] & 0xFFFF_FFFF
        case .movRI64:
            registers[Int(insn.pointee.destination.rawValue)] = insn.pointee.immediate
        case .movRI32:
            registers[Int(insn.pointee.destination.rawValue)] = insn.pointee.immediate & 0xFFFF_FFFF
        case .load64, .load32:
            let size: UInt8 = form == .load64 ? 8 : 4
            let value = try load(
                effectiveAddress(insn.pointee), size: size, stack: insn.pointee.attributes.contains(.stackSegment))
            registers[Int(insn.pointee.destination.rawValue)] = value
        case .store64, .store32:
            let size: UInt8 = form == .store64 ? 8 : 4
            try store(
                registers[Int(insn.pointee.source.rawValue)], at: effectiveAddress(insn.pointee), size: size,
                stack: insn.pointee.attributes.contains(.stackSegment))
            if memory.codeWritten { return .codeWritten }
        case .lea64:
            registers[Int(insn.pointee.destination.rawValue)] = effectiveAddress(insn.pointee)
        case .lea32:
            registers[Int(insn.pointee.destination.rawValue)] = effectiveAddress(insn.pointee) & 0xFFFF_FFFF
        case .jcc:
            if branchCondition(insn.pointee.condition) { return try branch(to: insn.pointee.immediate) }
        case .jz: return flagBranch(insn, zero: true, whenSet: true)
        case .jnz: return flagBranch(insn, zero: true, whenSet: false)
        case .jb: return flagBranch(insn, zero: false, whenSet: true)
        case .jae: return flagBranch(insn, zero: false, whenSet: false)
        case .jmp:
            return try branch(to: insn.pointee.immediate)
        case .call:
            let target = insn.pointee.immediate
            guard isCanonical(target) else { throw .generalProtection() }
            try push(record.pointee.address &+ UInt64(insn.pointee.length))
            rip = target
            return .jump
        case .ret:
            let target = try load(registers[GPR.rsp], size: 8, stack: true)
            guard isCanonical(target) else { throw .generalProtection() }
            registers[GPR.rsp] &+= 8 &+ insn.pointee.immediate
            rip = target
            return .jump
        case .push64:
            try push(registers[Int(insn.pointee.destination.rawValue)])
            if memory.codeWritten { return .codeWritten }
        case .shlRI64: shiftRegister(insn, size: 8, .shl)
        case .shrRI64: shiftRegister(insn, size: 8, .shr)
        case .sarRI64: shiftRegister(insn, size: 8, .sar)
        case .shlRI32: shiftRegister(insn, size: 4, .shl)
        case .shrRI32: shiftRegister(insn, size: 4, .shr)
        case .sarRI32: shiftRegister(insn, size: 4, .sar)
        case .imulRR64:
            // As executeIMul: destination × source, truncated; CF = OF = the product did not fit.
            // Int128, not multipliedFullWidth: that was a call into the Swift runtime (callgrind);
            // this is one IMUL. The product of two Int64 always fits, so wrapping is exact.
            let left = Int128(Int64(bitPattern: registers[Int(insn.pointee.source.rawValue)]))
            let right = Int128(Int64(bitPattern: registers[Int(insn.pointee.destination.rawValue)]))
            let product = left &* right
            let low = UInt64(truncatingIfNeeded: product)
            let fits = product == Int128(Int64(bitPattern: low))
            registers[Int(insn.pointee.destination.rawValue)] = low
            setMultiplyFlags(low: low, size: 8, overflow: !fits)
        case .mul64:
            // As executeWideMultiply: RDX:RAX = RAX × source; CF = OF = RDX ≠ 0.
            let product = UInt128(registers[GPR.rax]) &* UInt128(registers[Int(insn.pointee.destination.rawValue)])
            let high = UInt64(truncatingIfNeeded: product >> 64), low = UInt64(truncatingIfNeeded: product)
            registers[GPR.rax] = low
            registers[GPR.rdx] = high
            setMultiplyFlags(low: low, size: 8, overflow: high != 0)
        case .div64:
            // As executeDivide: #DE for a zero divisor or a quotient over 64 bits; flags kept.
            let divisor = registers[Int(insn.pointee.destination.rawValue)]
            guard divisor != 0 else { throw .divideError }
            let high = registers[GPR.rdx], low = registers[GPR.rax]
            guard high < divisor else { throw .divideError }
            let (quotient, remainder) =
                high == 0 ? (low / divisor, low % divisor) : divisor.dividingFullWidth((high, low))
            registers[GPR.rax] = quotient
            registers[GPR.rdx] = remainder
        case .pop64:
            let value = try load(registers[GPR.rsp], size: 8, stack: true)
            registers[GPR.rsp] &+= 8
            registers[Int(insn.pointee.destination.rawValue)] = value
        case .cmpRR64Jz:
            aluRegister(insn, size: 8, immediate: false, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .cmpRR64Jnz:
            aluRegister(insn, size: 8, immediate: false, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .cmpRR64Jb:
            aluRegister(insn, size: 8, immediate: false, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: true)
        case .cmpRR64Jae:
            aluRegister(insn, size: 8, immediate: false, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: false)
        case .cmpRI64Jz:
            aluRegister(insn, size: 8, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .cmpRI64Jnz:
            aluRegister(insn, size: 8, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .cmpRI64Jb:
            aluRegister(insn, size: 8, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: true)
        case .cmpRI64Jae:
            aluRegister(insn, size: 8, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: false)
        case .cmpRR32Jz:
            aluRegister(insn, size: 4, immediate: false, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .cmpRR32Jnz:
            aluRegister(insn, size: 4, immediate: false, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .cmpRR32Jb:
            aluRegister(insn, size: 4, immediate: false, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: true)
        case .cmpRR32Jae:
            aluRegister(insn, size: 4, immediate: false, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: false)
        case .cmpRI32Jz:
            aluRegister(insn, size: 4, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .cmpRI32Jnz:
            aluRegister(insn, size: 4, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .cmpRI32Jb:
            aluRegister(insn, size: 4, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: true)
        case .cmpRI32Jae:
            aluRegister(insn, size: 4, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: false)
        case .cmpRI8Jz:
            aluRegister(insn, size: 1, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .cmpRI8Jnz:
            aluRegister(insn, size: 1, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .cmpRI8Jb:
            aluRegister(insn, size: 1, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: true)
        case .cmpRI8Jae:
            aluRegister(insn, size: 1, immediate: true, .sub, writes: false, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: false)
        case .subRI64Jz:
            aluRegister(insn, size: 8, immediate: true, .sub, writes: true, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .subRI64Jnz:
            aluRegister(insn, size: 8, immediate: true, .sub, writes: true, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .subRI64Jb:
            aluRegister(insn, size: 8, immediate: true, .sub, writes: true, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: true)
        case .subRI64Jae:
            aluRegister(insn, size: 8, immediate: true, .sub, writes: true, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: false)
        case .subRI32Jz:
            aluRegister(insn, size: 4, immediate: true, .sub, writes: true, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .subRI32Jnz:
            aluRegister(insn, size: 4, immediate: true, .sub, writes: true, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .subRI32Jb:
            aluRegister(insn, size: 4, immediate: true, .sub, writes: true, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: true)
        case .subRI32Jae:
            aluRegister(insn, size: 4, immediate: true, .sub, writes: true, .subtract)
            return fusedBranch(&record, last: last, carry: true, whenSet: false)
        case .testRR64Jz:
            aluRegister(insn, size: 8, immediate: false, .logic, writes: false, .and)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .testRR64Jnz:
            aluRegister(insn, size: 8, immediate: false, .logic, writes: false, .and)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .testRI64Jz:
            aluRegister(insn, size: 8, immediate: true, .logic, writes: false, .and)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .testRI64Jnz:
            aluRegister(insn, size: 8, immediate: true, .logic, writes: false, .and)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .testRR32Jz:
            aluRegister(insn, size: 4, immediate: false, .logic, writes: false, .and)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .testRR32Jnz:
            aluRegister(insn, size: 4, immediate: false, .logic, writes: false, .and)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .testRI32Jz:
            aluRegister(insn, size: 4, immediate: true, .logic, writes: false, .and)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .testRI32Jnz:
            aluRegister(insn, size: 4, immediate: true, .logic, writes: false, .and)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .testRI8Jz:
            aluRegister(insn, size: 1, immediate: true, .logic, writes: false, .and)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .testRI8Jnz:
            aluRegister(insn, size: 1, immediate: true, .logic, writes: false, .and)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .dec64Jz:
            stepRegister(insn, size: 8, .dec, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .dec64Jnz:
            stepRegister(insn, size: 8, .dec, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        case .dec32Jz:
            stepRegister(insn, size: 4, .dec, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: true)
        case .dec32Jnz:
            stepRegister(insn, size: 4, .dec, .subtract)
            return fusedBranch(&record, last: last, carry: false, whenSet: false)
        }
        return .next
    }

    /// The branch of a fused pair, after its flag-setting half: ZF or CF (`carry`) straight from the
    /// lazy result just recorded (still in registers), and `record` moved to the branch. At `last`
    /// (the budget ends between the two) only the first half runs.
    @_transparent mutating func fusedBranch(
        _ record: inout UnsafeMutablePointer<RecordStore.Entry>, last: UnsafeMutablePointer<RecordStore.Entry>,
        carry: Bool, whenSet: Bool
    ) -> Step {
        guard record != last else { return .next }
        record += 1
        let set = carry ? lazy.cf != 0 : lazy.result == 0
        guard set == whenSet else { return .next }
        rip = record.pointee.instruction.immediate
        return .jump
    }

    /// Condition code `cc` straight from the lazy result for the conditions loops end on (ZF, CF,
    /// SF), without materialising RFLAGS; the rest through ``condition(_:)``.
    @_transparent mutating func branchCondition(_ cc: UInt8) -> Bool {
        if lazy.kind != .none {
            switch cc {
            // Every producer of lazy flags stores its result already truncated to its size.
            case 4: return lazy.result == 0
            case 5: return lazy.result != 0
            case 2: return lazy.carryFlag != 0
            case 3: return lazy.carryFlag == 0
            case 8: return lazy.result & signBit(lazy.size) != 0
            case 9: return lazy.result & signBit(lazy.size) == 0
            default: break
            }
        }
        return slowCondition(cc)
    }

    /// The other conditions, out of line so ``branchCondition(_:)`` stays small enough to inline.
    @inline(never) mutating func slowCondition(_ cc: UInt8) -> Bool { condition(cc) }

    /// JZ / JNZ (`zero`) or JB / JAE on a canonical target: taken when ZF or CF is `whenSet`.
    @_transparent mutating func flagBranch(_ insn: UnsafePointer<LoweredInstruction>, zero: Bool, whenSet: Bool) -> Step {
        let set: Bool
        if lazy.kind == .none {
            set = rflags & (zero ? RFlags.zf : RFlags.cf) != 0
        } else if zero {
            set = lazy.result == 0  // the lazy result is truncated to its size
        } else {
            set = lazy.carryFlag != 0
        }
        if set == whenSet {
            rip = insn.pointee.immediate
            return .jump
        }
        return .next
    }

    /// `destination op= source` on general registers (or an immediate source), as executeBinary.
    @_transparent mutating func aluRegister(
        _ insn: UnsafePointer<LoweredInstruction>, size: UInt8, immediate: Bool, _ kind: FlagKind, writes: Bool,
        _ operation: FastOperation
    ) {
        let m = mask(size)
        let destination = Int(insn.pointee.destination.rawValue)
        let a = registers[destination] & m
        let b = immediate ? insn.pointee.immediate & m : registers[Int(insn.pointee.source.rawValue)] & m
        let result = operation.apply(a, b) & m
        if kind == .logic {
            // Logic results need no operands: the flags are ZF, SF, PF of the result, CF = OF = 0.
            lazy.kind = .logic
            lazy.size = size
            lazy.cf = 0
            lazy.result = result
        } else {
            lazy = LazyFlags(kind: kind, size: size, left: a, right: b, result: result, carry: 0)
        }
        // A 32-bit result is already zero-extended by the mask (the x86-64 rule for 32-bit writes).
        if writes { registers[destination] = result }
    }

    /// SHL / SHR / SAR of a register by a non-zero immediate, as executeShift (same CF and OF
    /// formulas; the flags kept lazily).
    @_transparent mutating func shiftRegister(_ insn: UnsafePointer<LoweredInstruction>, size: UInt8, _ opcode: Opcode) {
        let width = UInt64(size) * 8
        let m = mask(size)
        let sign = signBit(size)
        let count = insn.pointee.immediate & (size == 8 ? 63 : 31)
        let destination = Int(insn.pointee.destination.rawValue)
        let value = registers[destination] & m
        let result: UInt64
        let carry: UInt64
        let overflow: UInt64
        switch opcode {
        case .shl:
            result = (value << count) & m
            carry = (value >> (width - count)) & 1
            overflow = (result & sign != 0) != (carry != 0) ? 1 : 0
        case .shr:
            result = value >> count
            carry = (value >> (count - 1)) & 1
            overflow = ((result >> (width - 1)) ^ (result >> (width - 2))) & 1
        default:
            let extended = Int64(bitPattern: signExtend(value, from: size))
            result = UInt64(bitPattern: extended >> Int64(count)) & m
            carry = UInt64(bitPattern: extended >> Int64(count - 1)) & 1
            overflow = 0
        }
        registers[destination] = result
        lazy = LazyFlags(kind: .shift, size: size, left: 0, right: overflow, result: result, carry: carry)
    }

    /// INC / DEC of a general register, as executeUnary (CF carried along by setLazy).
    @_transparent mutating func stepRegister(
        _ insn: UnsafePointer<LoweredInstruction>, size: UInt8, _ kind: FlagKind, _ operation: FastOperation
    ) {
        let m = mask(size)
        let destination = Int(insn.pointee.destination.rawValue)
        let a = registers[destination] & m
        let result = operation.apply(a, 1) & m
        setLazy(kind, size: size, a, 1, result)
        registers[destination] = result
    }
}
