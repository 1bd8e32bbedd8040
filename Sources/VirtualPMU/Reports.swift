/// One PMI accepted through LVTPC (cli.md B4 `pmu.pmis[]`).
public struct PMIRecord: Sendable, Equatable {
    /// The VM-Enter step that accepted it (0 = before the first batch).
    public var step: Int
    /// Guest instructions retired before that step.
    public var afterInstructions: UInt64
    /// Guest RIP at that step.
    public var rip: UInt64
    /// GLOBAL_STATUS when the PMI was accepted.
    public var globalStatus: UInt64
    /// LVTPC delivery mode: `"nmi"` (100) or `"fixed"` (000).
    public var mode: String
    /// 2 for NMI mode, else the LVTPC vector.
    public var vector: Int
    /// Counters whose overflow requested this PMI, e.g. `["gp0", "gp1"]`.
    public var sources: [String]
    /// Whether a guest handler ran for it; set by the emulator through ``PMU/markVectored(pmiIndex:)``.
    public var vectored: Bool

    /// Creates a record; the PMU builds these, the initializer is public for tests and fixtures.
    public init(
        step: Int, afterInstructions: UInt64, rip: UInt64, globalStatus: UInt64, mode: String, vector: Int,
        sources: [String], vectored: Bool
    ) {
        self.step = step
        self.afterInstructions = afterInstructions
        self.rip = rip
        self.globalStatus = globalStatus
        self.mode = mode
        self.vector = vector
        self.sources = sources
        self.vectored = vectored
    }
}

/// One counter as the run reports it (cli.md B4 `pmu.counters[]`).
public struct CounterReport: Sendable, Equatable {
    /// `gp0`…, `fixed0`….
    public var name: String
    /// The guest-visible value, pending emulated events included.
    public var value: UInt64
    /// Overflows reported through GLOBAL_STATUS.
    public var overflows: Int
    /// True 2^48 wraps of the visible value, reported or not.
    public var wraps: Int
    /// The `--pmc` EVENT text as given; for guest-programmed counters lowercase `0xee:0xuu`; nil if unprogrammed.
    public var event: String?
    /// GP: the event-select MSR. Fixed: the counter's 4-bit FIXED_CTR_CTRL nibble.
    public var eventSelect: UInt64
    /// Whether this is a fixed counter.
    public var isFixed: Bool
    /// Named via `--pmc` or written by the guest (eventsel, control nibble or counter).
    public var isProgrammed: Bool
}

/// Host perf-event work done by VM-Enter steps (cycle-model.md §5.2).
public struct HostStatistics: Sendable, Equatable {
    /// PMC reprograms performed.
    public var reprograms = 0
    /// Perf-event stand-ins created.
    public var perfEventsCreated = 0
    /// Fast-path resumes of an existing stand-in with the same config.
    public var perfEventsReused = 0
    /// Stand-ins released before the end of the run (teardown not counted).
    public var perfEventsReleased = 0

    /// All zero.
    public init() {}
}
