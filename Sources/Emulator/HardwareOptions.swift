import Foundation
import CycleModel

/// Cycle model, host-cost and diagnostic settings of a run (cycle-model.md; docs/pmi-cycles.md).
public struct HardwareOptions: Sendable {
    /// The cost table; nil = `--cycle-model none` (cycles counters stay at their start value).
    public var cycleTable: CycleTable? = CycleTable()
    /// `--hw-pmi-exit`: a cycle-side wrap that requests a PMI ends the batch after its instruction.
    public var hwPMIExit = false
    /// `--sched-in-every K`: the vCPU is "scheduled in" every K exits, asking for a lazy cleanup.
    public var schedInEvery: Int? = nil
    /// `--host-cost create=NS,reuse=NS`: nanoseconds charged per perf-event creation and reuse.
    public var hostCost: (create: UInt64, reuse: UInt64)? = nil
    /// `--sample EVENT,period=P`.
    public var sample: SampleRequest? = nil
    /// `--trace FILE`: record one event per retired instruction and per VM-Enter step.
    public var trace: TraceRecorder? = nil

    public init() {}
}

extension HardwareOptions {
    /// `--cycle-model builtin|none`.
    public mutating func setCycleModel(_ name: String) throws(InputError) {
        switch name {
        case "builtin": if cycleTable == nil { cycleTable = CycleTable() }
        case "none": cycleTable = nil
        default: throw .badOption("--cycle-model '\(name)': expected builtin or none")
        }
    }

    /// `--cycle-table FILE`: replaces the built-in table (cycle-model.md §4).
    public mutating func loadCycleTable(path: String) throws(InputError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .badFile("--cycle-table '\(path)': cannot read the file")
        }
        cycleTable = try Self.parseTable(text, name: path)
    }

    /// `--core-mhz N` / `--ref-mhz N` (override a table file's values); no effect with `--cycle-model none`.
    public mutating func setClock(_ option: String, _ text: String) throws(InputError) {
        guard let value = parseInteger(text), value >= 1, value < 1 << 32 else {
            throw .badOption("\(option) '\(text)': expected an integer 1…4294967295")
        }
        do {
            try cycleTable?.setClock(option == "--core-mhz" ? "core_mhz" : "ref_mhz", value)
        } catch {
            throw .badOption(error.description)
        }
    }

    /// `--host-cost create=NS,reuse=NS`.
    public mutating func setHostCost(_ text: String) throws(InputError) {
        var create: UInt64? = nil
        var reuse: UInt64? = nil
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, let value = parseInteger(String(pair[1])), value < 1 << 40 else {
                throw .badOption("--host-cost '\(text)': expected create=NS,reuse=NS with NS below 2^40")
            }
            switch pair[0] {
            case "create": create = value
            case "reuse": reuse = value
            default: throw .badOption("--host-cost '\(text)': unknown '\(pair[0])' (create, reuse)")
            }
        }
        guard let create, let reuse else {
            throw .badOption("--host-cost '\(text)': give both create=NS and reuse=NS")
        }
        hostCost = (create, reuse)
    }
}

extension HardwareOptions {
    /// The cost table type, for callers that do not import CycleModel.
    public typealias Table = CycleTable

    /// Parses table text as `--cycle-table` does.
    public static func parseTable(_ text: String, name: String) throws(InputError) -> CycleTable {
        do {
            return try CycleTable.parse(text, name: name)
        } catch {
            throw .badOption("--cycle-table: \(error.description)")
        }
    }
}
