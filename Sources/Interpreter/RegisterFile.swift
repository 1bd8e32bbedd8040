/// The sixteen general registers, RAX … R15, in one heap block owned by the vCPU.
///
/// With `InlineArray<16, UInt64>` inside `CPU`, perf annotate showed every register read in the
/// ALU handlers copying the whole 128-byte array into the caller's frame first; through a pointer a
/// read is one load. Copies of a `CPU` share the block — the run loop's local copy relies on that,
/// and nothing snapshots a CPU to roll back (faulting instructions simply do not write).
struct RegisterFile {
    private final class Storage {
        let base: UnsafeMutablePointer<UInt64>
        init() {
            base = .allocate(capacity: 16)
            base.initialize(repeating: 0, count: 16)
        }
        deinit { base.deallocate() }
    }

    private let storage = Storage()
    private let base: UnsafeMutablePointer<UInt64>

    init() { base = storage.base }

    /// Register `number` (masked to 0…15, so no index can leave the block).
    subscript(number: Int) -> UInt64 {
        @inline(__always) get { base[number & 15] }
        @inline(__always) nonmutating set { base[number & 15] = newValue }
    }
}
