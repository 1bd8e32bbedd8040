/// How a run ended, in terms both engines can report.
enum Stop: Equatable, CustomStringConvertible {
    case end
    /// An exception (or INT3 trap) with its vector; #PF for every unmapped access.
    case fault(vector: UInt8)
    /// The instruction budget ran out (a generator bug: generated programs terminate).
    case limit
    /// Something only one engine reports: vpmu `unsupported`/host call, or a Unicorn error.
    case other(String)

    var description: String {
        switch self {
        case .end: "end"
        case .fault(let vector): "fault(vector \(vector))"
        case .limit: "limit"
        case .other(let text): text
        }
    }
}

/// The architectural state after a run, as compared between vpmu and Unicorn.
struct MachineState {
    var stop: Stop
    /// RAX…R15.
    var registers: [UInt64]
    var rip: UInt64
    var rflags: UInt64
    var instructions: UInt64
    var branches: UInt64
    /// The data region (0x600000, 1 MiB) and the stack region (0x700000, 1 MiB) after the run.
    var data: [UInt8]
    var stack: [UInt8]
}

/// The default guest machine of cli.md Part A, shared by both engines.
enum GuestMachine {
    static let codeBase: UInt64 = 0x40_0000
    static let dataBase: UInt64 = 0x60_0000
    static let stackBase: UInt64 = 0x70_0000
    static let stackTop: UInt64 = 0x80_0000
    static let regionSize = 0x10_0000
    static let initialRFLAGS: UInt64 = 0x2
    /// Hook calls / retirements after which a run is cut off.
    static let instructionLimit = 200_000

    static func pageRounded(_ size: Int) -> Int { (size + 4095) / 4096 * 4096 }
}
