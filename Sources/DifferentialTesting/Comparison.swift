import Glibc
import X86IR

/// One difference between the engines, worded for a report line.
struct Mismatch: CustomStringConvertible {
    var field: String
    var vpmu: String
    var unicorn: String
    var description: String { "\(field): vpmu \(vpmu), unicorn \(unicorn)" }
    /// The field without its detail ("rflags", "data"), to tell one kind of difference from another.
    var kind: String { String(field.prefix { $0 != " " }) }
}

/// Compares what the SDM defines: all GPRs, RIP, the flags defined at the end (plus DF and IF),
/// the data and stack regions byte by byte, the stop, and retired instruction and branch counts
/// — the interpreter's and the PMU's (gp0 = instructions, gp1 = branches).
func compare(_ vpmu: VPMUMachine.Result, _ unicorn: MachineState, program: GeneratedProgram) -> [Mismatch] {
    var mismatches: [Mismatch] = []
    func check(_ field: String, _ mine: UInt64, _ theirs: UInt64) {
        if mine != theirs { mismatches.append(Mismatch(field: field, vpmu: hexText(mine), unicorn: hexText(theirs))) }
    }
    let state = vpmu.state
    if state.stop != unicorn.stop {
        mismatches.append(Mismatch(field: "stop", vpmu: state.stop.description, unicorn: unicorn.stop.description))
    }
    for (number, name) in generalRegisterNames.enumerated() {
        check(name, state.registers[number], unicorn.registers[number])
    }
    check("rip", state.rip, unicorn.rip)
    // The static flag state holds at the end, or at the planned faulting end; an earlier fault
    // (a shrunk program that lost its data pointer) stops where no flag state is known.
    let plannedStop: Bool
    switch state.stop {
    case .end: plannedStop = true
    case .fault: plannedStop = program.terminatorAddress.map { state.rip >= $0 || state.rip == 0x50_0000 } ?? false
    default: plannedStop = false
    }
    let mask = (plannedStop ? program.definedFlags : 0) | RFlags.df | RFlags.if | RFlags.reserved1
    check("rflags & \(hexText(mask))", state.rflags & mask, unicorn.rflags & mask)
    check("instructions", state.instructions, unicorn.instructions)
    check("branches", state.branches, unicorn.branches)
    check("run instructions", vpmu.counted.instructions, unicorn.instructions)
    check("run branches", vpmu.counted.branches, unicorn.branches)
    check("gp0 (instructions)", vpmu.counted.gp0, unicorn.instructions)
    check("gp1 (branches)", vpmu.counted.gp1, unicorn.branches)
    for (name, base, mine, theirs) in [
        ("data", GuestMachine.dataBase, state.data, unicorn.data),
        ("stack", GuestMachine.stackBase, state.stack, unicorn.stack),
    ] {
        if let offset = firstDifference(mine, theirs) {
            mismatches.append(
                Mismatch(
                    field: "\(name) byte at \(hexText(base + UInt64(offset)))",
                    vpmu: offset < mine.count ? hexText(UInt64(mine[offset])) : "none",
                    unicorn: offset < theirs.count ? hexText(UInt64(theirs[offset])) : "none"))
        }
    }
    return mismatches
}

/// The first offset where the two buffers differ (memcmp-fast on the equal prefix), or nil.
func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
    guard a.count == b.count else { return min(a.count, b.count) }
    let equal = a.withUnsafeBytes { x in
        b.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
    }
    if equal { return nil }
    // Only on a mismatch: find the offset in 4 KiB steps, then byte by byte.
    var page = 0
    while page < a.count {
        let end = min(page + 4096, a.count)
        if a[page..<end] != b[page..<end] {
            for offset in page..<end where a[offset] != b[offset] { return offset }
        }
        page = end
    }
    return nil
}

func hexText(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
