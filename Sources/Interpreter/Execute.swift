import X86IR

extension CPU {
    /// Executes one record. On a fault nothing is retired and RIP stays at the instruction.
    @_transparent
    mutating func execute(_ insn: borrowing LoweredInstruction) throws(GuestFault) -> Step {
        let next = rip &+ UInt64(insn.length)
        switch insn.opcode {
        case .add, .adc, .sub, .sbb, .cmp, .and, .or, .xor, .test:
            try executeBinary(insn)
        case .inc, .dec, .neg, .not:
            try executeUnary(insn)
        case .mov, .movzx, .movsx, .lea, .xchg, .cmovcc, .setcc, .bswap, .cbw, .cwd, .lahf, .sahf:
            try executeMove(insn)
        case .push, .pop:
            try executeStack(insn)
        case .pushfq, .popfq:
            try executeFlagStack(insn)
            if !notices.isDisjoint(with: leavesOn) {
                rip = next
                return .leaveRun
            }
        case .enter, .leave:
            try executeFrame(insn)
        case .mul, .imul1:
            try executeWideMultiply(insn)
        case .imul:
            try executeIMul(insn)
        case .div, .idiv:
            try executeDivide(insn)
        case .xadd:
            try executeXAdd(insn)
        case .cmpxchg:
            try executeCompareExchange(insn)
        case .shl, .shr, .sar, .rol, .ror, .rcl, .rcr:
            try executeShift(insn)
        case .shld, .shrd:
            try executeDoubleShift(insn)
        case .bt, .bts, .btr, .btc:
            try executeBitTest(insn)
        case .bsf, .bsr, .popcnt, .lzcnt, .tzcnt:
            try executeBitScan(insn)
        case .jcc, .jmp, .call, .ret, .loop, .loope, .loopne, .jrcxz:
            let step = try executeNearBranch(insn, next: next)
            if case .next = step { rip = next }
            return step
        case .jmpFar, .callFar:
            return try executeFarTransfer(insn, next: next)
        case .retf, .iretq:
            return try executeFarReturn(insn)
        case .int3:
            rip = next
            return .trap(3)
        case .int:
            rip = next
            return .trap(UInt8(truncatingIfNeeded: insn.immediate))
        case .movs, .cmps, .stos, .lods, .scas:
            let (fault, chunks) = executeString(insn)
            if let fault { throw fault }
            if cpl == 0 { kernelCounts.repChunks &+= chunks } else { userCounts.repChunks &+= chunks }
        case .clc: setFlags(0, affected: RFlags.cf)
        case .stc: setFlags(RFlags.cf, affected: RFlags.cf)
        case .cmc: setFlags(flag(RFlags.cf) ? 0 : RFlags.cf, affected: RFlags.cf)
        case .cld: rflags &= ~RFlags.df
        case .std: rflags |= RFlags.df
        case .cli, .sti:
            // CPL must not exceed IOPL (always 0 here).
            guard UInt64(cpl) <= (rflags & RFlags.iopl) >> 12 else { throw .generalProtection() }
            if insn.opcode == .cli {
                rflags &= ~RFlags.if
            } else if rflags & RFlags.if == 0 {
                // STI from IF = 0 makes the next instruction an interrupt shadow (isa-subset.md §6, §7).
                rflags |= RFlags.if
                notices.insert([.interruptShadow, .interruptsEnabled])
                rip = next
                return .leaveRun
            }
        case .cpuid:
            return .hostCall
        case .rdmsr, .wrmsr:
            guard cpl == 0 else { throw .generalProtection() }
            return .hostCall
        case .rdpmc:
            return .hostCall
        case .hlt:
            guard cpl == 0 else { throw .generalProtection() }
            rip = next
            return .halt
        case .lidt:
            guard cpl == 0 else { throw .generalProtection() }
            let address = effectiveAddress(insn)
            let stack = insn.attributes.contains(.stackSegment)
            let limit = try load(address, size: 2, stack: stack)
            let base = try load(address &+ 2, size: 8, stack: stack)
            idtLimit = UInt16(truncatingIfNeeded: limit)
            idtBase = base
        case .clflush:
            // No effect, but the line must be mapped (isa-subset.md §6).
            _ = try memory.translate(effectiveAddress(insn), count: 1, access: .read, user: cpl == 3)
        case .nop:
            break
        case .invalid:
            throw decodeFault(insn)
        case .unsupported:
            return .unsupported
        }
        rip = next
        return .next
    }

    /// The exception an undecodable record raises: #UD, #GP(0) for an over-long instruction, or
    /// #PF for an instruction running into memory that cannot be fetched.
    @inline(never) func decodeFault(_ insn: borrowing LoweredInstruction) -> GuestFault {
        switch insn.immediate {
        case 13: return .generalProtection()
        case 14:
            let present = !memory.permissions(at: insn.displacement).isEmpty
            return .pageFault(at: insn.displacement, code: (present ? 1 : 0) | (cpl == 3 ? 4 : 0) | 0x10)
        default: return .invalidOpcode
        }
    }
}
