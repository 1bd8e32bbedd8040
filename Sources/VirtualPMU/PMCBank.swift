/// The PMU's counters in one fixed buffer: gp0… then fixed0… (at most 8 GP and 3 fixed).
///
/// A Swift array of 112-byte PMCs cost a uniqueness check and a bounds check at every
/// `pmcs[p].field = …` in the event path and the VM-Enter step, several per PMC per exit
/// (callgrind). Here a write goes straight through the pointer; the position is still checked.
struct PMCBank: RandomAccessCollection {
    static let capacity = 11
    private let base: UnsafeMutablePointer<PMC>
    private(set) var count = 0

    /// Allocated once per PMU and freed by ``deallocate()`` from the PMU's deinit.
    init() {
        base = .allocate(capacity: Self.capacity)
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(position: Int) -> PMC {
        @inline(__always) unsafeAddress {
            precondition(position >= 0 && position < count, "PMC position out of range")
            return UnsafePointer(base + position)
        }
        @inline(__always) nonmutating unsafeMutableAddress {
            precondition(position >= 0 && position < count, "PMC position out of range")
            return base + position
        }
    }

    /// The counter at `position`, for code that reads and writes several of its fields (one check).
    @inline(__always) func pointer(at position: Int) -> UnsafeMutablePointer<PMC> {
        precondition(position >= 0 && position < count, "PMC position out of range")
        return base + position
    }

    /// Replaces every counter (PMC is trivial: nothing to deinitialize).
    mutating func replaceAll(with counters: [PMC]) {
        precondition(counters.count <= Self.capacity, "more PMCs than the bank holds")
        for (position, pmc) in counters.enumerated() { (base + position).initialize(to: pmc) }
        count = counters.count
    }

    func deallocate() { base.deallocate() }
}
