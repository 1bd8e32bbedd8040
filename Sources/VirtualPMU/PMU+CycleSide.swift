/// The PMCs the cycle model feeds at one CPL with the configuration of the moment, as `idx` bitmaps
/// (cycle-model.md §3.1–§3.2).
public struct CycleCounting: Equatable, Sendable {
    /// PMCs counting core cycles (Intel GP 0x3C:0x00 and fixed1; AMD 0x76:0x00).
    public var cycles: UInt64 = 0
    /// PMCs counting reference cycles (Intel GP 0x3C:0x01 and fixed2).
    public var refCycles: UInt64 = 0

    public init() {}
    /// Nothing counts: the cycle side has no work.
    public var isEmpty: Bool { cycles | refCycles == 0 }
}

extension PMU {
    /// Which hardware event a PMC's configuration selects, if any: event select, unit mask and bits
    /// 35:32 compared exactly; EDGE, INV and CMASK ignored (cycle-model.md §3.1).
    func hardwareEvent(of pmc: PMC) -> (cycles: Bool, refCycles: Bool) {
        switch pmc.kind {
        case .fixed:
            let i = pmc.idx - fixedIndexBase
            return (i == 1, i == 2)
        case .gp:
            let code = pmc.eventSelect & EventSelect.matchMask
            switch vendor {
            case .intel: return (code == 0x003C, code == 0x013C)
            case .amd: return (code == 0x0076, false)
            }
        }
    }

    /// The cycle side's PMCs for an instruction starting at `cpl`: locally and globally enabled,
    /// allowed by the filter, USR/OS matching, and selecting cycles or ref-cycles.
    public func cycleCounting(cpl: Int) -> CycleCounting {
        // Most runs count no cycles: answered without a call (cross-module inlined).
        if !eventMapsStale && eventMaps.cycles | eventMaps.refCycles == 0 { return CycleCounting() }
        return cycleCountingSlow(cpl: cpl)
    }

    @inline(never) func cycleCountingSlow(cpl: Int) -> CycleCounting {
        refreshEventMaps()
        var counting = CycleCounting()
        var positions = eventMaps.cycles | eventMaps.refCycles
        while positions != 0 {
            let p = positions.trailingZeroBitCount
            positions &= positions &- 1
            guard isGloballyEnabled(pmcs[p]), cplMatches(pmcs[p], cpl: cpl) else { continue }
            if eventMaps.cycles & (1 << UInt64(p)) != 0 { counting.cycles |= pmcs[p].bit }
            if eventMaps.refCycles & (1 << UInt64(p)) != 0 { counting.refCycles |= pmcs[p].bit }
        }
        return counting
    }

    /// Hardware events until the first PMC in `mask` wraps its visible value (≥ 1), or nil for an empty mask.
    public func eventsUntilWrap(_ mask: UInt64) -> UInt64? {
        var nearest: UInt64? = nil
        for pmc in pmcs where mask & pmc.bit != 0 {
            let distance = (counterMask - pmc.read()) + 1
            nearest = min(nearest ?? distance, distance)
        }
        return nearest
    }

    /// Charges one instruction's (or a run of instructions') hardware events, as the perf event would
    /// count them, and does at once what KVM's overflow callback `kvm_perf_overflow()` does for a wrap:
    /// sticky status bit, `overflows += 1`, a PMI request if the INT bit is set now, a reprogram request
    /// (cycle-model.md §3.3). The step's fold then sees no second wrap (pmu-semantics.md §6.3).
    ///
    /// - Returns: whether any PMC wrapped. The host perf event overflows, and the host PMI forces a
    ///   VM-exit (`--hw-pmi-exit` ends the batch), whatever the guest's INT bit: KVM always creates the
    ///   stand-in with a sample period and `kvm_perf_overflow()` as overflow handler
    ///   (`pmc_reprogram_counter()`); INT only decides whether KVM_REQ_PMI is made.
    @discardableResult
    public func chargeHardware(cycles: UInt64, refCycles: UInt64, to counting: CycleCounting) -> Bool {
        var wrapped = false
        for p in pmcs.indices {
            let bit = pmcs[p].bit
            let events = counting.cycles & bit != 0 ? cycles : counting.refCycles & bit != 0 ? refCycles : 0
            guard events != 0 else { continue }
            let before = pmcs[p].read()
            pmcs[p].hwDelta &+= events
            // before < 2^48: the number of 2^48 boundaries crossed, without overflowing 64 bits.
            let crossed = Int(events >> 48) + Int((before + (events & counterMask)) >> 48)
            guard crossed > 0 else { continue }
            pmcs[p].wraps += crossed
            globalStatus |= bit
            pmcs[p].overflows += 1
            wrapped = true
            let interruptBit = pmcs[p].kind == .gp ? EventSelect.int : FixedControl.pmi
            if config(of: pmcs[p]) & interruptBit != 0 {
                pmiRequested = true
                pendingPMISources.append(pmcs[p].name)
            }
            reprogram |= bit
        }
        return wrapped
    }
}
