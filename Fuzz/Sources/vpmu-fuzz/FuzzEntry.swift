import Emulator
import VirtualPMU

/// One decoder for the whole fuzzing session (creating a Capstone handle per input would dominate).
nonisolated(unsafe) private let emulator: Emulator? = try? Emulator()

/// The fuzz input: an 8-byte PMU and machine header, then the guest code.
///
/// - byte 0: bit 0 AMD, bit 1 prev-counter, bit 2 CPL 3, bits 3–7 `--exit-every` (0 = one batch)
/// - byte 1: gp0 event (instructions, branches, cycles, none), bit 2 `int`, bit 3 usr only, bit 4 os only,
///   bits 5–6 gp1 event
/// - bytes 2–3: gp0 starts this many events below 2^48 (so overflows and PMIs happen)
/// - byte 4: LVTPC (bit 0 masked, bit 1 fixed mode vector 0x20), byte 5: bit 0 fixed0 = instructions (Intel)
/// - bytes 6–7: register seeds (pointers into data, stack or code, or raw values)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 8, let emulator else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let header = Array(input.prefix(8))
    guard let code = try? GuestCode(bytes: Array(input.dropFirst(8)), origin: "fuzz") else { return 0 }
    var configuration = RunConfiguration()
    configuration.maxInstructions = 256  // loops found by the fuzzer would otherwise dominate the time
    let vendor: Vendor = header[0] & 1 == 0 ? .intel : .amd
    configuration.pmu.vendor = vendor
    configuration.pmu.model = header[0] & 2 == 0 ? .emulatedCounter : .prevCounter
    configuration.userMode = header[0] & 4 != 0
    let exitEvery = Int(header[0] >> 3)
    configuration.exitEvery = exitEvery == 0 ? nil : exitEvery
    let events = ["instructions", "branches", "cycles"]
    var specs: [String] = []
    if Int(header[1] & 3) < events.count {
        var spec = "gp0=\(events[Int(header[1] & 3)]),start=-\(Int(header[2]) | Int(header[3]) << 8 | 1)"
        if header[1] & 4 != 0 { spec += ",int" }
        if header[1] & 8 != 0 { spec += ",usr" }
        if header[1] & 16 != 0 { spec += ",os" }
        specs.append(spec)
    }
    if Int(header[1] >> 5 & 3) < events.count { specs.append("gp1=\(events[Int(header[1] >> 5 & 3)]),int") }
    if vendor == .intel && header[5] & 1 != 0 { specs.append("fixed0=instructions,start=-3,int") }
    configuration.counters = specs.compactMap { try? PMCProgram.parse($0, vendor: vendor) }
    configuration.lvtpc =
        header[4] & 2 != 0 ? 0x20 | (UInt64(header[4] & 1) << 16) : 0x400 | (UInt64(header[4] & 1) << 16)
    let seeds = UInt16(header[6]) | UInt16(header[7]) << 8
    for register in [0, 1, 2, 3, 5, 6, 7, 8] {
        let choice = (seeds >> (register * 2 % 16)) & 3
        configuration.registers[register] =
            [0x60_0000 + UInt64(seeds), 0x7F_FFF0, 0x40_0000, UInt64(seeds) &* 0x9E37_79B9_7F4A_7C15][Int(choice)]
    }
    // A result or a typed error are both fine; only a trap (a crash libFuzzer reports) is a bug.
    _ = try? emulator.run(code, configuration: configuration)
    return 0
}
