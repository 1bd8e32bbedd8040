import Emulator
import FixtureCheck
import Foundation
import Testing

@testable import VPMUCLI

/// Shared helpers: the repository's Fixtures/ directory, a runner using `vpmu run`'s option
/// parsing, and temporary fixture files.
enum FixtureSupport {
    /// The package root, found from this file's path (Tests/FixtureTests/FixtureSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let corpus = (packageRoot as NSString).appendingPathComponent("Fixtures")

    static let runner = FixtureRunner(parseArguments: { arguments throws(InputError) in
        try Run.configuration(arguments: arguments)
    })

    /// Every fixture file of the corpus, relative to Fixtures/ (stable test-case names).
    static var corpusFiles: [String] {
        (try? FixtureCorpus.files(in: [corpus]))?.map { String($0.dropFirst(corpus.count + 1)) } ?? []
    }

    /// Writes `text` to a fresh temporary directory as `name`; returns the path.
    static func write(_ text: String, name: String = "case.yaml") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vpmu-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Checks fixture text as a file; returns the outcome.
    static func check(_ text: String) throws -> FixtureOutcome {
        let path = try write(text)
        return runner.check(file: path, emulator: try Emulator())
    }

    /// `vpmu ARGUMENTS` in-process: exit code, stdout, stderr.
    static func vpmu(_ arguments: [String]) -> (code: Int32, output: String, errors: String) {
        var output = ""
        var errors = ""
        let code = VPMU.main(arguments: arguments, output: { output += $0 }, errors: { errors += $0 })
        return (code, output, errors)
    }
}
