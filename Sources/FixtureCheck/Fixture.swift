import Emulator
import Foundation
import X86Decoder
import Yams

/// One fixture file: code, `vpmu run` options and expected values (cli.md B7, style.md §6).
///
/// See docs/fixtures.md for the format. Loading checks everything that can be checked without
/// running: known keys, well-formed values, and the listing's disassembly comments.
public struct Fixture: Sendable {
    public var file: String
    public var name: String
    /// Where the expected values come from (hand count, SDM, kernel test, reference emulator).
    public var why: String
    public var code: GuestCode
    /// `vpmu run` options, without the code.
    public var arguments: [String]
    public var argumentsLine: Int
    /// One run per entry; nil = no `--exit-every` added (the options decide).
    public var exitEvery: [Int?]
    public var expectations: [Expectation]
    /// `expect.error`: the run must be rejected with a message containing this text.
    public var expectedError: String?
    /// `expect.exit_code`: the exit code `vpmu run` gives for that rejection (2 or 3).
    public var expectedExitCode: Int32?

    static let topLevelKeys: Set<String> = [
        "name", "why", "code", "asm", "code_file", "symbol", "args", "exit_every", "expect",
    ]

    /// Reads and checks the fixture at `path`.
    public static func load(path: String, decoder: X86Decoder) throws(FixtureError) -> Fixture {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FixtureError(file: path, line: 0, message: "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FixtureError(file: path, line: 0, message: "not UTF-8 text")
        }
        return try parse(text, file: path, decoder: decoder)
    }

    /// Parses fixture text; `file` names it in errors and anchors `code_file` paths.
    public static func parse(_ text: String, file: String, decoder: X86Decoder) throws(FixtureError) -> Fixture {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw FixtureError(file: file, line: 0, message: "empty file")
            }
            root = node
        } catch let error as FixtureError {
            throw error
        } catch {
            throw yamlError(error, file: file)
        }
        let reader = NodeReader(file: file)
        let top = try reader.mapping(root, what: "the fixture")
        for (key, entry) in top where !topLevelKeys.contains(key) {
            throw reader.error(
                entry.node, "unknown key '\(key)' (expected one of \(topLevelKeys.sorted().joined(separator: ", ")))")
        }
        let name = try reader.string(top, "name", required: true) ?? ""
        let why = try reader.string(top, "why", required: true) ?? ""
        guard !why.allSatisfy(\.isWhitespace) else {
            throw reader.error(top["why"]?.node ?? root, "'why' must say where the expected values come from")
        }
        let code = try loadCode(top, reader: reader, root: root, decoder: decoder)
        var arguments: [String] = []
        var argumentsLine = root.line
        if let (node, _) = top["args"] {
            argumentsLine = node.line
            if let scalar = node.scalar {
                arguments = scalar.string.split(whereSeparator: \.isWhitespace).map(String.init)
            } else if let sequence = node.sequence {
                arguments = try sequence.map { item throws(FixtureError) in
                    guard let scalar = item.scalar else { throw reader.error(item, "each of 'args' must be a string") }
                    return scalar.string
                }
            } else {
                throw reader.error(node, "'args' must be a list of `vpmu run` options")
            }
            if let bad = arguments.first(where: {
                $0 == "--hex" || $0 == "--json" || !$0.hasPrefix("-") && $0.hasSuffix(".hex")
            }) {
                throw reader.error(node, "'args' must not contain '\(bad)': the code comes from the fixture")
            }
        }
        var exitEvery: [Int?] = [nil]
        if let (node, _) = top["exit_every"] {
            if arguments.contains("--exit-every") {
                throw reader.error(node, "give --exit-every either in 'args' or as 'exit_every', not both")
            }
            let items = node.sequence.map(Array.init) ?? [node]
            exitEvery = try items.map { item throws(FixtureError) -> Int? in
                guard let text = item.scalar?.string, let value = parseInteger(text), value >= 1,
                    value <= UInt64(Int.max)
                else {
                    throw reader.error(item, "'exit_every' entries must be integers ≥ 1")
                }
                return Int(value)
            }
            guard !exitEvery.isEmpty else { throw reader.error(node, "'exit_every' is empty") }
        }
        guard let (expectNode, _) = top["expect"] else {
            throw reader.error(root, "missing 'expect'")
        }
        var parsed = try ExpectationParser(reader: reader).parse(expectNode)
        if parsed.expectations.isEmpty && parsed.error == nil {
            throw reader.error(expectNode, "'expect' compares nothing")
        }
        parsed.expectations.sort { $0.line < $1.line }
        return Fixture(
            file: file, name: name, why: why, code: code, arguments: arguments, argumentsLine: argumentsLine,
            exitEvery: exitEvery, expectations: parsed.expectations, expectedError: parsed.error,
            expectedExitCode: parsed.exitCode)
    }

    /// Exactly one of `code` (checked listing), `asm` (GNU as) or `code_file`.
    private static func loadCode(
        _ top: [String: (node: Node, keyLine: Int)], reader: NodeReader, root: Node, decoder: X86Decoder
    ) throws(FixtureError) -> GuestCode {
        let sources = ["code", "asm", "code_file"].filter { top[$0] != nil }
        guard sources.count == 1 else {
            throw reader.error(
                root,
                sources.isEmpty
                    ? "missing 'code', 'asm' or 'code_file'" : "give only one of \(sources.joined(separator: ", "))")
        }
        let key = sources[0]
        guard let (node, _) = top[key], let scalar = node.scalar else {
            throw reader.error(top[key]?.node ?? root, "'\(key)' must be text")
        }
        let origin = (reader.file as NSString).lastPathComponent
        let firstLine = scalar.style == .literal || scalar.style == .folded ? node.line + 1 : node.line
        let bytes: [UInt8]
        switch key {
        case "code":
            bytes = try CodeListing.parse(scalar.string, file: reader.file, firstLine: firstLine, decoder: decoder)
        case "asm":
            do {
                bytes = try Assembler.assemble(scalar.string)
            } catch {
                throw FixtureError(file: reader.file, line: firstLine, message: "asm: \(error.message)")
            }
        default:
            let directory = (reader.file as NSString).deletingLastPathComponent
            let path =
                scalar.string.hasPrefix("/")
                ? scalar.string : (directory as NSString).appendingPathComponent(scalar.string)
            let symbol = top["symbol"]?.node.scalar?.string
            do {
                bytes = try fileBytes(path, symbol: symbol)
            } catch {
                throw reader.error(node, error.description)
            }
        }
        do {
            return try GuestCode(bytes: bytes, origin: origin)
        } catch {
            throw FixtureError(file: reader.file, line: firstLine, message: error.description)
        }
    }

    /// `.bin`/`.hex` as `vpmu run FILE` reads them, `.s` assembled, `.o`/`.elf` by symbol.
    private static func fileBytes(_ path: String, symbol: String?) throws(InputError) -> [UInt8] {
        let fileExtension = (path as NSString).pathExtension.lowercased()
        switch fileExtension {
        case "bin", "hex":
            return try GuestCode.load(path: path).bytes
        case "s", "o", "elf":
            guard FileManager.default.fileExists(atPath: path) else { throw .badFile("\(path): no such file") }
            do {
                if fileExtension == "s" {
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw InputError.badFile("\(path): cannot be read")
                    }
                    return try Assembler.assemble(String(decoding: data, as: UTF8.self))
                }
                return try Assembler.textBytes(ofObject: path, symbol: symbol)
            } catch let error as AssemblerError {
                throw .badFile("\(path): \(error.message)")
            } catch {
                throw .badFile("\(path): cannot be read")
            }
        default:
            throw .badFile("\(path): unknown code file type '.\(fileExtension)' (expected .bin, .hex, .s, .o or .elf)")
        }
    }

    /// A Yams error as `file:line: message`.
    private static func yamlError(_ error: Error, file: String) -> FixtureError {
        let text = String(describing: error)
        // Yams prints "LINE:COLUMN: error: ..." first.
        let fields = text.split(separator: ":", maxSplits: 2)
        if fields.count == 3, let line = Int(fields[0]), Int(fields[1]) != nil {
            var message = fields[2].split(separator: "\n").first.map(String.init) ?? "malformed YAML"
            message = message.trimmingCharacters()
            if message.hasSuffix(":") { message.removeLast() }
            return FixtureError(
                file: file, line: line, message: "YAML " + message.replacingOccurrences(of: "error: ", with: ""))
        }
        return FixtureError(
            file: file, line: 0,
            message: "malformed YAML: " + (text.split(separator: "\n").first.map(String.init) ?? ""))
    }
}

extension Node {
    /// 1-based line of the node (0 if Yams gave no mark).
    var line: Int { mark?.line ?? 0 }
}

/// Reads YAML nodes with errors that name the fixture file and line.
struct NodeReader {
    let file: String

    func error(_ node: Node, _ message: String) -> FixtureError {
        FixtureError(file: file, line: node.line, message: message)
    }

    /// A mapping with string keys, rejecting duplicates; each value with the line of its key.
    func mapping(_ node: Node, what: String) throws(FixtureError) -> [String: (node: Node, keyLine: Int)] {
        guard let mapping = node.mapping else { throw error(node, "\(what) must be a mapping of keys to values") }
        var result: [String: (node: Node, keyLine: Int)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw error(key, "keys must be plain text") }
            guard result[name] == nil else { throw error(key, "duplicate key '\(name)'") }
            result[name] = (value, key.line)
        }
        return result
    }

    func string(_ map: [String: (node: Node, keyLine: Int)], _ key: String, required: Bool) throws(FixtureError)
        -> String?
    {
        guard let (node, _) = map[key] else {
            if required { throw FixtureError(file: file, line: 1, message: "missing '\(key)'") }
            return nil
        }
        guard let scalar = node.scalar else { throw error(node, "'\(key)' must be text") }
        return scalar.string
    }
}
