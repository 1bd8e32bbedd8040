/// Batch boundaries a run crosses without returning to the emulator.
///
/// A VM exit every `--exit-every` instructions costs far more as a return from the run loop (the
/// vCPU copied out and in, the counted laps and the branch history lost) than the VM-Enter step it
/// leads to. When the emulator knows that a step can only fold events, with no overflow, PMI or
/// anything else that reaches the guest, it lets the run go on past the boundary and plays the steps
/// afterwards from what each window retired. The run loop stops at a spent budget as before and
/// asks ``CPU/crossBoundary(codeEnd:)`` whether it may go on instead.
public struct BoundaryCrossings: Equatable, Sendable {
    /// Boundaries crossed: the first ends the window the run started in, each later one a whole window.
    public var count = 0
    /// What the windows crossed retired, at CPL 0 and at CPL > 0 (the rest of the run is in
    /// ``Interpreter/takeRetirements()``).
    public var kernel = RetirementCounts()
    public var user = RetirementCounts()
}

extension Interpreter {
    /// Lets the next run cross up to `count` batch boundaries: where its budget is spent, it goes on
    /// for `window` more instructions, if the cycle fuel is not spent, RIP is not the end of the code
    /// and the window since the run started or the last crossing retired a branch (so every window
    /// crossed gives the instruction and the branch PMCs events alike).
    public func allowCrossings(_ count: Int, window: Int) {
        cpu.crossingsLeft = window > 0 ? max(count, 0) : 0
        cpu.crossingWindow = window
    }

    /// The boundaries the last run crossed and what their windows retired; resets them and the allowance.
    public func takeCrossings() -> BoundaryCrossings {
        defer {
            cpu.crossingsLeft = 0
            cpu.crossings = 0
            cpu.crossedKernel = RetirementCounts()
            cpu.crossedUser = RetirementCounts()
        }
        return BoundaryCrossings(count: cpu.crossings, kernel: cpu.crossedKernel, user: cpu.crossedUser)
    }
}

extension CPU {
    /// At a budget spent exactly: crosses the batch boundary if the allowance holds, moving the
    /// window's retirements aside. Returns the window, which the run loop takes off its retired
    /// count (0: the run stops).
    ///
    /// Out of line: the run loop reaches it once a window, and its state must not crowd the loop's
    /// registers (an earlier design that went on through a closure cost the hot loop 4–6 %).
    @inline(never) mutating func crossBoundary(codeEnd: UInt64) -> Int {
        guard crossingsLeft > 0, cycles < cycleFuel, rip != codeEnd,
            kernelCounts.branches | userCounts.branches != 0
        else { return 0 }
        crossingsLeft &-= 1
        crossings &+= 1
        crossedKernel.add(kernelCounts)
        crossedUser.add(userCounts)
        kernelCounts = RetirementCounts()
        userCounts = RetirementCounts()
        return crossingWindow
    }
}

extension Interpreter {
    /// A boundary at the budget cut `record`, inside the block from `entry`: crosses it when the
    /// records from the entry to it bring the run to its budget exactly, counting them for the
    /// window without retiring them. The block goes on, and its records are retired from the entry
    /// when it ends, so the counts after the crossing start at minus those records (wrapping).
    @inline(never)
    func crossInsideBlock(
        _ entry: UnsafeMutablePointer<RecordStore.Entry>, at record: UnsafeMutablePointer<RecordStore.Entry>,
        startCS: UInt16, budget: Int, retired: inout Int, laps: UnsafeMutablePointer<PendingLaps>, cpu: inout CPU
    ) -> Bool {
        laps.pointee.flush(startCS: startCS, cpu: &cpu, retired: &retired)
        var segment = RetirementCounts()
        segment.instructions = UInt64(entry.pointee.blockLength &- record.pointee.blockLength) &+ 1
        segment.branches = UInt64(entry.pointee.blockBranches &- record.pointee.branchesAfter)
        guard retired &+ Int(segment.instructions) == budget else { return false }
        let kernel = startCS & 3 == 0
        if kernel { cpu.kernelCounts.add(segment) } else { cpu.userCounts.add(segment) }
        let window = cpu.crossBoundary(codeEnd: cache.end)
        var undo = RetirementCounts()
        undo.instructions = 0 &- segment.instructions
        undo.branches = 0 &- segment.branches
        if kernel { cpu.kernelCounts.add(undo) } else { cpu.userCounts.add(undo) }
        guard window != 0 else { return false }
        retired &-= window
        return true
    }
}

extension RetirementCounts {
    mutating func add(_ other: RetirementCounts) {
        instructions &+= other.instructions
        branches &+= other.branches
        enterLeave &+= other.enterLeave
        repChunks &+= other.repChunks
    }
}
