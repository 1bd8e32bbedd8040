import Emulator

/// What a workload must retire, from a model of the program written independently of the
/// interpreter (a closed form or a plain Swift re-enactment of the guest's algorithm).
public struct ExpectedRun: Sendable, Equatable {
    public var instructions: UInt64
    public var branches: UInt64
    /// Final general registers the model predicts (register number → value).
    public var registers: [Int: UInt64]

    public init(instructions: UInt64, branches: UInt64, registers: [Int: UInt64] = [:]) {
        self.instructions = instructions
        self.branches = branches
        self.registers = registers
    }
}

/// One benchmark program: guest bytes, the registers that size it, and its expected result.
public struct Workload: Sendable {
    public var name: String
    /// One line saying what the loop exercises.
    public var summary: String
    public var code: [UInt8]
    /// Initial general registers (register number → value); RSP is always 0x800000.
    public var registers: [Int: UInt64]
    public var expected: ExpectedRun

    /// Registers by x86 number, as vpmu and Unicorn are given them.
    public func initialRegisters() -> [UInt64] {
        var values = [UInt64](repeating: 0, count: 16)
        values[Register.rsp] = Emulator.stackTop
        for (number, value) in registers { values[number] = value }
        return values
    }
}

/// x86 register numbers used by the workload definitions.
enum Register {
    static let rax = 0, rcx = 1, rdx = 2, rbx = 3, rsp = 4, rbp = 5, rsi = 6, rdi = 7
    static let r8 = 8, r9 = 9, r10 = 10
}

/// Bytes from compact hex (the workloads' code is written as `as` printed it).
func bytes(_ hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var pending: UInt8? = nil
    for character in hex where !character.isWhitespace {
        guard let nibble = character.hexDigitValue.map(UInt8.init) else { continue }
        if let high = pending {
            result.append(high << 4 | nibble)
            pending = nil
        } else {
            pending = nibble
        }
    }
    return result
}
