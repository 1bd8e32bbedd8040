import Emulator
import Foundation
import Testing

@testable import VPMUCLI

/// Every input path answers malformed input with one line on stderr that names the problem and
/// exit code 2 (3 for an unsupported instruction), never a trap or a stack trace; guest exceptions
/// are results (exit 0, stop `fault`). One row per case of the table in docs/correctness.md.
@Suite struct BadInputTests {
    struct Outcome {
        var code: Int32
        var output: String
        var errors: [String]
    }

    static func vpmu(_ arguments: [String]) -> Outcome {
        var output = ""
        var errors: [String] = []
        let code = VPMU.main(arguments: arguments, output: { output += $0 }, errors: { errors.append($0) })
        return Outcome(code: code, output: output, errors: errors)
    }

    static func temporaryFile(_ name: String, _ contents: Data) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vpmu-bad-\(getpid())-\(name)").path
        try contents.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Exit 2, one line, starting "vpmu: ", naming `fragment`, no trap text.
    static func expectRejected(_ arguments: [String], naming fragment: String, code: Int32 = 2) {
        let outcome = vpmu(arguments)
        #expect(outcome.code == code, "\(arguments): \(outcome.errors)")
        #expect(outcome.errors.count == 1, "\(arguments): \(outcome.errors)")
        let line = outcome.errors.first ?? ""
        #expect(line.hasPrefix("vpmu: ") && !line.contains("\n"), "\(line)")
        #expect(line.contains(fragment), "\(arguments): '\(line)' does not name '\(fragment)'")
        for trap in ["Fatal error", "Stack dump", "Swift runtime failure", "#0 0x"] { #expect(!line.contains(trap)) }
        #expect(outcome.output.isEmpty)
    }

    @Test(
        arguments: [
            // hex text
            (["run", "--hex", "4"], "odd number of hex digits"),
            (["run", "--hex", "90 9"], "line 1, column 4"),
            (["run", "--hex", "90 g0"], "'g' is not a hex digit"),
            (["run", "--hex", "90\u{00e9}"], "'\u{00e9}' is not a hex digit"),
            (["run", "--hex", "   "], "no code bytes"),
            (["run", "--hex", "# 90"], "'#' is not a hex digit"),  // comments only in .hex files
            // code source
            (["run"], "no code given"),
            (["run", "x.bin", "--hex", "90"], "not both"),
            (["run", "/nonexistent/dir/code.hex"], "no such file"),
            (["run", "code.elf"], "unknown file type '.elf'"),
            (["run", "code"], "unknown file type"),
            (["run", "/tmp"], "unknown file type"),
            // options
            (["run", "--hex", "90", "--pmc", "gp9=instructions"], "--pmc 'gp9=instructions'"),
            (["run", "--hex", "90", "--pmc", "gp0=flops"], "--pmc 'gp0=flops'"),
            (["run", "--hex", "90", "--pmc", "gp0=instructions,start=0x1000000000000"], "--pmc"),
            (["run", "--hex", "90", "--pmc", "gp0=instructions", "--pmc", "gp0=branches"], "gp0"),
            (["run", "--hex", "90", "--pmc", "fixed0=branches"], "fixed0"),
            (["run", "--hex", "90", "--vendor", "amd", "--pmc", "gp6=instructions"], "gp6"),
            (["run", "--hex", "90", "--vendor", "amd", "--pmc", "gp0=ref-cycles"], "ref-cycles"),
            (["run", "--hex", "90", "--pmc", "gp0"], "--pmc 'gp0'"),
            (["run", "--hex", "90", "--filter", "maybe,0xc0:0x00"], "--filter"),
            (["run", "--hex", "90", "--filter", "deny,0xzz:0x00"], "--filter"),
            (["run", "--hex", "90", "--reg", "rax"], "--reg 'rax'"),
            (["run", "--hex", "90", "--reg", "xmm0=1"], "unknown register 'xmm0'"),
            (["run", "--hex", "90", "--reg", "rbx=-1"], "--reg 'rbx=-1'"),
            (["run", "--hex", "90", "--reg", "rflags=0x100"], "rflags bits 0x100"),
            (["run", "--hex", "90", "--lvtpc", "banana"], "--lvtpc 'banana'"),
            (["run", "--hex", "90", "--lvtpc", "0x10000000000"], "lvtpc"),
            (["run", "--hex", "90", "--exit-every", "0"], "--exit-every '0': expected an integer 1 or more"),
            (["run", "--hex", "90", "--exit-every", "-3"], "--exit-every"),
            (["run", "--hex", "90", "--exit-every", "99999999999999999999"], "--exit-every"),
            (["run", "--hex", "90", "--max-instructions", "0"], "--max-instructions '0'"),
            (["run", "--hex", "90", "--max-instructions", "1e6"], "--max-instructions '1e6'"),
            (["run", "--hex", "90", "--cpl", "2"], "--cpl '2'"),
            (["run", "--hex", "90", "--pmu-version", "3"], "--pmu-version '3'"),
            (["run", "--hex", "90", "--gp-counters", "9"], "--gp-counters '9'"),
            (["run", "--hex", "90", "--exit-on", "msr,io"], "unknown 'io'"),
            (["run", "--hex", "90", "--quirk", "fast"], "unknown 'fast'"),
            (["run", "--hex", "90", "--host-strategy", "pool"], "--host-strategy 'pool'"),
            (["run", "--hex", "90", "--model", "v5"], "--model 'v5'"),
            (["run", "--hex", "90", "--frobnicate"], "Unknown option"),
            (["launch"], "launch"),
        ] as [([String], String)])
    func malformedArgumentIsOneNamingLineWithExitTwo(_ arguments: [String], _ fragment: String) {
        Self.expectRejected(arguments, naming: fragment)
    }

    @Test func unsupportedInstructionIsExitThreeNamingMnemonicAndAddress() {
        // 0f 31 = rdtsc, outside the subset (isa-subset.md §3), at 0x400000.
        Self.expectRejected(["run", "--hex", "0f31"], naming: "unsupported instruction 'rdtsc' at 0x400000", code: 3)
    }

    @Test func hexFileErrorsNameFileLineAndColumn() throws {
        let path = try Self.temporaryFile("bad.hex", Data("# ok\n90 90\n90 x1\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        Self.expectRejected(["run", path], naming: "line 3, column 4: 'x' is not a hex digit")
    }

    @Test func hexFileWithOnlyCommentsHasNoCode() throws {
        let path = try Self.temporaryFile("empty.hex", Data("# nothing here\n\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        Self.expectRejected(["run", path], naming: "no code bytes")
    }

    @Test func hexFileThatIsNotUTF8IsRejected() throws {
        let path = try Self.temporaryFile("latin1.hex", Data([0x39, 0x30, 0x20, 0xFF, 0xFE]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        Self.expectRejected(["run", path], naming: "not UTF-8")
    }

    @Test func emptyBinFileHasNoCode() throws {
        let path = try Self.temporaryFile("empty.bin", Data())
        defer { try? FileManager.default.removeItem(atPath: path) }
        Self.expectRejected(["run", path], naming: "no code bytes")
    }

    @Test func directoryNamedLikeACodeFileIsRejected() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vpmu-bad-\(getpid())-dir.bin").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        Self.expectRejected(["run", path], naming: "is a directory")
    }

    /// 2 MiB + 1 bytes of code would overlap the data region at 0x600000 (cli.md B1).
    @Test func binFileOneByteOverTwoMebibytesIsRejected() throws {
        let path = try Self.temporaryFile("big.bin", Data(repeating: 0x90, count: 2 * 1024 * 1024 + 1))
        defer { try? FileManager.default.removeItem(atPath: path) }
        Self.expectRejected(["run", path], naming: "more than 2 MiB")
    }

    /// 50 MB inputs are rejected after reading at most the limit (sparse files, so the test is cheap).
    @Test(arguments: [("huge.bin", "more than 2 MiB"), ("huge.hex", "too large")])
    func fiftyMegabyteInputIsRejectedWithoutReadingItAll(_ name: String, _ fragment: String) throws {
        let path = try Self.temporaryFile(name, Data())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 50_000_000)
        try handle.close()
        Self.expectRejected(["run", path], naming: fragment)
    }

    // MARK: - Guest-side bad input: results, not errors

    /// Guest exceptions end the run with exit 0 and stop `fault`, naming the exception (isa-subset.md §9).
    @Test(
        arguments: [
            // wrmsr IA32_PERFEVTSEL0 (0x186) with reserved bit 21 set in EAX: #GP (pmu-semantics.md, KVM
            // kvm_pmu_set_msr rejects reserved bits). mov ecx,0x186; mov eax,0x200000; xor edx,edx; wrmsr
            ("b986010000 b800002000 31d2 0f30", "#GP", "0x40000c"),
            // rdmsr of an MSR vpmu does not model (0x12345678): #GP.
            ("b978563412 0f32", "#GP", "0x400005"),
            // undecodable bytes (0x06 is invalid in 64-bit mode): #UD.
            ("90 06", "#UD", "0x400001"),
            // a 16-byte instruction (15 prefixes + nop) is over the 15-byte limit: #GP (SDM Vol. 3 §6.15).
            ("66666666666666666666666666666690", "#GP", "0x400000"),
            // a load from unmapped 0x500000: #PF.
            ("8b042500005000", "#PF", "0x400000"),
            // div by zero: #DE (xor ecx,ecx; div ecx).
            ("31c9 f7f1", "#DE", "0x400002"),
        ] as [(String, String, String)])
    func guestFaultIsAResultWithExitZero(_ hex: String, _ exception: String, _ rip: String) throws {
        let outcome = Self.vpmu(["run", "--hex", hex, "--json"])
        #expect(outcome.code == 0, "\(outcome.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let stop = try #require(object["stop"] as? [String: Any])
        #expect(stop["reason"] as? String == "fault")
        #expect(stop["exception"] as? String == exception)
        #expect(stop["rip"] as? String == rip)
    }

    @Test func guestMSRWriteAtCPL3IsAGeneralProtectionFault() throws {
        // WRMSR is privileged: at CPL 3 it raises #GP(0) before any MSR check (SDM WRMSR).
        let outcome = Self.vpmu(["run", "--hex", "b986010000 31c0 31d2 0f30", "--cpl", "3", "--json"])
        #expect(outcome.code == 0)
        #expect(outcome.output.contains("\"exception\": \"#GP\""))
        #expect(outcome.output.contains("\"instructions\": 3"))
    }

    // MARK: - Bounded time and memory

    /// The default limit is 100,000,000 retired instructions (cli.md B1): a run without
    /// `--max-instructions` gets it (the 100 M-instruction endless loop itself is timed in
    /// docs/correctness.md with the release binary); an endless loop stops at exactly the limit.
    @Test func endlessLoopStopsAtTheInstructionLimit() throws {
        let defaults = try Run.parse(["--hex", "ebfe"]).makeConfiguration()
        #expect(defaults.maxInstructions == 100_000_000)
        let outcome = Self.vpmu(["run", "--hex", "ebfe", "--max-instructions", "200000", "--json"])
        #expect(outcome.code == 0)
        #expect(outcome.output.contains("\"reason\": \"limit\""))
        #expect(outcome.output.contains("\"instructions\": 200000"))
        #expect(outcome.output.contains("\"branches\": 200000"))
    }

    /// `call` to itself recurses until the stack, then the data region below it (mapped RW and
    /// adjacent), are exhausted: 0x800000 − 0x600000 = 2 MiB = 262,144 return addresses, then the
    /// next push writes 0x5ffff8, unmapped: #PF with W (bit 1) set, CR2 = 0x5ffff8, RIP at the call.
    @Test func deepRecursionOverflowsTheStackMappingIntoAPageFault() throws {
        let outcome = Self.vpmu(["run", "--hex", "e8fbffffff", "--json"])
        #expect(outcome.code == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let stop = try #require(object["stop"] as? [String: Any])
        #expect(stop["exception"] as? String == "#PF")
        #expect(stop["cr2"] as? String == "0x5ffff8")
        #expect(stop["error_code"] as? String == "0x2")
        #expect(stop["rip"] as? String == "0x400000")
        #expect(object["instructions"] as? Int == 262_144)
        #expect(object["branches"] as? Int == 262_144)
    }

    /// A pop at the top of the stack mapping reads 0x800000, unmapped: #PF, RSP unchanged (isa-subset.md §4).
    @Test func popAboveTheStackTopIsAPageFault() throws {
        let outcome = Self.vpmu(["run", "--hex", "58", "--json"])
        #expect(outcome.output.contains("\"cr2\": \"0x800000\""))
        #expect(outcome.output.contains("\"rsp\": \"0x800000\""))
        #expect(outcome.output.contains("\"instructions\": 0"))
    }
}
