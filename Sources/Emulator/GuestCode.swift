import Foundation

/// Guest code bytes as given by the user: `--hex` text, a `.hex` file or a `.bin` file.
public struct GuestCode: Sendable, Equatable {
    /// Largest code image: it must end before the data region at 0x600000 (cli.md B1).
    public static let maximumSize = 2 * 1024 * 1024

    public var bytes: [UInt8]
    /// What the code came from, for messages and the human summary ("loop.hex", "--hex").
    public var origin: String

    public init(bytes: [UInt8], origin: String) throws(InputError) {
        guard !bytes.isEmpty else { throw .badHex("\(origin): no code bytes") }
        guard bytes.count <= Self.maximumSize else {
            throw .badFile("\(origin): \(bytes.count) bytes of code exceed the 2 MiB code region")
        }
        self.bytes = bytes
        self.origin = origin
    }

    /// Parses pairs of hex digits; whitespace separates bytes; with `comments`, `#` starts a comment.
    ///
    /// Errors name the line, column and character: `--hex: line 1, column 3: 'g' is not a hex digit`.
    public static func parseHex(_ text: String, origin: String = "--hex", comments: Bool = false) throws(InputError)
        -> GuestCode
    {
        var bytes: [UInt8] = []
        var pending: UInt8? = nil
        var pendingColumn = 0
        var line = 1
        var column = 0
        var inComment = false
        for scalar in text.unicodeScalars {
            column += 1
            if scalar == "\n" {
                line += 1
                column = 0
                inComment = false
                continue
            }
            if inComment { continue }
            if comments && scalar == "#" {
                inComment = true
                continue
            }
            if scalar.properties.isWhitespace {
                if pending != nil {
                    throw .badHex("\(origin): line \(line), column \(pendingColumn): odd number of hex digits in a byte")
                }
                continue
            }
            guard scalar.isASCII, let digit = UInt8(String(scalar), radix: 16) else {
                let shown = scalar.properties.isWhitespace ? "whitespace" : "'\(scalar)'"
                throw .badHex("\(origin): line \(line), column \(column): \(shown) is not a hex digit")
            }
            if let high = pending {
                bytes.append(high << 4 | digit)
                pending = nil
            } else {
                pending = digit
                pendingColumn = column
            }
        }
        if pending != nil {
            throw .badHex("\(origin): line \(line), column \(pendingColumn): odd number of hex digits")
        }
        return try GuestCode(bytes: bytes, origin: origin)
    }

    /// Loads a `.bin` (raw bytes) or `.hex` (hex text with `#` comments) file.
    public static func load(path: String) throws(InputError) -> GuestCode {
        let name = (path as NSString).lastPathComponent
        let fileExtension = (path as NSString).pathExtension.lowercased()
        guard fileExtension == "bin" || fileExtension == "hex" else {
            throw .badFile("\(path): unknown file type '.\(fileExtension)' (expected .bin or .hex)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .badFile("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw .badFile("\(path): is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .badFile("\(path): cannot be read") }
        defer { try? handle.close() }
        // Read at most one byte past the limit so a huge file is rejected without loading it all.
        let limit = fileExtension == "bin" ? maximumSize + 1 : 16 * maximumSize
        let data: Data
        do {
            data = try handle.read(upToCount: limit) ?? Data()
        } catch {
            throw .badFile("\(path): cannot be read")
        }
        if fileExtension == "bin" {
            guard data.count <= maximumSize else {
                throw .badFile("\(path): more than 2 MiB of code (it would overlap the data region)")
            }
            return try GuestCode(bytes: [UInt8](data), origin: name)
        }
        guard data.count < limit else { throw .badFile("\(path): hex file too large") }
        guard let text = String(data: data, encoding: .utf8) else { throw .badFile("\(path): not UTF-8 text") }
        return try parseHex(text, origin: name, comments: true)
    }
}
