/// One parsed `--pmc NAME=EVENT[,start=VALUE][,int][,usr][,os]` (cli.md B2), checked against the vendor.
///
/// Whether the counter exists on the configured PMU, is named twice, or (fixed) is given another
/// counter's event is checked by ``PMU/program(_:)``, which knows the configuration.
public struct PMCProgram: Sendable, Equatable {
    /// The whole SPEC as given, for messages.
    public let text: String
    /// `gp3`, `fixed0` ….
    public let counterName: String
    /// Whether NAME is a fixed counter.
    public let isFixed: Bool
    /// The N of `gpN` / `fixedN`.
    public let counterIndex: Int
    /// EVENT exactly as given (`instructions`, `0xC0:0x00` …).
    public let eventText: String
    /// Event select 7:0, unit mask 15:8 and (AMD) event bits 11:8 at 35:32.
    public let eventCode: UInt64
    /// The counter's initial value, below 2^48.
    public let start: UInt64
    /// `int`: PMI on overflow.
    public let interruptOnOverflow: Bool
    /// Count at CPL 1–3 (`usr`, or neither ring given).
    public let countsUser: Bool
    /// Count at CPL 0 (`os`, or neither ring given).
    public let countsKernel: Bool

    /// The GP event-select value this program writes: event, umask, USR, OS, INT, EN.
    public var eventSelect: UInt64 {
        var value = eventCode | EventSelect.enable
        if countsUser { value |= EventSelect.usr }
        if countsKernel { value |= EventSelect.os }
        if interruptOnOverflow { value |= EventSelect.int }
        return value
    }

    /// The FIXED_CTR_CTRL nibble this program writes: OS, USR, PMI.
    public var fixedControlNibble: UInt64 {
        var value: UInt64 = 0
        if countsKernel { value |= FixedControl.os }
        if countsUser { value |= FixedControl.usr }
        if interruptOnOverflow { value |= FixedControl.pmi }
        return value
    }

    /// Parses one `--pmc` SPEC for `vendor`.
    ///
    /// - Throws: ``PMUSetupError`` (`--pmc 'SPEC': problem`) for a malformed NAME, an unknown event or
    ///   option, an event the vendor lacks, or a start value ≥ 2^48.
    public static func parse(_ text: String, vendor: Vendor) throws(PMUSetupError) -> PMCProgram {
        func failure(_ problem: String) -> PMUSetupError {
            PMUSetupError("--pmc '\(text)': \(problem)")
        }
        guard let equals = text.firstIndex(of: "=") else {
            throw failure("expected NAME=EVENT[,start=VALUE][,int][,usr][,os]")
        }
        let name = String(text[..<equals])
        let fields = text[text.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false)

        let isFixed: Bool
        let digits: Substring
        if name.hasPrefix("gp") {
            isFixed = false
            digits = name.dropFirst(2)
        } else if name.hasPrefix("fixed") {
            isFixed = true
            digits = name.dropFirst(5)
        } else {
            throw failure("unknown counter '\(name)' (expected gp0..gp7 or fixed0..fixed2)")
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let index = Int(digits, radix: 10) else {
            throw failure("unknown counter '\(name)' (expected gp0..gp7 or fixed0..fixed2)")
        }
        if isFixed && vendor == .amd {
            throw failure("no counter \(name) on this PMU (AMD has no fixed counters)")
        }

        let eventText = String(fields.first ?? "")
        let eventCode = try eventCode(for: eventText, vendor: vendor, failure: failure)

        var start: UInt64? = nil
        var interrupt = false
        var user = false
        var kernel = false
        for option in fields.dropFirst() {
            switch option {
            case "int": interrupt = true
            case "usr": user = true
            case "os": kernel = true
            default:
                guard option.hasPrefix("start=") else {
                    throw failure("unknown option '\(option)' (expected start=VALUE, int, usr or os)")
                }
                guard start == nil else { throw failure("start given twice") }
                start = try startValue(option.dropFirst(6), failure: failure)
            }
        }
        if !user && !kernel {
            user = true
            kernel = true
        }
        return PMCProgram(
            text: text, counterName: name, isFixed: isFixed, counterIndex: index, eventText: eventText,
            eventCode: eventCode, start: start ?? 0, interruptOnOverflow: interrupt, countsUser: user,
            countsKernel: kernel)
    }

    /// The event code of a named or raw EVENT (cli.md B2 table).
    private static func eventCode(
        for text: String, vendor: Vendor, failure: (String) -> PMUSetupError
    ) throws(PMUSetupError) -> UInt64 {
        switch (text.lowercased(), vendor) {
        case ("instructions", _): return 0x00C0
        case ("branches", .intel): return 0x00C4
        case ("branches", .amd): return 0x00C2
        case ("cycles", .intel): return 0x003C
        case ("cycles", .amd): return 0x0076
        case ("ref-cycles", .intel): return 0x013C
        case ("ref-cycles", .amd): throw failure("ref-cycles has no architectural event on AMD")
        default: break
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let event = parseUnsigned(parts[0]), let unitMask = parseUnsigned(parts[1]) else {
            throw failure(
                "unknown event '\(text)' (expected instructions, branches, cycles, ref-cycles or 0xEE:0xUU)")
        }
        let maxEvent: UInt64 = vendor == .intel ? 0xFF : 0xFFF
        guard event <= maxEvent else {
            throw failure("event \(hex(event)) is above \(hex(maxEvent)) on \(vendor.rawValue)")
        }
        guard unitMask <= 0xFF else { throw failure("unit mask \(hex(unitMask)) is above 0xff") }
        return EventSelect.encode(event: event, unitMask: unitMask)
    }

    /// `start=VALUE`: decimal, `0x` hex, or `-N` meaning 2^48 − N; must be below 2^48.
    private static func startValue(
        _ text: Substring, failure: (String) -> PMUSetupError
    ) throws(PMUSetupError) -> UInt64 {
        let limit = counterMask + 1
        if text.hasPrefix("-") {
            guard let n = parseUnsigned(text.dropFirst()) else { throw failure("bad start value '\(text)'") }
            guard n >= 1 && n <= limit else {
                throw failure("start value '\(text)' is outside -2^48..2^48-1")
            }
            return limit - n
        }
        guard let value = parseUnsigned(text) else { throw failure("bad start value '\(text)'") }
        guard value < limit else { throw failure("start value '\(text)' is not below 2^48") }
        return value
    }
}
