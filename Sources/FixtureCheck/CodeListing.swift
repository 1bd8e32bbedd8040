import Emulator
import X86Decoder

/// A fixture's `code:` listing: hex bytes, one instruction per line, each with its disassembly.
///
///     b9 0a 00 00 00   # 400000: mov ecx, 0xa
///     e2 fe            # 400005: loop 0x400005
///     90 90 90         # 400007: nop ×3
///     00 00 00 00      # data
///
/// The comment is checked against Capstone's decoding of the line's bytes, so a typo in the bytes
/// fails loudly instead of quietly testing another instruction (style.md §6). The address is
/// optional but, when present, must be the line's address; `×N` (or `xN`) says the line holds N
/// copies of the instruction; `# data` marks bytes that are not meant to be executed as written
/// (self-modifying code, data read by the guest) and are not checked.
enum CodeListing {
    /// Parses and checks `text`, whose first line is line `firstLine` of `file`.
    static func parse(_ text: String, file: String, firstLine: Int, decoder: X86Decoder) throws(FixtureError)
        -> [UInt8]
    {
        var code: [UInt8] = []
        var checks: [(line: Int, offset: Int, count: Int, comment: Substring)] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = firstLine + index
            let hashIndex = rawLine.firstIndex(of: "#")
            let bytePart = hashIndex.map { rawLine[..<$0] } ?? rawLine[...]
            let comment = hashIndex.map { rawLine[rawLine.index(after: $0)...] }
            if bytePart.allSatisfy(\.isWhitespace) { continue }
            let bytes: [UInt8]
            do {
                bytes = try GuestCode.parseHex(String(bytePart), origin: "code").bytes
            } catch {
                throw FixtureError(file: file, line: line, message: error.description)
            }
            guard let comment, !comment.allSatisfy(\.isWhitespace) else {
                throw FixtureError(
                    file: file, line: line, message: "code line has no disassembly comment ('# 400000: nop')")
            }
            checks.append((line, code.count, bytes.count, comment))
            code += bytes
        }
        guard !code.isEmpty else { throw FixtureError(file: file, line: firstLine, message: "code has no bytes") }
        guard code.count <= GuestCode.maximumSize else {
            throw FixtureError(file: file, line: firstLine, message: "code exceeds the 2 MiB code region")
        }
        let padded = code + [UInt8](repeating: 0, count: X86Decoder.maximumLength)
        for check in checks {
            try verify(
                check.comment, bytes: padded, offset: check.offset, count: check.count, file: file,
                line: check.line, decoder: decoder)
        }
        return code
    }

    /// Checks one line's comment against the decoding of its `count` bytes at `offset`.
    private static func verify(
        _ comment: Substring, bytes: [UInt8], offset: Int, count: Int, file: String, line: Int, decoder: X86Decoder
    ) throws(FixtureError) {
        var text = comment.trimmingCharacters()
        if text.lowercased() == "data" || text.lowercased().hasPrefix("data:") || text.lowercased().hasPrefix("data ") {
            return
        }
        let address = Emulator.codeBase + UInt64(offset)
        if let colon = text.firstIndex(of: ":"),
            let written = UInt64(text[..<colon].trimmingCharacters().droppingHexPrefix, radix: 16)
        {
            guard written == address else {
                throw FixtureError(
                    file: file, line: line,
                    message:
                        "comment address \(text[..<colon].trimmingCharacters()) but these bytes are at \(hex(address))")
            }
            text = String(text[text.index(after: colon)...]).trimmingCharacters()
        }
        var repeats = 1
        if let marker = text.lastIndex(where: { $0 == "×" || $0 == "x" }),
            let count = Int(text[text.index(after: marker)...].trimmingCharacters()), count >= 1,
            marker > text.startIndex, text[text.index(before: marker)] == " "
        {
            repeats = count
            text = String(text[..<marker]).trimmingCharacters()
        }
        guard count % repeats == 0 else {
            throw FixtureError(
                file: file, line: line, message: "\(count) bytes cannot hold \(repeats) equal instructions")
        }
        let length = count / repeats
        for copy in 0..<repeats {
            let start = offset + copy * length
            let window = Array(bytes[start..<(start + X86Decoder.maximumLength)])
            let at = Emulator.codeBase + UInt64(start)
            let decoded = window.withUnsafeBytes { decoder.disassemble($0, at: at) }
            let shown = decoded.text.isEmpty ? decoded.mnemonic : decoded.text
            guard decoded.bytes.count == length else {
                throw FixtureError(
                    file: file, line: line,
                    message:
                        "bytes at \(hex(at)) decode to '\(shown)' of \(decoded.bytes.count) bytes, not one \(length)-byte instruction"
                )
            }
            guard normalized(shown) == normalized(text) else {
                throw FixtureError(
                    file: file, line: line,
                    message: "bytes at \(hex(at)) decode to '\(shown)', the comment says '\(text)'")
            }
        }
    }

    /// Disassembly text in a canonical form: lowercase, no spaces, no `ptr`, every number decimal.
    static func normalized(_ text: String) -> String {
        let characters = Array(text.lowercased().replacingOccurrences(of: " ptr ", with: " "))
        var out = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let previous = index > 0 ? characters[index - 1] : " "
            if character.isNumber, !(previous.isLetter || previous.isNumber || previous == "_") {
                var end = index
                var value: UInt64?
                if character == "0", index + 1 < characters.count, characters[index + 1] == "x" {
                    end = index + 2
                    while end < characters.count, characters[end].isHexDigit { end += 1 }
                    value = UInt64(String(characters[(index + 2)..<end]), radix: 16)
                } else {
                    while end < characters.count, characters[end].isNumber { end += 1 }
                    value = UInt64(String(characters[index..<end]))
                }
                out += value.map { String($0) } ?? String(characters[index..<end])
                index = max(end, index + 1)
                continue
            }
            if !character.isWhitespace { out.append(character) }
            index += 1
        }
        return out
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
    var droppingHexPrefix: String {
        hasPrefix("0x") || hasPrefix("0X") ? String(dropFirst(2)) : String(self)
    }
}
