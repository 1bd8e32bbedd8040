import X86IR

/// Laps of a loop whose body is one block, run on the block path without a lookup or a fits test
/// each, and, when they run whole, retired together.
///
/// After a lap retired the usual way, ``count(_:to:budgetLeft:cpu:)`` works out how many more laps
/// (`allowed`) may start without the block path's own test: each lap runs at most the records
/// from the entry to the branch back and is charged at most their static cycles plus `taken` for
/// every branch among them, so that many laps fit the budget with the whole block to spare (the
/// block's budget cut stays its end) and each starts with the block's most cycles of fuel to
/// spare. A lap that runs whole from the entry to that branch costs exactly `instructions`,
/// `cost` (static and `taken`) and `branches`: the run loop only counts it (`pending`), and
/// ``flush(startCS:cpu:retired:)`` retires the counted laps before anything else reads the
/// totals. A lap that skipped records with a taken Jcc has retired its segments as it went.
struct PendingLaps {
    var pending = 0
    var allowed = 0
    /// The branch that closes every lap (at first an address no record has, so the run loop's
    /// test is one compare, not an optional's two).
    var branch = UnsafeMutablePointer<RecordStore.Entry>(bitPattern: MemoryLayout<RecordStore.Entry>.alignment)!
    var instructions: UInt64 = 0
    var cost: UInt64 = 0
    var branches: UInt64 = 0
    /// `taken` of the branch back if it is conditional, else 0.
    var taken: UInt64 = 0

    /// Sets up the laps after the one just retired, which ended at the taken branch `jump` to `entry`.
    @inline(__always) mutating func count(
        _ entry: UnsafeMutablePointer<RecordStore.Entry>, to jump: UnsafeMutablePointer<RecordStore.Entry>,
        budgetLeft: Int, cpu: borrowing CPU
    ) {
        let length = Int(entry.pointee.blockLength)
        let count = Int(entry.pointee.blockLength &- jump.pointee.blockLength) &+ 1
        // Direct branches only: their target, the entry, is known without looking at RIP.
        let opcode = jump.pointee.instruction.opcode
        let direct = opcode == .jcc || opcode == .loop || (opcode == .jmp && jump.pointee.instruction.source == .immediate)
        guard direct, budgetLeft >= length &+ count else { return }
        branch = jump
        instructions = UInt64(count)
        taken = jump.pointee.instruction.attributes.contains(.conditionalBranch) ? cpu.takenCycles : 0
        let staticCost = entry.pointee.blockCost &- jump.pointee.costAfter
        cost = staticCost &+ taken
        branches = UInt64(entry.pointee.blockBranches &- jump.pointee.branchesAfter)
        // Lap k after the next one starts with at least (budgetLeft − k·count) instructions left
        // and at most cpu.cycles + k·mostCycles charged; it needs `length` of the first and the
        // block's most cycles of fuel to spare (the block path's test). Every branch of a block but its
        // last is a Jcc, and at most all of them are taken.
        let mostCycles = staticCost &+ branches &* cpu.takenCycles
        let byBudget = (budgetLeft &- length) / count
        pending = 0
        allowed = byBudget
        guard mostCycles != 0 else { return }
        let spare = cpu.cycleFuel &- cpu.cycles &- entry.mostCycles(taken: cpu.takenCycles) &- 1  // ≥ 0: it fits
        // Most runs have fuel for far more laps than the budget allows: one multiply tells, not a
        // 64-bit division per run (perf: the divisions made the VM exits slow, not their count).
        let (product, overflow) = UInt64(byBudget).multipliedReportingOverflow(by: mostCycles)
        if !overflow && product <= spare { return }
        allowed = min(byBudget, Int(min(spare / mostCycles, UInt64(Int.max))))
    }

    /// Retires the laps counted so far.
    @inline(__always) mutating func flush(startCS: UInt16, cpu: inout CPU, retired: inout Int) {
        if pending != 0 { retirePending(startCS: startCS, cpu: &cpu, retired: &retired) }
    }

    /// Out of line: inlined, the multiplications were strength-reduced into running products
    /// kept up to date on every record's dispatch (callgrind).
    @inline(never) mutating func retirePending(startCS: UInt16, cpu: inout CPU, retired: inout Int) {
        let laps = UInt64(pending)
        cpu.cycles &+= laps &* cost
        if startCS & 3 == 0 {
            cpu.kernelCounts.instructions &+= laps &* instructions
            cpu.kernelCounts.branches &+= laps &* branches
        } else {
            cpu.userCounts.instructions &+= laps &* instructions
            cpu.userCounts.branches &+= laps &* branches
        }
        retired &+= pending &* Int(instructions)
        pending = 0
    }
}
