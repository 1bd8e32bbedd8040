import Foundation
import Testing

@testable import VPMUCLI

/// The command line in-process: exit codes and messages of cli.md B8, the one-object JSON of Part A.
@Suite struct CommandLineTests {
    struct Outcome {
        var code: Int32
        var output: String
        var errors: [String]
    }

    func vpmu(_ arguments: String...) -> Outcome {
        var output = ""
        var errors: [String] = []
        let code = VPMU.main(arguments: arguments, output: { output += $0 }, errors: { errors.append($0) })
        return Outcome(code: code, output: output, errors: errors)
    }

    @Test func jsonRunIsExactlyOneObjectWithTheContractFields() throws {
        // add rax,rcx; xor rdx,rax; dec rcx; jnz — rcx = 1000 gives 4000 instructions, 1000 branches (by hand).
        let outcome = vpmu("run", "--hex", "4801c84831c248ffc975f5", "--reg", "rcx=1000", "--json")
        #expect(outcome.code == 0)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        #expect(object["instructions"] as? Int == 4000)
        #expect(object["branches"] as? Int == 1000)
        #expect(object["exits"] as? Int == 1)
        let stop = try #require(object["stop"] as? [String: Any])
        #expect(stop["reason"] as? String == "end")
        #expect(stop["rip"] as? String == "0x40000b")
        let registers = try #require(object["registers"] as? [String: String])
        #expect(registers["rcx"] == "0x0")
        // rax = 1000 + 999 + … + 1 = 500500.
        #expect(registers["rax"] == "0x" + String(500500, radix: 16))
        #expect(registers["rsp"] == "0x800000")
        let pmu = try #require(object["pmu"] as? [String: Any])
        #expect(pmu["global_status"] as? String == "0x0")
        #expect((pmu["counters"] as? [Any])?.count == 11)  // 8 GP + 3 fixed on the default Intel PMU
    }

    @Test func unsupportedInstructionExitsWithThreeAndNamesIt() {
        // 90 = nop at 0x400000, then 0f c7 f0 = rdrand eax at 0x400001.
        let outcome = vpmu("run", "--hex", "90 0fc7f0")
        #expect(outcome.code == 3)
        #expect(outcome.errors == ["vpmu: unsupported instruction 'rdrand' at 0x400001"])
    }

    @Test(arguments: [
        (["run", "--hex", "9"], "odd number of hex digits"),
        (["run", "--hex", "90 zz"], "'z' is not a hex digit"),
        (["run", "--hex", ""], "no code bytes"),
        (["run"], "no code given"),
        (["run", "--hex", "90", "--reg", "rip=1"], "rip is not settable"),
        (["run", "--hex", "90", "--reg", "rax=0x1ffffffffffffffff"], "below 2^64"),
        (["run", "--hex", "90", "--reg", "cr4=0x200"], "only CR4.PCE"),
        (["run", "--hex", "90", "--reg", "rflags=0x100"], "rflags bits 0x100"),
        (["run", "--hex", "90", "--vendor", "via"], "--vendor 'via'"),
        (["run", "--hex", "90", "--exit-every", "0"], "--exit-every '0'"),
        (["run", "--hex", "90", "--max-instructions", "ten"], "--max-instructions 'ten'"),
        (["run", "--hex", "90", "--cpl", "1"], "--cpl '1'"),
        (["run", "--hex", "90", "--model", "old"], "--model 'old'"),
        (["run", "--hex", "90", "--bogus"], "Unknown option"),
        (["run", "/nonexistent/code.bin"], "no such file"),
        (["run", "code.txt"], "unknown file type"),
    ] as [([String], String)])
    func badInputExitsWithTwoAndOneNamingLine(_ arguments: [String], _ fragment: String) {
        var errors: [String] = []
        let code = VPMU.main(arguments: arguments, output: { _ in }, errors: { errors.append($0) })
        #expect(code == 2)
        #expect(errors.count == 1)
        #expect(errors.first?.contains(fragment) == true, "\(errors)")
    }

    @Test func guestFaultIsAResultNotAnError() throws {
        // 90 = nop; 0f 0b = ud2 ⇒ #UD at 0x400001, one instruction retired (isa-subset.md §9).
        let outcome = vpmu("run", "--hex", "90 0f0b", "--json")
        #expect(outcome.code == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let stop = try #require(object["stop"] as? [String: Any])
        #expect(stop["reason"] as? String == "fault")
        #expect(stop["exception"] as? String == "#UD")
        #expect(stop["vector"] as? Int == 6)
        #expect(stop["rip"] as? String == "0x400001")
        #expect(stop["mnemonic"] as? String == "ud2")
        #expect(object["instructions"] as? Int == 1)
    }

    @Test func hexFileAllowsComments() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vpmu-cli-test-\(getpid()).hex").path
        try "# two nops\n90 # first\n90\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = vpmu("run", path, "--json")
        #expect(outcome.code == 0)
        #expect(outcome.output.contains("\"instructions\": 2"))
    }

    @Test func humanSummaryShowsStopAndCounts() {
        let outcome = vpmu("run", "--hex", "90 90 f4")
        #expect(outcome.code == 0)
        #expect(outcome.output.contains("3      instructions retired"))
        #expect(outcome.output.contains("stop: hlt at 0x400003"))
    }

    @Test func disasmTagsBranchesAndNeverFails() {
        let outcome = vpmu("disasm", "--hex", "75 fe 0f c7 f0 0f 0b")
        #expect(outcome.code == 0)
        let lines = outcome.output.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].contains("jne 0x400000  ; branch, "))  // then its cycle cost (cli.md B6)
        #expect(lines[1].contains("rdrand") && lines[1].hasSuffix("unsupported"))
        #expect(lines[2].contains("ud2") && lines[2].hasSuffix("invalid"))
    }
}

/// Start-up cost: an unnamed subcommand makes the argument parser derive its name with
/// `String(describing:)` on every run, whose casts missed Swift's conformance cache (5.3 M of a
/// 10-instruction run's 43.8 M host instructions in callgrind). The names are cli.md's.
@Suite struct SubcommandNameTests {
    @Test func everySubcommandNamesItselfAsTheContractDoes() {
        let names = VPMU.configuration.subcommands.map { $0.configuration.commandName }
        #expect(names == ["run", "disasm", "check", "expect", "bench"])
    }
}
