import Foundation

/// The whole `vpmu bench` result: per-workload figures, ratios, process metrics, and the verdict.
public struct BenchReport: Sendable, Codable {
    public var workloads: [WorkloadReport]
    public var unicornMissing: String?
    /// Median cold start of a 10-instruction `vpmu run`, seconds.
    public var coldStartSeconds: Double?
    /// Peak RSS of `vpmu run` on the 100 M-instruction tight loop, KiB.
    public var tightLoopPeakKiB: Int?
    /// With `--scaling`.
    public var scaling: ScalingReport?

    public init(workloads: [WorkloadReport] = [], unicornMissing: String? = nil) {
        self.workloads = workloads
        self.unicornMissing = unicornMissing
    }

    public var passed: Bool { workloads.allSatisfy { $0.problems.isEmpty } }

    /// vpmu (two PMCs, exit every 256) over `engine`, per workload; nil where either is missing.
    public func ratios(against engine: String) -> [Double?] {
        workloads.map { report in
            guard let ours = report.measurement("vpmu"), let theirs = report.measurement(engine), ours.seconds > 0 else {
                return nil
            }
            return theirs.seconds / ours.seconds
        }
    }

    public func geometricMean(against engine: String) -> Double? {
        let values = ratios(against: engine).compactMap { $0 }
        guard !values.isEmpty, values.count == workloads.count else { return nil }
        return exp(values.map { log($0) }.reduce(0, +) / Double(values.count))
    }

    /// A table of M instructions/s per engine, then vpmu's ratio to each Unicorn mode.
    public var table: String {
        let engines = BenchRunner.vpmuEngines + (unicornMissing == nil ? BenchRunner.unicornEngines : [])
        var lines: [String] = []
        let nameWidth = max(14, workloads.map(\.name.count).max() ?? 0)
        func cell(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        lines.append("M instructions/s (best of runs; counts verified against each workload's model)")
        lines.append(cell("workload", nameWidth) + engines.map { cell($0, 20) }.joined())
        for report in workloads {
            let figures = engines.map { engine in
                report.measurement(engine).map { cell(String(format: "%.1f", $0.millionsPerSecond), 20) } ?? cell("-", 20)
            }
            lines.append(cell(report.name, nameWidth) + figures.joined())
        }
        if unicornMissing == nil {
            lines.append("")
            lines.append("vpmu (2 PMCs, exit every 256) ÷ Unicorn, by time")
            let modes = BenchRunner.unicornEngines
            lines.append(cell("workload", nameWidth) + modes.map { cell($0, 20) }.joined())
            let columns = modes.map { ratios(against: $0) }
            for (row, report) in workloads.enumerated() {
                lines.append(
                    cell(report.name, nameWidth)
                        + columns.map { cell($0[row].map { String(format: "%.2fx", $0) } ?? "-", 20) }.joined())
            }
            lines.append(
                cell("geomean", nameWidth)
                    + modes.map { cell(geometricMean(against: $0).map { String(format: "%.2fx", $0) } ?? "-", 20) }.joined())
        } else if let why = unicornMissing {
            lines.append("Unicorn not measured: \(why)")
        }
        lines.append("")
        if let cold = coldStartSeconds { lines.append(String(format: "cold start (10-instruction run, median): %.1f ms", cold * 1000)) }
        if let peak = tightLoopPeakKiB { lines.append(String(format: "peak RSS, tight loop 100 M instructions: %.1f MB", Double(peak) / 1024)) }
        for report in workloads where !report.problems.isEmpty {
            lines.append("MISMATCH \(report.name):")
            lines += report.problems.map { "  " + $0 }
        }
        if let scaling { lines.append(scaling.table) }
        lines.append(passed ? "all counts verified" : "COUNTS WRONG: the figures above do not stand")
        return lines.joined(separator: "\n")
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
