import CUnicornRuntime
import Emulator
import VirtualPMU

/// One timed execution of a workload on one engine configuration.
public struct Measurement: Sendable, Codable {
    public var engine: String
    /// Best wall time over the repetitions, execution only (the engine's setup is excluded).
    public var seconds: Double
    /// Instructions the workload retires (the model's count: every engine is held to it).
    public var instructions: UInt64
    public var millionsPerSecond: Double

    public init(engine: String, seconds: Double, instructions: UInt64) {
        self.engine = engine
        self.seconds = seconds
        self.instructions = instructions
        millionsPerSecond = seconds > 0 ? Double(instructions) / seconds / 1e6 : 0
    }
}

/// All measurements of one workload, and whether every engine produced the modelled result.
public struct WorkloadReport: Sendable, Codable {
    public var name: String
    public var summary: String
    public var instructions: UInt64
    public var branches: UInt64
    public var measurements: [Measurement]
    /// Every count or register that differed from the model, or from Unicorn's result.
    public var problems: [String]

    public func measurement(_ engine: String) -> Measurement? { measurements.first { $0.engine == engine } }
}

/// Runs the suite on vpmu (three PMU set-ups) and, when libunicorn.so.2 loads, on Unicorn (no hook,
/// counting code hook, block hook), in this process, verifying every run against its model.
public struct BenchRunner {
    /// The vpmu set-ups of issue 8: two PMCs at `--exit-every 256`, the same at 1, no counters.
    public static let vpmuEngines = ["vpmu", "vpmu exit-every 1", "vpmu no counters"]
    public static let unicornEngines = ["unicorn no hook", "unicorn code hook", "unicorn block hook"]

    public var repetitions = 3
    /// Why Unicorn is not measured, or nil when it is.
    public private(set) var unicornMissing: String?
    let emulator: Emulator

    public init(repetitions: Int = 3, useUnicorn: Bool = true) throws(InputError) {
        self.repetitions = max(1, repetitions)
        emulator = try Emulator()
        var why = [CChar](repeating: 0, count: 256)
        if !useUnicorn {
            unicornMissing = "not requested"
        } else if vpmu_unicorn_load(&why, why.count) == 0 {
            unicornMissing = String(decoding: why.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Times every engine `repetitions` times and keeps each one's best. The repetitions are
    /// interleaved (one run of every engine, then the next round): this VM has slow phases that
    /// last seconds, and back-to-back repetitions of one engine could all land in one, skewing
    /// the ratios either way.
    public func run(_ workload: Workload) throws(InputError) -> WorkloadReport {
        var report = WorkloadReport(
            name: workload.name, summary: workload.summary, instructions: workload.expected.instructions,
            branches: workload.expected.branches, measurements: [], problems: [])
        let engines = Self.vpmuEngines + (unicornMissing == nil ? Self.unicornEngines : [])
        var best = [Double](repeating: .infinity, count: engines.count)
        for _ in 0..<repetitions {
            var vpmuRegisters: [UInt64] = []
            for (index, engine) in Self.vpmuEngines.enumerated() {
                let (result, seconds) = try timeVPMU(workload, engine: engine)
                best[index] = min(best[index], seconds)
                report.problems += check(result, workload: workload, engine: engine)
                vpmuRegisters = result.registers
            }
            guard unicornMissing == nil else { continue }
            for hook in Self.unicornEngines.indices {
                let result = runUnicorn(workload, hook: Int32(hook))
                let index = Self.vpmuEngines.count + hook
                best[index] = min(best[index], result.seconds)
                report.problems += check(result, hook: hook, workload: workload, vpmuRegisters: vpmuRegisters)
            }
        }
        report.measurements = zip(engines, best).map { engine, seconds in
            Measurement(engine: engine, seconds: seconds, instructions: workload.expected.instructions)
        }
        report.problems = Array(Set(report.problems)).sorted()
        return report
    }

    /// The run configuration of one vpmu engine.
    static func configuration(for workload: Workload, engine: String) throws(InputError) -> RunConfiguration {
        var configuration = RunConfiguration()
        for (number, value) in workload.registers { configuration.registers[number] = value }
        if engine != "vpmu no counters" {
            try configuration.countInstructionsAndBranches()
            configuration.exitEvery = engine == "vpmu exit-every 1" ? 1 : 256
        }
        return configuration
    }

    private func timeVPMU(_ workload: Workload, engine: String) throws(InputError) -> (RunResult, Double) {
        let configuration = try Self.configuration(for: workload, engine: engine)
        let code = try GuestCode(bytes: workload.code, origin: workload.name)
        let clock = ContinuousClock()
        let start = clock.now
        let result = try emulator.run(code, configuration: configuration)
        let elapsed = clock.now - start
        return (result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    private func runUnicorn(_ workload: Workload, hook: Int32) -> vpmu_unicorn_result {
        var result = vpmu_unicorn_result()
        let registers = workload.initialRegisters()
        workload.code.withUnsafeBufferPointer { code in
            registers.withUnsafeBufferPointer { registers in
                _ = vpmu_unicorn_run(code.baseAddress, code.count, registers.baseAddress, hook, &result)
            }
        }
        return result
    }
}
