/// The host perf event KVM would create for a PMC; in vpmu only its bookkeeping exists.
struct PerfEventStandIn: Equatable {
    /// Counting (`!pmc->is_paused`) or paused by `pmc_pause_counter()`.
    var isRunning: Bool
    /// `attr.sample_period`: hardware events until the visible value wraps.
    var samplePeriod: UInt64
}

/// One counter, GP or fixed: KVM's `struct kvm_pmc` (pmu-semantics.md §2).
struct PMC {
    enum Kind { case gp, fixed }

    let kind: Kind
    /// KVM's `pmc->idx`: GP i → i, fixed i → 32 + i.
    let idx: Int
    /// Base value, 48 bits (unmasked only after an [QUIRK untruncated-legacy-write] write).
    var counter: UInt64 = 0
    /// Emulated events not yet through overflow detection (emulated-counter model).
    var emulatedCounter: UInt64 = 0
    /// Snapshot of `counter` at the last emulated event since the last reprogram (prev-counter model).
    var prevCounter: UInt64 = 0
    /// Events counted by the hardware stand-in (cycle model) since the last fold.
    var hwDelta: UInt64 = 0
    /// GP: the guest's event select. Fixed: the constant architectural encoding.
    var eventSelect: UInt64
    /// Config the stand-in was created for (GP eventsel, fixed nibble); 0 = none.
    var currentConfig: UInt64 = 0
    /// The perf stand-in, nil when none exists.
    var perfEvent: PerfEventStandIn? = nil
    /// PMI on overflow, latched when the stand-in is created (`pmc_reprogram_counter()`).
    var intr = false

    /// Overflows reported (status bit set), emulated side.
    var overflows = 0
    /// True 2^48 wraps of the visible value, reported or not.
    var wraps = 0
    /// Named by `--pmc` or written by the guest (eventsel, control nibble or counter).
    var isProgrammed = false

    init(kind: Kind, idx: Int, eventSelect: UInt64) {
        self.kind = kind
        self.idx = idx
        self.eventSelect = eventSelect
    }

    /// Bit of this PMC in GLOBAL_CTRL, GLOBAL_STATUS and the reprogram bitmap.
    var bit: UInt64 { 1 << UInt64(idx) }

    /// `gp0`…`gp7`, `fixed0`…`fixed2`.
    var name: String {
        kind == .gp ? "gp\(idx)" : "fixed\(idx - fixedIndexBase)"
    }

    /// The guest-visible value. Mirrors `pmc_read_counter()`: `(counter + emulated + hwDelta) & M`
    /// (in the prev-counter model `emulatedCounter` stays 0, giving v6.6's `(counter + perf) & M`).
    func read() -> UInt64 {
        (counter &+ emulatedCounter &+ hwDelta) & counterMask
    }

    /// Mirrors `pmc_write_counter()`: drops pending emulated events and offsets `counter` so the visible
    /// value becomes `value & M`; no overflow check, no reprogram request, `prevCounter` untouched.
    ///
    /// - Parameter truncated: false reproduces pre-v6.6 kernels, which stored `counter + value − read` unmasked.
    mutating func write(_ value: UInt64, truncated: Bool) {
        emulatedCounter = 0
        counter = counter &+ value &- read()
        if truncated {
            counter &= counterMask
        }
        // pmc_update_sample_period(): only a running stand-in gets a new period.
        if var event = perfEvent, event.isRunning {
            event.samplePeriod = samplePeriod(of: counter)
            perfEvent = event
        }
    }

    /// Adds `count` emulated events: `kvm_pmu_incr_counter()` applied `count` times, which commutes
    /// within a batch. The caller sets the reprogram bit.
    mutating func incrementCounter(by count: UInt64, model: OverflowModel) {
        let before = read()
        // before < 2^48, so neither sum can overflow 64 bits.
        wraps += Int(count >> 48) + Int((before + (count & counterMask)) >> 48)
        switch model {
        case .emulatedCounter:
            emulatedCounter &+= count
        case .prevCounter:
            // Each event does prev := counter; counter := (counter + 1) & M. Only the last snapshot survives.
            prevCounter = count == 1 ? counter : (counter &+ (count - 1)) & counterMask
            counter = (counter &+ count) & counterMask
        }
    }

    /// Mirrors v6.8 `pmc_pause_counter()`: folds the hardware part, then the emulated part, and pauses.
    ///
    /// - Returns: whether the emulated events carried the counter past 2^48 (`counter < prev_counter`).
    mutating func pauseCounter() -> Bool {
        let base = (counter &+ hwDelta) & counterMask
        hwDelta = 0
        counter = (base &+ emulatedCounter) & counterMask
        emulatedCounter = 0
        perfEvent?.isRunning = false
        return counter < base
    }

    /// Mirrors v6.6 `pmc_pause_counter()` (prev-counter model): folds the hardware part of a running
    /// stand-in, masking `counter`; a paused or missing stand-in leaves `counter` as it is.
    mutating func pauseCounterLegacy() {
        if hwDelta != 0 || perfEvent?.isRunning == true {
            counter = (counter &+ hwDelta) & counterMask
            hwDelta = 0
        }
        perfEvent?.isRunning = false
    }
}
