import VirtualPMU

/// Why the run ended, as the user sees it (cli.md Part A).
public enum StopReason: String, Sendable {
    case end, hlt, limit, fault
}

/// A guest exception that ended the run.
public struct FaultReport: Sendable, Equatable {
    /// "#GP", "#UD", "#BP", "INT 128" …
    public var exception: String
    public var vector: Int
    public var errorCode: UInt64?
    public var cr2: UInt64?
    /// Mnemonic of the faulting instruction, when there is one to decode.
    public var mnemonic: String?
}

/// Everything one `vpmu run` produced.
public struct RunResult: Sendable {
    public var stop: StopReason
    /// The faulting instruction for faults, the next instruction otherwise.
    public var stopRIP: UInt64
    public var fault: FaultReport?
    /// Architecturally retired instructions and branches (quirks never change these).
    public var instructions: UInt64
    public var branches: UInt64
    /// Batches run (VM-exits); there are `exits + 1` VM-Enter steps.
    public var exits: Int
    /// Of those, the batches whose end a run went on past, their steps played after it
    /// (``RunConfiguration/crossesBatchBoundaries``): a speed diagnostic, not part of the JSON.
    public var exitsCrossed = 0
    /// RAX…R15 in encoding order.
    public var registers: [UInt64]
    public var initialRegisters: [UInt64]
    public var rip: UInt64
    public var rflags: UInt64
    public var vendor: Vendor
    public var model: OverflowModel
    public var exitEvery: Int?
    public var globalStatus: UInt64
    public var counters: [CounterReport]
    /// Counters the user named with `--pmc`.
    public var namedCounters: Set<String>
    /// The first ``PMU/pmiRecordLimit`` PMIs; ``pmisAccepted`` counts them all.
    public var pmis: [PMIRecord]
    public var pmisAccepted: Int
    public var pmisSuppressed: Int
    public var host: HostStatistics
    public var origin: String
    /// Cycle-model totals, host cost estimate and sampling profile.
    public var hardware = HardwareReport()
}

/// What the cycle side, the host cost model and sampling report (cycle-model.md §3.4, §5.2).
public struct HardwareReport: Sendable, Equatable {
    /// C: core cycles charged in the run.
    public var cycles: UInt64 = 0
    /// R(C).
    public var refCycles: UInt64 = 0
    /// `host.estimated_ns` with `--host-cost`.
    public var hostEstimatedNanoseconds: UInt64? = nil
    /// `--sample` histogram.
    public var profile: SampleProfile? = nil
    /// `--host-strategy` of the run, for the summary.
    public var hostStrategy: HostStrategy = .reuse

    public init(
        cycles: UInt64 = 0, refCycles: UInt64 = 0, hostEstimatedNanoseconds: UInt64? = nil,
        profile: SampleProfile? = nil, hostStrategy: HostStrategy = .reuse
    ) {
        self.hostStrategy = hostStrategy
        self.cycles = cycles
        self.refCycles = refCycles
        self.hostEstimatedNanoseconds = hostEstimatedNanoseconds
        self.profile = profile
    }
}

