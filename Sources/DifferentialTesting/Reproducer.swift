import Emulator

/// Prints a mismatch as a fixture-like YAML block (keys name/code/args/expect/why): the bytes with
/// address and disassembly per line, and Unicorn's values as the candidate expectation.
enum Reproducer {
    static func yaml(name: String, program: GeneratedProgram, mismatches: [Mismatch], exitEvery: Int?, emulator: Emulator)
        -> String
    {
        var lines = ["name: \"\(name)\"", "code: |"]
        if let code = try? GuestCode(bytes: program.bytes, origin: "difftest") {
            for line in emulator.disassemble(code) {
                let bytes = line.bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
                lines.append("  \(bytes.padding(toLength: 36, withPad: " ", startingAt: 0)) # \(hexText(line.address)): \(line.text)")
            }
        }
        var args = "args: [--pmc, gp0=instructions, --pmc, gp1=branches"
        if let exitEvery { args += ", --exit-every, \"\(exitEvery)\"" }
        lines.append(args + "]")
        lines.append("expect:  # Unicorn's values for the differing fields; check them against the SDM first")
        for mismatch in mismatches {
            lines.append("  # \(mismatch.field): vpmu \(mismatch.vpmu), unicorn \(mismatch.unicorn)")
        }
        lines.append("why: vpmu and Unicorn 2.0.1 (QEMU TCG, Haswell model) disagree on: "
            + mismatches.map(\.field).joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
