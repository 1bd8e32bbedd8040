/// A parsed `--filter SPEC`: KVM_SET_PMU_EVENT_FILTER as the command line gives it (pmu-semantics.md §15).
///
/// SPEC is `allow|deny` then comma-separated entries: `EV:UM` (plain), `m:EV:MASK:MATCH[:x]` (masked,
/// `x` = exclude) and `fixed=BITMAP`.
public struct EventFilter: Sendable, Equatable {
    /// What a hit means.
    public enum Action: String, Sendable {
        /// Only events that hit are counted.
        case allow
        /// Events that hit are not counted.
        case deny
    }

    /// One entry in KVM's masked form: plain entries become mask 0xFF, match = their unit mask.
    struct Entry: Sendable, Equatable {
        let event: UInt64
        let mask: UInt64
        let match: UInt64
        let isExclude: Bool

        /// `is_filter_entry_match()` plus the event-select comparison of `filter_contains_match()`.
        func matches(event: UInt64, unitMask: UInt64) -> Bool {
            self.event == event && unitMask & mask == match
        }
    }

    /// KVM's cap on entries (`KVM_PMU_EVENT_FILTER_MAX_EVENTS`).
    static let maxEntries = 300

    /// allow or deny.
    public let action: Action
    /// `fixed_counter_bitmap`: fixed counter i is decided by bit i alone.
    public let fixedCounterBitmap: UInt32
    /// Whether the entries are masked (`KVM_PMU_EVENT_FLAG_MASKED_EVENTS`).
    public let isMasked: Bool
    let entries: [Entry]

    /// `is_gp_event_allowed()`: a hit is an include match with no exclude match.
    func allows(event: UInt64, unitMask: UInt64) -> Bool {
        let included = entries.contains { !$0.isExclude && $0.matches(event: event, unitMask: unitMask) }
        let excluded = entries.contains { $0.isExclude && $0.matches(event: event, unitMask: unitMask) }
        let hit = included && !excluded
        return action == .allow ? hit : !hit
    }

    /// `is_fixed_event_allowed()`.
    func allowsFixedCounter(_ i: Int) -> Bool {
        let isSet = i < 32 && (fixedCounterBitmap >> UInt32(i)) & 1 != 0
        return action == .allow ? isSet : !isSet
    }

    /// Parses one `--filter` SPEC for `vendor`.
    ///
    /// - Throws: ``PMUSetupError`` for a bad action or entry, an event above 0xFF (Intel) / 0xFFF (AMD),
    ///   a unit mask, mask or match above 0xFF, plain and masked entries mixed, `fixed=` twice, or more
    ///   than 300 entries.
    public static func parse(_ text: String, vendor: Vendor) throws(PMUSetupError) -> EventFilter {
        func failure(_ problem: String) -> PMUSetupError {
            PMUSetupError("--filter '\(text)': \(problem)")
        }
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
        guard let actionText = fields.first, let action = Action(rawValue: String(actionText).lowercased()) else {
            throw failure("expected allow or deny first")
        }
        let maxEvent: UInt64 = vendor == .intel ? 0xFF : 0xFFF
        func byte(_ field: Substring, _ what: String) throws(PMUSetupError) -> UInt64 {
            guard let value = parseUnsigned(field) else { throw failure("bad \(what) '\(field)'") }
            guard value <= 0xFF else { throw failure("\(what) \(hex(value)) is above 0xff") }
            return value
        }
        func event(_ field: Substring) throws(PMUSetupError) -> UInt64 {
            guard let value = parseUnsigned(field) else { throw failure("bad event '\(field)'") }
            guard value <= maxEvent else {
                throw failure("event \(hex(value)) is above \(hex(maxEvent)) on \(vendor.rawValue)")
            }
            return value
        }

        var entries: [Entry] = []
        var bitmap: UInt32? = nil
        var sawPlain = false
        var sawMasked = false
        for field in fields.dropFirst() {
            if field.hasPrefix("fixed=") {
                guard bitmap == nil else { throw failure("fixed= given twice") }
                guard let value = parseUnsigned(field.dropFirst(6)), let bits = UInt32(exactly: value) else {
                    throw failure("bad fixed counter bitmap '\(field.dropFirst(6))'")
                }
                bitmap = bits
                continue
            }
            let parts = field.split(separator: ":", omittingEmptySubsequences: false)
            if parts.first == "m" {
                guard parts.count == 4 || (parts.count == 5 && parts[4] == "x") else {
                    throw failure("bad masked entry '\(field)' (expected m:EV:MASK:MATCH[:x])")
                }
                sawMasked = true
                entries.append(
                    Entry(
                        event: try event(parts[1]), mask: try byte(parts[2], "mask"), match: try byte(parts[3], "match"),
                        isExclude: parts.count == 5))
            } else {
                guard parts.count == 2 else {
                    throw failure("bad entry '\(field)' (expected EV:UM, m:EV:MASK:MATCH[:x] or fixed=BITMAP)")
                }
                sawPlain = true
                let unitMask = try byte(parts[1], "unit mask")
                entries.append(Entry(event: try event(parts[0]), mask: 0xFF, match: unitMask, isExclude: false))
            }
            guard !(sawPlain && sawMasked) else { throw failure("plain and masked entries mixed") }
            guard entries.count <= maxEntries else { throw failure("more than \(maxEntries) entries") }
        }
        return EventFilter(action: action, fixedCounterBitmap: bitmap ?? 0, isMasked: sawMasked, entries: entries)
    }
}
