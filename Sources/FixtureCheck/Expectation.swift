import Emulator

/// One step into the `vpmu run --json` document.
public enum PathStep: Hashable, Sendable {
    /// An object member.
    case key(String)
    /// The element of an array of objects whose `name` is this (`pmu.counters[]`).
    case named(String)
    /// An array element.
    case index(Int)
    /// The length of an array.
    case count
}

/// What one expectation looks at in a run's result.
public enum Field: Hashable, Sendable {
    /// A value of the JSON result (cli.md Part A, B4); a field the result lacks compares as absent,
    /// so expectations of fields added later (cycles) need no change here.
    case json([PathStep])
    /// The little-endian 64-bit guest memory word at an address after the run.
    case memoryWord(UInt64)

    /// The spelling used in diffs: `counters.gp0`, `pmis[0].vectored`, `memory[0x600000]`.
    public var displayName: String {
        switch self {
        case .memoryWord(let address): return "memory[\(hex(address))]"
        case .json(let steps):
            if steps == [.key("pmu"), .key("pmis"), .count] { return "pmis" }
            if steps == [.key("stop"), .key("reason")] { return "stop" }
            if let (name, member) = counterMember {
                return member == "value" ? "counters.\(name)" : "\(member)s.\(name)"
            }
            var text = ""
            for step in steps.drop(while: { $0 == .key("pmu") }) {
                switch step {
                case .key(let key): text += text.isEmpty ? key : "." + key
                case .named(let name): text += "[\(name)]"
                case .index(let index): text += "[\(index)]"
                case .count: text += ".count"
                }
            }
            return text
        }
    }

    /// Counts that grow instruction by instruction, for which a mismatch can be traced to the
    /// instructions that produced it (per-event provenance).
    var isEventCount: Bool {
        if let (_, member) = counterMember { return member == "value" }
        guard case .json(let steps) = self, steps.count == 1, case .key(let key) = steps[0] else { return false }
        return ["instructions", "branches", "cycles", "ref_cycles"].contains(key)
    }

    /// (counter name, member) for a `pmu.counters[name].member` field.
    var counterMember: (String, String)? {
        guard case .json(let steps) = self, steps.count == 4, steps[0] == .key("pmu"), steps[1] == .key("counters"),
            case .named(let name) = steps[2], case .key(let member) = steps[3]
        else { return nil }
        return (name, member)
    }
}

/// An expected or actual value, compared the way a person reads them: `0x1` equals `1`.
public enum Value: Equatable, Sendable, CustomStringConvertible {
    /// Any integer, written in decimal or hex, or a JSON hex string.
    case integer(UInt64)
    /// Stop reasons, exception names, mnemonics, comma-joined PMI sources.
    case text(String)
    /// `pmis[].vectored`.
    case bool(Bool)

    /// A scalar as written in a fixture: integers in decimal or `0x` hex, `true`/`false`, else text.
    init(fixtureText text: String) {
        if let value = parseInteger(text) {
            self = .integer(value)
        } else if text == "true" || text == "false" {
            self = .bool(text == "true")
        } else {
            self = .text(text)
        }
    }

    /// A JSON result value; hex strings become integers, string arrays comma-joined text.
    init(json: JSON) {
        switch json {
        case .integer(let value): self = .integer(value)
        case .signed(let value): self = value >= 0 ? .integer(UInt64(value)) : .text(String(value))
        case .string(let text): self = parseInteger(text).map(Value.integer) ?? .text(text)
        case .bool(let flag): self = .bool(flag)
        case .null: self = .text("null")
        case .array(let items): self = .text(items.map { Value(json: $0).description }.joined(separator: ","))
        case .object: self = .text(json.rendered())
        }
    }

    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .text(let text): text
        case .bool(let flag): String(flag)
        }
    }

    /// Rendered in hex when `asHex` (the fixture wrote the expected value in hex).
    func rendered(asHex: Bool) -> String {
        if asHex, case .integer(let value) = self { return hex(value) }
        return description
    }
}

/// One expected value of a fixture, with the line it was written on.
public struct Expectation: Sendable {
    public var field: Field
    public var expected: Value
    /// The fixture wrote it in hex, so diffs show both sides in hex.
    public var isHex: Bool
    public var line: Int
}

extension JSON {
    /// The value at `path`, or nil if the document has no such member.
    func value(at path: [PathStep]) -> JSON? {
        var current = self
        for step in path {
            switch (step, current) {
            case (.key(let key), .object(let members)):
                guard let member = members.first(where: { $0.0 == key }) else { return nil }
                current = member.1
            case (.named(let name), .array(let items)):
                guard
                    let item = items.first(where: {
                        if case .string(name)? = $0.value(at: [.key("name")]) { return true }
                        return false
                    })
                else { return nil }
                current = item
            case (.index(let index), .array(let items)):
                guard index >= 0, index < items.count else { return nil }
                current = items[index]
            case (.count, .array(let items)):
                current = .signed(items.count)
            default:
                return nil
            }
        }
        return current
    }
}
