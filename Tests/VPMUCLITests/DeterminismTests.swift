import Foundation
import Testing

@testable import VPMUCLI

/// The same input gives byte-identical JSON on every run, the same final counts at every batch
/// size (emulated-counter model), and nothing host-specific (paths, time, addresses) in the JSON.
@Suite struct DeterminismTests {
    static func json(_ arguments: [String]) -> String {
        var output = ""
        let code = VPMU.main(arguments: arguments, output: { output += $0 }, errors: { _ in })
        #expect(code == 0)
        return output
    }

    // mov ecx, 1000; loop $ — by hand: 1 + 1000 instructions, 1000 branches (LOOP taken or not).
    static let loop = ["run", "--hex", "b9e8030000 e2fe", "--json"]
    // gp0 starts 100 below 2^48 and counts 1001 instructions: it wraps once and ends at 901.
    static let counters = ["--pmc", "gp0=instructions,start=-100,int", "--pmc", "gp1=branches"]

    @Test(arguments: [
        loop + counters,
        loop + counters + ["--exit-every", "3", "--vendor", "amd"],
        ["run", "--hex", "31c9 f7f1", "--json"],  // #DE: a fault result
        ["run", "--hex", "e8fbffffff", "--json", "--exit-every", "1000"],  // recursion into #PF
        [
            "run", "--hex", "b9e8030000 e2fe", "--json", "--model", "prev-counter", "--pmc",
            "gp0=cycles,start=-5000,int",
        ],
    ])
    func repeatedRunsGiveByteIdenticalJSON(_ arguments: [String]) {
        let first = Self.json(arguments)
        #expect(!first.isEmpty)
        for _ in 0..<3 { #expect(Self.json(arguments) == first) }
    }

    /// The fields that must not depend on `--exit-every` under emulated-counter (style.md §6).
    static func finalCounts(_ text: String) throws -> [String: String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let pmu = try #require(object["pmu"] as? [String: Any])
        let counters = try #require(pmu["counters"] as? [[String: Any]])
        var result: [String: String] = [
            "instructions": "\(object["instructions"] ?? "")", "branches": "\(object["branches"] ?? "")",
            "registers": ((object["registers"] as? [String: String]) ?? [:]).sorted { $0.key < $1.key }.map {
                "\($0.key)=\($0.value)"
            }.joined(separator: " "), "stop": "\((object["stop"] as? [String: Any])?["reason"] ?? "")",
            "global_status": "\(pmu["global_status"] ?? "")", "pmis": "\((pmu["pmis"] as? [Any])?.count ?? -1)",
        ]
        for counter in counters.prefix(2) {
            result["\(counter["name"] ?? "")"] = "\(counter["value"] ?? "") overflows \(counter["overflows"] ?? "")"
        }
        return result
    }

    @Test func finalCountsAreTheSameAtEveryBatchSize() throws {
        let expected: [String: String] = [
            "instructions": "1001", "branches": "1000", "stop": "end", "global_status": "0x1", "pmis": "1",
            "gp0": "901 overflows 1", "gp1": "1000 overflows 0",
        ]
        var registers: String? = nil
        for batch in [nil, "1", "2", "3", "7", "1000", "5000"] as [String?] {
            let arguments = Self.loop + Self.counters + (batch.map { ["--exit-every", $0] } ?? [])
            var counts = try Self.finalCounts(Self.json(arguments))
            let batchRegisters = counts.removeValue(forKey: "registers")
            #expect(counts == expected, "--exit-every \(batch ?? "none")")
            if registers == nil { registers = batchRegisters }
            #expect(batchRegisters == registers, "--exit-every \(batch ?? "none")")
        }
    }

    /// A code file's path never reaches the JSON: the same bytes from a file and from --hex give the
    /// same object, so results do not depend on where (or on which machine) the input lives.
    @Test func jsonDoesNotDependOnWhereTheCodeCameFrom() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vpmu-determinism-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("loop.bin").path
        try Data([0xB9, 0xE8, 0x03, 0x00, 0x00, 0xE2, 0xFE]).write(to: URL(fileURLWithPath: path))
        let fromFile = Self.json(["run", path, "--json"] + Self.counters)
        #expect(fromFile == Self.json(Self.loop + Self.counters))
        #expect(!fromFile.contains(directory.path))
    }
}
