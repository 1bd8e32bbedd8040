import Emulator
import Foundation
import Testing

/// `--sample` profiles and `--trace` output (docs/pmi-cycles.md).
@Suite struct SamplingAndTraceTests {
    typealias Options = GuestProgram.Options
    /// add rax,rcx @400000; xor rdx,rax @400003; dec rcx @400006; jnz 400000 @400009.
    static let loop = "4801c8 4831c2 48ffc9 75f5"

    @Test func instructionSamplesLandOnTheOverflowingInstruction() throws {
        // rcx = 1000 ⇒ 4000 instructions. gp7 starts at 2^48 − 101 and is re-armed at the step after
        // each wrap, so wraps happen at instructions 101k, k = 1…39 (101 · 40 > 4000). Instruction n is
        // loop slot (n − 1) mod 4 and 101k − 1 ≡ k − 1 (mod 4): slots 0, 1, 2 get 10 samples, slot 3 gets 9.
        var options = Options(registers: ["rcx=1000"])
        options.hardware.sample = try SampleRequest.parse("instructions,period=101")
        let result = try GuestProgram.run(hex: Self.loop, options)
        let profile = try #require(result.hardware.profile)
        #expect(profile.counter == "gp7")
        #expect(profile.histogram.map(\.address) == [0x40_0000, 0x40_0003, 0x40_0006, 0x40_0009])
        #expect(profile.histogram.map(\.samples) == [10, 10, 10, 9])
        #expect(result.pmis.count == 39)
        #expect(result.instructions == 4000)
    }

    /// PMI records are bounded (PMU.pmiRecordLimit) while the count stays exact: rcx = 75,001 ⇒
    /// 300,004 instructions; period 3 wraps at instructions 3k, k = 1…100,001 (3 · 100,002 > 300,004),
    /// one PMI each. Keeping every record cost 1.8 GB at period 1 over 10 M instructions.
    @Test func pmiRecordsStopAtTheLimitButAreAllCounted() throws {
        var options = Options(registers: ["rcx=75001"])
        options.hardware.sample = try SampleRequest.parse("instructions,period=3")
        let result = try GuestProgram.run(hex: Self.loop, options)
        #expect(result.instructions == 300_004)
        #expect(result.pmisAccepted == 100_001)
        #expect(result.pmis.count == 100_000)
        #expect(try #require(result.hardware.profile).total == 100_001)
        #expect(result.json.rendered().contains("\"pmis_unrecorded\": 1"))
    }

    @Test func withLongerBatchesSamplesNameTheBatchsLastInstruction() throws {
        // --exit-every 4: the wrap at instruction 101 is seen at the step after instruction 104 (a JNZ);
        // the re-arm there drops the 3 events after the wrap, so every period is 104 and every sample
        // is the JNZ: 104k ≤ 4000 ⇒ 38 samples.
        var options = Options(exitEvery: 4, registers: ["rcx=1000"])
        options.hardware.sample = try SampleRequest.parse("instructions,period=101")
        let result = try GuestProgram.run(hex: Self.loop, options)
        let profile = try #require(result.hardware.profile)
        #expect(profile.histogram.map(\.address) == [0x40_0009])
        #expect(profile.histogram.map(\.samples) == [38])
    }

    @Test func cycleSamplesFollowTheCostPattern() throws {
        // Iteration i ends its instructions at cumulative cycles 5i+1 (add), 5i+2 (xor), 5i+3 (dec),
        // 5i+5 (jnz, taken: 2). A period armed at cumulative s wraps at the first end e ≥ s + 101, and
        // the step re-arms at e (an overshoot is dropped). s + 101 ≡ 4 (mod 5) is never an end, so
        // every 4th period is 102: wraps at 405m + 101r (+1 for r = 4), r = 1…4. The run has 4999
        // cycles: m ≤ 11 for every r, plus 405·12 + 101 = 4961 ⇒ 49 samples. e mod 5 names the slot:
        // r = 1 add (13), r = 2 xor (12), r = 3 dec (12), r = 4 jnz (12).
        var options = Options(registers: ["rcx=1000"])
        options.hardware.sample = try SampleRequest.parse("cycles,period=101")
        let result = try GuestProgram.run(hex: Self.loop, options)
        let profile = try #require(result.hardware.profile)
        #expect(profile.histogram.map(\.samples) == [13, 12, 12, 12])
        #expect(profile.total == result.pmis.count)
        #expect(result.hardware.cycles == 4999)
    }

    @Test(arguments: ["cycles,period=0", "cycles", "cycles,period=281474976710656", ",period=5", "cycles,every=3"])
    func badSampleSpecsAreInputErrors(_ text: String) {
        #expect(throws: InputError.self) { try SampleRequest.parse(text) }
    }

    @Test func jsonLinesTraceHasOneObjectPerInstructionAndStep() throws {
        // rcx = 3: 12 instructions in batches of 4 ⇒ 3 exits, 4 steps. gp0 starts at 2^48 − 5 and wraps
        // on instruction 5; the step after batch 2 reports it.
        var options = Options(
            exitEvery: 4, pmcs: ["gp0=instructions,start=-5,int", "gp1=cycles"], registers: ["rcx=3"])
        let recorder = TraceRecorder(format: .jsonl)
        options.hardware.trace = recorder
        let result = try GuestProgram.run(hex: Self.loop, options)
        let objects = try recorder.rendered().split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        let instructions = objects.filter { $0["type"] as? String == "instruction" }
        let steps = objects.filter { $0["type"] as? String == "step" }
        #expect(instructions.count == 12)
        #expect(steps.count == result.exits + 1)
        // Costs: per taken iteration 1 + 1 + 1 + 2, the last JNZ 1: 14 in all, as the run total says.
        #expect(instructions.compactMap { $0["cycles"] as? Int }.reduce(0, +) == 14)
        #expect(result.hardware.cycles == 14)
        let jump = instructions[3]
        #expect(jump["address"] as? String == "0x400009")
        #expect(jump["text"] as? String == "jne 0x400000")
        #expect(jump["cycles"] as? Int == 2)
        #expect(jump["events"] as? [String] == ["instructions", "branches"])
        #expect((jump["counters"] as? [String: Int])?["gp1"] == 5)
        #expect(steps[2]["overflows"] as? [String] == ["gp0"])
        #expect((steps[2]["pmis"] as? [String])?.count == 1)
        #expect(((steps[1]["folds"] as? [String: Any])?["gp0"] as? [String: Int])?["emulated"] == 4)
    }

    @Test func chromeTraceIsOneJSONDocumentWithSlicesAndInstants() throws {
        var options = Options(exitEvery: 4, pmcs: ["gp0=instructions,start=-5,int"], registers: ["rcx=3"])
        let recorder = TraceRecorder(format: .chrome)
        options.hardware.trace = recorder
        let result = try GuestProgram.run(hex: Self.loop, options)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(recorder.rendered().utf8)) as? [String: Any])
        let events = try #require(document["traceEvents"] as? [[String: Any]])
        #expect(events.filter { $0["ph"] as? String == "X" }.count == result.exits)
        #expect(events.filter { $0["ph"] as? String == "i" }.count == result.pmis.count)
        // gp0 changes on each of the 12 instructions: 12 counter samples.
        #expect(events.filter { $0["ph"] as? String == "C" }.count == 12)
    }
}
