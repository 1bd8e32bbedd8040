import Emulator
import Foundation
import VirtualPMU

/// The three scaling claims of issue 8, measured: cost linear in instructions executed, the
/// VM-Enter step O(counters), and self-modifying-code invalidation limited to the touched page.
public struct ScalingReport: Sendable, Codable {
    public struct Point: Sendable, Codable {
        public var parameter: Int
        public var seconds: Double
        /// Seconds divided by the unit the claim is about (instruction, step, iteration), in ns.
        public var nanosecondsPerUnit: Double
    }

    /// Tight loop at growing instruction counts: ns per instruction should stay flat.
    public var linear: [Point] = []
    /// `--exit-every 1` with 0…11 programmed PMCs: ns per VM-Enter step should grow by a constant per PMC.
    public var vmEnterByCounters: [Point] = []
    /// A loop that patches its own page and calls F functions in F other pages, minus the same loop
    /// storing to data: the extra ns per iteration should not grow with F.
    public var selfModifyingOverheadByPages: [Point] = []

    public var table: String {
        func rows(_ points: [Point], _ parameter: String, _ unit: String) -> [String] {
            points.map { String(format: "  %@ %9d   %8.3f s   %8.2f ns/%@", parameter, $0.parameter, $0.seconds, $0.nanosecondsPerUnit, unit) }
        }
        return (["Scaling (best of runs)", " linear: tight loop, instructions executed"]
            + rows(linear, "instructions", "instruction")
            + [" VM-Enter step: --exit-every 1, PMCs counting instructions"]
            + rows(vmEnterByCounters, "PMCs", "step")
            + [" self-modifying code: extra cost of patching the loop's own page, F other code pages called"]
            + rows(selfModifyingOverheadByPages, "pages F", "iteration")).joined(separator: "\n")
    }
}

extension BenchRunner {
    public func scaling() throws(InputError) -> ScalingReport {
        var report = ScalingReport()
        let sizes = [1_000_000, 2_000_000, 4_000_000, 8_000_000]
        let linear = try bestOfRounds(
            sizes.map { iterations in
                let workload = Workloads.tightLoop(iterations: iterations)
                return TimedRun(code: workload.code, registers: workload.registers, configuration: RunConfiguration())
            })
        for (iterations, seconds) in zip(sizes, linear) {
            report.linear.append(.init(parameter: iterations * 4, seconds: seconds, nanosecondsPerUnit: seconds * 1e9 / Double(iterations * 4)))
        }
        // fixed0 counts instructions; fixed1/fixed2 only cycles / ref-cycles (their cycle side works too).
        let programs = (0..<8).map { "gp\($0)=instructions" } + ["fixed0=instructions", "fixed1=cycles", "fixed2=ref-cycles"]
        let counts = [0, 1, 2, 4, 8, 11]
        var configurations: [RunConfiguration] = []
        for count in counts {
            var configuration = RunConfiguration()
            configuration.exitEvery = 1
            do {
                configuration.counters = try programs.prefix(count).map { spec throws(PMUSetupError) in
                    try PMCProgram.parse(spec, vendor: .intel)
                }
            } catch {
                throw .badOption(error.description)
            }
            configurations.append(configuration)
        }
        let small = Workloads.tightLoop(iterations: 100_000)
        let steps = try bestOfRounds(
            configurations.map { TimedRun(code: small.code, registers: small.registers, configuration: $0) })
        for (count, seconds) in zip(counts, steps) {
            report.vmEnterByCounters.append(.init(parameter: count, seconds: seconds, nanosecondsPerUnit: seconds * 1e9 / 400_001))
        }
        let iterations = 20_000
        let pageCounts = [1, 4, 16, 64]
        // Patched and plain loops for every F, all in the same rounds.
        let loops = try bestOfRounds(
            pageCounts.flatMap { pages in
                [true, false].map { selfModifying in
                    TimedRun(
                        code: Self.patchingLoop(pages: pages, selfModifying: selfModifying),
                        registers: [1: UInt64(iterations)], configuration: RunConfiguration())
                }
            })
        for (k, pages) in pageCounts.enumerated() {
            let extra = loops[2 * k] - loops[2 * k + 1]
            report.selfModifyingOverheadByPages.append(
                .init(parameter: pages, seconds: extra, nanosecondsPerUnit: extra * 1e9 / Double(iterations)))
        }
        return report
    }

    /// Each case's best time over `repetitions` rounds that run every case once, in order: as in
    /// ``run(_:)``, a slow phase of the host then falls on all the points of a claim alike.
    private func bestOfRounds(_ cases: [TimedRun]) throws(InputError) -> [Double] {
        var best = [Double](repeating: .infinity, count: cases.count)
        for _ in 0..<repetitions {
            for (index, run) in cases.enumerated() {
                best[index] = min(best[index], try time(run))
            }
        }
        return best
    }

    /// One scaling point's guest code, initial registers and configuration.
    private struct TimedRun {
        var code: [UInt8]
        var registers: [Int: UInt64]
        var configuration: RunConfiguration
    }

    private func time(_ run: TimedRun) throws(InputError) -> Double {
        var configuration = run.configuration
        for (number, value) in run.registers { configuration.registers[number] = value }
        let guest = try GuestCode(bytes: run.code, origin: "scaling")
        let clock = ContinuousClock()
        let start = clock.now
        _ = try emulator.run(guest, configuration: configuration)
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// RCX iterations of a loop whose head (page 0) patches itself and whose body (page 1) calls
    /// `pages` one-instruction functions, one per further page:
    ///
    ///     page 0: loop: mov [rip+1], ecx  (89 0d 01 00 00 00)  |  mov [0x600000], ecx (89 0c 25 00 00 60 00)
    ///                   mov eax, imm32    (b8 xx xx xx xx)      ; the store's target when self-modifying
    ///                   jmp body          (e9 rel32)
    ///     page 1: body: call f_k          (e8 rel32) × pages
    ///                   dec ecx; jnz loop (ff c9, 0f 85 rel32)
    ///                   jmp end           (e9 rel32)
    ///     page 1+k: f_k: ret
    ///
    /// Only page 0's one block is re-decoded per iteration when invalidation drops just the written
    /// page; if it dropped every block, the body and all the functions would be decoded again too.
    static func patchingLoop(pages: Int, selfModifying: Bool) -> [UInt8] {
        var code: [UInt8] = []
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func pad(to offset: Int) { code += [UInt8](repeating: 0x90, count: offset - code.count) }  // never executed
        // The RIP-relative displacement 1 skips the B8 opcode byte to reach its imm32.
        code += selfModifying ? [0x89, 0x0D] + le32(1) : [0x89, 0x0C, 0x25, 0x00, 0x00, 0x60, 0x00]
        code += [0xB8, 0, 0, 0, 0]
        code += [0xE9] + le32(0x1000 - (code.count + 5))
        pad(to: 0x1000)
        for k in 1...pages {
            code += [0xE8] + le32((k + 1) * 0x1000 - (code.count + 5))
        }
        code += [0xFF, 0xC9]
        code += [0x0F, 0x85] + le32(0 - (code.count + 6))
        let end = (pages + 2) * 0x1000
        code += [0xE9] + le32(end - (code.count + 5))
        for k in 1...pages {
            pad(to: (k + 1) * 0x1000)
            code.append(0xC3)
        }
        pad(to: end)
        return code
    }
}
