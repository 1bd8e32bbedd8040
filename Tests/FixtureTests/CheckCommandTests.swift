import Foundation
import Testing

/// `vpmu check` and `vpmu expect` as a user runs them: exit codes 0/1/2 (cli.md B7), the closing
/// `N passed, M failed` line, `--json`, and the expect skeleton.
@Suite struct CheckCommandTests {
    static let passing = "name: p\nwhy: by hand\ncode: |\n  90   # 400000: nop\nexpect: {instructions: 1}\n"
    static let failing = "name: f\nwhy: by hand\ncode: |\n  90   # 400000: nop\nexpect: {instructions: 2}\n"
    static let malformed = "name: m\nwhy: by hand\ncode: |\n  90   # 400000: int3\nexpect: {instructions: 1}\n"

    @Test func allPassingExitsZeroWithTheClosingLine() throws {
        let a = try FixtureSupport.write(Self.passing)
        let b = try FixtureSupport.write(Self.passing)
        let run = FixtureSupport.vpmu(["check", a, b, "-j", "2"])
        #expect(run.code == 0)
        #expect(run.output.split(separator: "\n").last == "2 passed, 0 failed")
    }

    @Test func aFailingFixtureExitsOneAndTheRestStillRun() throws {
        let run = FixtureSupport.vpmu([
            "check", try FixtureSupport.write(Self.failing), try FixtureSupport.write(Self.passing),
        ])
        #expect(run.code == 1)
        let lines = run.output.split(separator: "\n")
        #expect(lines.first?.hasPrefix("FAIL ") == true)
        #expect(lines.first?.hasSuffix("case.yaml: instructions: expected 2, actual 1") == true)
        #expect(lines.last == "1 passed, 1 failed")
    }

    @Test func aMalformedFixtureExitsTwoAndTheRestStillRun() throws {
        let run = FixtureSupport.vpmu([
            "check", try FixtureSupport.write(Self.malformed), try FixtureSupport.write(Self.failing),
            try FixtureSupport.write(Self.passing),
        ])
        #expect(run.code == 2)
        let lines = run.output.split(separator: "\n")
        #expect(lines.first?.hasPrefix("MALFORMED ") == true)
        #expect(
            lines.first?.hasSuffix("case.yaml:4: bytes at 0x400000 decode to 'nop', the comment says 'int3'") == true)
        #expect(lines.last == "1 passed, 2 failed")
    }

    @Test func aMissingPathIsBadInput() {
        let run = FixtureSupport.vpmu(["check", "/nonexistent-fixtures"])
        #expect(run.code == 2)
        #expect(run.errors == "vpmu: /nonexistent-fixtures: no such file or directory")
    }

    @Test func jsonReportCountsEachStatus() throws {
        let run = FixtureSupport.vpmu([
            "check", "--json", try FixtureSupport.write(Self.passing), try FixtureSupport.write(Self.failing),
            try FixtureSupport.write(Self.malformed),
        ])
        #expect(run.code == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(object["passed"] as? Int == 1)
        #expect(object["failed"] as? Int == 1)
        #expect(object["malformed"] as? Int == 1)
        let fixtures = try #require(object["fixtures"] as? [[String: Any]])
        let failure = try #require(
            (fixtures[1]["failures"] as? [[String: Any]])?.first?["differences"] as? [[String: Any]])
        #expect(failure.first?["field"] as? String == "instructions")
        #expect(failure.first?["expected"] as? String == "2")
        #expect(failure.first?["actual"] as? String == "1")
    }

    // The skeleton round-trips: the listing passes the disassembly check and the measured values
    // hold. (Round trip only; the corpus never takes values from here.)
    @Test func expectPrintsALabelledSkeletonThatLoads() throws {
        let run = FixtureSupport.vpmu([
            "expect", "--hex", "b9 0a 00 00 00 e2 fe", "--pmc", "gp0=instructions", "--name", "loop",
        ])
        #expect(run.code == 0, "\(run.errors)")
        #expect(run.output.hasPrefix("# MEASURED by vpmu expect"))
        #expect(
            run.output.contains(
                "  b9 0a 00 00 00           # 400000: mov ecx, 0xa\n  e2 fe                    # 400005: loop 0x400005")
        )
        #expect(run.output.contains("args: [\"--pmc\", gp0=instructions]"))
        let outcome = try FixtureSupport.check(run.output)
        #expect(outcome.status == .passed, "\(outcome.malformation?.description ?? "")")
    }

    // dec ecx; jne back: by hand 2 instructions and 1 branch per iteration, no fixed part.
    @Test func expectVaryGivesPerIterationConstants() {
        let run = FixtureSupport.vpmu([
            "expect", "--hex", "ff c9 75 fc", "--reg", "rcx=3", "--pmc", "gp1=branches", "--vary", "rcx=3,7",
        ])
        #expect(run.code == 0, "\(run.errors)")
        #expect(run.output.contains("#   instructions: 2 per iteration + 0 fixed  (= 2·rcx + 0)"))
        #expect(run.output.contains("#   branches: 1 per iteration + 0 fixed  (= 1·rcx + 0)"))
        #expect(run.output.contains("#   gp1: 1 per iteration + 0 fixed  (= 1·rcx + 0)"))
        let bad = FixtureSupport.vpmu(["expect", "--hex", "90", "--vary", "rcx=7"])
        #expect(bad.code == 2)
    }
}
