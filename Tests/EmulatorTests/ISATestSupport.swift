import Emulator
import Testing

/// Shared helpers for the ISA conformance tests (isa-subset.md).
///
/// Snippets are assembled with GNU as (`as --64 -msyntax=intel -mnaked-reg`) and disassembled with
/// `objdump -d -M intel`; each test carries that disassembly as a comment. Expected values come
/// from Unicorn 2.0.1 (same memory map and registers as cli.md Part A; only SDM-defined flags are
/// compared) or from a hand derivation from the SDM, as the comment on each case says.
enum ISA {
    /// General registers in `RunResult.registers` order.
    static let registerNames = [
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    ]

    static func index(_ name: String) -> Int {
        guard let number = registerNames.firstIndex(of: name) else { fatalError("unknown register \(name)") }
        return number
    }

    /// Runs `hex` on the default machine. `setup` is a space-separated list of `--reg` assignments.
    static func run(
        _ hex: String, _ setup: String = "", userMode: Bool = false, maxInstructions: Int? = nil
    ) throws -> RunResult {
        let emulator = try Emulator()
        var configuration = RunConfiguration()
        for assignment in setup.split(separator: " ") where !assignment.isEmpty {
            try configuration.setRegister(String(assignment))
        }
        configuration.userMode = userMode
        if let maxInstructions { configuration.maxInstructions = maxInstructions }
        return try emulator.run(try GuestCode.parseHex(hex), configuration: configuration)
    }

    /// Parses `"rax=0x1 rcx=2"` into (register index, value) pairs.
    static func assignments(_ text: String) -> [(Int, UInt64)] {
        text.split(separator: " ").compactMap { item in
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = parseInteger(String(parts[1])) else {
                fatalError("bad assignment \(item)")
            }
            let name = String(parts[0])
            if name == "rflags" { return nil }
            return (index(name), value)
        }
    }

    /// Checks `result` against `expect` (registers named there), every other general register
    /// unchanged from its initial value, and `rflags & mask`.
    static func check(
        _ result: RunResult, expect: String, flags: UInt64? = nil, mask: UInt64 = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var expected = result.initialRegisters
        for (number, value) in assignments(expect) { expected[number] = value }
        for number in 0..<16 where result.registers[number] != expected[number] {
            Issue.record(
                "\(registerNames[number]) = \(hex(result.registers[number])), expected \(hex(expected[number]))",
                sourceLocation: sourceLocation)
        }
        if let flags, result.rflags & mask != flags & mask {
            Issue.record(
                "rflags = \(hex(result.rflags)) (masked \(hex(result.rflags & mask))), expected masked \(hex(flags & mask))",
                sourceLocation: sourceLocation)
        }
    }

    static func register(_ result: RunResult, _ name: String) -> UInt64 { result.registers[index(name)] }
}

/// RFLAGS bits and the SDM-defined flag masks used by the tables (isa-subset.md §5).
enum Flag {
    static let cf: UInt64 = 0x1
    static let pf: UInt64 = 0x4
    static let af: UInt64 = 0x10
    static let zf: UInt64 = 0x40
    static let sf: UInt64 = 0x80
    static let df: UInt64 = 0x400
    static let of: UInt64 = 0x800
    /// OF SF ZF AF PF CF.
    static let status: UInt64 = 0x8D5
    /// Logic ops: OF SF ZF PF CF (AF undefined).
    static let logic: UInt64 = 0x8C5
    /// MUL/IMUL: CF and OF only.
    static let mul: UInt64 = 0x801
}

/// One table-driven case: code, initial registers, expected registers and masked flags.
struct ISACase: Sendable, CustomTestStringConvertible {
    var name: String
    var hex: String
    var setup: String
    var expect: String
    var flags: UInt64
    var mask: UInt64
    /// Instructions the snippet retires when it runs to the end.
    var count: UInt64
    /// Retired branches, when the case checks them (isa-subset.md §8).
    var branches: UInt64?

    init(
        _ name: String, _ hex: String, setup: String = "", expect: String, flags: UInt64 = 0, mask: UInt64 = 0,
        count: UInt64 = 1, branches: UInt64? = nil
    ) {
        self.name = name
        self.hex = hex
        self.setup = setup
        self.expect = expect
        self.flags = flags
        self.mask = mask
        self.count = count
        self.branches = branches
    }

    var testDescription: String { setup.isEmpty ? name : "\(name) [\(setup)]" }

    func verify(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try ISA.run(hex, setup)
        #expect(result.stop == .end, "stop \(result.stop) fault \(String(describing: result.fault))", sourceLocation: sourceLocation)
        #expect(result.instructions == count, sourceLocation: sourceLocation)
        if let branches { #expect(result.branches == branches, sourceLocation: sourceLocation) }
        ISA.check(result, expect: expect, flags: flags, mask: mask, sourceLocation: sourceLocation)
    }
}
