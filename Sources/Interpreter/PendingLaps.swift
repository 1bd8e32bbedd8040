import X86IR

/// Laps of a loop whose body is one block, run on the block path and retired together.
///
/// After a lap retired the usual way, the laps after it that will each run whole from the entry
/// to the same direct branch cost the same: `instructions`, cycles (static and `taken`) and
/// branches each. ``count(_:to:instructions:budgetLeft:cpu:)`` works
/// out how many of them fit the budget with the whole block to spare (so the block's budget cut
/// is its end for all of them) and start before the cycle fuel, exactly as each would pass the
/// block path's own test; the run loop only counts them, and ``flush(startCS:cpu:retired:)``
/// retires them before anything else reads the totals.
struct PendingLaps {
    var pending = 0
    var allowed = 0
    /// The branch that closes every lap (at first an address no record has, so the run loop's
    /// test is one compare, not an optional's two).
    var branch = UnsafeMutablePointer<RecordStore.Entry>(bitPattern: MemoryLayout<RecordStore.Entry>.alignment)!
    var instructions: UInt64 = 0
    var cost: UInt64 = 0
    var branches: UInt64 = 0

    /// Sets up the laps after the one just retired (from `entry` to the taken branch `jump`).
    @inline(__always) mutating func count(
        _ entry: UnsafeMutablePointer<RecordStore.Entry>, to jump: UnsafeMutablePointer<RecordStore.Entry>,
        instructions count: Int, budgetLeft: Int, cpu: borrowing CPU
    ) {
        let length = Int(entry.pointee.blockLength)
        // Direct branches only: their target, the entry, is known without looking at RIP.
        let opcode = jump.pointee.instruction.opcode
        let direct = opcode == .jcc || opcode == .loop || (opcode == .jmp && jump.pointee.instruction.source == .immediate)
        guard direct, budgetLeft >= length &+ count else { return }
        branch = jump
        instructions = UInt64(count)
        let taken = jump.pointee.instruction.attributes.contains(.conditionalBranch) ? cpu.takenCycles : 0
        cost = entry.pointee.blockCost &- jump.pointee.costAfter &+ taken
        branches = UInt64(entry.pointee.blockBranches &- jump.pointee.blockBranches &+ jump.pointee.branchCount)
        // Lap k after the next one starts with (budgetLeft − k·count) instructions left and
        // cpu.cycles + k·cost cycles charged; it needs `length` of the first and `blockCost` of
        // fuel to spare (the block path's test).
        let byBudget = (budgetLeft &- length) / count
        var byFuel = Int.max
        if cost != 0 {
            let spare = cpu.cycleFuel &- cpu.cycles &- entry.pointee.blockCost &- 1  // ≥ 0: the block fits
            byFuel = Int(min(spare / cost, UInt64(Int.max)))
        }
        pending = 0
        allowed = min(byBudget, byFuel)
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
