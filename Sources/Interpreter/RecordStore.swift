import X86IR

/// The decoded records of the code cache and their static cycle costs, in one manually managed
/// buffer.
///
/// The run loop reads a record in place through a pointer and lends it to `execute` by address:
/// no bounds check and no copy of the 32-byte record into registers, which perf annotate showed
/// as the largest part of the loop's own instructions when the records lived in a Swift array.
/// The buffer moves only when `append` grows it, which happens only while a block is decoded, so
/// a pointer taken after a cache lookup stays valid for the whole block.
final class RecordStore {
    struct Entry {
        var instruction: LoweredInstruction
        /// The guest address of the instruction: the run loop sets RIP from it only where RIP is
        /// observable (block ends, faults, the generic path), not after every instruction.
        var address: UInt64
        /// Static cycle cost (cycle-model.md §2) of this record and the rest of its block.
        var blockCost: UInt64 = 0
        /// The same for the records after this one alone, so the records from an entry `e` to a
        /// record `r` of one block cost `e.blockCost − r.costAfter` (no per-record loop).
        var costAfter: UInt64 = 0
        /// Records from this one to the end of its block, this one included (at most
        /// ``CodeCache/maximumBlockLength``).
        var blockLength: UInt8 = 1
        var form: FastForm
        /// 1 if this record is a branch (isa-subset.md §8), 0 if not: added as it is when retired.
        var branchCount: UInt8 = 0
        /// 1 for ENTER and LEAVE (the `enter-leave-branch` quirk's count).
        var enterLeaveCount: UInt8 = 0
        /// Branches from this record to the end of its block, this one included: a block runs on
        /// past a conditional branch not taken, so it can hold several.
        var blockBranches: UInt8 = 0
        /// For a Jcc whose target is a later record of the same block, the distance to it in
        /// records (0 = none): a taken branch over a few instructions stays in the block.
        var skipAhead: UInt8 = 0
        /// `blockBranches` of the records after this one alone (like `costAfter`): the records
        /// from `e` to `r` hold `e.blockBranches − r.branchesAfter` branches. (The entry is 64
        /// bytes, so the distance between two records is a shift, not a division: RecordLayoutTests.)
        var branchesAfter: UInt8 = 0

        init(instruction: LoweredInstruction, address: UInt64, form: FastForm) {
            self.instruction = instruction
            self.address = address
            self.form = form
            branchCount = instruction.opcode.isBranch ? 1 : 0
            enterLeaveCount = instruction.opcode == .enter || instruction.opcode == .leave ? 1 : 0
        }
    }

    private(set) var base: UnsafeMutablePointer<Entry>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }  // Entry is trivial: nothing to deinitialize

    func append(_ entry: Entry) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Entry>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        (base + count).initialize(to: entry)
        count += 1
    }

    subscript(index: Int) -> Entry {
        get {
            precondition(index >= 0 && index < count, "record index out of range")
            return base[index]
        }
        set {
            precondition(index >= 0 && index < count, "record index out of range")
            base[index] = newValue
        }
    }

    func removeAll() { count = 0 }
}

extension UnsafeMutablePointer where Pointee == RecordStore.Entry {
    /// This record's own static cycle cost.
    @inline(__always) var cost: UInt64 { pointee.blockCost &- pointee.costAfter }

    /// The most cycles the records from this one to its block's end can charge: their static
    /// cost and `taken` for every branch among them (a taken Jcc inside the block goes on in it).
    /// The block path runs a block only when this fits the fuel left, so no record but the last
    /// one run can use up the fuel.
    @inline(__always) func mostCycles(taken: UInt64) -> UInt64 {
        pointee.blockCost &+ UInt64(pointee.blockBranches) &* taken
    }
}
