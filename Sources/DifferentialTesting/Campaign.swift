import Emulator
import Foundation
import TestSupport

/// A differential campaign: `count` programs from one seed, each run in vpmu and Unicorn and
/// compared; every mismatch is shrunk to a minimal reproducer.
public struct DifferentialCampaign: Sendable {
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

    /// Runs the campaign on `jobs` threads, each with its own engines; program `i` goes to job
    /// `i % jobs`, so the programs, counts and reproducers are those of a serial run whatever `jobs`
    /// is. `progress` gets a line every 10,000 programs (from the first job, scaled).
    public func run(jobs: Int = 1, progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> Report {
        let jobs = max(1, jobs)
        let start = Date()
        if jobs == 1 {
            var report = try run(job: 0, of: 1, start: start, progress: progress).report
            report.seconds = Date().timeIntervalSince(start)
            return report
        }
        let results = JobResults(count: jobs)
        var threads: [Thread] = []
        for job in 0..<jobs {
            let thread = Thread { [self] in
                results.store(job, Result { try self.run(job: job, of: jobs, start: start, progress: progress) })
            }
            thread.stackSize = 8 << 20
            threads.append(thread)
            thread.start()
        }
        results.waitForAll()
        var report = Report()
        var reproducers: [(index: Int, text: String)] = []
        for outcome in results.outcomes() {
            let part = try outcome.get()
            report.programs += part.report.programs
            report.instructions += part.report.instructions
            report.branches += part.report.branches
            report.faults += part.report.faults
            reproducers += part.indexed
        }
        report.reproducers = reproducers.sorted { $0.index < $1.index }.map(\.text)
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    private func run(job: Int, of jobs: Int, start: Date, progress: (String) -> Void) throws -> JobReport {
        let vpmu = try VPMUMachine()
        var report = Report()
        var indexed: [(index: Int, text: String)] = []
        var seeds = SplitMix(state: seed)
        for index in 0..<count {
            let programSeed = seeds.next()
            guard index % jobs == job else { continue }
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
                let text = Reproducer.yaml(
                    name: "difftest seed \(hexText(seed)) program \(index) (generator seed \(hexText(programSeed)))",
                    program: minimal, mismatches: final.isEmpty ? mismatches : final, exitEvery: exitEvery,
                    emulator: vpmu.emulator)
                report.reproducers.append(text)
                indexed.append((index, text))
            }
            if job == 0, (index + 1) / 10_000 != (index + 1 - jobs) / 10_000 {
                progress(
                    "\((index + 1) / 10_000 * 10_000) programs, \(report.mismatches * jobs) mismatches (job 0 × \(jobs)), "
                        + "\(Int(Date().timeIntervalSince(start))) s")
            }
        }
        return JobReport(report: report, indexed: indexed)
    }

    private struct JobReport {
        var report: Report
        var indexed: [(index: Int, text: String)]
    }

    /// Each job's outcome, filled in by its thread.
    private final class JobResults: @unchecked Sendable {
        private let condition = NSCondition()
        private var slots: [Result<JobReport, any Error>?]

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func store(_ job: Int, _ outcome: Result<JobReport, any Error>) {
            condition.lock()
            slots[job] = outcome
            condition.broadcast()
            condition.unlock()
        }

        func waitForAll() {
            condition.lock()
            while slots.contains(where: { $0 == nil }) { condition.wait() }
            condition.unlock()
        }

        func outcomes() -> [Result<JobReport, any Error>] {
            condition.lock()
            defer { condition.unlock() }
            return slots.compactMap { $0 }
        }
    }

    static func differences(in program: GeneratedProgram, vpmu: VPMUMachine, exitEvery: Int?) throws -> [Mismatch] {
        let unicorn = try UnicornMachine.run(program)
        let mine = try vpmu.run(program, exitEvery: exitEvery)
        return compare(mine, unicorn, program: program)
    }
}
