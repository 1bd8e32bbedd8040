import Emulator
import FixtureCheck
import Testing

/// The whole Fixtures/ corpus, one test case per file, and the corpus requirements of issue 6.
@Suite struct CorpusTests {
    @Test(arguments: FixtureSupport.corpusFiles)
    func fixturePasses(_ file: String) throws {
        let outcome = FixtureSupport.runner.check(file: FixtureSupport.corpus + "/" + file, emulator: try Emulator())
        #expect(outcome.malformation == nil, "\(outcome.malformation?.description ?? "")")
        for failure in outcome.failures {
            Issue.record("\(failure.label): \(failure.differences.map(\.summary).joined(separator: "; "))")
        }
    }

    @Test func corpusHasAtLeastSixtyCasesInEveryArea() {
        let files = FixtureSupport.corpusFiles
        #expect(files.count >= 60)
        for area in [
            "isa", "branches", "strings", "faults", "smc", "pmu", "overflow", "prev-counter", "amd", "cpl", "filter",
            "kvm", "bad", "pmi", "host", "cycle-model",
        ] {
            #expect(files.contains { $0.hasPrefix(area + "/") }, "no fixture in \(area)/")
        }
    }

    @Test func parallelCheckGivesTheSameOutcomesInFileOrder() throws {
        let files = try FixtureCorpus.files(in: [FixtureSupport.corpus + "/branches"])
        let serial = FixtureCorpus.check(files, runner: FixtureSupport.runner, jobs: 1)
        let parallel = FixtureCorpus.check(files, runner: FixtureSupport.runner, jobs: 4)
        #expect(serial.map(\.file) == files)
        #expect(parallel.map(\.file) == files)
        #expect(parallel.map(\.status) == serial.map(\.status))
        #expect(parallel.allSatisfy { $0.status == .passed })
    }
}
