import X86IR

/// What the run loop does after an instruction executed without a fault.
enum Step {
    /// Fall through to the next record of the block.
    case next
    /// Fell through after storing into a page that holds code: the block ends here, so the next
    /// instruction is decoded from the new bytes. Only the storing handlers return it, which
    /// spares every other record the check.
    case codeWritten
    /// RIP was changed; look the target up.
    case jump
    /// HLT retired: stop the vCPU.
    case halt
    /// INT3 / INT n retired: deliver the software interrupt.
    case trap(UInt8)
    /// CPUID, RDMSR, WRMSR or RDPMC: the host completes it (a VM-exit in KVM); not yet retired.
    case hostCall
    /// Valid x86 outside the subset: end the run with an error; not retired.
    case unsupported
    /// Retire, then hand back: the instruction raised a notice in `leavesOn` (an interrupt window
    /// may have opened, or the privilege changed, which changes what the cycle side counts).
    case leaveRun
}

/// Built-in selectors (isa-subset.md §7).
enum Selector {
    static let kernelCode: UInt64 = 0x10
    static let kernelData: UInt64 = 0x18
    static let userData: UInt64 = 0x2B
    static let userCode: UInt64 = 0x33
}

extension CPU {
    /// Sets RIP to a branch target; a non-canonical target #GPs on the branch itself.
    @inline(__always) mutating func branch(to target: UInt64) throws(GuestFault) -> Step {
        guard isCanonical(target) else { throw .generalProtection() }
        rip = target
        return .jump
    }

    /// The count register of LOOP / JrCXZ / REP: RCX, or ECX under a 67 prefix.
    @inline(__always) func countRegister(_ insn: borrowing LoweredInstruction) -> UInt64 {
        insn.attributes.contains(.addressSize32) ? registers[GPR.rcx] & 0xFFFF_FFFF : registers[GPR.rcx]
    }

    /// Jcc JMP CALL RET LOOPcc JrCXZ.
    @_transparent mutating func executeNearBranch(_ insn: borrowing LoweredInstruction, next: UInt64) throws(GuestFault) -> Step {
        switch insn.opcode {
        case .jcc:
            return condition(insn.condition) ? try branch(to: insn.immediate) : .next
        case .jmp:
            let target = insn.source == .immediate ? insn.immediate : try read(insn.source, of: insn, size: 8)
            return try branch(to: target)
        case .call:
            let target = insn.source == .immediate ? insn.immediate : try read(insn.source, of: insn, size: 8)
            guard isCanonical(target) else { throw .generalProtection() }
            try push(next)
            rip = target
            return .jump
        case .ret:
            let target = try load(registers[GPR.rsp], size: 8, stack: true)
            guard isCanonical(target) else { throw .generalProtection() }
            registers[GPR.rsp] &+= 8 &+ insn.immediate
            rip = target
            return .jump
        case .jrcxz:
            return countRegister(insn) == 0 ? try branch(to: insn.immediate) : .next
        default:  // LOOP, LOOPE, LOOPNE: decrement without touching flags
            let count = (countRegister(insn) &- 1) & (insn.attributes.contains(.addressSize32) ? 0xFFFF_FFFF : ~0)
            var taken = count != 0
            if insn.opcode == .loope { taken = taken && flag(RFlags.zf) }
            if insn.opcode == .loopne { taken = taken && !flag(RFlags.zf) }
            if taken { guard isCanonical(insn.immediate) else { throw .generalProtection() } }
            registers[GPR.rcx] = count
            if taken { rip = insn.immediate }
            return taken ? .jump : .next
        }
    }

    /// The code selector a far transfer may load at `privilege` (isa-subset.md §7).
    private func codeSelector(privilege: Int) -> UInt64 { privilege == 0 ? Selector.kernelCode : Selector.userCode }
    private func dataSelector(privilege: Int) -> UInt64 { privilege == 0 ? Selector.kernelData : Selector.userData }

    /// Far JMP/CALL m16:64: only the current privilege's code selector may be loaded.
    mutating func executeFarTransfer(_ insn: borrowing LoweredInstruction, next: UInt64) throws(GuestFault) -> Step {
        let address = effectiveAddress(insn)
        let stack = insn.attributes.contains(.stackSegment)
        let target = try load(address, size: 8, stack: stack)
        let selector = try load(address &+ 8, size: 2, stack: stack)
        guard selector == codeSelector(privilege: cpl) else { throw .generalProtection(selector & 0xFFFC) }
        guard isCanonical(target) else { throw .generalProtection() }
        if insn.opcode == .callFar {
            let rsp = registers[GPR.rsp]
            try store(UInt64(cs), at: rsp &- 8, size: 8, stack: true)
            try store(next, at: rsp &- 16, size: 8, stack: true)
            registers[GPR.rsp] = rsp &- 16
        }
        rip = target
        return .jump
    }

    /// RETFQ [imm16] and IRETQ: same privilege, or outward from CPL 0 to 3 (then RSP and SS are
    /// popped too; IRETQ always pops them in 64-bit mode).
    mutating func executeFarReturn(_ insn: borrowing LoweredInstruction) throws(GuestFault) -> Step {
        let isIret = insn.opcode == .iretq
        var rsp = registers[GPR.rsp]
        let target = try load(rsp, size: 8, stack: true)
        let selector = try load(rsp &+ 8, size: 8, stack: true) & 0xFFFF
        rsp &+= 16
        var flags: UInt64? = nil
        if isIret {
            flags = try load(rsp, size: 8, stack: true)
            rsp &+= 8
        } else {
            rsp &+= insn.immediate
        }
        let newPrivilege = Int(selector & 3)
        guard newPrivilege >= cpl, selector == codeSelector(privilege: newPrivilege) else {
            throw .generalProtection(selector & 0xFFFC)
        }
        var newSS = UInt64(ss)
        if isIret || newPrivilege != cpl {
            let poppedRSP = try load(rsp, size: 8, stack: true)
            let poppedSS = try load(rsp &+ 8, size: 8, stack: true) & 0xFFFF
            // A null SS is allowed when staying at CPL 0 (64-bit mode).
            guard poppedSS == dataSelector(privilege: newPrivilege) || (newPrivilege == 0 && poppedSS & 0xFFFC == 0)
            else { throw .generalProtection(poppedSS & 0xFFFC) }
            rsp = isIret ? poppedRSP : poppedRSP &+ insn.immediate
            newSS = poppedSS
        }
        guard isCanonical(target) else { throw .generalProtection() }
        if let flags { loadFlags(flags) }
        if isIret { notices.insert(.iretq) }
        if newPrivilege != cpl { notices.insert(.privilegeChanged) }
        cs = UInt16(selector)
        ss = UInt16(newSS)
        registers[GPR.rsp] = rsp
        rip = target
        return notices.isDisjoint(with: leavesOn) ? .jump : .leaveRun
    }
}
