import Emulator
import TestSupport
import Testing

/// Arbitrary bytes never crash or hang the tool: every run ends with a stop reason or a typed
/// ``InputError`` (isa-subset.md §10). Fixed seed and bounded count so CI time stays small; raise
/// `VPMU_RANDOM_BYTES_COUNT` for a longer campaign.
@Suite struct RandomBytesTests {
    static var count: Int {
        Int(ProcessInfo.processInfo.environment["VPMU_RANDOM_BYTES_COUNT"] ?? "") ?? 3000
    }

    @Test func randomByteStringsAlwaysEndCleanly() throws {
        let emulator = try Emulator()
        var random = SplitMix(state: 0x5650_4D55)
        var stops: [StopReason: Int] = [:]
        var unsupported = 0
        for _ in 0..<Self.count {
            let length = Int(random.next() % 64) + 1
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            var configuration = RunConfiguration()
            // 400, not 2000: random loops ran to the limit and made the test take ~55 s in debug; the
            // count of byte strings (what the test is about) stays 3000.
            configuration.maxInstructions = 400
            configuration.exitEvery = Int(random.next() % 16) + 1
            // Point the registers somewhere interesting: data, stack, code, or random.
            for register in [0, 1, 2, 3, 5, 6, 7] {
                let choice = random.next() % 4
                let value: UInt64 =
                    choice == 0 ? 0x600000 + random.next() % 0x100000 : choice == 1 ? 0x400000 : choice == 2 ? random.next() % 4096 : random.next()
                configuration.registers[register] = value
            }
            let code = try GuestCode(bytes: bytes, origin: "random")
            do {
                let result = try emulator.run(code, configuration: configuration)
                stops[result.stop, default: 0] += 1
                #expect(result.instructions <= 400)
                if result.stop == .fault { #expect(result.fault != nil) }
            } catch {
                guard case .unsupportedInstruction = error else {
                    Issue.record("unexpected error \(error) for \(bytes)")
                    continue
                }
                unsupported += 1
            }
        }
        // Random bytes mostly fault; the point is that every case ended.
        #expect(stops.values.reduce(0, +) + unsupported == Self.count)
    }
}

import Foundation
