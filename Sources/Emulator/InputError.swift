/// A user error: bad input or an instruction outside the subset. Never a guest fault.
///
/// `description` is one line naming the problem and where it is (cli.md B8).
public enum InputError: Error, CustomStringConvertible, Equatable {
    case badHex(String)
    case badFile(String)
    case badOption(String)
    case unsupportedInstruction(mnemonic: String, address: UInt64)

    public var description: String {
        switch self {
        case .badHex(let message), .badFile(let message), .badOption(let message): message
        case .unsupportedInstruction(let mnemonic, let address):
            "unsupported instruction '\(mnemonic)' at \(hex(address))"
        }
    }

    /// Process exit code (cli.md B8): 3 for an unsupported instruction, 2 for other bad input.
    public var exitCode: Int32 {
        if case .unsupportedInstruction = self { return 3 }
        return 2
    }
}

/// Lowercase hex without padding, as vpmu prints every address and register ("0x400007").
public func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// Parses a non-negative integer written in decimal or with a `0x` prefix; nil if malformed or ≥ 2^64.
public func parseInteger(_ text: String) -> UInt64? {
    let trimmed = text.trimmingWhitespace()
    if trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X") {
        let digits = trimmed.dropFirst(2)
        guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt64(digits, radix: 16)
    }
    guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    return UInt64(trimmed, radix: 10)
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
