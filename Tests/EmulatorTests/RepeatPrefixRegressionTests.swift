import Emulator
import Testing

/// Regression found by the Unicorn differential campaign: Capstone 4 drops the F2 prefix of
/// `f2 a5` (it takes F2 as SSE MOVSD's mandatory prefix), so vpmu ran `repne movsd` once. On MOVS,
/// STOS and LODS both F2 and F3 mean REP (SDM Vol. 2 "REP/REPE/REPZ/REPNE/REPNZ"; isa-subset.md §4).
/// Expected values by hand from the SDM REP loop: ECX elements, RSI/RDI advanced by 4 per element.
@Suite struct RepeatPrefixRegressionTests {
    @Test(arguments: [
        // repne movsd with ECX = 2: two dwords copied, RCX = 0, RSI/RDI + 8.
        ("f2 a5", "rcx=0x0 rsi=0x600108 rdi=0x600208"),
        // repne movsd under 0x67 (ESI/EDI/ECX), ECX = 2: the same two elements.
        ("67 f2 a5", "rcx=0x0 rsi=0x600108 rdi=0x600208"),
        // repne stosd with ECX = 2: two dwords of EAX stored, RDI + 8.
        ("f2 ab", "rcx=0x0 rsi=0x600100 rdi=0x600208"),
        // repne lodsd with ECX = 2: two loads, RSI + 8, EAX = the (zero) second dword.
        ("f2 ad", "rcx=0x0 rsi=0x600108 rdi=0x600200"),
    ])
    func f2OnMovsStosLodsRepeats(_ hex: String, _ expected: String) throws {
        let result = try ISA.run(hex, "rcx=2 rsi=0x600100 rdi=0x600200")
        for (register, value) in ISA.assignments(expected) {
            #expect(result.registers[register] == value, "\(hex): \(ISA.registerNames[register])")
        }
        #expect(result.instructions == 1)  // a REP string instruction retires once (isa-subset.md §8)
    }

    @Test func repneCmpsdStopsWhenTheElementsAreEqual() throws {
        // f2 a7 = repne cmpsd; both dwords are 0, so after the first element ZF = 1 ends REPNE:
        // RCX 3 → 2, RSI/RDI + 4, ZF set (SDM CMPS with REPNE).
        let result = try ISA.run("f2 a7", "rcx=3 rsi=0x600100 rdi=0x600200")
        #expect(result.registers[1] == 2)
        #expect(result.registers[6] == 0x60_0104)
        #expect(result.registers[7] == 0x60_0204)
        #expect(result.rflags & 0x40 != 0)
    }
}
