import X86IR

/// Retirement on the block path: a run of records is counted at once from their suffix totals.
extension Interpreter {
    /// What a record that stops the vCPU means on the block path: the exit, with the block retired
    /// as far as that record allows. (Fall-through, code writes and branches the loop handles.)
    @inline(never)
    func blockExit(
        _ step: Step, _ entry: UnsafeMutablePointer<RecordStore.Entry>, _ record: UnsafeMutablePointer<RecordStore.Entry>,
        startCS: UInt16, cpu: inout CPU, retired: inout Int
    ) -> ExitReason? {
        let exit: ExitReason
        switch step {
        case .next, .codeWritten, .jump: return nil
        case .hostCall, .unsupported:  // not executed: the records before it retire
            if record != entry { retired &+= retire(entry, through: record - 1, startCS: startCS, cpu: &cpu) }
            if case .hostCall = step { return .hostCall(record.pointee.instruction.opcode) }
            return .unsupported
        case .halt: exit = .halt
        case .trap(let vector): exit = .trap(vector: vector)
        case .leaveRun: exit = .stateChanged
        }
        retired &+= retire(entry, through: record, startCS: startCS, cpu: &cpu)
        return exit
    }

    /// Retires the records from `entry` to `last` (included) of one block: their count, static
    /// cycles, branches and the ENTER/LEAVE of the last, all from the suffix totals of the two
    /// records. Only a block's last record can change the privilege level (and it
    /// then ends the run), so it is counted at the CS it ended at and the others at `startCS`.
    @inline(__always)
    func retire(
        _ entry: UnsafeMutablePointer<RecordStore.Entry>, through last: UnsafeMutablePointer<RecordStore.Entry>,
        startCS: UInt16, cpu: inout CPU
    ) -> Int {
        let count = UInt64(entry.pointee.blockLength &- last.pointee.blockLength) &+ 1
        cpu.cycles &+= entry.pointee.blockCost &- last.pointee.costAfter
        let branches = UInt64(entry.pointee.blockBranches &- last.pointee.branchesAfter)
        let frame = UInt64(last.pointee.enterLeaveCount)
        if (startCS | cpu.cs) & 3 == 0 {
            // One update per field (perf: separate read-modify-writes of neighbouring counters
            // were merged into a 16-byte load that stalled on the 8-byte store before it).
            cpu.kernelCounts.instructions &+= count
            cpu.kernelCounts.branches &+= branches
            cpu.kernelCounts.enterLeave &+= frame
        } else {
            countSplit(count, branches: branches, last: last, startCS: startCS, cpu: &cpu)
        }
        return Int(count)
    }

    /// The rarer case of ``retire(_:through:startCS:cpu:)``: a CPL other than 0 at either end.
    func countSplit(
        _ count: UInt64, branches: UInt64, last: UnsafeMutablePointer<RecordStore.Entry>, startCS: UInt16,
        cpu: inout CPU
    ) {
        let endCS = cpu.cs
        let lastBranch = UInt64(last.pointee.branchCount)
        cpu.countInstructions(count &- 1, cs: startCS)
        cpu.countInstructions(1, cs: endCS)
        if startCS & 3 == 0 {
            cpu.kernelCounts.branches &+= branches &- lastBranch
        } else {
            cpu.userCounts.branches &+= branches &- lastBranch
        }
        if endCS & 3 == 0 {
            cpu.kernelCounts.branches &+= lastBranch
            cpu.kernelCounts.enterLeave &+= UInt64(last.pointee.enterLeaveCount)
        } else {
            cpu.userCounts.branches &+= lastBranch
            cpu.userCounts.enterLeave &+= UInt64(last.pointee.enterLeaveCount)
        }
    }
}
