import X86IR

/// Laps of a loop whose body is one block, run on the block path without a lookup or a fits test
/// each, and retired together; and the records taken Jcc skipped inside the block ("holes").
///
/// After a lap retired the usual way, ``count(_:to:budgetLeft:cpu:)`` works out how many more laps
/// (`allowed`) may start without the block path's own test: each lap runs at most the records
/// from the entry to the branch back and is charged at most their static cycles plus `taken` for
/// every branch among them, so that many laps fit the budget with the whole block to spare (the
/// block's budget cut stays its end) and each starts with the block's most cycles of fuel to
/// spare. A lap from the entry to that branch costs `instructions`, `cost` (static and `taken`)
/// and `branches` less what it skipped: the run loop only counts it (`pending`).
///
/// A taken Jcc that goes on at a later record of its block (``skip(from:to:)``) adds the records
/// it jumped over to the holes, and its `taken` to the cycles at once; so the block path retires
/// whole runs of records from the entry (its suffix totals) less the holes, and never a segment
/// per skip (perf: about 27 host instructions each on the LFSR loop). ``flush(startCS:cpu:retired:)``
/// retires the counted laps and takes the holes off before anything else reads the totals; the
/// block path calls it on every way out of a block, before it retires the records since the entry.
struct PendingLaps {
    var pending = 0
    var allowed = 0
    /// The branch that closes every lap (at first an address no record has, so the run loop's
    /// test is one compare, not an optional's two).
    var branch = UnsafeMutablePointer<RecordStore.Entry>(bitPattern: MemoryLayout<RecordStore.Entry>.alignment)!
    var instructions: UInt64 = 0
    var cost: UInt64 = 0
    var branches: UInt64 = 0
    /// What the taken Jcc inside the block skipped since the last flush: instructions, static
    /// cycles, branches.
    var holeInstructions: UInt64 = 0
    var holeCost: UInt64 = 0
    var holeBranches: UInt64 = 0

    /// A taken Jcc at `branch` goes on at `target`, a later record of its block: the records
    /// between them do not run.
    @inline(__always) mutating func skip(
        from branch: UnsafeMutablePointer<RecordStore.Entry>, to target: UnsafeMutablePointer<RecordStore.Entry>
    ) {
        holeInstructions &+= UInt64(branch.pointee.blockLength &- target.pointee.blockLength) &- 1
        holeCost &+= branch.pointee.costAfter &- target.pointee.blockCost
        holeBranches &+= UInt64(branch.pointee.branchesAfter &- target.pointee.blockBranches)
    }

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
        let taken = jump.pointee.instruction.attributes.contains(.conditionalBranch) ? cpu.takenCycles : 0
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

    /// Retires the laps counted so far and takes the holes off (the records around them are
    /// retired by the caller, or were with the laps).
    @inline(__always) mutating func flush(startCS: UInt16, cpu: inout CPU, retired: inout Int) {
        if pending != 0 || holeInstructions != 0 { retirePending(startCS: startCS, cpu: &cpu, retired: &retired) }
    }

    /// Out of line: inlined, the multiplications were strength-reduced into running products
    /// kept up to date on every record's dispatch (callgrind).
    @inline(never) mutating func retirePending(startCS: UInt16, cpu: inout CPU, retired: inout Int) {
        let laps = UInt64(pending)
        let count = laps &* instructions &- holeInstructions
        let branchCount = laps &* branches &- holeBranches
        cpu.cycles &+= laps &* cost &- holeCost
        if startCS & 3 == 0 {
            cpu.kernelCounts.instructions &+= count
            cpu.kernelCounts.branches &+= branchCount
        } else {
            cpu.userCounts.instructions &+= count
            cpu.userCounts.branches &+= branchCount
        }
        retired &+= Int(truncatingIfNeeded: count)
        pending = 0
        holeInstructions = 0
        holeCost = 0
        holeBranches = 0
    }
}
