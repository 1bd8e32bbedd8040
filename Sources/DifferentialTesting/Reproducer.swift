import Emulator
import X86IR

/// Prints a mismatch as a fixture-like YAML block (keys name/code/args/expect/why): the bytes with
/// address and disassembly per line, and Unicorn's values as the candidate expectation.
enum Reproducer {
    static func yaml(
        name: String, program: GeneratedProgram, mismatches: [Mismatch], exitEvery: Int?, emulator: Emulator
    )
        -> String
    {
        var lines = ["name: \"\(name)\"", "code: |"]
        if let code = try? GuestCode(bytes: program.bytes, origin: "difftest") {
            for line in emulator.disassemble(code) {
                let bytes = line.bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
                lines.append(
                    "  \(bytes.padding(toLength: 36, withPad: " ", startingAt: 0)) # \(hexText(line.address)): \(line.text)"
                )
            }
        }
        var args = "args: [--pmc, gp0=instructions, --pmc, gp1=branches"
        if let exitEvery { args += ", --exit-every, \"\(exitEvery)\"" }
        lines.append(args + "]")
        lines.append("expect:  # Unicorn's values; check each against the SDM before trusting it")
        if let unicorn = try? UnicornMachine.run(program) {
            let stop: String
            switch unicorn.stop {
            case .end: stop = "end"
            case .fault: stop = "fault"
            case .limit: stop = "limit"
            case .other(let text): stop = "\"\(text)\""
            }
            lines.append("  stop: \(stop)")
            lines.append("  instructions: \(unicorn.instructions)")
            lines.append("  branches: \(unicorn.branches)")
            lines.append("  counters: {gp0: \(unicorn.instructions), gp1: \(unicorn.branches)}")
            let names = generalRegisterNames + ["rip"]
            let values = unicorn.registers + [unicorn.rip]
            let differing = names.indices.filter { index in mismatches.contains { $0.field == names[index] } }
            if !differing.isEmpty {
                let pairs = differing.map { "\(names[$0]): \"\(hexText(values[$0]))\"" }
                lines.append("  registers: {" + pairs.joined(separator: ", ") + "}")
            }
        }
        for mismatch in mismatches {
            lines.append("  # \(mismatch.field): vpmu \(mismatch.vpmu), unicorn \(mismatch.unicorn)")
        }
        lines.append(
            "why: vpmu and Unicorn 2.0.1 (QEMU TCG, Haswell model) disagree on: "
                + mismatches.map(\.field).joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
