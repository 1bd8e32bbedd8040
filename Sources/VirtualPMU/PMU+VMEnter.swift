extension PMU {
    /// The VM-Enter step (§6): `kvm_pmu_handle_event()` then, if a PMI was requested, `kvm_pmu_deliver_pmi()`.
    ///
    /// Reprograms every PMC in the `reprogram` bitmap in ascending index, runs a pending lazy cleanup,
    /// then delivers at most one PMI through LVTPC.
    ///
    /// - Parameters:
    ///   - step: the step number (0 = before the first batch), recorded in the PMI.
    ///   - afterInstructions: guest instructions retired so far, recorded in the PMI.
    ///   - rip: the guest RIP, recorded in the PMI.
    /// - Returns: the PMI accepted in this step, if any (also appended to ``pmis``).
    @discardableResult
    public func handleEvents(step: Int, afterInstructions: UInt64, rip: UInt64) -> PMIRecord? {
        var bitmap = reprogram & validMask  // (only valid PMCs are ever requested)
        reprogram = 0
        // The set bits in ascending order, which is ascending PMC order (GP i is bit i, fixed i
        // bit 32 + i, and `pmcs` holds gp0… then fixed0…), as KVM walks `reprogram_pmi`.
        while bitmap != 0 {
            let bit = bitmap.trailingZeroBitCount
            bitmap &= bitmap &- 1
            // reprogram_counter() cannot fail in vpmu; KVM would put the bit back if it did.
            reprogramCounter(at: position(ofIndex: bit))
        }
        if needCleanup {
            cleanup()
        }
        var accepted: PMIRecord? = nil
        if pmiRequested {
            pmiRequested = false
            accepted = deliverPMI(step: step, afterInstructions: afterInstructions, rip: rip)
        }
        checkInvariants()
        return accepted
    }

    /// Mirrors `reprogram_counter()` (v6.8 for emulated-counter, v6.6 for prev-counter), with the host
    /// strategy deciding between resuming and re-creating the stand-in.
    func reprogramCounter(at p: Int) {
        hostStatistics.reprograms += 1
        let pmc = pmcs.pointer(at: p)
        let overflowed: Bool
        switch configuration.model {
        case .emulatedCounter:
            overflowed = pmc.pointee.pauseCounter()
        case .prevCounter:
            pmc.pointee.pauseCounterLegacy()
            overflowed = pmc.pointee.counter < pmc.pointee.prevCounter
            // v6.6 clears prev_counter on every exit path (reprogram_complete and the create path).
            pmc.pointee.prevCounter = 0
        }

        guard isAllowed(pmc.pointee) else {
            // Not allowed: any overflow is dropped; the stand-in stays paused (reuse) or goes (recreate).
            if configuration.hostStrategy == .recreate {
                releasePerfEvent(at: p)
            }
            return
        }
        if overflowed {
            reportOverflow(at: p)
        }

        let newConfig = config(of: pmc.pointee)
        if configuration.hostStrategy == .reuse && pmc.pointee.currentConfig == newConfig && resumeCounter(at: p) {
            return
        }
        releasePerfEvent(at: p)
        pmc.pointee.currentConfig = newConfig
        createPerfEvent(at: p)
    }

    /// `__kvm_perf_overflow()` for an emulated overflow: sticky status bit, PMI request if `intr` was latched.
    func reportOverflow(at p: Int) {
        globalStatus |= pmcs[p].bit
        pmcs[p].overflows += 1
        if pmcs[p].intr {
            pmiRequested = true
            pendingPMISources.append(pmcs[p].name)
        }
    }

    /// Mirrors `pmc_resume_counter()`: re-arm an existing stand-in with a fresh sample period.
    @inline(__always) func resumeCounter(at p: Int) -> Bool {
        let pmc = pmcs.pointer(at: p)
        guard var event = pmc.pointee.perfEvent else { return false }
        event.samplePeriod = samplePeriod(of: pmc.pointee.counter)
        event.isRunning = true
        pmc.pointee.perfEvent = event
        hostStatistics.perfEventsReused += 1
        return true
    }

    /// Mirrors `pmc_reprogram_counter()`: create a running stand-in and latch `intr` from the config.
    func createPerfEvent(at p: Int) {
        let interruptBit = pmcs[p].kind == .gp ? EventSelect.int : FixedControl.pmi
        pmcs[p].perfEvent = PerfEventStandIn(isRunning: true, samplePeriod: samplePeriod(of: pmcs[p].counter))
        pmcs[p].intr = pmcs[p].currentConfig & interruptBit != 0
        hostStatistics.perfEventsCreated += 1
    }

    /// Mirrors `pmc_release_perf_event()`.
    func releasePerfEvent(at p: Int) {
        guard pmcs[p].perfEvent != nil else { return }
        pmcs[p].perfEvent = nil
        pmcs[p].currentConfig = 0
        hostStatistics.perfEventsReleased += 1
    }

    /// Mirrors `kvm_pmu_cleanup()`: stop stand-ins of PMCs not written since the last cleanup and not
    /// locally enabled (`pmc_stop_counter()` folds the value first), then forget `pmc_in_use`.
    func cleanup() {
        needCleanup = false
        for p in pmcs.indices
        where pmcInUse & pmcs[p].bit == 0 && pmcs[p].perfEvent != nil && !isLocallyEnabled(pmcs[p]) {
            pmcs[p].counter = pmcs[p].read()
            pmcs[p].emulatedCounter = 0
            pmcs[p].hwDelta = 0
            releasePerfEvent(at: p)
        }
        pmcInUse = 0
    }

    /// Mirrors `kvm_pmu_deliver_pmi()` → `kvm_apic_local_deliver(APIC_LVTPC)`.
    ///
    /// Masked LVTPC consumes the request. Otherwise the PMI is accepted; an Intel guest gets LVTPC
    /// masked (a16eb25b09c0), an AMD guest does not (v6.9).
    func deliverPMI(step: Int, afterInstructions: UInt64, rip: UInt64) -> PMIRecord? {
        let sources = pendingPMISources
        pendingPMISources = []
        guard lvtpc & LVTPC.masked == 0 else {
            pmisSuppressed += 1
            return nil
        }
        let isNMI = lvtpc & LVTPC.deliveryModeMask == LVTPC.modeNMI
        let record = PMIRecord(
            step: step, afterInstructions: afterInstructions, rip: rip, globalStatus: globalStatus,
            mode: isNMI ? "nmi" : "fixed", vector: isNMI ? 2 : Int(lvtpc & LVTPC.vectorMask),
            sources: sources, vectored: false)
        pmisAccepted += 1
        if pmis.count < Self.pmiRecordLimit { pmis.append(record) }
        if vendor == .intel {
            lvtpc |= LVTPC.masked
        }
        return record
    }

    /// Model invariants checked after every step, in the manner of swift-collections'
    /// `_checkInvariants()`; `assert` compiles them out of release builds.
    func checkInvariants() {
        assert(globalStatus & ~validMask == 0, "status bit for a missing counter")
        assert(reprogram & ~validMask == 0, "reprogram bit for a missing counter")
        for pmc in pmcs {
            assert(pmc.emulatedCounter == 0, "\(pmc.name): emulated events survived a step")
            assert(pmc.prevCounter == 0, "\(pmc.name): prev_counter survived a step")
        }
    }
}
