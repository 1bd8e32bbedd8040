import Emulator
import FixtureCheck
import Testing

/// A count mismatch makes the checker re-run the case with `--max-instructions k` for provenance;
/// those shorter runs must not replace the guest memory a `memory` expectation is compared with.
@Suite struct MemoryAfterProvenanceTests {
    @Test func memoryIsComparedWithTheCheckedRunNotAProvenanceRerun() throws {
        // By hand: mov + 5 × (inc [0x600000]; loop) = 11 instructions, [0x600000] = 5. The fixture
        // expects 3 instructions (wrong, so provenance re-runs happen) and the right memory word.
        let text = """
            name: memory after provenance
            why: by hand, 1 + 5 x 2 = 11 instructions, the word incremented 5 times
            code: |
              b9 05 00 00 00               # 400000: mov ecx, 5
              48 ff 04 25 00 00 60 00      # 400005: inc qword ptr [0x600000]
              e2 f6                        # 40000d: loop 0x400005
            expect:
              instructions: 3
              memory: {"0x600000": 5}
            """
        // A traced prefix of 4 makes the checker bisect, so its last re-run stops early (the corpus
        // case: intel-handler-unmask.yaml's 400+ instructions reported memory 12 instead of 14).
        var runner = FixtureSupport.runner
        runner.provenanceLimit = 4
        let outcome = runner.check(file: try FixtureSupport.write(text), emulator: try Emulator())
        #expect(outcome.status == .failed)
        let differences = try #require(outcome.failures.first?.differences)
        #expect(differences.map(\.summary) == ["instructions: expected 3, actual 11"])
    }
}
