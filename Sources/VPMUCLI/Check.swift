import ArgumentParser
import Emulator
import FixtureCheck
import Foundation

/// `vpmu check`: run fixture files or directories and report what differs (cli.md B7).
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check fixtures: run each and compare with its expected values.",
        discussion: "Exit code 0 if all pass, 1 if any fails, 2 if a fixture is malformed.")

    @Argument(help: "Fixture files (.yaml, .yml, .json) or directories searched recursively.")
    var paths: [String] = ["Fixtures"]

    @Option(name: [.short, .customLong("jobs")], help: "Fixtures checked in parallel (default: processor count).")
    var jobs: Int?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(name: .shortAndLong, help: "Also print a PASS line for each passing fixture.")
    var verbose = false

    /// Runs the check; returns the report and the exit code.
    mutating func execute(progressOutput: (@Sendable (String) -> Void)? = nil) throws(InputError) -> (String, Int32) {
        let files = try FixtureCorpus.files(in: paths)
        let workers = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        guard workers >= 1 else { throw .badOption("--jobs \(workers): expected an integer ≥ 1") }
        let runner = FixtureRunner(parseArguments: { arguments throws(InputError) in
            try Run.configuration(arguments: arguments)
        })
        let total = files.count
        let showProgress = progressOutput ?? (!json && isatty(2) != 0 ? Self.drawProgress : nil)
        let outcomes = FixtureCorpus.check(files, runner: runner, jobs: workers) { done in
            showProgress?(Self.progressBar(done: done, total: total))
        }
        if showProgress != nil && progressOutput == nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let code: Int32 =
            outcomes.contains { $0.status == .malformed } ? 2 : outcomes.contains { $0.status == .failed } ? 1 : 0
        return (json ? CheckReport.json(outcomes).rendered() : CheckReport.text(outcomes, verbose: verbose), code)
    }

    static func progressBar(done: Int, total: Int) -> String {
        let width = 30
        let filled = total == 0 ? width : done * width / total
        return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            + "] \(done)/\(total)"
    }

    @Sendable static func drawProgress(_ bar: String) {
        FileHandle.standardError.write(Data(("\r" + bar).utf8))
    }
}

/// Formats check outcomes for people and machines.
enum CheckReport {
    /// One line per failing or malformed fixture (with provenance lines indented under a
    /// difference), and `N passed, M failed` alone on the last line.
    static func text(_ outcomes: [FixtureOutcome], verbose: Bool) -> String {
        var lines: [String] = []
        for outcome in outcomes {
            switch outcome.status {
            case .passed:
                if verbose { lines.append("PASS \(outcome.file)") }
            case .malformed:
                lines.append("MALFORMED \(outcome.malformation?.description ?? outcome.file)")
            case .failed:
                for failure in outcome.failures {
                    let variant = failure.label.isEmpty ? "" : " [\(failure.label)]"
                    let diff = failure.differences.map(\.summary).joined(separator: "; ")
                    lines.append("FAIL \(outcome.file)\(variant): \(diff)")
                    for difference in failure.differences {
                        lines += difference.provenance.map { "    " + $0 }
                    }
                }
            }
        }
        let passed = outcomes.filter { $0.status == .passed }.count
        lines.append("\(passed) passed, \(outcomes.count - passed) failed")
        return lines.joined(separator: "\n")
    }

    static func json(_ outcomes: [FixtureOutcome]) -> JSON {
        let items = outcomes.map { outcome -> JSON in
            var members: [(String, JSON)] = [
                ("file", .string(outcome.file)), ("name", outcome.name.map(JSON.string) ?? .null),
                ("status", .string(outcome.status.rawValue)),
            ]
            if let malformation = outcome.malformation {
                members.append(
                    (
                        "error",
                        .object([("line", .signed(malformation.line)), ("message", .string(malformation.message))])
                    ))
            }
            members.append(
                (
                    "failures",
                    .array(
                        outcome.failures.map { failure in
                            .object([
                                ("variant", .string(failure.label)),
                                (
                                    "differences",
                                    .array(
                                        failure.differences.map { difference in
                                            .object([
                                                ("field", .string(difference.field)),
                                                ("expected", .string(difference.expected)),
                                                ("actual", .string(difference.actual)),
                                                ("provenance", .array(difference.provenance.map(JSON.string))),
                                            ])
                                        })
                                ),
                            ])
                        })
                ))
            return .object(members)
        }
        let count = { (status: FixtureOutcome.Status) in outcomes.filter { $0.status == status }.count }
        return .object([
            ("passed", .signed(count(.passed))), ("failed", .signed(count(.failed))),
            ("malformed", .signed(count(.malformed))), ("fixtures", .array(items)),
        ])
    }
}
