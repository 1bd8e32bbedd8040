/// The CPU vendor the guest sees: selects CPUID, the MSR map, event codes and LVTPC behaviour.
public enum Vendor: String, Sendable, CaseIterable {
    /// GenuineIntel: architectural PMU (CPUID leaf 0xA), fixed counters, #GP on reserved bits.
    case intel
    /// AuthenticAMD: core PMCs and PerfMonV2, reserved bits silently dropped.
    case amd
}

/// How emulated events reach overflow detection (pmu-semantics.md §0, §8).
public enum OverflowModel: String, Sendable, CaseIterable {
    /// Linux ≥ v6.8 (fd89499a5151): events accumulate in `emulated_counter`, folded at VM-Enter.
    case emulatedCounter = "emulated-counter"
    /// Linux v6.2–v6.7 (de0f619564f4): each event bumps `counter`; overflow is `counter < prev_counter`.
    case prevCounter = "prev-counter"
}

/// Host perf-event strategy; changes only ``HostStatistics`` (cycle-model.md §5.2).
public enum HostStrategy: String, Sendable, CaseIterable {
    /// Linux ≥ v5.5 (a6da0d77e98e): pause and resume a perf event whose config did not change.
    case reuse
    /// Linux ≤ v5.4: release and create a perf event on every reprogram.
    case recreate
}

/// A user error in PMU setup (bad `--pmc`, `--filter`, `--lvtpc`, counter counts ...).
///
/// `description` is one line naming the problem and the option it came from.
public struct PMUSetupError: Error, CustomStringConvertible, Equatable {
    /// The one-line message, e.g. `--pmc 'gp9=instructions': no counter gp9 on this PMU (8 GP counters)`.
    public let description: String

    /// Creates an error with the given one-line message.
    public init(_ description: String) {
        self.description = description
    }
}

/// The shape of the virtual PMU, as `vpmu run` options select it (cli.md B3).
public struct PMUConfiguration: Sendable {
    /// `--vendor`.
    public var vendor: Vendor = .intel
    /// `--pmu-version`, 0...2; 0 means no vPMU at all.
    public var version: Int = 2
    /// `--gp-counters`; nil = vendor default (Intel 8, AMD 6). Intel ≤ 8, AMD ≤ 6.
    public var gpCounters: Int? = nil
    /// `--fixed-counters`; nil = default (Intel version 2: 3, otherwise 0). Giving it on AMD or with
    /// version < 2 is an error.
    public var fixedCounters: Int? = nil
    /// Whether PERF_CAPABILITIES.FW_WRITES is exposed (off with `--no-full-width-writes`).
    public var fullWidthWrites: Bool = true
    /// `--model`.
    public var model: OverflowModel = .emulatedCounter
    /// `--host-strategy`.
    public var hostStrategy: HostStrategy = .reuse
    /// [QUIRK untruncated-legacy-write]: guest counter writes store the 64-bit value unmasked
    /// (kernels before v6.6, b29a2acd36dd).
    public var untruncatedLegacyWrite: Bool = false

    /// The default configuration: Intel, version 2, 8 GP + 3 fixed counters, emulated-counter, reuse.
    public init() {}
}
