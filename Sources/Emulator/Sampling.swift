import VirtualPMU

/// `--sample EVENT,period=P` (docs/pmi-cycles.md): vpmu plays the guest's perf.
public struct SampleRequest: Sendable, Equatable {
    /// EVENT as `--pmc` takes it (`instructions`, `cycles`, `0xC4:0x00` …).
    public var event: String
    /// Events between samples, 1 ≤ P < 2^48.
    public var period: UInt64

    public init(event: String, period: UInt64) {
        self.event = event
        self.period = period
    }

    /// Parses `EVENT,period=P`.
    ///
    /// - Throws: ``InputError`` for a missing or malformed period.
    public static func parse(_ text: String) throws(InputError) -> SampleRequest {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].hasPrefix("period=") else {
            throw .badOption("--sample '\(text)': expected EVENT,period=P")
        }
        let periodText = String(parts[1].dropFirst("period=".count))
        guard let period = parseInteger(periodText), period >= 1, period < 1 << 48 else {
            throw .badOption("--sample '\(text)': period '\(periodText)' must be an integer from 1 to 2^48 - 1")
        }
        return SampleRequest(event: parts[0], period: period)
    }
}

/// The sampling side of a run: a GP counter armed at −P with INT; each PMI it causes records the
/// address of the last instruction retired before the step (the one that overflowed it when batches
/// are one instruction long, the `--sample` default) and re-arms it.
struct Sampler {
    let counterName: String
    let event: String
    let period: UInt64
    /// Address → samples.
    var histogram: [UInt64: Int] = [:]

    /// The `--pmc` spec vpmu programs for `request` on the highest GP counter `taken` leaves free.
    static func program(for request: SampleRequest, gpCounters: Int, taken: Set<String>) -> String? {
        guard let index = (0..<gpCounters).reversed().first(where: { !taken.contains("gp\($0)") }) else { return nil }
        return "gp\(index)=\(request.event),start=\((1 << 48) - request.period),int"
    }

    mutating func take(_ record: PMIRecord, at address: UInt64, pmu: PMU) {
        guard record.sources.contains(counterName) else { return }
        histogram[address, default: 0] += 1
        pmu.rearmSamplingCounter(named: counterName, value: (1 << 48) - period)
    }
}

/// A sampling profile in a result.
public struct SampleProfile: Sendable, Equatable {
    public var counter: String
    public var event: String
    public var period: UInt64
    /// (address, samples), ascending address.
    public var histogram: [(address: UInt64, samples: Int)]

    public static func == (lhs: SampleProfile, rhs: SampleProfile) -> Bool {
        lhs.counter == rhs.counter && lhs.event == rhs.event && lhs.period == rhs.period
            && lhs.histogram.map(\.address) == rhs.histogram.map(\.address)
            && lhs.histogram.map(\.samples) == rhs.histogram.map(\.samples)
    }

    public var total: Int { histogram.reduce(0) { $0 + $1.samples } }
}
