extension PMU {
    /// Host re-arm of a sampling counter after its PMI, as guest perf's handler would do it:
    /// counter := `value` (full-width host write), its status bit cleared, LVTPC unmasked.
    public func rearmSamplingCounter(named name: String, value: UInt64) {
        guard let p = pmcs.firstIndex(where: { $0.name == name }) else { return }
        writeCounter(at: p, value & counterMask, hostInitiated: true)
        globalStatus &= ~pmcs[p].bit
        lvtpc &= ~LVTPC.masked
    }

    /// Visible value of every counter, gp0… then fixed0… (for traces).
    public func counterValues() -> [UInt64] { pmcs.map { $0.read() } }

    /// Counter names in the order of ``counterValues()``.
    public var counterNames: [String] { pmcs.map(\.name) }

    /// Per counter: emulated and hardware events the next step folds, zero for counters it will not
    /// reprogram (for traces).
    public func pendingEvents() -> [(emulated: UInt64, hardware: UInt64)] {
        pmcs.map { reprogram & $0.bit == 0 ? (0, 0) : ($0.emulatedCounter, $0.hwDelta) }
    }

    /// Reported overflows per counter (for traces).
    public func overflowCounts() -> [Int] { pmcs.map(\.overflows) }
}
