import CycleModel
import Interpreter
import VirtualPMU
import X86IR

/// The run's core clock C and reference clock R(C), and the glue that charges them to the PMCs the
/// cycle side feeds (cycle-model.md §3).
struct HardwareClock {
    /// nil: `--cycle-model none` (no hardware side; C stays 0).
    let table: CycleTable?
    /// The table's clocks and `exit_cost`, read once: the per-batch paths below must not look keys
    /// up in the table (perf: string hashing and retains of its dictionaries dominated `--exit-every 1`).
    private let clocks: ReferenceClock?
    private let exitCost: UInt64
    /// C: every charged cost plus `exit_cost` per exit.
    private(set) var coreCycles: UInt64 = 0

    init(table: CycleTable?) {
        self.table = table
        clocks = table?.clocks
        exitCost = table?.exitCost ?? 0
    }

    /// R(C) = floor(C · ref_mhz / core_mhz).
    var referenceCycles: UInt64 { clocks?.referenceCycles(atCoreCycles: coreCycles) ?? 0 }

    /// What the interpreter charges per instruction.
    var interpreterCosts: CycleCosts {
        guard let table else { return .free }
        return CycleCosts(
            staticCost: { table.staticCost(of: $0) }, taken: table.takenCost, stringElement: table.stringElementCost)
    }

    /// PMCs the cycle side feeds for instructions starting at `cpl` (none without a hardware side).
    func counting(pmu: PMU, cpl: Int) -> CycleCounting {
        clocks == nil ? CycleCounting() : pmu.cycleCounting(cpl: cpl)
    }

    /// Core cycles the interpreter may charge before some counting PMC could wrap: the run stops at
    /// the instruction that reaches it, so a wrap is noticed at the instruction that causes it.
    func fuel(for counting: CycleCounting, pmu: PMU) -> UInt64 {
        guard let clocks, !counting.isEmpty else { return UInt64.max }
        var fuel = pmu.eventsUntilWrap(counting.cycles) ?? UInt64.max
        if let refEvents = pmu.eventsUntilWrap(counting.refCycles) {
            fuel = min(fuel, clocks.coreCyclesBound(forReferenceCycles: refEvents))
        }
        return fuel
    }

    /// Advances C by `cycles` and charges cycles and R(c1) − R(c0) ref-cycles to `counting`.
    ///
    /// - Returns: whether a PMC wrapped (a host PMI, with or without a guest PMI request).
    mutating func charge(_ cycles: UInt64, to counting: CycleCounting, pmu: PMU) -> Bool {
        guard let clocks, cycles != 0 else { return false }
        let before = coreCycles
        coreCycles &+= cycles
        guard !counting.isEmpty else { return false }
        // R(C) only when a ref-cycles PMC counts: each is two full-width divisions, and at every exit
        // they cost more than the rest of the charge (perf).
        let refDelta =
            counting.refCycles == 0
            ? 0 : clocks.referenceCycles(atCoreCycles: coreCycles) &- clocks.referenceCycles(atCoreCycles: before)
        return pmu.chargeHardware(cycles: cycles, refCycles: refDelta, to: counting)
    }

    /// `exit_cost`, charged at the end of every batch to C and to the cycles PMCs counting then.
    mutating func chargeExit(pmu: PMU, cpl: Int) -> Bool {
        guard clocks != nil else { return false }
        return charge(exitCost, to: counting(pmu: pmu, cpl: cpl), pmu: pmu)
    }
}
