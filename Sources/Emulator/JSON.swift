import X86IR

/// A JSON value with ordered object keys, so output is byte-identical run to run.
public indirect enum JSON: Equatable, Sendable {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    case integer(UInt64)
    case signed(Int)
    case bool(Bool)
    case null

    public static func == (lhs: JSON, rhs: JSON) -> Bool { lhs.rendered() == rhs.rendered() }

    /// Renders with two-space indentation and a trailing newline-free last line.
    public func rendered(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .object(let members):
            if members.isEmpty { return "{}" }
            let lines = members.map { "\(inner)\(JSON.quote($0.0)): \($0.1.rendered(indent: inner))" }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(indent)}"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .string(let text): return JSON.quote(text)
        case .integer(let value): return String(value)
        case .signed(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension RunResult {
    /// The `--json` document: cli.md Part A fields plus the B4 extras.
    public var json: JSON {
        var stopMembers: [(String, JSON)] = [("reason", .string(stop.rawValue)), ("rip", .string(hex(stopRIP)))]
        if let fault {
            stopMembers.append(("exception", .string(fault.exception)))
            stopMembers.append(("vector", .signed(fault.vector)))
            if let code = fault.errorCode { stopMembers.append(("error_code", .string(hex(code)))) }
            if let cr2 = fault.cr2 { stopMembers.append(("cr2", .string(hex(cr2)))) }
            stopMembers.append(("mnemonic", fault.mnemonic.map(JSON.string) ?? .null))
        }
        var registerMembers = zip(generalRegisterNames, registers).map { ($0, JSON.string(hex($1))) }
        registerMembers.append(("rip", .string(hex(rip))))
        registerMembers.append(("rflags", .string(hex(rflags))))
        let counterItems = counters.map { counter -> JSON in
            .object([
                ("name", .string(counter.name)), ("value", .integer(counter.value)),
                ("overflows", .signed(counter.overflows)), ("event", counter.event.map(JSON.string) ?? .null),
                (counter.isFixed ? "ctrl" : "eventsel", .string(hex(counter.eventSelect))),
                ("wraps", .signed(counter.wraps)),
            ])
        }
        let pmiItems = pmis.map { pmi -> JSON in
            .object([
                ("step", .signed(pmi.step)), ("after_instructions", .integer(pmi.afterInstructions)),
                ("rip", .string(hex(pmi.rip))), ("global_status", .string(hex(pmi.globalStatus))),
                ("mode", .string(pmi.mode)), ("vector", .signed(pmi.vector)),
                ("sources", .array(pmi.sources.map(JSON.string))), ("vectored", .bool(pmi.vectored)),
            ])
        }
        var hostMembers: [(String, JSON)] = [
            ("reprograms", .signed(host.reprograms)),
            ("perf_events_created", .signed(host.perfEventsCreated)),
            ("perf_events_reused", .signed(host.perfEventsReused)),
            ("perf_events_released", .signed(host.perfEventsReleased)),
        ]
        if let estimate = hardware.hostEstimatedNanoseconds { hostMembers.append(("estimated_ns", .integer(estimate))) }
        var members: [(String, JSON)] = [
            ("stop", .object(stopMembers)),
            ("instructions", .integer(instructions)),
            ("branches", .integer(branches)),
            ("exits", .signed(exits)),
            ("registers", .object(registerMembers)),
            (
                "pmu",
                .object([
                    ("global_status", .string(hex(globalStatus))),
                    ("counters", .array(counterItems)),
                    ("pmis", .array(pmiItems)),
                    ("pmis_suppressed", .signed(pmisSuppressed)),
                ] + (pmisAccepted > pmis.count ? [("pmis_unrecorded", .signed(pmisAccepted - pmis.count))] : []))
            ),
            ("vendor", .string(vendor.rawValue)),
            ("model", .string(model.rawValue)),
            ("steps", .signed(exits + 1)),
            ("cycles", .integer(hardware.cycles)),
            ("ref_cycles", .integer(hardware.refCycles)),
            ("host", .object(hostMembers)),
        ]
        if let profile = hardware.profile {
            members.append(
                (
                    "samples",
                    .object([
                        ("counter", .string(profile.counter)), ("event", .string(profile.event)),
                        ("period", .integer(profile.period)), ("total", .signed(profile.total)),
                        (
                            "histogram",
                            .array(
                                profile.histogram.map {
                                    .object([("rip", .string(hex($0.address))), ("samples", .signed($0.samples))])
                                })
                        ),
                    ])
                ))
        }
        return .object(members)
    }
}
