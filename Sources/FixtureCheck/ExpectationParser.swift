import Emulator
import X86IR
import Yams

/// Turns a fixture's `expect:` mapping into ``Expectation``s, keyed like the JSON result.
struct ExpectationParser {
    let reader: NodeReader

    static let topLevelFields = [
        "instructions", "branches", "exits", "steps", "cycles", "ref_cycles", "vendor", "model",
    ]
    static let stopFields = ["reason", "rip", "exception", "vector", "error_code", "cr2", "mnemonic"]
    static let pmiFields = [
        "step", "after_instructions", "rip", "global_status", "mode", "vector", "sources", "vectored",
    ]
    /// `expect` key → `pmu.counters[]` member.
    static let counterFields = [
        "counters": "value", "overflows": "overflows", "wraps": "wraps", "eventsel": "eventsel", "ctrl": "ctrl",
        "event": "event",
    ]
    static let registerNames = generalRegisterNames + ["rip", "rflags"]

    struct Parsed {
        var expectations: [Expectation] = []
        var error: String?
        var exitCode: Int32?
    }

    func parse(_ node: Node) throws(FixtureError) -> Parsed {
        var parsed = Parsed()
        for (key, (value, keyLine)) in try reader.mapping(node, what: "'expect'") {
            switch key {
            case _ where Self.topLevelFields.contains(key):
                parsed.expectations.append(try scalar(value, .json([.key(key)]), line: keyLine))
            case "global_status", "pmis_suppressed":
                parsed.expectations.append(try scalar(value, .json([.key("pmu"), .key(key)]), line: keyLine))
            case "stop":
                if value.scalar != nil {
                    parsed.expectations.append(try scalar(value, .json([.key("stop"), .key("reason")]), line: keyLine))
                } else {
                    parsed.expectations += try members(value, of: "stop", allowed: Self.stopFields) {
                        .json([.key("stop"), .key($0)])
                    }
                }
            case "registers":
                parsed.expectations += try members(value, of: key, allowed: Self.registerNames) {
                    .json([.key("registers"), .key($0)])
                }
            case "host":
                parsed.expectations += try members(value, of: key, allowed: nil) { .json([.key("host"), .key($0)]) }
            case "memory":
                parsed.expectations += try memory(value)
            case "pmis":
                parsed.expectations += try pmis(value, line: keyLine)
            case "error":
                guard let text = value.scalar?.string, !text.isEmpty else {
                    throw reader.error(value, "'error' must be message text")
                }
                parsed.error = text
            case "exit_code":
                guard let text = value.scalar?.string, let code = Int32(text), code == 2 || code == 3 else {
                    throw reader.error(value, "'exit_code' must be 2 (bad input) or 3 (unsupported instruction)")
                }
                parsed.exitCode = code
            default:
                guard let member = Self.counterFields[key] else {
                    let known =
                        Self.topLevelFields + [
                            "global_status", "pmis_suppressed", "stop", "registers", "host", "memory", "pmis", "error",
                            "exit_code",
                        ] + Self.counterFields.keys.sorted()
                    throw reader.error(
                        value, "unknown expectation '\(key)' (expected one of \(known.joined(separator: ", ")))")
                }
                parsed.expectations += try members(value, of: key, allowed: nil) { name throws(FixtureError) in
                    guard Self.isCounterName(name) else {
                        throw reader.error(value, "'\(key)' names '\(name)', not a counter (gp0…gp7, fixed0…fixed2)")
                    }
                    return .json([.key("pmu"), .key("counters"), .named(name), .key(member)])
                }
            }
        }
        if parsed.exitCode != nil && parsed.error == nil {
            throw reader.error(node, "'exit_code' needs 'error' (the message the run is rejected with)")
        }
        return parsed
    }

    static func isCounterName(_ name: String) -> Bool {
        for (prefix, count) in [("gp", 8), ("fixed", 3)] where name.hasPrefix(prefix) {
            if let index = Int(name.dropFirst(prefix.count)), index >= 0, index < count, name == "\(prefix)\(index)" {
                return true
            }
        }
        return false
    }

    private func scalar(_ node: Node, _ field: Field, line: Int) throws(FixtureError) -> Expectation {
        if let sequence = node.sequence, isListField(field) {
            let text = sequence.compactMap { $0.scalar?.string }.joined(separator: ",")
            return Expectation(field: field, expected: .text(text), isHex: false, line: line)
        }
        guard let text = node.scalar?.string else {
            throw reader.error(node, "'\(field.displayName)' must be a single value")
        }
        guard !text.isEmpty else { throw reader.error(node, "'\(field.displayName)' has no value") }
        return Expectation(
            field: field, expected: Value(fixtureText: text), isHex: text.lowercased().hasPrefix("0x"), line: line)
    }

    private func isListField(_ field: Field) -> Bool {
        if case .json(let steps) = field, steps.last == .key("sources") { return true }
        return false
    }

    /// A mapping of NAME: value; `allowed` nil accepts any name (checked by `field`).
    private func members(
        _ node: Node, of key: String, allowed: [String]?, field: (String) throws(FixtureError) -> Field
    ) throws(FixtureError) -> [Expectation] {
        var result: [Expectation] = []
        for (name, (value, keyLine)) in try reader.mapping(node, what: "'\(key)'") {
            if let allowed, !allowed.contains(name) {
                throw reader.error(
                    value, "'\(key)' has no field '\(name)' (expected one of \(allowed.joined(separator: ", ")))")
            }
            result.append(try scalar(value, try field(name), line: keyLine))
        }
        return result
    }

    /// `memory: {"0x600000": 0x1122334455667788}`: little-endian 64-bit words.
    private func memory(_ node: Node) throws(FixtureError) -> [Expectation] {
        var result: [Expectation] = []
        for (address, (value, keyLine)) in try reader.mapping(node, what: "'memory'") {
            guard let location = parseInteger(address) else {
                throw reader.error(value, "'memory' key '\(address)' is not an address")
            }
            let expectation = try scalar(value, .memoryWord(location), line: keyLine)
            guard case .integer = expectation.expected else {
                throw reader.error(value, "'memory[\(address)]' must be an integer (a 64-bit little-endian word)")
            }
            result.append(expectation)
        }
        return result
    }

    /// `pmis: N` (how many PMIs were accepted) or a list of partial `pmu.pmis[]` objects.
    private func pmis(_ node: Node, line: Int) throws(FixtureError) -> [Expectation] {
        let countField = Field.json([.key("pmu"), .key("pmis"), .count])
        if node.scalar != nil { return [try scalar(node, countField, line: line)] }
        guard let sequence = node.sequence else { throw reader.error(node, "'pmis' must be a count or a list of PMIs") }
        var result = [
            Expectation(field: countField, expected: .integer(UInt64(sequence.count)), isHex: false, line: line)
        ]
        for (index, item) in sequence.enumerated() {
            for (name, (value, keyLine)) in try reader.mapping(item, what: "each of 'pmis'") {
                guard Self.pmiFields.contains(name) else {
                    throw reader.error(
                        value,
                        "a PMI has no field '\(name)' (expected one of \(Self.pmiFields.joined(separator: ", ")))")
                }
                result.append(
                    try scalar(value, .json([.key("pmu"), .key("pmis"), .index(index), .key(name)]), line: keyLine))
            }
        }
        return result
    }
}
