import ArgumentParser
import Emulator

/// `vpmu disasm`: a linear sweep with address, bytes, Intel syntax and tags (cli.md B6).
struct Disasm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disasm",
        abstract: "Disassemble guest code from 0x400000 (tags: branch, unsupported, invalid).")

    @OptionGroup var code: CodeSource

    mutating func execute() throws(InputError) -> String {
        let guest = try code.load()
        return try Emulator().disassemble(guest).map(\.rendered).joined(separator: "\n")
    }
}
