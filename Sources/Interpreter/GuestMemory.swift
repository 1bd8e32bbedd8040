#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Guest physical = linear memory: one flat host buffer over the guest window, with per-page
/// permissions, so an access is an offset check, a permission lookup and an unaligned load.
///
/// The default machine (cli.md Part A) maps code at 0x400000, data at 0x600000 and the stack
/// below 0x800000; everything else in the window is unmapped and faults.
public final class GuestMemory {
    public struct Permissions: OptionSet, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let read = Permissions(rawValue: 1)
        public static let write = Permissions(rawValue: 2)
        public static let execute = Permissions(rawValue: 4)
    }

    public static let pageSize = 4096
    /// Page flag: the page holds decoded instructions, so a store must invalidate them.
    static let holdsCode: UInt8 = 8

    /// First guest address backed by the buffer.
    public let base: UInt64
    /// Bytes in the window.
    public let size: Int
    let bytes: UnsafeMutableRawPointer
    /// Per-page permission bits and the holds-code flag.
    private let pages: UnsafeMutablePointer<UInt8>
    private let pageCount: Int
    /// The vCPU's view of this memory: the same blocks through plain pointers (see ``MemoryAccess``).
    private(set) var access: MemoryAccess
    /// Pages holding code that stores hit; the interpreter drops those pages' records.
    var writtenCodePages: [Int] = []

    /// Creates an unmapped window of `size` bytes (a multiple of the page size) at `base`.
    public init(base: UInt64, size: Int) {
        precondition(size > 0 && size % Self.pageSize == 0 && base % UInt64(Self.pageSize) == 0)
        self.base = base
        self.size = size
        // calloc, not allocate + initializeMemory: a large calloc is fresh zeroed pages from the
        // kernel, touched only where the guest goes, while initializeMemory(as: UInt8.self, …) ran a
        // generic per-byte copy in debug builds — 64 % of RandomBytesTests' time for the 4 MiB window.
        guard let zeroed = calloc(size, 1) else { fatalError("cannot allocate \(size) bytes of guest memory") }
        bytes = zeroed
        pageCount = size / Self.pageSize
        pages = .allocate(capacity: pageCount)
        pages.initialize(repeating: 0, count: pageCount)
        let flag = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
        flag.initialize(to: false)
        access = MemoryAccess(base: base, size: size, bytes: bytes, pages: pages, codeWritten: flag)
        access.owner = Unmanaged.passUnretained(self)
    }

    deinit {
        free(bytes)
        pages.deallocate()
        access.codeWrittenFlag.deallocate()
    }

    /// Hands the written code pages to the interpreter and clears the record.
    func takeWrittenCodePages() -> [Int] {
        defer {
            writtenCodePages.removeAll(keepingCapacity: true)
            access.codeWrittenFlag.pointee = false
        }
        return writtenCodePages
    }

    /// Maps `count` bytes at `address` (page-rounded outward) with `permissions`.
    /// Returns false if the range is not inside the window.
    @discardableResult
    public func map(_ address: UInt64, count: Int, _ permissions: Permissions) -> Bool {
        guard let (first, last) = pageRange(address, count: count) else { return false }
        for page in first...last { pages[page] = (pages[page] & Self.holdsCode) | permissions.rawValue }
        return true
    }

    /// Host write (setup): copies `data` to `address` regardless of permissions.
    @discardableResult
    public func write(_ data: some Collection<UInt8>, at address: UInt64) -> Bool {
        guard let offset = offset(of: address, count: data.count) else { return false }
        var index = offset
        for byte in data {
            bytes.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
            index += 1
        }
        return true
    }

    /// Host read (results, disassembly): `count` bytes at `address`, or nil outside the window.
    public func read(_ address: UInt64, count: Int) -> [UInt8]? {
        guard let offset = offset(of: address, count: count) else { return nil }
        return Array(UnsafeRawBufferPointer(start: bytes + offset, count: count))
    }

    /// The permissions of the page holding `address`, or none outside the window.
    public func permissions(at address: UInt64) -> Permissions {
        guard let offset = offset(of: address, count: 1) else { return [] }
        return Permissions(rawValue: pages[offset / Self.pageSize] & 7)
    }

    /// The bytes from `address` to the end of executable memory that starts there, at most `limit`.
    func executableBytes(at address: UInt64, limit: Int) -> UnsafeRawBufferPointer {
        guard let offset = offset(of: address, count: 1) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        var end = offset
        while end < size, end - offset < limit, pages[end / Self.pageSize] & Permissions.execute.rawValue != 0 {
            end = min((end / Self.pageSize + 1) * Self.pageSize, size)
        }
        return UnsafeRawBufferPointer(start: bytes + offset, count: min(end - offset, limit))
    }

    func markHoldsCode(_ address: UInt64) {
        guard let offset = offset(of: address, count: 1) else { return }
        pages[offset / Self.pageSize] |= Self.holdsCode
    }

    func clearHoldsCode(page: Int) {
        if page >= 0 && page < pageCount { pages[page] &= ~Self.holdsCode }
    }

    // MARK: - Guest accesses (through ``access``)

    @inline(__always)
    func translate(_ address: UInt64, count: Int, access kind: Permissions, user: Bool, stack: Bool = false)
        throws(GuestFault) -> Int
    {
        try access.translate(address, count: count, access: kind, user: user, stack: stack)
    }

    @inline(__always) func load(at offset: Int, size: UInt8) -> UInt64 { access.load(at: offset, size: size) }
    @inline(__always) func store(_ value: UInt64, at offset: Int, size: UInt8) { access.store(value, at: offset, size: size) }

    /// Records the code pages among `first...last` that a store hit (the rare path of a store).
    func noteCodeWrite(first: Int, last: Int) {
        for page in first...last where pages[page] & Self.holdsCode != 0 { writtenCodePages.append(page) }
        access.codeWrittenFlag.pointee = !writtenCodePages.isEmpty
    }

    private func offset(of address: UInt64, count: Int) -> Int? {
        guard count >= 0, count <= size, address >= base, address - base <= UInt64(size - count) else { return nil }
        return Int(address - base)
    }

    private func pageRange(_ address: UInt64, count: Int) -> (Int, Int)? {
        guard count > 0, let offset = offset(of: address, count: count) else { return nil }
        return (offset / Self.pageSize, (offset + count - 1) / Self.pageSize)
    }
}

/// Whether bits 63:47 of `address` are all equal (SDM Vol. 1 §3.3.7.1).
@inline(__always) func isCanonical(_ address: UInt64) -> Bool {
    (Int64(bitPattern: address) << 16) >> 16 == Int64(bitPattern: address)
}

/// Guest memory as the vCPU's hot path sees it: the owner's blocks through plain pointers.
///
/// Every guest access reads the page flags; through the ``GuestMemory`` class reference each read
/// retained and released the owner (perf: over half of a CALL/RET-heavy run). This view holds no
/// reference: the ``Interpreter`` keeps the ``GuestMemory`` alive for as long as its vCPU runs.
struct MemoryAccess {
    let base: UInt64
    let size: Int
    let bytes: UnsafeMutableRawPointer
    let pages: UnsafeMutablePointer<UInt8>
    /// Set when a store hit a page holding code (the run loop tests it after every instruction).
    let codeWrittenFlag: UnsafeMutablePointer<Bool>
    /// For the rare paths (recording code writes, slow fault analysis); set once by the owner.
    fileprivate(set) var owner: Unmanaged<GuestMemory>? = nil

    fileprivate init(
        base: UInt64, size: Int, bytes: UnsafeMutableRawPointer, pages: UnsafeMutablePointer<UInt8>,
        codeWritten: UnsafeMutablePointer<Bool>
    ) {
        self.base = base
        self.size = size
        self.bytes = bytes
        self.pages = pages
        codeWrittenFlag = codeWritten
    }

    @inline(__always) var codeWritten: Bool { codeWrittenFlag.pointee }

    /// The permissions of the page holding `address`, or none outside the window.
    func permissions(at address: UInt64) -> GuestMemory.Permissions {
        let offset = address &- base
        guard offset < UInt64(size) else { return [] }
        return GuestMemory.Permissions(rawValue: pages[Int(offset) >> 12] & 7)
    }

    /// Checks a guest access of `count` bytes (1…16) and returns its buffer offset.
    ///
    /// Faults as the SDM says: #GP(0) (#SS(0) through RSP/RBP) for a non-canonical address, #PF
    /// with CR2 = the first byte that is not mapped with the needed permission (isa-subset.md §1).
    @inline(__always)
    func translate(_ address: UInt64, count: Int, access: GuestMemory.Permissions, user: Bool, stack: Bool = false)
        throws(GuestFault) -> Int
    {
        let offset = address &- base
        // Wrapping arithmetic: `count` is 1…16 and `size` whole pages, so nothing can wrap, and
        // the trapping forms put overflow branches on every guest access.
        if offset <= UInt64(truncatingIfNeeded: size &- count) {
            let first = Int(truncatingIfNeeded: offset) &>> 12
            let last = (Int(truncatingIfNeeded: offset) &+ count &- 1) &>> 12
            if pages[first] & access.rawValue != 0 && pages[last] & access.rawValue != 0 {
                return Int(offset)
            }
        }
        throw slowFault(address, count: count, access: access, user: user, stack: stack)
    }

    @inline(never)
    private func slowFault(_ address: UInt64, count: Int, access: GuestMemory.Permissions, user: Bool, stack: Bool)
        -> GuestFault
    {
        let last = address &+ UInt64(count - 1)
        if !isCanonical(address) || !isCanonical(last) { return stack ? .stackFault : .generalProtection() }
        var faulting = address
        var byte = address
        for _ in 0..<count {
            if !permissions(at: byte).contains(access) {
                faulting = byte
                break
            }
            byte &+= 1
        }
        let present = !permissions(at: faulting).isEmpty
        var code: UInt64 = present ? 1 : 0
        if access == .write { code |= 2 }
        if user { code |= 4 }
        if access == .execute { code |= 0x10 }
        return .pageFault(at: faulting, code: code)
    }

    @inline(__always) func load(at offset: Int, size: UInt8) -> UInt64 {
        switch size {
        case 1: UInt64(bytes.load(fromByteOffset: offset, as: UInt8.self))
        case 2: UInt64(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        case 4: UInt64(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        default: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
    }

    @inline(__always) func store(_ value: UInt64, at offset: Int, size: UInt8) {
        switch size {
        case 1: bytes.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: offset, as: UInt8.self)
        case 2: bytes.storeBytes(of: UInt16(truncatingIfNeeded: value), toByteOffset: offset, as: UInt16.self)
        case 4: bytes.storeBytes(of: UInt32(truncatingIfNeeded: value), toByteOffset: offset, as: UInt32.self)
        default: bytes.storeBytes(of: value, toByteOffset: offset, as: UInt64.self)
        }
        let first = offset &>> 12
        let last = (offset &+ Int(size) &- 1) &>> 12
        if (pages[first] | pages[last]) & GuestMemory.holdsCode != 0 {
            noteCodeWrite(first: first, last: last)
        }
    }

    @inline(never) private func noteCodeWrite(first: Int, last: Int) {
        owner?.takeUnretainedValue().noteCodeWrite(first: first, last: last)
    }
}
