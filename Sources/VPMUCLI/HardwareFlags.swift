import ArgumentParser
import Emulator
import Foundation

/// `vpmu run` options of the cycle model, host cost model, sampling and tracing (cli.md B3).
struct HardwareFlags: ParsableArguments {
    @Option(name: .customLong("cycle-table"), help: "Cycle cost table file (cycle-model.md §4).")
    var cycleTable: String?

    @Option(name: .customLong("cycle-model"), help: "builtin, or none for no hardware side.")
    var cycleModel: String?

    @Option(name: .customLong("core-mhz"), help: "Core clock for the ref-cycles ratio (default 3000).")
    var coreMHz: String?

    @Option(name: .customLong("ref-mhz"), help: "Reference clock for the ref-cycles ratio (default 2000).")
    var refMHz: String?

    @Flag(name: .customLong("hw-pmi-exit"), help: "A cycle-side overflow that requests a PMI ends the batch.")
    var hwPMIExit = false

    @Option(name: .customLong("sched-in-every"), help: "Schedule the vCPU in every K exits (lazy perf-event release).")
    var schedInEvery: String?

    @Option(name: .customLong("host-cost"), help: "create=NS,reuse=NS: estimate host time per perf-event operation.")
    var hostCost: String?

    @Option(help: "EVENT,period=P: sample the guest every P events and print a per-instruction profile.")
    var sample: String?

    @Option(help: "Write a trace of every retired instruction and VM-Enter step to FILE.")
    var trace: String?

    @Option(name: .customLong("trace-format"), help: "jsonl (JSON Lines, default) or chrome (Perfetto).")
    var traceFormat: String?

    /// Applies the options; every malformed value is an ``InputError``.
    func apply(to configuration: inout RunConfiguration) throws(InputError) {
        if let path = cycleTable { try configuration.hardware.loadCycleTable(path: path) }
        if let name = cycleModel {
            if name == "none" && cycleTable != nil {
                throw .badOption("--cycle-model none and --cycle-table exclude each other")
            }
            try configuration.hardware.setCycleModel(name)
        }
        if let text = coreMHz { try configuration.hardware.setClock("--core-mhz", text) }
        if let text = refMHz { try configuration.hardware.setClock("--ref-mhz", text) }
        configuration.hardware.hwPMIExit = hwPMIExit
        if let text = schedInEvery {
            configuration.hardware.schedInEvery = try Run.count(text, option: "--sched-in-every", range: 1...Int.max)
        }
        if let text = hostCost { try configuration.hardware.setHostCost(text) }
        if let text = sample { configuration.hardware.sample = try SampleRequest.parse(text) }
        if traceFormat != nil && trace == nil { throw .badOption("--trace-format needs --trace FILE") }
        if let path = trace {
            guard !path.isEmpty else { throw .badOption("--trace: empty file name") }
            let name = traceFormat ?? "jsonl"
            guard let format = TraceRecorder.Format(rawValue: name) else {
                throw .badOption("--trace-format '\(name)': expected jsonl or chrome")
            }
            configuration.hardware.trace = try TraceRecorder(format: format, path: path)
        }
    }

    /// Completes the trace file after the run.
    func finishTrace(_ configuration: RunConfiguration) {
        configuration.hardware.trace?.finish()
    }
}
