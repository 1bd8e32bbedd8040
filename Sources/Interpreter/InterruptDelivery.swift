import X86IR

extension Interpreter {
    /// Whether the IDT holds a gate vpmu can deliver `vector` through now (isa-subset.md §7): an IDT
    /// is loaded and covers the 16-byte gate, the gate is present, a 64-bit interrupt (0xE) or trap
    /// (0xF) gate to selector 0x10 with a canonical target, and the vCPU is at CPL 0 (no TSS, so no
    /// stack switch is possible).
    public func hasGate(for vector: UInt8) -> Bool { cpu.gate(for: vector) != nil }

    /// Delivers an exception, INT n or PMI through the IDT, the way SDM Vol. 3 §6.14 describes for
    /// 64-bit mode without a privilege change: align RSP down to 16, push SS, the old RSP, RFLAGS, CS
    /// and `returnRIP` (the current RIP: the faulting instruction for faults, the next one for traps
    /// and interrupts), then `errorCode` if given; clear TF, and IF for an interrupt gate; jump.
    ///
    /// Delivery is not an instruction: it retires nothing and costs no cycles.
    ///
    /// - Returns: false when there is no usable gate or the frame cannot be written; nothing changed then.
    public func deliverInterrupt(vector: UInt8, errorCode: UInt64?) -> Bool {
        cpu.deliver(vector: vector, errorCode: errorCode)
    }
}

extension CPU {
    /// The handler address and whether it is an interrupt gate (IF cleared), or nil.
    func gate(for vector: UInt8) -> (target: UInt64, clearsIF: Bool)? {
        guard cpl == 0 else { return nil }
        let offset = UInt64(vector) * 16
        guard UInt64(idtLimit) >= offset + 15 else { return nil }
        let address = idtBase &+ offset
        // The IDT is read with supervisor rights; an unreadable gate is a failed delivery.
        guard let low = try? load(address, size: 8), let high = try? load(address &+ 8, size: 8) else { return nil }
        let selector = (low >> 16) & 0xFFFF
        let type = (low >> 40) & 0xF
        let present = low & (1 << 47) != 0
        guard present, type == 0xE || type == 0xF, selector == Selector.kernelCode else { return nil }
        let target = (low & 0xFFFF) | ((low >> 48) << 16) | ((high & 0xFFFF_FFFF) << 32)
        guard isCanonical(target) else { return nil }
        return (target, type == 0xE)
    }

    mutating func deliver(vector: UInt8, errorCode: UInt64?) -> Bool {
        guard let (target, clearsIF) = gate(for: vector) else { return false }
        let oldRSP = registers[GPR.rsp]
        let aligned = oldRSP & ~0xF
        let frame: [UInt64] =
            [UInt64(ss), oldRSP, currentFlags(), UInt64(cs), rip] + (errorCode.map { [$0] } ?? [])
        let top = aligned &- UInt64(frame.count * 8)
        // The whole frame must be writable before anything is written (a failed delivery changes nothing).
        guard (try? memory.translate(top, count: frame.count * 8, access: .write, user: false, stack: true)) != nil,
            top < aligned
        else { return false }
        for (slot, value) in frame.enumerated() {
            guard (try? store(value, at: aligned &- UInt64((slot + 1) * 8), size: 8, stack: true)) != nil else {
                return false
            }
        }
        registers[GPR.rsp] = top
        rflags &= ~(RFlags.tf | (clearsIF ? RFlags.if : 0))
        cs = UInt16(Selector.kernelCode)
        rip = target
        return true
    }
}
