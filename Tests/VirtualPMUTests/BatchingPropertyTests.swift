import TestSupport
import Testing
import VirtualPMU

/// Under emulated-counter, how a run's events are split into batches does not change final counter
/// values, overflow totals or GLOBAL_STATUS (pmu-semantics.md §6.3: `emulated` is a full count, so
/// every wrap below 2^48 events per batch is detected at the next step).
@Suite struct BatchingPropertyTests {
    /// One retired instruction: branch or not, and the CPL after it.
    struct Retirement {
        let isBranch: Bool
        let cpl: Int
    }

    struct Outcome: Equatable {
        let values: [UInt64]
        let overflows: [Int]
        let wraps: [Int]
        let globalStatus: UInt64
    }

    /// A random setup: a few counters starting near 2^48 with random events and rings.
    static func specs(_ rng: inout SplitMix, vendor: Vendor) -> [String] {
        let events = ["instructions", "branches", "cycles", "0xC0:0x01"]
        let rings = ["", ",usr", ",os", ",usr,os"]
        var specs: [String] = []
        for i in 0..<(1 + rng.below(4)) {
            let start = M - UInt64(rng.below(40))
            let event = events[rng.below(events.count)]
            specs.append("gp\(i)=\(event),start=\(start)\(rings[rng.below(4)])\(rng.below(2) == 0 ? ",int" : "")")
        }
        if vendor == .intel && rng.below(2) == 0 {
            specs.append("fixed0=instructions,start=-\(1 + rng.below(30))")
        }
        return specs
    }

    /// Runs `events` in batches of `batchSize` (nil = one batch). Within a batch, consecutive events at
    /// the same CPL go to the PMU as one call, the way the emulator flushes around a CPL change.
    static func outcome(
        vendor: Vendor, specs: [String], events: [Retirement], batchSize: Int?
    ) throws -> Outcome {
        let pmu = try makePMU(vendor, pmc: specs)
        var step = 0
        var retired: UInt64 = 0
        pmu.handleEvents(step: step, afterInstructions: 0, rip: 0)
        let size = batchSize ?? max(events.count, 1)
        var start = 0
        while start < events.count {
            let batch = events[start..<min(start + size, events.count)]
            var i = batch.startIndex
            while i < batch.endIndex {
                let cpl = batch[i].cpl
                var instructions: UInt64 = 0
                var branches: UInt64 = 0
                while i < batch.endIndex && batch[i].cpl == cpl {
                    instructions += 1
                    branches += batch[i].isBranch ? 1 : 0
                    i += 1
                }
                pmu.countEmulated(instructions: instructions, branches: branches, cpl: cpl)
            }
            retired += UInt64(batch.count)
            step += 1
            pmu.handleEvents(step: step, afterInstructions: retired, rip: retired)
            start += size
        }
        let counters = pmu.counters
        return Outcome(
            values: counters.map(\.value), overflows: counters.map(\.overflows), wraps: counters.map(\.wraps),
            globalStatus: pmu.globalStatus)
    }

    @Test(arguments: Vendor.allCases)
    func batchSizeDoesNotChangeTheOutcome(vendor: Vendor) throws {
        var rng = SplitMix(state: vendor == .intel ? 0x5EED : 0xA3D)
        for seedCase in 0..<300 {
            let specs = Self.specs(&rng, vendor: vendor)
            let cplRun = rng.below(3) == 0 ? 3 : 0
            let events = (0..<(1 + rng.below(150))).map { _ in
                Retirement(isBranch: rng.below(3) == 0, cpl: rng.below(8) == 0 ? 3 - cplRun : cplRun)
            }
            let reference = try Self.outcome(vendor: vendor, specs: specs, events: events, batchSize: 1)
            for batchSize in [7, 64, nil] {
                let other = try Self.outcome(vendor: vendor, specs: specs, events: events, batchSize: batchSize)
                #expect(other == reference, "case \(seedCase), \(specs), batch \(batchSize.map(String.init) ?? "all")")
            }
            // Overflows equal true wraps for PMCs that stay enabled (no MSR writes here).
            #expect(reference.overflows == reference.wraps, "case \(seedCase), \(specs)")
        }
    }
}
