import Emulator
import Interpreter

/// Runs fixtures and compares their expectations with what vpmu produced.
///
/// Fixture `args` are `vpmu run` options; the runner turns them into a ``RunConfiguration`` with
/// `parseArguments`, which the CLI supplies from its own option parsing so there is one parser.
public struct FixtureRunner: Sendable {
    public typealias ConfigurationParser = @Sendable ([String]) throws(InputError) -> RunConfiguration

    public let parseArguments: ConfigurationParser
    /// Longest run traced instruction by instruction for provenance; longer runs are traced in part.
    public var provenanceLimit = 400

    public init(parseArguments: @escaping ConfigurationParser) {
        self.parseArguments = parseArguments
    }

    /// Checks one fixture file (load, run every variant, compare); never throws.
    public func check(file: String, emulator: Emulator) -> FixtureOutcome {
        do {
            let fixture = try Fixture.load(path: file, decoder: emulator.decoder)
            return check(fixture, emulator: emulator)
        } catch {
            return FixtureOutcome(file: file, name: nil, variants: 0, failures: [], malformation: error)
        }
    }

    /// Runs `fixture` once per `exit_every` entry and compares.
    public func check(_ fixture: Fixture, emulator: Emulator) -> FixtureOutcome {
        var failures: [VariantFailure] = []
        for every in fixture.exitEvery {
            let arguments = fixture.arguments + (every.map { ["--exit-every", String($0)] } ?? [])
            let label = every.map { "exit-every \($0)" } ?? ""
            let differences: [Difference]
            do {
                differences = try run(fixture, arguments: arguments, emulator: emulator)
            } catch {
                return FixtureOutcome(
                    file: fixture.file, name: fixture.name, variants: fixture.exitEvery.count, failures: [],
                    malformation: error)
            }
            if !differences.isEmpty { failures.append(VariantFailure(label: label, differences: differences)) }
        }
        return FixtureOutcome(
            file: fixture.file, name: fixture.name, variants: fixture.exitEvery.count, failures: failures,
            malformation: nil)
    }

    /// One variant; throws only for options that cannot be parsed when no error is expected.
    private func run(_ fixture: Fixture, arguments: [String], emulator: Emulator) throws(FixtureError) -> [Difference] {
        let outcome: Result<RunResult, InputError>
        var configuration = RunConfiguration()
        do {
            configuration = try parseArguments(arguments)
            outcome = .success(try emulator.run(fixture.code, configuration: configuration))
        } catch {
            guard fixture.expectedError != nil else {
                if case .unsupportedInstruction = error {
                    return [Difference(field: "run", expected: "a result", actual: "error: \(error.description)")]
                }
                throw FixtureError(
                    file: fixture.file, line: fixture.argumentsLine, message: "args: \(error.description)")
            }
            outcome = .failure(error)
        }
        if let expectedError = fixture.expectedError {
            switch outcome {
            case .success: return [Difference(field: "error", expected: expectedError, actual: "the run completed")]
            case .failure(let error):
                var differences: [Difference] = []
                if !error.description.contains(expectedError) {
                    differences.append(Difference(field: "error", expected: expectedError, actual: error.description))
                }
                if let code = fixture.expectedExitCode, code != error.exitCode {
                    differences.append(
                        Difference(field: "exit_code", expected: String(code), actual: String(error.exitCode)))
                }
                return differences
            }
        }
        guard case .success(let result) = outcome else { return [] }
        let json = result.json
        // Taken now: provenance re-runs below replace `emulator.lastMemory` with their own (shorter)
        // runs' memory, which must not be compared with the expectation.
        let memory = emulator.lastMemory
        var differences: [Difference] = []
        for expectation in fixture.expectations {
            let actual = Self.actual(expectation.field, json: json, memory: memory)
            guard actual != expectation.expected else { continue }
            var difference = Difference(
                field: expectation.field.displayName, expected: expectation.expected.rendered(asHex: expectation.isHex),
                actual: actual?.rendered(asHex: expectation.isHex) ?? "(absent from the result)")
            if expectation.field.isEventCount, case .json(let path) = expectation.field,
                case .integer(let wanted) = expectation.expected
            {
                difference.provenance = Provenance(
                    code: fixture.code, configuration: configuration, emulator: emulator, limit: provenanceLimit
                ).explain(
                    path: path, name: expectation.field.displayName, expected: wanted, instructions: result.instructions
                )
            }
            differences.append(difference)
        }
        return differences
    }

    /// The value a run produced for `field`, nil if the result has none.
    static func actual(_ field: Field, json: JSON, memory: GuestMemory?) -> Value? {
        switch field {
        case .json(let path): return json.value(at: path).map(Value.init(json:))
        case .memoryWord(let address):
            guard let bytes = memory?.read(address, count: 8), bytes.count == 8 else { return nil }
            return .integer(bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) })
        }
    }
}

/// One differing field of one run.
public struct Difference: Sendable, Equatable {
    /// The expectation's display name (`counters.gp0`, `stop`, `memory[0x600000]`).
    public var field: String
    /// Both values as the fixture wrote them (hex when the fixture used hex).
    public var expected: String
    public var actual: String
    /// For count mismatches: the instructions whose events make up the count.
    public var provenance: [String] = []

    /// `counters.gp0: expected 10, actual 11`.
    public var summary: String { "\(field): expected \(expected), actual \(actual)" }
}

/// The differences of one `exit_every` variant.
public struct VariantFailure: Sendable {
    /// `exit-every 4`, or empty when the fixture has one variant without `exit_every`.
    public var label: String
    public var differences: [Difference]
}

/// What checking one fixture file gave.
public struct FixtureOutcome: Sendable {
    /// `passed`: every variant matched; `failed`: some expectation differs; `malformed`: the
    /// fixture could not be loaded or its options parsed (cli.md B7 exit code 2).
    public enum Status: String, Sendable { case passed, failed, malformed }

    /// The fixture file as given.
    public var file: String
    /// The fixture's `name`, when it loaded that far.
    public var name: String?
    /// Runs made (one per `exit_every` entry).
    public var variants: Int
    /// The variants whose expectations did not hold.
    public var failures: [VariantFailure]
    /// Why the fixture is malformed, if it is.
    public var malformation: FixtureError?

    public var status: Status {
        if malformation != nil { return .malformed }
        return failures.isEmpty ? .passed : .failed
    }
}
