import ArgumentParser
import Emulator
import X86IR

/// `vpmu expect`: print a fixture skeleton holding vpmu's measured values, for a person to confirm.
///
/// Everything printed is labelled as measured: a fixture's expected values must be derived
/// independently (style.md §6), so the skeleton is a starting point for checking, not a result.
struct Expect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expect",
        abstract: "Print a fixture skeleton with measured values (confirm them by hand before committing).",
        discussion: """
            All other options are `vpmu run` options, code included: vpmu expect --hex "b9 0a 00 00 00 e2 fe" \
            --pmc gp0=instructions. With --vary REG=A,B the snippet also runs with REG = A and REG = B and \
            prints the per-iteration counts and fixed overhead a KVM selftest needs.
            """)

    @Option(help: "Fixture name.")
    var name = "NAME"

    @Option(help: "REG=A,B: a loop-count register and two values, for per-iteration constants.")
    var vary: String?

    @Argument(parsing: .allUnrecognized, help: "`vpmu run` options, including FILE or --hex.")
    var runArguments: [String] = []

    mutating func execute() throws(InputError) -> String {
        let run: Run
        do {
            run = try Run.parse(runArguments)
        } catch {
            throw .badOption(Run.message(for: error).split(separator: "\n").first.map(String.init) ?? "bad options")
        }
        let code = try run.code.load()
        let options = Self.optionsWithoutCode(runArguments, file: run.code.file)
        let configuration = try Run.configuration(arguments: options)
        let emulator = try Emulator()
        let result = try emulator.run(code, configuration: configuration)
        var lines = [
            "# MEASURED by vpmu expect: every value below is vpmu's own output, not an expectation.",
            "# Derive each one independently (hand count, SDM, kernel test, Unicorn), fix any that differ,",
            "# write where they come from in `why`, and only then commit the fixture.",
            "name: \(Self.quoted(name))",
            "why: \(Self.quoted("UNCONFIRMED: measured by vpmu expect; replace with the derivation"))",
            "code: |",
        ]
        lines += Self.listing(emulator.disassemble(code)).map { "  " + $0 }
        lines.append("args: [" + options.map(Self.quoted).joined(separator: ", ") + "]")
        lines.append("expect:")
        lines += Self.measured(result).map { "  " + $0 }
        if let vary {
            lines += try Self.loopConstants(vary, code: code, options: options, emulator: emulator)
        }
        return lines.joined(separator: "\n")
    }

    /// `vpmu run` options minus the code (`--hex X`, FILE) and `--json`.
    static func optionsWithoutCode(_ arguments: [String], file: String?) -> [String] {
        var result: [String] = []
        var skipNext = false
        var fileDropped = false
        for argument in arguments {
            if skipNext {
                skipNext = false
                continue
            }
            if argument == "--hex" {
                skipNext = true
            } else if argument.hasPrefix("--hex=") || argument == "--json" {
                continue
            } else if !fileDropped, argument == file {
                fileDropped = true
            } else {
                result.append(argument)
            }
        }
        return result
    }

    /// Listing lines `bytes  # address: text`, runs of one repeated instruction folded to `×N`.
    static func listing(_ disassembly: [DisassemblyLine]) -> [String] {
        var lines: [String] = []
        var index = 0
        while index < disassembly.count {
            let line = disassembly[index]
            var repeats = 1
            while index + repeats < disassembly.count, disassembly[index + repeats].bytes == line.bytes,
                disassembly[index + repeats].bytes.count * (repeats + 1) <= 16
            {
                repeats += 1
            }
            let bytes = (0..<repeats).flatMap { _ in line.bytes }.map { String($0, radix: 16).leftPadded }.joined(
                separator: " ")
            let text =
                line.tags.contains("invalid")
                ? "data (invalid: \(line.text))" : "\(String(line.address, radix: 16)): \(line.text)"
            lines.append(
                bytes.padding(toLength: max(bytes.count, 24)) + " # " + text + (repeats > 1 ? " ×\(repeats)" : ""))
            index += repeats
        }
        return lines
    }

    /// The `expect:` entries of a result: stop, counts, changed registers, counters, status, PMIs.
    static func measured(_ result: RunResult) -> [String] {
        var lines = ["stop: \(result.stop.rawValue)"]
        if let fault = result.fault {
            lines[0] = "stop: {reason: fault, exception: \"\(fault.exception)\", rip: \"\(hex(result.stopRIP))\"}"
        }
        lines += ["instructions: \(result.instructions)", "branches: \(result.branches)"]
        let changed = zip(generalRegisterNames, zip(result.registers, result.initialRegisters)).filter {
            $0.1.0 != $0.1.1
        }
        if !changed.isEmpty {
            lines.append("registers: {" + changed.map { "\($0.0): \"\(hex($0.1.0))\"" }.joined(separator: ", ") + "}")
        }
        let shown = result.counters.filter { result.namedCounters.contains($0.name) || $0.isProgrammed }
        if !shown.isEmpty {
            lines.append("counters: {" + shown.map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "}")
            lines.append("overflows: {" + shown.map { "\($0.name): \($0.overflows)" }.joined(separator: ", ") + "}")
        }
        lines.append("global_status: \"\(hex(result.globalStatus))\"")
        lines.append("pmis: \(result.pmis.count)")
        return lines
    }

    /// Per-iteration and fixed counts from two runs differing only in the loop register.
    static func loopConstants(_ vary: String, code: GuestCode, options: [String], emulator: Emulator) throws(InputError)
        -> [String]
    {
        let parts = vary.split(separator: "=", maxSplits: 1)
        let values = parts.count == 2 ? parts[1].split(separator: ",").compactMap { parseInteger(String($0)) } : []
        guard parts.count == 2, generalRegisterNames.contains(String(parts[0])), values.count == 2,
            values[0] < values[1]
        else {
            throw .badOption("--vary '\(vary)': expected REG=A,B with a general register and two integers A < B")
        }
        let register = String(parts[0])
        var runs: [RunResult] = []
        for value in values {
            let configuration = try Run.configuration(arguments: options + ["--reg", "\(register)=\(value)"])
            runs.append(try emulator.run(code, configuration: configuration))
        }
        let (a, b) = (values[0], values[1])
        var lines = [
            "# MEASURED loop constants (\(register) = \(a) and \(b)); confirm by hand before using them in a test:"
        ]
        func constants(_ label: String, _ countA: UInt64, _ countB: UInt64) {
            guard countB >= countA, (countB - countA) % (b - a) == 0 else {
                lines.append("#   \(label): not linear in \(register) (\(countA) at \(a), \(countB) at \(b))")
                return
            }
            let perIteration = (countB - countA) / (b - a)
            let (overhead, negative) = countA.subtractingReportingOverflow(perIteration &* a)
            guard !negative else {
                lines.append("#   \(label): \(perIteration) per iteration, overhead below zero (\(countA) at \(a))")
                return
            }
            lines.append(
                "#   \(label): \(perIteration) per iteration + \(overhead) fixed  (= \(perIteration)·\(register) + \(overhead))"
            )
        }
        constants("instructions", runs[0].instructions, runs[1].instructions)
        constants("branches", runs[0].branches, runs[1].branches)
        for (counterA, counterB) in zip(runs[0].counters, runs[1].counters)
        where runs[0].namedCounters.contains(counterA.name) || counterA.isProgrammed {
            constants(counterA.name, counterA.value, counterB.value)
        }
        return lines
    }

    /// A YAML flow scalar: plain when safe, else double-quoted.
    static func quoted(_ text: String) -> String {
        let plain =
            !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "-_.=/".contains($0) }
            && !text.hasPrefix("-")
        return plain ? text : JSONQuote.quote(text)
    }
}

/// JSON string quoting, which YAML's double-quoted style accepts.
enum JSONQuote {
    static func quote(_ text: String) -> String { JSON.string(text).rendered() }
}

extension String {
    fileprivate var leftPadded: String { count < 2 ? "0" + self : self }
    fileprivate func padding(toLength length: Int) -> String {
        self + String(repeating: " ", count: Swift.max(0, length - count))
    }
}
