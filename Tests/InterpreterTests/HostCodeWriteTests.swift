import Testing
import X86Decoder
import X86IR

@testable import Interpreter

/// Code the host writes between runs — here an interrupt frame pushed onto a stack inside the code
/// page — is decoded afresh by the next run, not executed from the records cached before.
@Suite struct HostCodeWriteTests {
    @Test func anInterruptFramePushedOntoCodeIsSeenByTheNextRun() throws {
        let decoder = try X86Decoder()
        let codeBase: UInt64 = 0x40_0000, dataBase: UInt64 = 0x60_0000
        // xor ecx,ecx; xor ecx,ecx; mov rcx,rcx (fast forms, which never look for code writes), then
        // mov eax, 1 at 0x400007 (imm32 at 0x400008…0x40000b); the code ends at 0x40000c.
        let code: [UInt8] = [0x31, 0xC9, 0x31, 0xC9, 0x48, 0x89, 0xC9, 0xB8, 0x01, 0x00, 0x00, 0x00]
        let memory = GuestMemory(base: codeBase, size: 0x40_0000)
        _ = memory.map(codeBase, count: 0x1000, [.read, .write, .execute])
        _ = memory.map(dataBase, count: 0x1000, [.read, .write])
        _ = memory.write(code, at: codeBase)
        let interpreter = Interpreter(
            memory: memory, codeStart: codeBase, codeEnd: codeBase + UInt64(code.count), codeLimit: codeBase + 0x1000,
            isIntel: true, lowerer: { decoder.lower($0, at: $1) })
        #expect(interpreter.run(budget: 100) == .end)
        #expect(interpreter.register(GPR.rax) == 1)  // the block is cached now

        // Vector 3: a present 64-bit interrupt gate (type 0x8E, selector 0x10) to 0x400000.
        let gate: UInt64 = 0x0040_8E00_0010_0000
        _ = memory.write(withUnsafeBytes(of: gate.littleEndian) { Array($0) }, at: dataBase + 3 * 16)
        interpreter.cpu.idtBase = dataBase
        interpreter.cpu.idtLimit = 0xFFF
        // RSP 0x400030 (16-aligned): the 40-byte frame spans 0x400008…0x40002f and starts with the
        // pushed RIP, 0x40000c (the end of the code), exactly over mov eax's imm32.
        interpreter.setRegister(GPR.rsp, 0x40_0030)
        #expect(interpreter.deliverInterrupt(vector: 3, errorCode: nil))
        interpreter.rip = codeBase
        #expect(interpreter.run(budget: 100) == .end)
        #expect(interpreter.register(GPR.rax) == 0x40_000C)
    }
}
