/// Parses an unsigned number as the CLI writes it: decimal, or hex with a `0x` prefix.
func parseUnsigned<S: StringProtocol>(_ text: S) -> UInt64? {
    let lower = text.lowercased()
    if lower.hasPrefix("0x") {
        let digits = lower.dropFirst(2)
        guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt64(digits, radix: 16)
    }
    guard !lower.isEmpty, lower.allSatisfy(\.isASCIIDigit) else { return nil }
    return UInt64(lower, radix: 10)
}

/// `0x` followed by lowercase hex digits.
func hex(_ value: UInt64) -> String {
    "0x" + String(value, radix: 16)
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
