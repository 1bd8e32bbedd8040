import Emulator
import FixtureCheck
import Foundation
import Testing

/// The checker itself: diffs with per-event provenance, malformed fixtures with file and line,
/// the code sources, and `vpmu check` exit codes (cli.md B7).
@Suite struct CheckerTests {
    static let loop = """
        name: loop
        why: by hand, mov + 10 LOOPs = 11 instructions, 10 of them branches
        code: |
          b9 0a 00 00 00   # 400000: mov ecx, 0xa
          e2 fe            # 400005: loop 0x400005
        args: [--pmc, gp0=instructions, --pmc, gp1=branches]
        expect:
          instructions: 11
          counters: {gp0: 11, gp1: 10}
        """

    @Test func correctFixturePasses() throws {
        #expect(try FixtureSupport.check(Self.loop).status == .passed)
    }

    // A deliberately broken copy: 10 instead of 11. The 11th event is the last LOOP.
    @Test func surplusCountNamesTheInstructionThatPassedTheExpectedValue() throws {
        let outcome = try FixtureSupport.check(Self.loop.replacingOccurrences(of: "gp0: 11", with: "gp0: 10"))
        #expect(outcome.status == .failed)
        let difference = try #require(outcome.failures.first?.differences.first)
        #expect(difference.summary == "counters.gp0: expected 10, actual 11")
        #expect(
            difference.provenance.contains(
                "counters.gp0 events by instruction: 0x400000 mov ecx, 0xa ×1, 0x400005 loop 0x400005 ×10"))
        #expect(
            difference.provenance.contains(
                "counters.gp0 passes the expected 10 at retirement #11: 0x400005 loop 0x400005"))
        #expect(outcome.failures.first?.differences.count == 1, "gp1 and instructions still match")
    }

    // Past the traced prefix a bisection still finds the 11th event's instruction.
    @Test func longRunsAreBisectedPastTheTracedPrefix() throws {
        var runner = FixtureSupport.runner
        runner.provenanceLimit = 4
        let path = try FixtureSupport.write(Self.loop.replacingOccurrences(of: "gp0: 11", with: "gp0: 10"))
        let outcome = runner.check(file: path, emulator: try Emulator())
        let provenance = try #require(outcome.failures.first?.differences.first?.provenance)
        #expect(
            provenance.first
                == "counters.gp0 events by instruction (first 4 of 11 retirements): 0x400000 mov ecx, 0xa ×1, 0x400005 loop 0x400005 ×3"
        )
        #expect(provenance.last == "counters.gp0 passes the expected 10 at retirement #11: 0x400005 loop 0x400005")
    }

    // The disabling WRMSR (0x400009) retires without an event: that is what a deficit points at.
    @Test func deficitNamesTheInstructionsThatRaisedNoEvent() throws {
        let text = """
            name: enable counted, disable not
            why: by hand
            code: |
              0f 30                  # 400000: wrmsr
              90 90 90 90 90         # 400002: nop ×5
              31 c0                  # 400007: xor eax, eax
              0f 30                  # 400009: wrmsr
            args: [--reg, rcx=0x186, --reg, rax=0x4300C0]
            expect:
              counters: {gp0: 8}
            """
        let difference = try #require(try FixtureSupport.check(text).failures.first?.differences.first)
        #expect(difference.summary == "counters.gp0: expected 8, actual 7")
        #expect(difference.provenance.contains("retired without a counters.gp0 event: 0x400009 wrmsr ×1"))
    }

    @Test func everyExitEveryVariantIsReportedSeparately() throws {
        let text = Self.loop.replacingOccurrences(of: "expect:", with: "exit_every: [1, 4]\nexpect:")
            .replacingOccurrences(of: "instructions: 11", with: "instructions: 12")
        let outcome = try FixtureSupport.check(text)
        #expect(outcome.failures.map(\.label) == ["exit-every 1", "exit-every 4"])
        #expect(outcome.failures.first?.differences.first?.summary == "instructions: expected 12, actual 11")
    }

    @Test func hexExpectationsAreShownInHexAndFieldsCompareAcrossRadix() throws {
        let text = Self.loop.replacingOccurrences(of: "instructions: 11", with: "registers: {rip: 0x400008, rcx: 0x0}")
        let difference = try #require(try FixtureSupport.check(text).failures.first?.differences.first)
        #expect(difference.summary == "registers.rip: expected 0x400008, actual 0x400007")
    }

    // Intel has gp0…gp7, so an unprogrammed gp3 is reported (value 0); AMD has no gp7 at all.
    @Test func aFieldTheResultLacksIsReportedAsAbsent() throws {
        let intel = Self.loop.replacingOccurrences(
            of: "  instructions: 11\n  counters: {gp0: 11, gp1: 10}", with: "  counters: {gp3: 0}")
        #expect(try FixtureSupport.check(intel).status == .passed)
        let amd = intel.replacingOccurrences(of: "args: [", with: "args: [--vendor, amd, ")
            .replacingOccurrences(of: "gp3", with: "gp7")
        let difference = try #require(try FixtureSupport.check(amd).failures.first?.differences.first)
        #expect(difference.summary == "counters.gp7: expected 0, actual (absent from the result)")
    }

    @Test func expectedErrorsMatchMessageAndExitCode() throws {
        let base = """
            name: rdrand
            why: isa-subset.md §3
            code: |
              0f c7 f0   # 400000: rdrand eax
            expect:
            """
        #expect(try FixtureSupport.check(base + "\n  error: rdrand\n  exit_code: 3").status == .passed)
        let wrongCode = try FixtureSupport.check(base + "\n  error: rdrand\n  exit_code: 2")
        #expect(wrongCode.failures.first?.differences.first?.summary == "exit_code: expected 2, actual 3")
        let unexpected = try FixtureSupport.check(base + "\n  instructions: 0")
        #expect(
            unexpected.failures.first?.differences.first?.summary
                == "run: expected a result, actual error: unsupported instruction 'rdrand' at 0x400000")
    }
}
