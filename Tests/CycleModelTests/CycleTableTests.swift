import CycleModel
import Foundation
import Testing
import X86IR

/// Table parsing (cycle-model.md §4) and the worked costs of §2, on hand-built records.
@Suite struct CycleTableTests {
    let table = CycleTable()

    // Records as the decoder lowers them (operand slots as in X86Decoder/Lowering.swift).
    static let registerMove = LoweredInstruction(opcode: .mov, length: 3, destination: .register(0), source: .register(1))
    static let loadMove = LoweredInstruction(opcode: .mov, length: 3, destination: .register(0), source: .memory)
    static let storeMove = LoweredInstruction(opcode: .mov, length: 3, destination: .memory, source: .register(0))
    static let addFromMemory = LoweredInstruction(opcode: .add, length: 3, destination: .register(0), source: .memory)
    static let addToMemory = LoweredInstruction(opcode: .add, length: 3, destination: .memory, source: .register(0))
    static let lockedAdd = LoweredInstruction(
        opcode: .add, length: 4, destination: .memory, source: .register(0), attributes: .lock)
    static let imulFromMemory = LoweredInstruction(
        opcode: .imul, length: 4, destination: .register(0), source: .memory)
    static let divide64 = LoweredInstruction(opcode: .div, length: 3, destination: .register(1))
    static let push = LoweredInstruction(opcode: .push, length: 1, destination: .register(0))
    static let pop = LoweredInstruction(opcode: .pop, length: 1, destination: .register(0))
    static let call = LoweredInstruction(opcode: .call, length: 5, source: .immediate)
    static let ret = LoweredInstruction(opcode: .ret, length: 1)
    static let jumpIndirect = LoweredInstruction(opcode: .jmp, length: 3, source: .memory)
    static let jcc = LoweredInstruction(opcode: .jcc, length: 2)
    static let enter = LoweredInstruction(opcode: .enter, length: 4)
    static let leave = LoweredInstruction(opcode: .leave, length: 1)
    static let xchgMemory = LoweredInstruction(opcode: .xchg, length: 3, destination: .memory, source: .register(0))

    @Test(arguments: [
        // cycle-model.md §2 "Worked costs", each derived from the default rows.
        ("mov r,r", registerMove, 1), ("mov r,[m]", loadMove, 4), ("mov [m],r", storeMove, 1),
        ("add r,[m]", addFromMemory, 5), ("add [m],r", addToMemory, 6), ("lock add [m],r", lockedAdd, 24),
        ("imul r,[m]", imulFromMemory, 7), ("div r64", divide64, 40), ("push", push, 1), ("pop", pop, 4),
        ("call rel32", call, 3), ("ret", ret, 6), ("jmp [m]", jumpIndirect, 6),
        ("jcc (static part: not taken)", jcc, 1), ("enter 0,0", enter, 2), ("leave", leave, 5),
        // xchg [m],r: base 0 (data movement) + load 4 + store 1 + locked 18.
        ("xchg [m],r", xchgMemory, 23),
    ] as [(String, LoweredInstruction, UInt64)])
    func workedCostsMatchTheSpec(_ name: String, _ insn: LoweredInstruction, _ expected: UInt64) {
        #expect(table.staticCost(of: insn) == expected, "\(name)")
    }

    @Test func takenAndStringTermsAreTheTableRows() {
        #expect(table.takenCost == 1)
        #expect(table.stringElementCost == 1)
        #expect(table.exitCost == 0)
    }

    @Test func referenceClockIsFlooredRatio() {
        // R(C) = floor(C * 2000 / 3000): S1's 10 cycles give 6 (cycle-model.md §3.4).
        #expect(table.referenceCycles(atCoreCycles: 10) == 6)
        #expect(table.referenceCycles(atCoreCycles: 1) == 0)
        #expect(table.referenceCycles(atCoreCycles: 2) == 1)
        #expect(table.referenceCycles(atCoreCycles: 3) == 2)
        // 2^63 * 2 / 3 needs 128 bits: floor(2^64 / 3) = 6148914691236517205.
        #expect(table.referenceCycles(atCoreCycles: 1 << 63) == 6_148_914_691_236_517_205)
    }

    @Test(arguments: [1, 2, 3, 5, 100] as [UInt64])
    func coreCyclesBoundNeverOvershootsARefWrap(_ refEvents: UInt64) {
        // The bound x must satisfy: no increase smaller than x can add refEvents, from any start c0.
        let bound = table.coreCyclesBound(forReferenceCycles: refEvents)
        for c0: UInt64 in 0..<30 {
            let gained = table.referenceCycles(atCoreCycles: c0 + bound - 1) - table.referenceCycles(atCoreCycles: c0)
            #expect(gained < refEvents, "c0 \(c0)")
        }
    }

    @Test func shippedDefaultTableIsTheBuiltInOne() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fixtures/cycles/default.cycles").standardized.path
        let parsed = try CycleTable.parse(try String(contentsOfFile: path, encoding: .utf8), name: path)
        #expect(parsed == CycleTable())
        // Every key is written out, so the file documents the whole table.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for (key, value) in CycleTable.defaults { #expect(text.contains("\n\(key) = \(value)"), "\(key)") }
    }

    @Test func tableFileOverridesKeysAndMnemonics() throws {
        let text = """
            # calibrated for the lab box
            version = 1
            alu = 2   # every ALU op
            load=7
            op.imul = 4
            core_mhz = 1000
            """
        let parsed = try CycleTable.parse(text, name: "t.cycles")
        #expect(parsed["alu"] == 2)
        #expect(parsed.coreMHz == 1000)
        #expect(parsed.refMHz == 2000)
        // add r,[m] = alu 2 + load 7; imul r,[m] = override 4 + load 7; mul keeps 3.
        #expect(parsed.staticCost(of: Self.addFromMemory) == 9)
        #expect(parsed.staticCost(of: Self.imulFromMemory) == 11)
        #expect(parsed["mul"] == 3)
    }

    @Test(arguments: [
        ("alu = 1", "t line 1: the first setting must be 'version = 1'"),
        ("version = 2", "t line 1: version 2 is not supported (only 1)"),
        ("version = 1\nfrobnicate = 3", "t line 2: unknown key 'frobnicate'"),
        ("version = 1\nalu = -1", "t line 2: '-1' is not a decimal integer from 0 to 4294967295"),
        ("version = 1\nalu = 4294967296", "t line 2: '4294967296' is not a decimal integer from 0 to 4294967295"),
        ("version = 1\nalu = 0x10", "t line 2: '0x10' is not a decimal integer from 0 to 4294967295"),
        ("version = 1\nop.frob = 1", "t line 2: unknown mnemonic 'frob' in 'op.frob'"),
        ("version = 1\n\nalu", "t line 3: expected 'key = integer', got 'alu'"),
        ("version = 1\ncore_mhz = 0", "t line 2: core_mhz must be at least 1"),
        ("# only a comment", "t: missing 'version = 1'"),
    ])
    func badTablesNameTheLine(_ text: String, _ message: String) {
        #expect(throws: CycleTableError(message)) { try CycleTable.parse(text, name: "t") }
    }
}
