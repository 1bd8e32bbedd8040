import Foundation

/// Turns assembly text or an ELF object into code bytes with the system's GNU binutils.
///
/// Intel syntax without `%` (`as --64 -msyntax=intel -mnaked-reg`). The object is not linked, so
/// the code is position-independent as written: relative branches resolve inside the section and
/// absolute addresses (`[0x600000]`) are taken literally; the bytes are then run at 0x400000.
enum Assembler {
    /// Assembles `source`; errors carry `as`'s first message.
    static func assemble(_ source: String) throws(AssemblerError) -> [UInt8] {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sourceURL = directory.appendingPathComponent("fixture.s")
        let objectURL = directory.appendingPathComponent("fixture.o")
        do {
            try (".intel_syntax noprefix\n" + source + "\n").write(to: sourceURL, atomically: true, encoding: .utf8)
        } catch {
            throw AssemblerError(message: "cannot write a temporary file: \(error.localizedDescription)")
        }
        try run("as", ["--64", "-msyntax=intel", "-mnaked-reg", "-o", objectURL.path, sourceURL.path], lineOffset: -1)
        return try textBytes(ofObject: objectURL.path, symbol: nil)
    }

    /// The `.text` bytes of an ELF object; with `symbol`, from that symbol to its end (its ELF size,
    /// or the next symbol, or the end of the section).
    static func textBytes(ofObject path: String, symbol: String?) throws(AssemblerError) -> [UInt8] {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binaryURL = directory.appendingPathComponent("text.bin")
        try run("objcopy", ["-O", "binary", "--only-section=.text", path, binaryURL.path], lineOffset: 0)
        guard let data = FileManager.default.contents(atPath: binaryURL.path) else {
            throw AssemblerError(message: "objcopy produced no .text section")
        }
        let bytes = [UInt8](data)
        guard let symbol else { return bytes }
        let table = try run("nm", ["--defined-only", "-S", "-n", path], lineOffset: 0)
        // Lines: "VALUE [SIZE] TYPE NAME"; only .text symbols (t/T) matter.
        let rows: [(name: String, value: Int, size: Int?)] = table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let value = Int(fields[0], radix: 16) else { return nil }
            let type = fields[fields.count - 2]
            guard type == "t" || type == "T" else { return nil }
            let size = fields.count == 4 ? Int(fields[1], radix: 16) : nil
            return (String(fields[fields.count - 1]), value, size)
        }
        guard let position = rows.firstIndex(where: { $0.name == symbol }) else {
            throw AssemblerError(message: "no .text symbol '\(symbol)' in \(path)")
        }
        let start = rows[position].value
        let end =
            rows[position].size.map { start + $0 }
            ?? rows[(position + 1)...].first { $0.value > start }?.value ?? bytes.count
        guard start < end, end <= bytes.count else {
            throw AssemblerError(message: "symbol '\(symbol)' lies outside .text in \(path)")
        }
        return Array(bytes[start..<end])
    }

    private static func temporaryDirectory() throws(AssemblerError) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vpmu-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw AssemblerError(message: "cannot create a temporary directory")
        }
        return url
    }

    /// Runs a binutils tool from PATH; returns its stdout. `lineOffset` corrects `as` line numbers
    /// for the `.intel_syntax` line we prepend.
    @discardableResult
    private static func run(_ tool: String, _ arguments: [String], lineOffset: Int) throws(AssemblerError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw AssemblerError(message: "cannot run \(tool): \(error.localizedDescription)")
        }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errData, as: UTF8.self)
            let first =
                text.split(separator: "\n").first { $0.contains("Error") || $0.contains("error") } ?? text.split(
                    separator: "\n"
                ).first ?? "failed"
            throw AssemblerError(message: "\(tool): " + Self.relined(String(first), offset: lineOffset))
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// `fixture.s:5: Error: ...` → `line 4: Error: ...` (our line numbers, not the temporary file's).
    private static func relined(_ message: String, offset: Int) -> String {
        let parts = message.split(separator: ":", maxSplits: 2)
        guard parts.count == 3, parts[0].hasSuffix(".s"), let line = Int(parts[1]) else { return message }
        return "line \(line + offset):\(parts[2])"
    }
}

/// `as`, `objcopy` or `nm` failed, or their output was unusable.
struct AssemblerError: Error {
    var message: String
}
