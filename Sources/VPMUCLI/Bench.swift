import ArgumentParser
import Emulator
import Foundation
import VPMUBench

/// `vpmu bench`: the performance suite against Unicorn, in one process (issue 8). Build with
/// `swift build -c release`; a debug build's figures mean nothing.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the workload suite on vpmu and on Unicorn, verifying every count.")

    @Option(help: "Size factor for every workload (1 = the documented suite; smaller for a quick look).")
    var scale = 1.0

    @Option(help: "Runs per engine and workload; the best time is kept.")
    var repetitions = 3

    @Option(help: "Only the workloads with these names (comma-separated).")
    var only: String?

    @Flag(name: .customLong("no-unicorn"), help: "Skip the Unicorn reference runs.")
    var noUnicorn = false

    @Flag(name: .customLong("no-process"), help: "Skip the cold-start and peak-RSS child runs.")
    var noProcess = false

    @Flag(help: "Also measure the scaling claims: linear cost, VM-Enter O(counters), SMC invalidation per page.")
    var scaling = false

    @Option(help: "Also write the report as JSON to this file.")
    var json: String?

    /// Returns the table, and whether every count was verified.
    func execute() throws(InputError) -> (String, Bool) {
        guard scale > 0, scale <= 10, repetitions >= 1, repetitions <= 100 else {
            throw .badOption("--scale must be in (0, 10] and --repetitions in 1…100")
        }
        var workloads = Workloads.suite(scale: scale)
        if let only {
            let names = Set(only.split(separator: ",").map(String.init))
            let unknown = names.subtracting(workloads.map(\.name))
            guard unknown.isEmpty else {
                throw .badOption("--only: unknown workload \(unknown.sorted().joined(separator: ", ")) (\(workloads.map(\.name).joined(separator: ", ")))")
            }
            workloads = workloads.filter { names.contains($0.name) }
        }
        let runner = try BenchRunner(repetitions: repetitions, useUnicorn: !noUnicorn)
        var report = BenchReport(workloads: [], unicornMissing: runner.unicornMissing)
        for workload in workloads { report.workloads.append(try runner.run(workload)) }
        if scaling { report.scaling = try runner.scaling() }
        if !noProcess {
            report.coldStartSeconds = ProcessMetrics.coldStart()
            report.tightLoopPeakKiB = ProcessMetrics.tightLoopPeakKiB()
        }
        if let json {
            do {
                try report.json().write(to: URL(fileURLWithPath: json))
            } catch {
                throw .badOption("--json '\(json)': cannot write: \(error.localizedDescription)")
            }
        }
        return (report.table, report.passed)
    }
}
