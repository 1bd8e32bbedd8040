import Emulator
import FixtureCheck
import Foundation
import Testing

/// `asm:` text through GNU as, and `code_file:` with .bin, .s and ELF objects with a symbol.
@Suite struct CodeSourceTests {
    @Test func assemblyTextIsAssembledAndRun() throws {
        let text = """
            name: asm
            why: by hand - mov, 3 x (dec, jne) = 7 instructions, 3 branches
            asm: |
              mov ecx, 3
              1: dec ecx
              jne 1b
            expect: {instructions: 7, branches: 3, registers: {rcx: 0}}
            """
        #expect(try FixtureSupport.check(text).status == .passed)
    }

    @Test func binaryFileNextToTheFixture() throws {
        let path = try FixtureSupport.write("", name: "unused.yaml")
        let directory = (path as NSString).deletingLastPathComponent
        try Data([0x90, 0x90, 0xF4]).write(to: URL(fileURLWithPath: directory + "/snippet.bin"))
        let fixture = directory + "/bin.yaml"
        try "name: bin\nwhy: by hand, nop nop hlt\ncode_file: snippet.bin\nexpect: {stop: hlt, instructions: 3}\n"
            .write(toFile: fixture, atomically: true, encoding: .utf8)
        #expect(FixtureSupport.runner.check(file: fixture, emulator: try Emulator()).status == .passed)
    }

    // Two labels in one object (no ELF sizes): `second` runs from its address to the end of .text,
    // i.e. mov eax, 2 and nop - 2 instructions, RAX 2 - and never the first label's HLT.
    @Test func elfObjectBySymbol() throws {
        let path = try FixtureSupport.write(
            ".intel_syntax noprefix\nfirst:\n  mov eax, 1\n  hlt\nsecond:\n  mov eax, 2\n  nop\n", name: "two.s")
        let directory = (path as NSString).deletingLastPathComponent
        let object = directory + "/two.o"
        let assembler = Process()
        assembler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        assembler.arguments = ["as", "--64", "-o", object, path]
        try assembler.run()
        assembler.waitUntilExit()
        #expect(assembler.terminationStatus == 0)
        let fixture = directory + "/elf.yaml"
        try
            "name: elf\nwhy: by hand, second = mov eax, 2; nop\ncode_file: two.o\nsymbol: second\nexpect: {stop: end, instructions: 2, registers: {rax: 2}}\n"
            .write(toFile: fixture, atomically: true, encoding: .utf8)
        let outcome = FixtureSupport.runner.check(file: fixture, emulator: try Emulator())
        #expect(
            outcome.status == .passed,
            "\(outcome.malformation?.description ?? "") \(outcome.failures.first?.differences.map(\.summary) ?? [])")
        try "name: elf\nwhy: x\ncode_file: two.o\nsymbol: third\nexpect: {instructions: 1}\n".write(
            toFile: fixture, atomically: true, encoding: .utf8)
        let missing = FixtureSupport.runner.check(file: fixture, emulator: try Emulator())
        #expect(missing.malformation?.message.contains("no .text symbol 'third'") == true)
    }
}
