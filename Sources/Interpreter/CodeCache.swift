import X86IR

extension InstructionAttributes {
    /// Set by the cache on the last record of a decoded block.
    static let blockEnd = InstructionAttributes(rawValue: 1 << 7)
    /// Set by the cache on Jcc / LOOPcc / JrCXZ, whose `taken` cycle term is charged only when taken
    /// (a bit test in the run loop instead of a switch over the opcode).
    static let conditionalBranch = InstructionAttributes(rawValue: 1 << 6)
}

/// The record index of every byte offset of the executable region (−1 = none), in one
/// manually managed block: the run loop reads it through a pointer held in a local, with no
/// array bounds or uniqueness checks (the offset is checked against `count` once).
final class SlotTable {
    let base: UnsafeMutablePointer<Int32>
    let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: -1, count: max(count, 1))
    }

    deinit { base.deallocate() }
}

/// Decoded records of the code region, found by guest address.
///
/// `slots` maps every byte offset of the executable region to the index of the record decoded
/// at that address (−1 = not decoded). Records of one block are consecutive in `records`.
struct CodeCache {
    /// Longest block, so a miss costs a bounded decode (and the records' suffix counts fit a UInt8).
    static let maximumBlockLength = 64
    /// Records kept before the cache is flushed (bounds memory under endless self-modification).
    static let maximumRecords = 1 << 20

    let start: UInt64
    let end: UInt64
    let limit: UInt64
    let slots: SlotTable
    /// The records and their static cycle costs, consecutive per block.
    let records = RecordStore()
    let staticCost: (LoweredInstruction) -> UInt64
    /// Off only in tests, which run the same code both ways and compare (every record generic).
    var fastForms = true
    /// The cycle model's `taken` term, for ``mostBlockCycles``.
    let taken: UInt64
    /// At least the ``mostCycles(taken:)`` of every record decoded so far (the largest of their
    /// blocks' first records): with more fuel left than this, any block fits without a look.
    private(set) var mostBlockCycles: UInt64 = 0

    init(start: UInt64, end: UInt64, limit: UInt64, taken: UInt64 = 0, cost: @escaping (LoweredInstruction) -> UInt64) {
        self.start = start
        self.end = end
        self.limit = limit
        self.taken = taken
        staticCost = cost
        slots = SlotTable(count: Int(limit - start))
    }

    /// Whether `address` is inside the executable region (the end of code included).
    @inline(__always) func contains(_ address: UInt64) -> Bool { address &- start < limit - start || address == end }

    /// The record index for `address`, decoding a block there on a miss.
    @inline(__always) mutating func lookup(_ address: UInt64, memory: GuestMemory, lowerer: Lowerer) -> Int? {
        let offset = address &- start
        guard offset < UInt64(slots.count) else { return nil }
        let slot = slots.base[Int(offset)]
        if slot >= 0 { return Int(slot) }
        return decodeBlock(at: address, memory: memory, lowerer: lowerer)
    }

    @inline(never)
    private mutating func decodeBlock(at address: UInt64, memory: GuestMemory, lowerer: Lowerer) -> Int? {
        if records.count >= Self.maximumRecords { flush(memory: memory) }
        let first = records.count
        var pc = address
        for _ in 0..<Self.maximumBlockLength {
            let bytes = memory.executableBytes(at: pc, limit: 15)
            guard !bytes.isEmpty else { break }
            var insn = lowerer(bytes, pc)
            let length = UInt64(max(insn.length, 1))
            let after = pc &+ length
            // An instruction that runs into the next page starts a block of its own: invalidating
            // that page clears the slots up to 14 bytes before it, which then covers the whole
            // block, so no older block can walk on into records that are stale.
            let crossesPage = (pc ^ (after &- 1)) >> 12 != 0
            if crossesPage && records.count > first { break }
            memory.markHoldsCode(pc)
            memory.markHoldsCode(after &- 1)
            slots.base[Int(pc - start)] = Int32(records.count)
            // A block runs on past a conditional branch (a taken one leaves it early, retiring
            // only what ran), so a loop body with a few forward Jcc is one block, not several.
            // ENTER and LEAVE end blocks so that only a block's last record can need the
            // `enter-leave-branch` count.
            let endsHere = insn.opcode.endsBlock && !insn.opcode.isConditionalBranch
            let stop =
                endsHere || insn.opcode == .enter || insn.opcode == .leave || crossesPage
                || after == end || after >= limit || after & 0xFFF == 0 || after < pc
            if stop { insn.attributes.insert(.blockEnd) }
            if insn.opcode.isConditionalBranch { insn.attributes.insert(.conditionalBranch) }
            records.append(RecordStore.Entry(instruction: insn, address: pc, form: fastForms ? FastForm(insn) : .generic))
            if stop { break }
            pc = after
        }
        guard records.count > first else { return nil }
        records[records.count - 1].instruction.attributes.insert(.blockEnd)
        // Suffix totals, so a block entered at any of its records is retired in one step.
        var length: UInt8 = 0
        var cost: UInt64 = 0
        var branches: UInt8 = 0
        for index in stride(from: records.count - 1, through: first, by: -1) {
            length += 1
            records[index].costAfter = cost
            cost &+= staticCost(records[index].instruction)
            records[index].branchesAfter = branches
            branches += records[index].branchCount
            records[index].blockLength = length
            records[index].blockCost = cost
            records[index].blockBranches = branches
        }
        mostBlockCycles = max(mostBlockCycles, (records.base + first).mostCycles(taken: taken))
        // Forward Jcc within the block (`jz` over an `xor`): the run loop skips to the target
        // record instead of leaving the block.
        for index in first..<records.count where records[index].instruction.opcode == .jcc {
            let target = records[index].instruction.immediate
            for later in (index + 1)..<records.count where records[later].address == target {
                records[index].skipAhead = UInt8(later - index)
            }
        }
        // A flag-setting record and the JZ/JNZ/JB/JAE after it in the block run as one dispatch.
        for index in first..<(records.count - 1) {
            if let fused = records[index].form.fused(before: records[index + 1].form) {
                records[index].form = fused
            }
        }
        return first
    }

    /// Drops records that start in `pages` or up to 14 bytes before one (they may reach into it).
    mutating func invalidate(pages: [Int], memory: GuestMemory) {
        let pageSize = GuestMemory.pageSize
        for page in pages {
            memory.clearHoldsCode(page: page)
            let pageStart = memory.base + UInt64(page * pageSize)
            let from = max(Int(Int64(bitPattern: pageStart &- start)) - 14, 0)
            let to = min(Int(Int64(bitPattern: pageStart &- start)) + pageSize, slots.count)
            if from < to { (slots.base + from).update(repeating: -1, count: to - from) }
        }
    }

    private mutating func flush(memory: GuestMemory) {
        slots.base.update(repeating: -1, count: slots.count)
        records.removeAll()
        var page = start
        while page < limit {
            memory.clearHoldsCode(page: Int((page - memory.base) / UInt64(GuestMemory.pageSize)))
            page += UInt64(GuestMemory.pageSize)
        }
    }
}
