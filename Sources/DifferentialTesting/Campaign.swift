import Emulator
import Foundation

/// A differential campaign: `count` programs from one seed, each run in vpmu and Unicorn and
/// compared; every mismatch is shrunk to a minimal reproducer.
public struct DifferentialCampaign {
    public let seed: UInt64
    public let count: Int
    public var shrink = true

    public init(seed: UInt64, count: Int) {
        self.seed = seed
        self.count = count
    }

    /// The outcome of a campaign.
    public struct Report: Sendable {
        public var programs = 0
        public var instructions: UInt64 = 0
        public var branches: UInt64 = 0
        public var faults = 0
        /// One fixture-like YAML block per mismatching program, shrunk.
        public var reproducers: [String] = []
        public var seconds = 0.0
        public var mismatches: Int { reproducers.count }
    }

    /// Runs the campaign; `progress` gets a line every 10,000 programs.
    public func run(progress: (String) -> Void = { _ in }) throws -> Report {
        let vpmu = try VPMUMachine()
        var report = Report()
        let start = Date()
        var seeds = SplitMix(state: seed)
        for index in 0..<count {
            let programSeed = seeds.next()
            var generator = ProgramGenerator(seed: programSeed)
            let program = generator.program()
            let exitEvery = [nil, 1, 2, 3, 7, 1000][index % 6]
            let mismatches = try Self.differences(in: program, vpmu: vpmu, exitEvery: exitEvery)
            report.programs += 1
            if mismatches.isEmpty {
                let unicorn = try UnicornMachine.run(program)
                report.instructions += unicorn.instructions
                report.branches += unicorn.branches
                if case .fault = unicorn.stop { report.faults += 1 }
            } else {
                let minimal = shrink ? Shrinker.shrink(program, vpmu: vpmu, exitEvery: exitEvery) : program
                let final = (try? Self.differences(in: minimal, vpmu: vpmu, exitEvery: exitEvery)) ?? mismatches
                report.reproducers.append(
                    Reproducer.yaml(
                        name:
                            "difftest seed \(hexText(seed)) program \(index) (generator seed \(hexText(programSeed)))",
                        program: minimal, mismatches: final.isEmpty ? mismatches : final, exitEvery: exitEvery,
                        emulator: vpmu.emulator))
            }
            if (index + 1) % 10_000 == 0 {
                progress(
                    "\(index + 1) programs, \(report.mismatches) mismatches, \(Int(Date().timeIntervalSince(start))) s")
            }
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    static func differences(in program: GeneratedProgram, vpmu: VPMUMachine, exitEvery: Int?) throws -> [Mismatch] {
        let unicorn = try UnicornMachine.run(program)
        let mine = try vpmu.run(program, exitEvery: exitEvery)
        return compare(mine, unicorn, program: program)
    }
}
