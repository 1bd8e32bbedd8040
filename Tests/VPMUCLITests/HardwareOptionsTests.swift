import Foundation
import Testing

@testable import VPMUCLI

/// The cycle-model, host-cost, sampling and trace options of `vpmu run` (cli.md B3, B4, B5).
@Suite struct HardwareOptionsTests {
    func vpmu(_ arguments: [String]) -> (code: Int32, output: String, errors: [String]) {
        var output = ""
        var errors: [String] = []
        let code = VPMU.main(arguments: arguments, output: { output += $0 }, errors: { errors.append($0) })
        return (code, output, errors)
    }

    func temporaryFile(_ name: String, _ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "vpmu-\(UUID().uuidString)-" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func jsonReportsCyclesRefCyclesAndHostEstimate() throws {
        // S2 = mov ecx,10; loop self: 20 cycles, R = 13 (cycle-model.md §2, §3.4); one create at step 0:
        // estimated_ns = 1 · 1000 + 0 · 10 = 1000.
        let outcome = vpmu([
            "run", "--hex", "b90a000000e2fe", "--pmc", "gp0=cycles", "--host-cost", "create=1000,reuse=10", "--json",
        ])
        #expect(outcome.code == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        #expect(object["cycles"] as? Int == 20)
        #expect(object["ref_cycles"] as? Int == 13)
        let host = try #require(object["host"] as? [String: Any])
        #expect(host["estimated_ns"] as? Int == 1000)
        #expect(host["perf_events_created"] as? Int == 1)
    }

    @Test func cycleTableFileReplacesTheDefaults() throws {
        // alu = 3: S1 = 10 × 3 = 30 cycles; core 1000 / ref 500 ⇒ R = 15.
        let path = try temporaryFile("t.cycles", "version = 1\nalu = 3\ncore_mhz = 1000\nref_mhz = 500\n")
        let outcome = vpmu(["run", "--hex", "90909090909090909090", "--cycle-table", path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        #expect(object["cycles"] as? Int == 30)
        #expect(object["ref_cycles"] as? Int == 15)
    }

    @Test func humanSummaryShowsCyclesIPCAndTheHostBlock() {
        // S2: 11 instructions / 20 cycles = 0.55 insn per cycle.
        let outcome = vpmu(["run", "--hex", "b90a000000e2fe", "--pmc", "gp0=instructions", "--exit-every", "4"])
        #expect(outcome.code == 0)
        #expect(outcome.output.contains("                    20      cycles"))
        #expect(outcome.output.contains("                  0.55      insn per cycle"))
        #expect(outcome.output.contains(" host perf events (reuse):"))
        // Steps 0–3, each reprogramming gp0 (it counted in every batch): 4 reprograms, 1 create, 3 reuses.
        #expect(outcome.output.contains("                     4      reprograms"))
        #expect(outcome.output.contains("                     3      perf events reused"))
    }

    @Test func sampleProfileIsPrintedNextToTheDisassembly() {
        let outcome = vpmu([
            "run", "--hex", "4801c84831c248ffc975f5", "--reg", "rcx=1000", "--sample", "instructions,period=101",
        ])
        #expect(outcome.code == 0)
        // 39 samples: 10, 10, 10, 9 (derived in SamplingAndTraceTests); 10/39 = 25.64%.
        #expect(outcome.output.contains(" Samples: 39 of event 'instructions' every 101 (gp7)"))
        #expect(outcome.output.contains("   25.64%       10  400000:"))
        #expect(outcome.output.contains("   23.08%        9  400009:"))
    }

    @Test func disassemblyShowsStaticCycleCosts() {
        // cycle-model.md §2: jne = branch 1 (+ taken 1 when taken); rep movsb = string 2 (+1 per
        // element); mov eax,[m] = base 0 + load 4; wrmsr = 100.
        let outcome = vpmu(["disasm", "--hex", "75fe f3a4 8b042500006000 0f30"])
        #expect(outcome.code == 0)
        let lines = outcome.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasSuffix("; branch, 1 cycle +1 taken"))
        #expect(lines[1].hasSuffix("; 2 cycles +1 per element"))
        #expect(lines[2].hasSuffix("; 4 cycles"))
        #expect(lines[3].hasSuffix("; 100 cycles"))
    }

    @Test func traceFileIsWritten() throws {
        let path = NSTemporaryDirectory() + "vpmu-\(UUID().uuidString).jsonl"
        let outcome = vpmu(["run", "--hex", "9090", "--trace", path])
        #expect(outcome.code == 0)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        // Step 0, two NOPs, the final step.
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("{\"type\":\"instruction\",\"address\":\"0x400000\",\"text\":\"nop\",\"cycles\":1"))
    }

    @Test func longTracesAreStreamedWhole() throws {
        // rcx = 1000: 4000 instructions, 2 steps; each line is over 80 bytes, so the file is written
        // in several 64 KiB chunks. The Chrome form stays one JSON document.
        let path = NSTemporaryDirectory() + "vpmu-\(UUID().uuidString).jsonl"
        #expect(vpmu(["run", "--hex", "4801c84831c248ffc975f5", "--reg", "rcx=1000", "--trace", path]).code == 0)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.utf8.count > 1 << 17)
        #expect(text.split(separator: "\n").count == 4002)
        let chrome = NSTemporaryDirectory() + "vpmu-\(UUID().uuidString).json"
        let outcome = vpmu([
            "run", "--hex", "4801c84831c248ffc975f5", "--reg", "rcx=1000", "--pmc", "gp0=instructions",
            "--trace", chrome, "--trace-format", "chrome",
        ])
        #expect(outcome.code == 0)
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: chrome)))
        let events = try #require((document as? [String: Any])?["traceEvents"] as? [[String: Any]])
        // One batch slice and 4000 counter samples (gp0 changes on every instruction).
        #expect(events.count == 4001)
    }

    @Test(arguments: [
        (["--cycle-model", "fast"], "--cycle-model 'fast'"),
        (["--cycle-table", "/nonexistent/t.cycles"], "cannot read the file"),
        (["--core-mhz", "0"], "--core-mhz '0'"),
        (["--ref-mhz", "many"], "--ref-mhz 'many'"),
        (["--sched-in-every", "0"], "--sched-in-every '0'"),
        (["--host-cost", "create=5"], "give both create=NS and reuse=NS"),
        (["--host-cost", "build=5,reuse=1"], "unknown 'build'"),
        (["--sample", "cycles,period=0"], "period '0'"),
        (["--sample", "bogus,period=10"], "bogus"),
        (["--trace-format", "chrome"], "--trace-format needs --trace FILE"),
        (["--trace", "/tmp/x.json", "--trace-format", "svg"], "--trace-format 'svg'"),
        (["--trace", "/nonexistent/dir/t.jsonl"], "cannot create the file"),
    ] as [([String], String)])
    func badHardwareOptionsExitWithTwo(_ options: [String], _ fragment: String) {
        let outcome = vpmu(["run", "--hex", "90"] + options)
        #expect(outcome.code == 2)
        #expect(outcome.errors.count == 1)
        #expect(outcome.errors.first?.contains(fragment) == true, "\(outcome.errors)")
    }

    @Test func badCycleTableNamesTheLine() throws {
        let path = try temporaryFile("bad.cycles", "version = 1\n# fine\nalu = lots\n")
        let outcome = vpmu(["run", "--hex", "90", "--cycle-table", path])
        #expect(outcome.code == 2)
        #expect(outcome.errors == ["vpmu: --cycle-table: \(path) line 3: 'lots' is not a decimal integer from 0 to 4294967295"])
    }
}
