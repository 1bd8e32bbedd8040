import Emulator
import FixtureCheck
import Foundation
import Testing

/// Malformed fixtures are reported with file, line and the problem; they never crash or pass.
@Suite struct MalformedFixtureTests {
    /// The outcome's error, which must exist.
    func malformation(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> FixtureError {
        let outcome = try FixtureSupport.check(text)
        #expect(outcome.status == .malformed, sourceLocation: sourceLocation)
        return try #require(outcome.malformation, sourceLocation: sourceLocation)
    }

    static let header = "name: n\nwhy: by hand\n"

    @Test func bytesThatDoNotMatchTheirCommentNameTheLineAndBothTexts() throws {
        // b9 0b… is mov ecx, 0xb: a one-digit typo the comment catches.
        let error = try malformation(
            Self.header
                + "code: |\n  90               # 400000: nop\n  b9 0b 00 00 00   # 400001: mov ecx, 0xa\nexpect: {instructions: 2}\n"
        )
        #expect(error.line == 5)
        #expect(error.message == "bytes at 0x400001 decode to 'mov ecx, 0xb', the comment says 'mov ecx, 0xa'")
        #expect(
            error.description.hasSuffix(
                "case.yaml:5: bytes at 0x400001 decode to 'mov ecx, 0xb', the comment says 'mov ecx, 0xa'"))
    }

    @Test func aWrongCommentAddressIsReported() throws {
        let error = try malformation(
            Self.header + "code: |\n  90   # 400000: nop\n  90   # 400002: nop\nexpect: {instructions: 2}\n")
        #expect(error.line == 5)
        #expect(error.message == "comment address 400002 but these bytes are at 0x400001")
    }

    @Test func aLineHoldingTwoInstructionsNeedsARepeatCount() throws {
        let error = try malformation(Self.header + "code: |\n  90 90   # 400000: nop\nexpect: {instructions: 2}\n")
        #expect(error.message == "bytes at 0x400000 decode to 'nop' of 1 bytes, not one 2-byte instruction")
        let outcome = try FixtureSupport.check(
            Self.header + "code: |\n  90 90   # 400000: nop ×2\nexpect: {instructions: 2}\n")
        #expect(outcome.status == .passed)
    }

    @Test func codeWithoutAComment() throws {
        let error = try malformation(Self.header + "code: |\n  90\nexpect: {instructions: 1}\n")
        #expect(error.line == 4)
        #expect(error.message.contains("no disassembly comment"))
    }

    @Test func badHexInTheListing() throws {
        let error = try malformation(Self.header + "code: |\n  9g   # 400000: nop\nexpect: {instructions: 1}\n")
        #expect(error.line == 4)
        #expect(error.message.contains("'g' is not a hex digit"))
    }

    @Test func unknownExpectationKeyIsNamedWithItsLine() throws {
        let error = try malformation(
            Self.header + "code: |\n  90   # 400000: nop\nexpect:\n  instructions: 1\n  instrutcions: 1\n")
        #expect(error.line == 7)
        #expect(error.message.hasPrefix("unknown expectation 'instrutcions'"))
    }

    @Test func unknownTopLevelKey() throws {
        let error = try malformation(Self.header + "code: |\n  90   # 400000: nop\nexpectt: {instructions: 1}\n")
        #expect(error.message.hasPrefix("unknown key 'expectt'"))
    }

    @Test func missingOrEmptyWhy() throws {
        let missing = try malformation("name: n\ncode: |\n  90   # 400000: nop\nexpect: {instructions: 1}\n")
        #expect(missing.message == "missing 'why'")
        let empty = try malformation("name: n\nwhy: ' '\ncode: |\n  90   # 400000: nop\nexpect: {instructions: 1}\n")
        #expect(empty.line == 2)
    }

    @Test func yamlSyntaxErrorsCarryTheirLine() throws {
        let error = try malformation("name: n\nwhy: a: b\n")
        #expect(error.line == 2)
        #expect(error.message.hasPrefix("YAML"))
    }

    @Test func badRunOptionsPointAtTheArgsLine() throws {
        let error = try malformation(
            Self.header + "code: |\n  90   # 400000: nop\nargs: [--pmc, gp9=instructions]\nexpect: {instructions: 1}\n")
        #expect(error.line == 5)
        #expect(error.message.hasPrefix("args: "))
        let unknown = try malformation(
            Self.header + "code: |\n  90   # 400000: nop\nargs: [--frobnicate]\nexpect: {instructions: 1}\n")
        #expect(unknown.message.contains("--frobnicate"))
    }

    @Test func codeMustComeFromTheFixtureNotTheArgs() throws {
        let error = try malformation(
            Self.header + "code: |\n  90   # 400000: nop\nargs: [--hex, \"90\"]\nexpect: {instructions: 1}\n")
        #expect(error.message.contains("'--hex'"))
    }

    @Test func exitEveryGivenTwiceOrInvalid() throws {
        let twice = try malformation(
            Self.header
                + "code: |\n  90   # 400000: nop\nargs: [--exit-every, \"2\"]\nexit_every: [1]\nexpect: {instructions: 1}\n"
        )
        #expect(twice.line == 6)
        let zero = try malformation(
            Self.header + "code: |\n  90   # 400000: nop\nexit_every: [0]\nexpect: {instructions: 1}\n")
        #expect(zero.message == "'exit_every' entries must be integers ≥ 1")
    }

    @Test func anExpectationThatComparesNothing() throws {
        let error = try malformation(Self.header + "code: |\n  90   # 400000: nop\nexpect: {}\n")
        #expect(error.message == "'expect' compares nothing")
    }

    @Test func twoCodeSources() throws {
        let error = try malformation(
            Self.header + "code: |\n  90   # 400000: nop\nasm: nop\nexpect: {instructions: 1}\n")
        #expect(error.message == "give only one of code, asm")
    }

    @Test func assemblerErrorsNameTheFixtureLine() throws {
        let error = try malformation(Self.header + "asm: |\n  nop\n  frob eax\nexpect: {instructions: 1}\n")
        #expect(error.line == 4)
        #expect(error.message.contains("line 2"))
        #expect(error.message.contains("frob"))
    }

    @Test func unreadableFileAndNonMapping() throws {
        let missing = FixtureSupport.runner.check(file: "/nonexistent/x.yaml", emulator: try Emulator())
        #expect(missing.malformation?.description == "/nonexistent/x.yaml: cannot be read")
        let list = try malformation("- 1\n- 2\n")
        #expect(list.message == "the fixture must be a mapping of keys to values")
    }
}
