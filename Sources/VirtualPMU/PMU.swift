/// KVM's x86 virtual PMU for one vCPU (`struct kvm_pmu`, pmu-semantics.md §3).
///
/// The emulator feeds batched retirement counts through ``countEmulated(instructions:branches:cpl:)``,
/// forwards guest RDMSR/WRMSR/RDPMC, and runs ``handleEvents(step:afterInstructions:rip:)`` at every
/// VM-Enter step. Nothing here is called per instruction.
public final class PMU {
    /// The configuration the PMU was built from.
    public let configuration: PMUConfiguration

    let vendor: Vendor
    /// `pmu->version`: 0 = no vPMU.
    let version: Int
    let gpCount: Int
    let fixedCount: Int
    let eventTargets: EmulatedEventTargets

    /// All valid PMCs: gp0… then fixed0….
    var pmcs = PMCBank()
    /// The `--pmc` EVENT text per PMC, kept while the guest leaves the event and unit mask alone.
    /// Held apart from ``PMC`` so that PMC stays a trivial value (copied without reference counting).
    var hostEventTexts: [String?] = []
    /// The PMCs that are locally enabled, allowed by the filter and match INSTRUCTIONS / BRANCHES,
    /// split by the CPL their USR/OS bits count — what ≈v6.18 keeps per event, recomputed when an
    /// event select, FIXED_CTR_CTRL or the filter changes (``eventMapsStale``). Global enable stays
    /// per event, as a mask (§4.2, §4.3 hint).
    var eventMaps = EventMaps()
    var eventMapsStale = true {
        didSet { assert(eventMapsStale || eventMaps == computeEventMaps()) }
    }
    /// `all_valid_pmc_idx`.
    var validMask: UInt64 = 0

    var globalCtrl: UInt64 = 0
    var globalCtrlReserved: UInt64 = ~0
    /// Sticky overflow bits (IA32_PERF_GLOBAL_STATUS / PERF_CNTR_GLOBAL_STATUS).
    public internal(set) var globalStatus: UInt64 = 0
    var globalStatusReserved: UInt64 = ~0
    var fixedCtrl: UInt64 = 0
    var fixedCtrlReserved: UInt64 = ~0
    var eventSelectReserved: UInt64 = EventSelect.intelReserved

    /// `reprogram_pmi` + `KVM_REQ_PMU`: PMCs needing work at the next VM-Enter step.
    var reprogram: UInt64 = 0
    /// `KVM_REQ_PMI`: a single bit, so at most one PMI per step.
    var pmiRequested = false
    /// Counters whose overflow asked for the pending PMI.
    var pendingPMISources: [String] = []
    /// `pmc_in_use`: PMCs whose MSRs were written since the last cleanup.
    var pmcInUse: UInt64 = 0
    /// `need_cleanup`: set by ``schedIn()``.
    var needCleanup = false
    /// The installed event filter.
    var filter: EventFilter? = nil
    /// Counters already named by a `--pmc`.
    var hostProgrammed: UInt64 = 0

    /// The x2APIC LVT Performance Counter register.
    public internal(set) var lvtpc: UInt64 = LVTPC.defaultValue
    /// The first ``pmiRecordLimit`` PMIs accepted through LVTPC, in order.
    public internal(set) var pmis: [PMIRecord] = []
    /// PMIs accepted through LVTPC, recorded or not.
    public internal(set) var pmisAccepted = 0
    /// Records kept in ``pmis``: a sampling period of 1 over the default 100 M-instruction limit
    /// would otherwise keep tens of millions of records (1.8 GB measured at 10 M instructions).
    public static let pmiRecordLimit = 100_000
    /// PMI requests consumed while LVTPC was masked.
    public internal(set) var pmisSuppressed = 0
    /// Host perf-event statistics.
    public internal(set) var hostStatistics = HostStatistics()

    /// Builds the PMU the way `kvm_pmu_init()` does: zero state, vendor init, then refresh (§9).
    ///
    /// - Throws: ``PMUSetupError`` for a version outside 0...2, too many counters, or fixed counters
    ///   requested on AMD or with version < 2.
    public init(configuration: PMUConfiguration) throws(PMUSetupError) {
        self.configuration = configuration
        vendor = configuration.vendor
        eventTargets = EmulatedEventTargets(vendor: vendor)
        guard (0...2).contains(configuration.version) else {
            throw PMUSetupError("--pmu-version \(configuration.version): must be 0, 1 or 2")
        }
        version = configuration.version
        let maxGP = vendor == .intel ? 8 : 6
        let gp = configuration.gpCounters ?? maxGP
        guard (0...maxGP).contains(gp) else {
            throw PMUSetupError("--gp-counters \(gp): \(vendor.rawValue) allows 0 to \(maxGP)")
        }
        if let fixed = configuration.fixedCounters {
            guard vendor == .intel else {
                throw PMUSetupError("--fixed-counters \(fixed): AMD has no fixed counters")
            }
            guard version >= 2 else {
                throw PMUSetupError("--fixed-counters \(fixed): fixed counters need --pmu-version 2")
            }
            guard (0...3).contains(fixed) else {
                throw PMUSetupError("--fixed-counters \(fixed): intel allows 0 to 3")
            }
        }
        if version == 0 {
            gpCount = 0
            fixedCount = 0
        } else {
            gpCount = gp
            fixedCount = vendor == .intel && version >= 2 ? configuration.fixedCounters ?? 3 : 0
        }
        refresh()
    }

    deinit { pmcs.deallocate() }

    /// Mirrors `kvm_pmu_reset()`: release every stand-in, zero counters, GP event selects, control and status.
    func reset() {
        needCleanup = false
        reprogram = 0
        for p in pmcs.indices {
            if pmcs[p].perfEvent != nil {
                pmcs[p].counter = pmcs[p].read()
                pmcs[p].hwDelta = 0
                pmcs[p].perfEvent = nil
                pmcs[p].currentConfig = 0
            }
            pmcs[p].counter = 0
            pmcs[p].emulatedCounter = 0
            if pmcs[p].kind == .gp {
                pmcs[p].eventSelect = 0
            }
        }
        fixedCtrl = 0
        eventMapsStale = true
        globalCtrl = 0
        globalStatus = 0
    }

    /// Mirrors `kvm_pmu_refresh()` plus `intel_pmu_refresh()` / `amd_pmu_refresh()`: reset, then derive
    /// valid counters and reserved masks; since v6.9 GLOBAL_CTRL starts with every GP enable set.
    func refresh() {
        reset()
        eventSelectReserved = EventSelect.intelReserved
        globalCtrlReserved = ~0
        globalStatusReserved = ~0
        fixedCtrlReserved = ~0
        pmcs.replaceAll(with: [])
        hostEventTexts = []
        validMask = 0
        guard version > 0 else { return }

        pmcs.replaceAll(
            with: (0..<gpCount).map { PMC(kind: .gp, idx: $0, eventSelect: 0) }
                + (0..<fixedCount).map { PMC(kind: .fixed, idx: fixedIndexBase + $0, eventSelect: fixedEventSelects[$0]) })
        hostEventTexts = Array(repeating: nil, count: pmcs.count)
        let gpBits: UInt64 = (1 << UInt64(gpCount)) - 1
        let fixedBits: UInt64 = ((1 << UInt64(fixedCount)) - 1) << UInt64(fixedIndexBase)
        validMask = gpBits | fixedBits

        switch vendor {
        case .intel:
            for i in 0..<fixedCount {
                fixedCtrlReserved &= ~(FixedControl.allowed << UInt64(4 * i))
            }
            if version >= 2 {
                globalCtrlReserved = ~validMask
                // GLOBAL_STATUS / OVF_CTRL also have OvfBuffer (62) and CondChgd (63).
                globalStatusReserved = globalCtrlReserved & ~(UInt64(0b11) << 62)
            }
        case .amd:
            eventSelectReserved = EventSelect.amdReserved
            if version >= 2 {
                globalCtrlReserved = ~gpBits
                globalStatusReserved = globalCtrlReserved
            }
        }
        if version >= 2 && gpCount > 0 {
            globalCtrl = gpBits
        }
    }

    /// AMD CPUID 0x80000001 ECX PERFCTR_CORE, which vpmu sets iff there are 6 counters or PerfMonV2;
    /// it gates the PERF_CTLn / PERF_CTRn MSRs.
    var hasPerfCounterCore: Bool {
        vendor == .amd && version >= 1 && (gpCount == 6 || version >= 2)
    }

    /// The PMC's FIXED_CTR_CTRL nibble (fixed) or eventsel (GP): what `current_config` is compared with.
    @inline(__always) func config(of pmc: PMC) -> UInt64 {
        pmc.kind == .gp ? pmc.eventSelect : FixedControl.nibble(fixedCtrl, pmc.idx - fixedIndexBase)
    }

    /// `pmc_is_globally_enabled()`: always true below version 2.
    @inline(__always) func isGloballyEnabled(_ pmc: PMC) -> Bool {
        version < 2 || globalCtrl & pmc.bit != 0
    }

    /// `pmc_is_locally_enabled()` / `pmc_speculative_in_use()`: EN, or a non-zero fixed ring field.
    @inline(__always) func isLocallyEnabled(_ pmc: PMC) -> Bool {
        pmc.kind == .gp ? pmc.eventSelect & EventSelect.enable != 0 : config(of: pmc) & 0x3 != 0
    }

    /// `check_pmu_event_filter()`.
    @inline(__always) func filterAllows(_ pmc: PMC) -> Bool {
        guard let filter else { return true }
        switch pmc.kind {
        case .gp:
            return filter.allows(
                event: EventSelect.eventNumber(pmc.eventSelect), unitMask: EventSelect.unitMask(pmc.eventSelect))
        case .fixed:
            return filter.allowsFixedCounter(pmc.idx - fixedIndexBase)
        }
    }

    /// `pmc_event_is_allowed()`: globally and locally enabled and allowed by the filter.
    @inline(__always) func isAllowed(_ pmc: PMC) -> Bool {
        isGloballyEnabled(pmc) && isLocallyEnabled(pmc) && filterAllows(pmc)
    }

    /// `cpl_is_matched()`: OS counts CPL 0, USR counts CPL 1–3.
    @inline(__always) func cplMatches(_ pmc: PMC, cpl: Int) -> Bool {
        let countsOS: Bool
        let countsUser: Bool
        switch pmc.kind {
        case .gp:
            countsOS = pmc.eventSelect & EventSelect.os != 0
            countsUser = pmc.eventSelect & EventSelect.usr != 0
        case .fixed:
            let nibble = config(of: pmc)
            countsOS = nibble & FixedControl.os != 0
            countsUser = nibble & FixedControl.usr != 0
        }
        return cpl == 0 ? countsOS : countsUser
    }

    /// The event path (§4), mirroring `kvm_pmu_trigger_event()` for a whole batch.
    ///
    /// Every matching PMC gets `instructions` INSTRUCTIONS or `branches` BRANCHES events and a
    /// reprogram request. Within one batch the counts commute, since matching state changes only
    /// through MSR writes, around which the emulator flushes.
    ///
    /// - Parameters:
    ///   - instructions: retired instructions.
    ///   - branches: retired branch instructions among them.
    ///   - cpl: the CPL after those instructions, 0...3.
    public func countEmulated(instructions: UInt64, branches: UInt64, cpl: Int) {
        guard instructions | branches != 0 else { return }
        refreshEventMaps()
        // The maps hold the event, local enable, filter and CPL tests; global enable is a mask.
        let enabled = version < 2 ? validMask : globalCtrl
        let kernel = cpl == 0
        let instructionPMCs = instructions == 0 ? 0 : (kernel ? eventMaps.instructionsOS : eventMaps.instructionsUSR)
        let branchPMCs = branches == 0 ? 0 : (kernel ? eventMaps.branchesOS : eventMaps.branchesUSR)
        count(instructions, on: instructionPMCs & enabled)
        count(branches, on: branchPMCs & enabled)
    }

    /// `kvm_pmu_incr_counter()` `events` times on each PMC of `bits` (`idx` bits), and a reprogram request.
    @inline(__always) private func count(_ events: UInt64, on bits: UInt64) {
        reprogram |= bits
        var remaining = bits
        while remaining != 0 {
            let bit = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            pmcs[position(ofIndex: bit)].incrementCounter(by: events, model: configuration.model)
        }
    }

    /// The emulated events that every PMC counting instructions or branches at `cpl` can still take
    /// with no fold reporting an overflow (`UInt64.max` when none counts).
    ///
    /// The emulator lets a run cross batch boundaries only within this room: folding then never
    /// wraps, in either model, so which of the windows crossed a branch event fell in changes no
    /// counter, status bit or PMI (the interpreter reports each window's branches only as "some").
    public func emulatedEventRoom(cpl: Int) -> UInt64 {
        var room = UInt64.max
        var remaining = emulatedEventPMCs(cpl: cpl)
        while remaining != 0 {
            let bit = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            let pmc = pmcs[position(ofIndex: bit)]
            // An unmasked base (the untruncated-write quirk) or a prev-counter overflow already
            // waiting for the fold: the next step reports something, so nothing is crossed.
            guard pmc.counter <= counterMask else { return 0 }
            let base = (pmc.counter &+ pmc.hwDelta) & counterMask
            if configuration.model == .prevCounter && base < pmc.prevCounter { return 0 }
            let belowWrap = counterMask &- base
            guard pmc.emulatedCounter <= belowWrap else { return 0 }
            room = min(room, belowWrap &- pmc.emulatedCounter)
        }
        return room
    }

    /// The reprogram requests of a window that retired instructions and branches at `cpl`, its
    /// events already counted: the VM-Enter steps of batches a run crossed after the first, whose
    /// events the emulator hands over together (with no overflow possible, where they fold changes
    /// no counter).
    public func requestReprogramForRetirement(cpl: Int) {
        reprogram |= emulatedEventPMCs(cpl: cpl)
    }

    /// `idx` bits of the enabled PMCs that count instructions or branches at `cpl`.
    private func emulatedEventPMCs(cpl: Int) -> UInt64 {
        refreshEventMaps()
        let enabled = version < 2 ? validMask : globalCtrl
        let maps =
            cpl == 0
            ? eventMaps.instructionsOS | eventMaps.branchesOS : eventMaps.instructionsUSR | eventMaps.branchesUSR
        return maps & enabled
    }

    /// The position in ``pmcs`` of the PMC whose `idx` is `idx` (GP i is i, fixed i is gpCount + i).
    @inline(__always) func position(ofIndex idx: Int) -> Int {
        idx < fixedIndexBase ? idx : gpCount &+ idx &- fixedIndexBase
    }

    /// Recomputes ``eventMaps`` if an event select, FIXED_CTR_CTRL or the filter changed since.
    @inline(__always) func refreshEventMaps() {
        guard eventMapsStale else { return }
        eventMaps = computeEventMaps()
        eventMapsStale = false
    }

    /// The per-event PMC maps of ``eventMaps`` from the current event selects, fixed control and filter.
    func computeEventMaps() -> EventMaps {
        var maps = EventMaps()
        for p in pmcs.indices where isLocallyEnabled(pmcs[p]) && filterAllows(pmcs[p]) {
            let bit: UInt64 = 1 << UInt64(p)
            let os: UInt64 = cplMatches(pmcs[p], cpl: 0) ? pmcs[p].bit : 0
            let usr: UInt64 = cplMatches(pmcs[p], cpl: 3) ? pmcs[p].bit : 0
            if (pmcs[p].eventSelect ^ eventTargets.instructions) & EventSelect.matchMask == 0 {
                maps.instructionsOS |= os
                maps.instructionsUSR |= usr
            } else if (pmcs[p].eventSelect ^ eventTargets.branches) & EventSelect.matchMask == 0 {
                maps.branchesOS |= os
                maps.branchesUSR |= usr
            }
            let hardware = hardwareEvent(of: pmcs[p])
            if hardware.cycles { maps.cycles |= bit }
            if hardware.refCycles { maps.refCycles |= bit }
        }
        return maps
    }

    /// RDPMC (§13), mirroring `kvm_pmu_rdpmc()` with `intel_rdpmc_ecx_to_pmc()` / `amd_rdpmc_ecx_to_pmc()`.
    ///
    /// - Returns: the counter's visible value, or nil when the guest gets #GP.
    public func readPMC(ecx: UInt32, cpl: Int, cr4PCE: Bool) -> UInt64? {
        guard version > 0 else { return nil }
        let position: Int?
        switch vendor {
        case .intel:
            let index = Int(ecx & 0xFFFF)
            switch ecx >> 16 {
            case 0: position = index < gpCount ? index : nil
            case 0x4000: position = index < fixedCount ? gpCount + index : nil
            default: position = nil
            }
        case .amd:
            position = ecx < UInt32(gpCount) ? Int(ecx) : nil
        }
        guard let position else { return nil }
        guard cpl == 0 || cr4PCE else { return nil }
        return pmcs[position].read()
    }

    /// Installs an event filter (`kvm_vm_ioctl_set_pmu_event_filter()`), marking every PMC for reprogram.
    public func install(filter: EventFilter) {
        self.filter = filter
        eventMapsStale = true
        reprogram |= validMask
    }

    /// Sets LVTPC from the command line (`--lvtpc`), with the same rules as a guest write (§12).
    ///
    /// - Throws: ``PMUSetupError`` naming the invalid bits or delivery mode.
    public func setLVTPC(hostValue: UInt64) throws(PMUSetupError) {
        if let problem = LVTPC.problem(with: hostValue) {
            throw PMUSetupError("--lvtpc 0x\(String(hostValue, radix: 16)): \(problem)")
        }
        lvtpc = hostValue & ~LVTPC.deliveryStatus
    }

    /// The vCPU was scheduled in: mirrors the PMU part of `kvm_arch_sched_in()`, which asks the next
    /// VM-Enter step to release stand-ins of PMCs unused since the previous cleanup (`--sched-in-every`).
    public func schedIn() {
        if version > 0 && pmcs.contains(where: { $0.perfEvent != nil }) {
            needCleanup = true
        }
    }

    /// Marks PMI `pmiIndex` as delivered into a guest handler; the emulator calls it when a handler runs.
    public func markVectored(pmiIndex: Int) {
        guard pmis.indices.contains(pmiIndex) else { return }
        pmis[pmiIndex].vectored = true
    }

    /// All counters of the configured PMU, gp0… then fixed0… (empty at version 0).
    public var counters: [CounterReport] {
        zip(pmcs, hostEventTexts).map { pmc, hostEventText in
            let event: String?
            if let text = hostEventText {
                event = text
            } else if pmc.isProgrammed {
                event = EventSelect.text(pmc.eventSelect)
            } else {
                event = nil
            }
            return CounterReport(
                name: pmc.name, value: pmc.read(), overflows: pmc.overflows, wraps: pmc.wraps, event: event,
                eventSelect: config(of: pmc), isFixed: pmc.kind == .fixed, isProgrammed: pmc.isProgrammed)
        }
    }
}

/// Positions (not idx bits) of the PMCs that are locally enabled, allowed by the filter and select
/// each event: emulated INSTRUCTIONS and BRANCHES, and the cycle side's cycles and ref-cycles.
struct EventMaps: Equatable {
    /// INSTRUCTIONS / BRANCHES PMCs counting at CPL 0 (OS) and at CPL 1–3 (USR), as `idx` bits.
    var instructionsOS: UInt64 = 0
    var instructionsUSR: UInt64 = 0
    var branchesOS: UInt64 = 0
    var branchesUSR: UInt64 = 0
    /// PMC positions (bit p = `pmcs[p]`) selecting cycles / ref-cycles.
    var cycles: UInt64 = 0
    var refCycles: UInt64 = 0
}
