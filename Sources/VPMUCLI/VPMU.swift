import ArgumentParser
import Emulator

import Foundation

/// The `vpmu` command: subcommands and the mapping from errors to exit codes (cli.md B8).
public struct VPMU: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vpmu",
        abstract: "Run x86-64 snippets and count what they retire on a model of KVM's virtual PMU.",
        subcommands: [Run.self, Disasm.self, Check.self, Expect.self, Bench.self])

    public init() {}

    /// Runs the command line `arguments` (without the program name) and returns the exit code:
    /// 0 success, 1 failing fixtures (`check`), 2 bad input or a malformed fixture, 3 unsupported instruction. Output goes to `output`, messages to `errors`.
    public static func main(
        arguments: [String], output: (String) -> Void = { print($0) },
        errors: (String) -> Void = writeToStandardError
    ) -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var run = command as? Run {
                output(try run.execute())
            } else if var disasm = command as? Disasm {
                output(try disasm.execute())
            } else if let bench = command as? Bench {
                let (table, verified) = try bench.execute()
                output(table)
                return verified ? 0 : 1  // a wrong count fails the bench: speed never comes from skipped work
            } else if var check = command as? Check {
                let (report, code) = try check.execute()
                output(report)
                return code
            } else if var expect = command as? Expect {
                output(try expect.execute())
            } else {
                try command.run()
            }
            return 0
        } catch let error as InputError {
            errors("vpmu: " + error.description)
            return error.exitCode
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { output(message) }
                return 0
            }
            errors(message.split(separator: "\n").first.map { "vpmu: " + $0 } ?? "vpmu: bad input")
            return 2
        }
    }
}

/// Writes one line to stderr.
public func writeToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
