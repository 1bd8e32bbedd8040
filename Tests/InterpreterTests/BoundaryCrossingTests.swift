import Interpreter
import Testing
import X86Decoder
import X86IR

/// ``Interpreter/allowCrossings(_:window:)``: where a run may go on past a spent budget.
@Suite struct InterpreterBoundaryCrossingTests {
    /// add rax,rcx; xor rdx,rax; dec rcx; jnz: 4 instructions a lap, the 4th a branch.
    static let tightLoop: [UInt8] = [0x48, 0x01, 0xC8, 0x48, 0x31, 0xC2, 0x48, 0xFF, 0xC9, 0x75, 0xF5]

    static func machine(_ code: [UInt8], rcx: UInt64) throws -> Interpreter {
        var registers = [UInt64](repeating: 0, count: 16)
        registers[GPR.rcx] = rcx
        return FastFormTests.machine(code, registers: registers, fast: true, decoder: try X86Decoder()).0
    }

    /// Budget 100 and two crossings of 256: the run retires 100 + 2 · 256 = 612 instructions
    /// (153 laps). The two windows crossed hold instructions 1–356, with a branch at every 4th:
    /// 89; the rest, 357–612, has 64.
    @Test func aRunGoesOnForAWindowAtEachCrossing() throws {
        let interpreter = try Self.machine(Self.tightLoop, rcx: 1_000)
        interpreter.allowCrossings(2, window: 256)
        #expect(interpreter.run(budget: 100) == .budgetSpent)
        let crossings = interpreter.takeCrossings()
        #expect(crossings.count == 2)
        #expect(crossings.kernel.instructions == 356)
        #expect(crossings.kernel.branches == 89)
        #expect(crossings.user == RetirementCounts())
        let (kernel, _) = interpreter.takeRetirements()
        #expect(kernel.instructions == 256)
        #expect(kernel.branches == 64)
        #expect(interpreter.register(GPR.rcx) == 1_000 - 153)
        // The allowance is spent with the run: the next one stops at its budget.
        #expect(interpreter.run(budget: 40) == .budgetSpent)
        #expect(interpreter.takeCrossings().count == 0)
        #expect(interpreter.takeRetirements().kernel.instructions == 40)
    }

    /// 64 laps end the code after exactly 256 instructions: the boundary there is not crossed,
    /// so the batch that reached the end is the last (cli.md: `end` is noticed by that batch).
    @Test func theEndOfTheCodeIsNotCrossed() throws {
        let interpreter = try Self.machine(Self.tightLoop, rcx: 64)
        interpreter.allowCrossings(3, window: 256)
        #expect(interpreter.run(budget: 256) == .budgetSpent)
        #expect(interpreter.takeCrossings().count == 0)
        #expect(interpreter.rip == interpreter.codeEnd)
        #expect(interpreter.takeRetirements().kernel.instructions == 256)
    }

    /// 100 NOPs then the loop, windows of 64: window 1 (NOPs 1–64) has no branch, so the run
    /// stops there; from NOP 65 the next window (65–128) reaches the loop's first branch at 104.
    @Test func aWindowWithoutABranchIsNotCrossed() throws {
        let interpreter = try Self.machine([UInt8](repeating: 0x90, count: 100) + Self.tightLoop, rcx: 100)
        interpreter.allowCrossings(5, window: 64)
        #expect(interpreter.run(budget: 64) == .budgetSpent)
        #expect(interpreter.takeCrossings().count == 0)
        #expect(interpreter.takeRetirements().kernel == RetirementCounts.counting(64, branches: 0))
        interpreter.allowCrossings(1, window: 64)
        #expect(interpreter.run(budget: 64) == .budgetSpent)
        let crossings = interpreter.takeCrossings()
        #expect(crossings.count == 1)
        #expect(crossings.kernel == RetirementCounts.counting(64, branches: 7))  // 104, 108, …, 128
        #expect(interpreter.takeRetirements().kernel == RetirementCounts.counting(64, branches: 16))
    }
}

extension RetirementCounts {
    static func counting(_ instructions: UInt64, branches: UInt64) -> RetirementCounts {
        var counts = RetirementCounts()
        counts.instructions = instructions
        counts.branches = branches
        return counts
    }
}
