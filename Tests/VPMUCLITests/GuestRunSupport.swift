import Foundation
import Testing

@testable import VPMUCLI

/// One `vpmu run --json` done in-process, with typed accessors for the fields the PMU tests read.
///
/// The end-to-end PMU tests go through the whole product — option parsing, guest code, the
/// interpreter's MSR and RDPMC exits, the VM-Enter steps and the JSON — so a value they check is
/// the value a user would read.
struct GuestRun {
    let object: [String: Any]

    /// Runs `vpmu run --hex HEX --json ARGS...`; a non-zero exit code is a test failure.
    init(_ hex: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        var output = ""
        var errors: [String] = []
        let code = VPMU.main(
            arguments: ["run", "--hex", hex, "--json"] + arguments, output: { output += $0 },
            errors: { errors.append($0) })
        #expect(code == 0, "exit \(code): \(errors)", sourceLocation: sourceLocation)
        object = try #require(
            try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
            sourceLocation: sourceLocation)
    }

    /// `args` split on spaces, for the one-line option lists of the checklist.
    init(_ hex: String, _ arguments: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws {
        try self.init(hex, arguments.split(separator: " ").map(String.init), sourceLocation: sourceLocation)
    }

    var stop: [String: Any] { object["stop"] as? [String: Any] ?? [:] }
    var stopReason: String? { stop["reason"] as? String }
    var exception: String? { stop["exception"] as? String }
    var stopRIP: String? { stop["rip"] as? String }
    var instructions: Int? { object["instructions"] as? Int }
    var branches: Int? { object["branches"] as? Int }
    var exits: Int? { object["exits"] as? Int }
    private var pmu: [String: Any] { object["pmu"] as? [String: Any] ?? [:] }
    var globalStatus: String? { pmu["global_status"] as? String }
    var pmis: [[String: Any]] { pmu["pmis"] as? [[String: Any]] ?? [] }
    var pmisSuppressed: Int? { pmu["pmis_suppressed"] as? Int }

    private func counter(_ name: String) -> [String: Any]? {
        (pmu["counters"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }
    /// `pmu.counters[name].value`.
    func value(_ name: String) -> Int? { counter(name)?["value"] as? Int }
    func overflows(_ name: String) -> Int? { counter(name)?["overflows"] as? Int }
    /// A final general register, as an integer.
    func register(_ name: String) -> UInt64? {
        guard let text = (object["registers"] as? [String: String])?[name], text.hasPrefix("0x") else { return nil }
        return UInt64(text.dropFirst(2), radix: 16)
    }
}

/// The checklist's snippets and constants (pmu-semantics.md §18).
enum Snippet {
    /// S1: ten NOPs.
    static let s1 = String(repeating: "90", count: 10)
    /// S2: `mov ecx,10; loop self` — 11 instructions, 10 branches.
    static let s2 = "B9 0A 00 00 00 E2 FE"
    /// S3: `xor eax,eax; jnz +0; jz +0`.
    static let s3 = "31 C0 75 00 74 00"
    /// S4: `enter 0,0; leave`.
    static let s4 = "C8 00 00 00 C9"
    /// S5: `mov ecx,100; mov esi,0x600000; mov edi,0x600100; rep movsb`.
    static let s5 = "B9 64 00 00 00 BE 00 00 60 00 BF 00 01 60 00 F3 A4"
    static let wrmsr = "0F 30"
    static let rdmsr = "0F 32"
    static let rdpmc = "0F 33"
    /// M = 2^48 − 1.
    static let m = (1 << 48) - 1
}
