import X86IR

/// The per-instruction cost table of the cycle model (cycle-model.md §2), built-in or read from a
/// `--cycle-table` file (§4).
///
/// Costs are whole core cycles. The table is plain data: ``staticCost(of:)`` turns it into one
/// number per decoded record, so the interpreter adds a precomputed value per instruction and only
/// taken conditional branches and string elements are charged at run time.
public struct CycleTable: Sendable, Equatable {
    /// Every key a table file may set, in the order of cycle-model.md §2, with its default.
    public static let defaults: [(key: String, value: UInt64)] = [
        ("alu", 1), ("mul", 3), ("div8", 20), ("div16", 24), ("div32", 28), ("div64", 40), ("bitscan", 3),
        ("load", 4), ("store", 1), ("locked", 18), ("branch", 1), ("taken", 1), ("string", 2),
        ("string_iter", 1), ("far", 20), ("cpuid", 100), ("rdmsr", 50), ("wrmsr", 100), ("rdpmc", 25),
        ("lidt", 20), ("iretq", 20), ("int", 20), ("cli", 2), ("sti", 2), ("hlt", 1), ("pause", 40),
        ("mfence", 30), ("lfence", 4), ("sfence", 5), ("clflush", 5), ("exit_cost", 0), ("core_mhz", 3000),
        ("ref_mhz", 2000),
    ]

    /// Key → value for every key of ``defaults``.
    public private(set) var values: [String: UInt64]
    /// `op.<mnemonic>` overrides of one mnemonic's base cost.
    public private(set) var overrides: [String: UInt64] = [:]

    /// The built-in table.
    public init() {
        values = Dictionary(uniqueKeysWithValues: Self.defaults.map { ($0.key, $0.value) })
    }

    /// The value of a §2 key (0 for a key that does not exist, which no caller passes).
    public subscript(key: String) -> UInt64 { values[key] ?? 0 }

    /// `core_mhz` and `ref_mhz` (each ≥ 1).
    public var coreMHz: UInt64 { self["core_mhz"] }
    public var refMHz: UInt64 { self["ref_mhz"] }

    /// Replaces the clock frequencies (`--core-mhz`, `--ref-mhz` override a table file).
    ///
    /// - Throws: ``CycleTableError`` for 0.
    public mutating func setClock(_ key: String, _ value: UInt64) throws(CycleTableError) {
        guard value >= 1, value < 1 << 32 else {
            throw CycleTableError("--\(key.replacingOccurrences(of: "_", with: "-")) \(value): must be 1 to 4294967295")
        }
        values[key] = value
    }

    /// Parses a table file (cycle-model.md §4): `key = integer` lines, `#` comments, `version = 1` first.
    ///
    /// - Throws: ``CycleTableError`` naming the line for a missing or wrong version, an unknown key or
    ///   mnemonic, a value that is not a decimal integer below 2^32, or a clock of 0.
    public static func parse(_ text: String, name: String) throws(CycleTableError) -> CycleTable {
        var table = CycleTable()
        var sawVersion = false
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            func failure(_ problem: String) -> CycleTableError {
                CycleTableError("\(name) line \(lineNumber): \(problem)")
            }
            let content = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let line = content.trimmingCharacters(in: " \t\r")
            if line.isEmpty { continue }
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw failure("expected 'key = integer', got '\(line)'") }
            let key = parts[0].trimmingCharacters(in: " \t")
            let valueText = parts[1].trimmingCharacters(in: " \t")
            guard !valueText.isEmpty, valueText.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = UInt64(valueText), value < 1 << 32
            else {
                throw failure("'\(valueText)' is not a decimal integer from 0 to 4294967295")
            }
            if !sawVersion {
                guard key == "version" else { throw failure("the first setting must be 'version = 1'") }
                guard value == 1 else { throw failure("version \(value) is not supported (only 1)") }
                sawVersion = true
                continue
            }
            if key.hasPrefix("op.") {
                let mnemonic = String(key.dropFirst(3))
                guard Self.mnemonics.contains(mnemonic) else {
                    throw failure("unknown mnemonic '\(mnemonic)' in '\(key)'")
                }
                table.overrides[mnemonic] = value
            } else if table.values[key] != nil {
                if key == "core_mhz" || key == "ref_mhz" {
                    guard value >= 1 else { throw failure("\(key) must be at least 1") }
                }
                table.values[key] = value
            } else {
                throw failure("unknown key '\(key)'")
            }
        }
        guard sawVersion else { throw CycleTableError("\(name): missing 'version = 1'") }
        return table
    }
}

/// A malformed cycle table or clock option; `description` is one line naming the line or option.
public struct CycleTableError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, set.contains(last) { scalars = scalars.dropLast() }
        return String(scalars)
    }

    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
