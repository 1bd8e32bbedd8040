/// The sixteen general registers, RAX … R15, in one heap block owned by the ``Interpreter``.
///
/// With `InlineArray<16, UInt64>` inside `CPU`, perf annotate showed every register read in the
/// ALU handlers copying the whole 128-byte array into the caller's frame first; through a pointer a
/// read is one load. The block is a plain pointer (no reference counting), so copying a `CPU` — the
/// run loop's local copy — costs no retains. Copies share the block; nothing snapshots a CPU to
/// roll back (faulting instructions simply do not write).
struct RegisterFile {
    private let base: UnsafeMutablePointer<UInt64>

    /// A zeroed block; the owner calls ``deallocate()`` exactly once.
    static func allocate() -> RegisterFile {
        let base = UnsafeMutablePointer<UInt64>.allocate(capacity: 16)
        base.initialize(repeating: 0, count: 16)
        return RegisterFile(base: base)
    }

    private init(base: UnsafeMutablePointer<UInt64>) { self.base = base }

    func deallocate() { base.deallocate() }

    /// The run loop's copy of this block in `frame` (16 registers), for the length of one run.
    ///
    /// The run loop's other hot state (lazy flags, RIP, the counts) lives in its stack frame, and
    /// a load from the heap block whose address matched a recent stack store in its low 12 bits
    /// waited for it (4K aliasing): with the stack's random page offset (ASLR), one process in
    /// four or five ran the mul/div loop 1.3–1.8× slower (with ASLR off, a block at page offset
    /// 0xC00 was slow every time and 0x000–0x800 never). In the same frame the distance is fixed.
    func copy(into frame: UnsafeMutablePointer<UInt64>) -> RegisterFile {
        frame.initialize(from: base, count: 16)
        return RegisterFile(base: frame)
    }

    /// Writes a frame copy made by ``copy(into:)`` back into this block.
    func update(from copy: RegisterFile) {
        base.update(from: copy.base, count: 16)
    }

    /// Register `number` (masked to 0…15, so no index can leave the block).
    subscript(number: Int) -> UInt64 {
        @inline(__always) get { base[number & 15] }
        @inline(__always) nonmutating set { base[number & 15] = newValue }
    }
}
