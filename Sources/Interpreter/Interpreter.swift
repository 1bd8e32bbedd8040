import X86IR

/// Why ``Interpreter/run(budget:)`` handed control back.
public enum ExitReason: Equatable, Sendable {
    /// `budget` instructions retired, or the cycle fuel (``Interpreter/cycleFuel``) ran out.
    case budgetSpent
    /// RIP reached the first byte after the code (cli.md: stop reason `end`).
    case end
    /// HLT retired.
    case halt
    /// A guest exception; the faulting instruction did not retire and RIP is at it.
    case fault(GuestFault)
    /// INT3 / INT n retired (a trap: RIP is after it); the caller delivers or stops.
    case trap(vector: UInt8)
    /// CPUID, RDMSR, WRMSR or RDPMC is at RIP, not yet executed; complete it with
    /// ``Interpreter/completeHostCall(_:)`` or raise a fault.
    case hostCall(Opcode)
    /// An instruction outside the subset is at RIP.
    case unsupported
    /// An instruction retired that raised a notice in ``Interpreter/leavesOn``; read
    /// ``Interpreter/takeNotices()`` and go on.
    case stateChanged
}

/// Events the emulator's interrupt logic and cycle side must know about (isa-subset.md §7).
public struct InterpreterNotices: OptionSet, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// An IRETQ retired (it ends NMI blocking).
    public static let iretq = InterpreterNotices(rawValue: 1 << 0)
    /// An STI set IF from 0: the next instruction is an interrupt shadow.
    public static let interruptShadow = InterpreterNotices(rawValue: 1 << 1)
    /// RFLAGS.IF went from 0 to 1 (STI, POPFQ or IRETQ).
    public static let interruptsEnabled = InterpreterNotices(rawValue: 1 << 2)
    /// A far return changed the CPL.
    public static let privilegeChanged = InterpreterNotices(rawValue: 1 << 3)
}

/// The cycle model as the interpreter applies it: a cost per decoded record plus the run-time terms.
public struct CycleCosts {
    /// Everything known at decode (base, memory terms, `taken` of unconditional branches).
    public var staticCost: (LoweredInstruction) -> UInt64
    /// Added when a conditional branch is taken.
    public var taken: UInt64
    /// Added per element a string instruction processes.
    public var stringElement: UInt64

    public init(staticCost: @escaping (LoweredInstruction) -> UInt64, taken: UInt64, stringElement: UInt64) {
        self.staticCost = staticCost
        self.taken = taken
        self.stringElement = stringElement
    }

    /// No hardware side: every instruction costs 0 (`--cycle-model none`).
    public static var free: CycleCosts { CycleCosts(staticCost: { _ in 0 }, taken: 0, stringElement: 0) }
}

/// Decodes and lowers the instruction at an address from the bytes available there.
public typealias Lowerer = (UnsafeRawBufferPointer, UInt64) -> LoweredInstruction

/// The x86-64 interpreter: architectural state, guest memory, the decoded-instruction cache and the run loop.
///
/// It never calls the PMU: it counts retirements per privilege class (``takeRetirements()``) and
/// stops for anything the host must do.
public final class Interpreter {
    var cpu: CPU
    var cache: CodeCache
    private let lowerer: Lowerer

    /// - Parameters:
    ///   - memory: guest memory, already mapped and loaded.
    ///   - codeStart: first byte of the executable code region.
    ///   - codeEnd: first byte after the code; reaching it stops the run (`end`).
    ///   - codeLimit: end of executable memory (page-rounded end of code).
    ///   - isIntel: vendor differences in undefined results (BSF/BSR with a zero source).
    ///   - lowerer: decodes on a cache miss.
    public init(
        memory: GuestMemory, codeStart: UInt64, codeEnd: UInt64, codeLimit: UInt64, isIntel: Bool,
        cycleCosts: CycleCosts = .free, lowerer: @escaping Lowerer
    ) {
        cpu = CPU(memory: memory)
        cpu.isIntel = isIntel
        cpu.rip = codeStart
        cpu.takenCycles = cycleCosts.taken
        cpu.stringElementCycles = cycleCosts.stringElement
        cache = CodeCache(start: codeStart, end: codeEnd, limit: codeLimit, cost: cycleCosts.staticCost)
        self.lowerer = lowerer
    }

    public var memory: GuestMemory { cpu.memory }
    /// First byte after the code: reaching it stops the run.
    public var codeEnd: UInt64 { cache.end }

    // MARK: State

    /// General register `number` (0 = RAX … 15 = R15).
    public func register(_ number: Int) -> UInt64 { cpu.registers[number & 15] }
    public func setRegister(_ number: Int, _ value: UInt64) { cpu.registers[number & 15] = value }
    public var rip: UInt64 {
        get { cpu.rip }
        set { cpu.rip = newValue }
    }
    /// RFLAGS with every status flag current.
    public var rflags: UInt64 {
        get { cpu.currentFlags() }
        set {
            cpu.lazy.kind = .none
            cpu.rflags = newValue | RFlags.reserved1
        }
    }
    public var cr4: UInt64 {
        get { cpu.cr4 }
        set { cpu.cr4 = newValue }
    }
    /// Current privilege level, from CS.
    public var cpl: Int { cpu.cpl }
    /// Starts the vCPU at CPL 0 (CS:SS = 0x10:0x18) or CPL 3 (0x33:0x2B).
    public func setPrivilege(user: Bool) {
        cpu.cs = user ? UInt16(Selector.userCode) : UInt16(Selector.kernelCode)
        cpu.ss = user ? UInt16(Selector.userData) : UInt16(Selector.kernelData)
    }
    public var idt: (base: UInt64, limit: UInt16) { (cpu.idtBase, cpu.idtLimit) }

    /// Retirement counts at CPL 0 and CPL > 0 since the last call, and resets them.
    public func takeRetirements() -> (kernel: RetirementCounts, user: RetirementCounts) {
        defer {
            cpu.kernelCounts = RetirementCounts()
            cpu.userCounts = RetirementCounts()
        }
        return (cpu.kernelCounts, cpu.userCounts)
    }

    /// Core cycles charged since the last call, and resets them.
    public func takeCycles() -> UInt64 {
        defer { cpu.cycles = 0 }
        return cpu.cycles
    }

    /// The run stops after the instruction that brings the cycles charged since ``takeCycles()`` to
    /// at least this: the emulator sets it to the distance to the next cycles-counter wrap.
    public var cycleFuel: UInt64 {
        get { cpu.cycleFuel }
        set { cpu.cycleFuel = newValue }
    }

    /// Notices that end a run with ``ExitReason/stateChanged`` (an STI shadow and a privilege change always do).
    public var leavesOn: InterpreterNotices {
        get { cpu.leavesOn }
        set { cpu.leavesOn = newValue.union([.interruptShadow, .privilegeChanged]) }
    }

    /// Notices raised since the last call, and resets them.
    public func takeNotices() -> InterpreterNotices {
        defer { cpu.notices = [] }
        return cpu.notices
    }

    /// RFLAGS.IF.
    public var interruptsEnabled: Bool { cpu.rflags & RFlags.if != 0 }

    /// The record at RIP (decoding it if needed), e.g. to name a faulting or host-call instruction.
    public func instructionAtRIP() -> LoweredInstruction? {
        guard cache.contains(cpu.rip) else { return nil }
        return cache.lookup(cpu.rip, memory: cpu.memory, lowerer: lowerer).map { cache.instructions[$0] }
    }

    /// Completes the host-handled instruction at RIP: sets RIP past it and retires it.
    public func completeHostCall(_ insn: LoweredInstruction) {
        cpu.rip &+= UInt64(insn.length)
        cpu.retire(insn)
        cpu.cycles &+= cache.staticCost(insn)
    }

    // MARK: Run loop

    /// Runs until `budget` instructions have retired or something stops the vCPU.
    ///
    /// The loop reads the cache only at block entry; inside a block it walks consecutive records.
    /// A store into a page holding code drops that page's records and ends the block, so the
    /// next instruction is decoded from the new bytes (x86 self-modifying-code semantics).
    @inline(never)
    public func run(budget: Int) -> ExitReason {
        guard budget > 0 else { return .budgetSpent }
        var cycles: UInt64 = 0
        let reason = runLoop(budget: budget, cycles: &cycles)
        cpu.cycles &+= cycles
        return reason
    }

    @inline(__always)
    private func runLoop(budget: Int, cycles: inout UInt64) -> ExitReason {
        var retired = 0
        // Cycles live in locals during the run and the static cost in the record: every access to a
        // stored property of this class costs a runtime exclusivity check (swift_beginAccess, the
        // largest item in a callgrind profile of this loop). String elements are charged by the
        // string code into `cpu.cycles`; strings end their block, so the fuel test adds that part there.
        let fuel = cpu.cycleFuel
        let taken = cpu.takenCycles
        while true {
            let rip = cpu.rip
            guard cache.contains(rip) else { return rip == cache.end ? .end : .fault(fetchFault(at: rip)) }
            if rip == cache.end { return .end }
            guard var index = cache.lookup(rip, memory: cpu.memory, lowerer: lowerer) else {
                return .fault(fetchFault(at: rip))
            }
            while true {
                let insn = cache.instructions[index]
                let step: Step
                do {
                    step = try cpu.execute(insn)
                } catch {
                    return .fault(error)
                }
                // Charged after completion, never for a fault (cycle-model.md §2, §3.2).
                switch step {
                case .next: break
                case .jump:
                    if insn.attributes.contains(.conditionalBranch) { cycles &+= taken }
                case .hostCall: return .hostCall(insn.opcode)  // completeHostCall charges and retires it
                case .unsupported: return .unsupported
                case .halt:
                    cpu.retire(insn)
                    cycles &+= cycleCost(insn, at: index)
                    return .halt
                case .trap(let vector):
                    cpu.retire(insn)
                    cycles &+= cycleCost(insn, at: index)
                    return .trap(vector: vector)
                case .leaveRun:
                    cpu.retire(insn)
                    cycles &+= cycleCost(insn, at: index)
                    return .stateChanged
                }
                cycles &+= cycleCost(insn, at: index)
                cpu.retire(insn)
                retired += 1
                if !cpu.memory.writtenCodePages.isEmpty {
                    cache.invalidate(pages: cpu.memory.writtenCodePages, memory: cpu.memory)
                    cpu.memory.writtenCodePages.removeAll(keepingCapacity: true)
                    if retired >= budget || cycles &+ cpu.cycles >= fuel { return .budgetSpent }
                    break
                }
                if retired >= budget || cycles >= fuel { return .budgetSpent }
                if case .jump = step { break }
                if insn.attributes.contains(.blockEnd) {
                    if insn.opcode.isString && cycles &+ cpu.cycles >= fuel { return .budgetSpent }
                    break
                }
                index += 1
            }
        }
    }

    /// The record's static cost: from the record itself, or the cache's table when it needs more than 16 bits.
    @inline(__always) private func cycleCost(_ insn: LoweredInstruction, at index: Int) -> UInt64 {
        insn.staticCycles == LoweredInstruction.largeCycleCost ? cache.costs[index] : UInt64(insn.staticCycles)
    }

    /// #PF (or #GP for a non-canonical RIP) for fetching at `address`.
    private func fetchFault(at address: UInt64) -> GuestFault {
        guard isCanonical(address) else { return .generalProtection() }
        let present = !cpu.memory.permissions(at: address).isEmpty
        return .pageFault(at: address, code: (present ? 1 : 0) | (cpu.cpl == 3 ? 4 : 0) | 0x10)
    }
}

extension CPU {
    /// Counts a retired instruction for the privilege it ended at (events follow the instruction).
    @inline(__always) mutating func retire(_ insn: LoweredInstruction) {
        let branch: UInt64 = insn.opcode.isBranch ? 1 : 0
        let frame: UInt64 = insn.opcode == .enter || insn.opcode == .leave ? 1 : 0
        if cs & 3 == 0 {
            kernelCounts.instructions &+= 1
            kernelCounts.branches &+= branch
            kernelCounts.enterLeave &+= frame
        } else {
            userCounts.instructions &+= 1
            userCounts.branches &+= branch
            userCounts.enterLeave &+= frame
        }
    }
}
