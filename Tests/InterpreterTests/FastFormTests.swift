import TestSupport
import Testing
import X86Decoder
import X86IR

@testable import Interpreter

/// The fast forms and block-at-once retirement against the generic path: the same random
/// programs of exactly the shapes that get a fast form (and of their near misses: high-byte
/// registers, 16-bit operands) run with fast forms at a large budget (blocks retired at once) and
/// at budgets of 1 and 3 (record by record, and blocks cut short), against every record generic
/// at a budget of 1 (the per-instruction path): registers, RIP, RFLAGS, the data page, the stop
/// and the total retirements and cycles must agree. The generic path itself is checked against
/// hand-derived results and Unicorn elsewhere.
@Suite struct FastFormTests {
    static let codeBase: UInt64 = 0x40_0000
    static let dataBase: UInt64 = 0x60_0000

    /// One random instruction of a fast-form shape; RBX always holds `dataBase` so memory forms
    /// stay in the data page (RBX is never a destination).
    /// `sparing` names one more register never used (a loop counter the caller keeps).
    static func instruction(_ random: inout SplitMix, sparing: UInt8? = nil) -> [UInt8] {
        func register() -> UInt8 {
            var number: UInt8
            repeat { number = UInt8(random.below(16)) } while number == 3 || number == 4 || number == sparing  // not RBX, RSP
            return number
        }
        func rex(wide: Bool, reg: UInt8, rm: UInt8) -> [UInt8] {
            let byte: UInt8 = 0x40 | (wide ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3)
            return byte == 0x40 ? [] : [byte]
        }
        func modRM(_ reg: UInt8, _ rm: UInt8) -> UInt8 { 0xC0 | ((reg & 7) << 3) | (rm & 7) }
        let imm32 = withUnsafeBytes(of: UInt32(truncatingIfNeeded: random.next()).littleEndian) { Array($0) }
        let wide = random.below(2) == 0
        let d = register(), s = register()
        let aluRR: [UInt8] = [0x01, 0x29, 0x39, 0x21, 0x09, 0x31, 0x85, 0x11, 0x19]  // + ADC/SBB (generic)
        let aluDigit: [UInt8] = [0, 5, 7, 4, 1, 6, 2, 3]
        switch random.below(21) {
        case 0, 1:
            return rex(wide: wide, reg: s, rm: d) + [aluRR[random.below(aluRR.count)], modRM(s, d)]
        case 2:
            return rex(wide: wide, reg: 0, rm: d) + [0x81, modRM(aluDigit[random.below(8)], d)] + imm32
        case 3:
            return rex(wide: wide, reg: 0, rm: d) + [0x83, modRM(aluDigit[random.below(8)], d), imm32[0]]
        case 4:
            return rex(wide: wide, reg: 0, rm: d) + [0xF7, modRM(0, d)] + imm32  // test r, imm32
        case 5:
            // cmp/test r8, imm8: with REX the low bytes SPL…R15B, without it AL…BL or AH…BH (generic).
            let withREX = random.below(2) == 0
            let number = withREX ? d : UInt8(random.below(8))
            let prefix: [UInt8] = withREX ? [0x40 | (number >> 3)] : []
            return prefix + (random.below(2) == 0 ? [0x80, modRM(7, number)] : [0xF6, modRM(0, number)]) + [imm32[0]]
        case 6:
            return rex(wide: wide, reg: 0, rm: d) + [0xFF, modRM(UInt8(random.below(2)), d)]  // inc / dec
        case 7:
            return rex(wide: wide, reg: s, rm: d) + [0x89, modRM(s, d)]
        case 8:
            if random.below(2) == 0 { return rex(wide: wide, reg: 0, rm: d) + [0xC7, modRM(0, d)] + imm32 }
            let imm64 = withUnsafeBytes(of: random.next().littleEndian) { Array($0) }
            return rex(wide: true, reg: 0, rm: d) + [0xB8 | (d & 7)] + imm64
        case 9:
            // mov r, [rbx + disp8] / mov [rbx + disp8], r
            let load = random.below(2) == 0
            return rex(wide: wide, reg: d, rm: 3) + [load ? 0x8B : 0x89, 0x40 | ((d & 7) << 3) | 3, imm32[0] & 0x78]
        case 10:
            // ALU with memory: op [rbx + disp8], r / op r, [rbx + disp8]
            let opcode = aluRR[random.below(7)] | (random.below(2) == 0 ? 2 : 0)
            return rex(wide: wide, reg: d, rm: 3) + [opcode == 0x87 ? 0x85 : opcode, 0x40 | ((d & 7) << 3) | 3, imm32[0] & 0x78]
        case 11:
            return rex(wide: wide, reg: d, rm: 3) + [0x8D, 0x80 | ((d & 7) << 3) | 3] + imm32  // lea r, [rbx + disp32]
        case 12:
            // jcc over `inc rdi`, so the condition shows in RDI.
            return [0x70 | UInt8(random.below(16)), 0x03, 0x48, 0xFF, 0xC7]
        case 13:
            return [0x9C, 0x41, 0x5F]  // pushfq; pop r15: the flags as they are now
        case 14:
            return rex(wide: false, reg: 0, rm: d) + [0x50 | (d & 7)] + [0x41, 0x5E]  // push r; pop r14
        case 15:
            return rex(wide: wide, reg: d, rm: s) + [0x0F, 0xAF, modRM(d, s)]  // imul r, r
        case 17, 18:
            // shl / shr / sar r, imm8 (counts 0…69: masked, zero counts stay generic) or by 1 (D1).
            let digit = [4, 5, 7][random.below(3)] as UInt8
            if random.below(4) == 0 { return rex(wide: wide, reg: 0, rm: d) + [0xD1, modRM(digit, d)] }
            return rex(wide: wide, reg: 0, rm: d) + [0xC1, modRM(digit, d), UInt8(random.below(70))]
        case 19:
            // A flag setter and JZ/JNZ/JB/JAE over `inc rdi` right after it: a fused pair (a budget
            // of 3 cuts some between the two), or for the setters the cache does not fuse, two records.
            let setter: [UInt8]
            switch random.below(6) {
            case 0: setter = rex(wide: wide, reg: s, rm: d) + [[0x39, 0x85, 0x29][random.below(3)], modRM(s, d)]
            case 1: setter = rex(wide: wide, reg: 0, rm: d) + [0x83, modRM([7, 5, 0][random.below(3)], d), imm32[0]]
            case 2: setter = rex(wide: wide, reg: 0, rm: d) + [0xF7, modRM(0, d)] + imm32
            case 3: setter = rex(wide: wide, reg: 0, rm: d) + [0xFF, modRM(UInt8(random.below(2)), d)]
            case 4:  // cmp / test r8, imm8 (with REX: the low byte of any register)
                setter = [0x40 | (d >> 3)] + (random.below(2) == 0 ? [0x80, modRM(7, d)] : [0xF6, modRM(0, d)]) + [imm32[0]]
            default: setter = rex(wide: wide, reg: 0, rm: d) + [0x81, modRM(7, d)] + imm32
            }
            return setter + [0x72 | UInt8(random.below(4)), 0x03, 0x48, 0xFF, 0xC7]
        case 16:
            // mul r / div r (RDX:RAX); a zero or too small divisor raises #DE, which ends the program.
            let divide = random.below(4) == 0
            return rex(wide: wide, reg: 0, rm: s) + [0xF7, modRM(divide ? 6 : 4, s)]
        default:
            return [0x66] + rex(wide: false, reg: s, rm: d) + [aluRR[random.below(7)], modRM(s, d)]  // 16-bit (generic)
        }
    }

    /// The architectural outcome of a run: registers, RIP, RFLAGS, the data page's first 256
    /// bytes and how it stopped.
    struct State: Equatable {
        var registers: [UInt64]
        var rip: UInt64
        var rflags: UInt64
        var data: [UInt8]
        var stop: String

        init(_ interpreter: Interpreter, _ memory: GuestMemory, stop: ExitReason) {
            registers = (0..<16).map { interpreter.register($0) }
            rip = interpreter.rip
            rflags = interpreter.rflags
            data = memory.read(dataBase, count: 0x100) ?? []
            self.stop = "\(stop)"
        }
    }

    struct Outcome: Equatable {
        var state: State
        /// Instructions, branches and static + taken cycles over the whole run.
        var totals: [UInt64]
    }

    /// `code` at `codeBase`, a data page at `dataBase` (RBX) and a stack page below 0x70_1000 (RSP);
    /// static cost = length, `taken` 3 unless given; fast forms on or off.
    static func machine(_ code: [UInt8], registers: [UInt64], fast: Bool, taken: UInt64 = 3, decoder: X86Decoder)
        -> (Interpreter, GuestMemory)
    {
        let memory = GuestMemory(base: codeBase, size: 0x40_0000)
        let codeLimit = (codeBase + UInt64(code.count) + 0xFFF) & ~0xFFF
        _ = memory.map(codeBase, count: Int(codeLimit - codeBase), [.read, .write, .execute])
        _ = memory.map(dataBase, count: 0x1000, [.read, .write])
        _ = memory.map(0x70_0000, count: 0x1000, [.read, .write])
        _ = memory.write(code, at: codeBase)
        let interpreter = Interpreter(
            memory: memory, codeStart: codeBase, codeEnd: codeBase + UInt64(code.count), codeLimit: codeLimit,
            isIntel: true, cycleCosts: CycleCosts(staticCost: { UInt64($0.length) }, taken: taken, stringElement: 1),
            lowerer: { decoder.lower($0, at: $1) })
        interpreter.cache.fastForms = fast
        for (number, value) in registers.enumerated() { interpreter.setRegister(number, value) }
        interpreter.setRegister(GPR.rbx, dataBase)
        interpreter.setRegister(GPR.rsp, 0x70_1000)
        return (interpreter, memory)
    }

    static func run(_ code: [UInt8], registers: [UInt64], fast: Bool, budget: Int, decoder: X86Decoder) -> Outcome {
        let (interpreter, memory) = machine(code, registers: registers, fast: fast, decoder: decoder)
        var stop = ExitReason.budgetSpent
        var totals: [UInt64] = [0, 0, 0]
        for _ in 0..<10_000 {
            stop = interpreter.run(budget: budget)
            let (kernel, user) = interpreter.takeRetirements()
            #expect(user == RetirementCounts())
            totals[0] += kernel.instructions
            totals[1] += kernel.branches
            totals[2] += interpreter.takeCycles()
            if stop != .budgetSpent { break }
        }
        return Outcome(state: State(interpreter, memory, stop: stop), totals: totals)
    }

    @Test(arguments: [1, 3, 1_000_000])
    func fastFormsAgreeWithTheGenericPath(budget: Int) throws {
        let decoder = try X86Decoder()
        var random = SplitMix(state: 0xFA57 &+ UInt64(budget))
        var blocksRetiredAtOnce = 0
        var ends = 0
        for program in 0..<150 {
            var code: [UInt8] = []
            for _ in 0..<(20 + random.below(60)) { code += Self.instruction(&random) }
            let registers = (0..<16).map { _ in random.below(4) == 0 ? UInt64(random.below(3)) : random.next() }
            let fast = Self.run(code, registers: registers, fast: true, budget: budget, decoder: decoder)
            let generic = Self.run(code, registers: registers, fast: false, budget: 1, decoder: decoder)
            let hex = code.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            #expect(fast.state.registers == generic.state.registers, "program \(program): \(hex)")
            #expect(fast.state.rip == generic.state.rip && fast.state.rflags == generic.state.rflags, "program \(program): \(hex)")
            #expect(fast.state.data == generic.state.data, "program \(program): \(hex)")
            #expect(fast.totals == generic.totals, "program \(program): \(hex)")
            #expect(fast.state.stop == generic.state.stop, "program \(program): \(hex)")
            if fast.state.stop == "end" { ends += 1 }
            if fast.totals[0] > fast.totals[1] + 5 { blocksRetiredAtOnce += 1 }
        }
        #expect(blocksRetiredAtOnce > 100)  // most programs have blocks longer than 5 records
        #expect(ends > 30 && ends < 150)  // some end in #DE, many run to the end
    }
}

/// Loops through the block path: a random fast-shape body closed by `dec qword [rbx + 0x800]; jnz
/// start` or, in every other program, by `dec r12; jnz start` (a fused pair, so the lap's branch
/// is the second half of a fused record and the budget can cut between the two), so a block that
/// ends in a jump back to its own entry runs lap after lap without a lookup, forward Jcc skip
/// inside it, and long bodies span several blocks. Run with the cycle fuel
/// set before every run, the block path (budget large) must stop at exactly the instructions the
/// per-instruction reference (every record generic, budget 1, windows cut where the cycles reach
/// the fuel) stops at, with the same state and totals.
@Suite struct LoopLapTests {
    struct Outcome: Equatable {
        var state: FastFormTests.State?
        /// Instructions retired in each fuel window, then the total branches and cycles.
        var windows: [Int]
        var branches: UInt64
        var cycles: UInt64
    }

    static func run(
        _ code: [UInt8], registers: [UInt64], laps: UInt64, fuel: UInt64, budget: Int, reference: Bool,
        decoder: X86Decoder
    ) -> Outcome
    {
        // `taken` well above the few bytes a Jcc skips, so a lap that skips costs more than one
        // that does not (the laps' fuel bound must allow for it).
        let (interpreter, memory) = FastFormTests.machine(
            code, registers: registers, fast: !reference, taken: 20, decoder: decoder)
        _ = memory.write(withUnsafeBytes(of: laps.littleEndian) { Array($0) }, at: FastFormTests.dataBase + 0x800)
        var outcome = Outcome(state: nil, windows: [0], branches: 0, cycles: 0)
        var windowCycles: UInt64 = 0
        var stop = ExitReason.budgetSpent
        for _ in 0..<100_000 {
            interpreter.cycleFuel = reference ? .max : fuel
            stop = interpreter.run(budget: reference ? 1 : budget)
            let (kernel, _) = interpreter.takeRetirements()
            let cycles = interpreter.takeCycles()
            outcome.windows[outcome.windows.count - 1] += Int(kernel.instructions)
            outcome.branches += kernel.branches
            outcome.cycles += cycles
            windowCycles += cycles
            if stop != .budgetSpent { break }
            // A new window where the fuel or the budget ran out (the block path's runs end there).
            if !reference || windowCycles >= fuel || outcome.windows[outcome.windows.count - 1] == budget {
                outcome.windows.append(0)
                windowCycles = 0
            }
        }
        outcome.state = FastFormTests.State(interpreter, memory, stop: stop)
        return outcome
    }

    @Test(arguments: [(40, 1_000_000), (97, 1_000_000), (1_000, 1_000_000), (3_000, 1_000_000), (1 << 40, 1_000_000), (1 << 40, 7), (1 << 40, 100), (150, 33)])
    func lapsStopWhereThePerInstructionPathStops(fuel: UInt64, budget: Int) throws {
        let decoder = try X86Decoder()
        var random = SplitMix(state: 0x1A75 &+ fuel &+ UInt64(budget))
        var looped = 0
        for program in 0..<60 {
            var code: [UInt8] = []
            let registerCounter = program % 2 == 1
            for _ in 0..<(3 + random.below(70)) {
                code += FastFormTests.instruction(&random, sparing: registerCounter ? 12 : nil)
            }
            if registerCounter {
                code += [0x49, 0xFF, 0xCC]  // dec r12
            } else {
                code += [0x48, 0xFF, 0x8B, 0x00, 0x08, 0x00, 0x00]  // dec qword [rbx + 0x800]
            }
            let back = Int32(-(code.count + 6))
            code += [0x0F, 0x85] + withUnsafeBytes(of: back.littleEndian) { Array($0) }  // jnz start
            var registers = (0..<16).map { _ in random.below(4) == 0 ? UInt64(random.below(3)) : random.next() }
            let laps = UInt64(1 + random.below(30))
            if registerCounter { registers[12] = laps }
            let fast = Self.run(
                code, registers: registers, laps: laps, fuel: fuel, budget: budget, reference: false, decoder: decoder)
            let reference = Self.run(
                code, registers: registers, laps: laps, fuel: fuel, budget: budget, reference: true, decoder: decoder)
            let hex = code.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            #expect(fast == reference, "program \(program), \(laps) laps: \(hex)")
            if fast.state?.stop == "end" && laps > 1 { looped += 1 }
        }
        #expect(looped > 20)  // most programs loop to the end rather than stop at a #DE
    }
}

/// The record layout the run loop relies on for cheap pointer arithmetic.
@Suite struct RecordLayoutTests {
    @Test func recordEntriesAreSixtyFourBytes() {
        #expect(MemoryLayout<RecordStore.Entry>.stride == 64)
    }
}
