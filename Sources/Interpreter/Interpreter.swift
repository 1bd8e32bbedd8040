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
    /// The owner of the memory the vCPU reaches through ``MemoryAccess`` (and of nothing else).
    private let guestMemory: GuestMemory
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
        guestMemory = memory
        cpu = CPU(memory: memory.access, registers: .allocate())
        cpu.isIntel = isIntel
        cpu.rip = codeStart
        cpu.takenCycles = cycleCosts.taken
        cpu.stringElementCycles = cycleCosts.stringElement
        cache = CodeCache(
            start: codeStart, end: codeEnd, limit: codeLimit, taken: cycleCosts.taken, cost: cycleCosts.staticCost)
        self.lowerer = lowerer
    }

    deinit {
        cpu.registers.deallocate()
    }

    public var memory: GuestMemory { guestMemory }
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
        return cache.lookup(cpu.rip, memory: guestMemory, lowerer: lowerer).map { cache.records[$0].instruction }
    }

    /// Completes the host-handled instruction at RIP: sets RIP past it and retires it.
    public func completeHostCall(_ insn: borrowing LoweredInstruction) {
        cpu.rip &+= UInt64(insn.length)
        cpu.retire(insn)
        cpu.cycles &+= cache.staticCost(insn)
    }

    // MARK: Run loop

    /// Runs until `budget` instructions have retired or something stops the vCPU (with an
    /// allowance from ``allowCrossings(_:window:)``, a spent budget may instead start another window).
    ///
    /// The loop reads the cache only at block entry; inside a block it walks consecutive records.
    /// A store into a page holding code drops that page's records and ends the block, so the
    /// next instruction is decoded from the new bytes (x86 self-modifying-code semantics).
    ///
    /// A block whose most cycles (static, and `taken` for every branch in it) fit in what is left
    /// of the cycle fuel runs with no per-instruction accounting, up to its end or the last record
    /// the budget allows: its retirements and static cycles are added once, when it ends (or at
    /// the record that faults, stops or writes code), from the records' suffix totals, less the
    /// records a taken Jcc inside it skipped (``PendingLaps``' holes). Only a block's last record
    /// can be ENTER/LEAVE or change the privilege level, so the totals are those the
    /// per-instruction path would have summed. Otherwise the block runs record by record.
    public func run(budget: Int) -> ExitReason {
        guard budget > 0 else { return .budgetSpent }
        // The general registers go into this frame for the run (RegisterFile.copy(into:)), and so
        // does the run loop's ``PendingLaps``: behind a pointer, because as a local its fields were
        // reloaded from the stack at every record's dispatch (callgrind), but on the stack, at a
        // fixed distance from the loop's other hot state (no 4K aliasing with it).
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 16) { frame in
            withUnsafeTemporaryAllocation(of: PendingLaps.self, capacity: 1) { lapState in
                lapState.initializeElement(at: 0, to: PendingLaps())
                return runLoop(budget: budget, registers: frame.baseAddress!, laps: lapState.baseAddress!)
            }
        }
    }

    @inline(never)
    private func runLoop(
        budget: Int, registers frame: UnsafeMutablePointer<UInt64>, laps: UnsafeMutablePointer<PendingLaps>
    ) -> ExitReason {
        // The loop works on a local copy of the vCPU so its registers stay out of the class
        // instance (no reloads through `self` after every store); written back on every exit.
        var cpu = self.cpu
        let heapRegisters = cpu.registers
        cpu.registers = heapRegisters.copy(into: frame)
        defer {
            heapRegisters.update(from: cpu.registers)
            cpu.registers = heapRegisters
            self.cpu = cpu
        }
        // Instructions retired, less a window for each batch boundary crossed (so `budget − retired`
        // is what is left of the current window, and no budget variable joins the loop's registers:
        // a mutable one pushed `last` out of them, +2 host instructions a record).
        var retired = 0
        // The host may have written code since the last run (an interrupt frame pushed onto a
        // page that holds code, a host call's store): drop those records before running any.
        if cpu.memory.codeWritten {
            cache.invalidate(pages: guestMemory.takeWrittenCodePages(), memory: guestMemory)
        }
        let slots = cache.slots.base
        let slotCount = UInt64(cache.slots.count)
        let codeStart = cache.start
        var records = cache.records.base
        var mostBlockCycles = cache.mostBlockCycles
        blocks: while true {
            if retired >= budget {  // only after a lap that spent the budget exactly (above)
                let window = cpu.crossBoundary(codeEnd: cache.end)
                if window == 0 { return .budgetSpent }
                retired &-= window
            }
            let rip = cpu.rip
            // The hit path: a decoded record at RIP. Nothing is ever decoded at the end of the
            // code, so its slot stays −1 and `end` takes the slow path below.
            let offset = rip &- codeStart
            var index = offset < slotCount ? Int(slots[Int(offset)]) : -1
            if index < 0 {
                guard cache.contains(rip) else { return rip == cache.end ? .end : .fault(cpu.fetchFault(at: rip)) }
                if rip == cache.end { return .end }
                guard let decoded = cache.lookup(rip, memory: guestMemory, lowerer: lowerer) else {
                    return .fault(cpu.fetchFault(at: rip))
                }
                index = decoded
                records = cache.records.base  // a decode may have moved the store
                mostBlockCycles = cache.mostBlockCycles
            }
            // Valid for the whole block: the store moves only when a lookup decodes.
            let entry = records + index
            if fits(entry, cpu: cpu, mostBlockCycles: mostBlockCycles) {
                // The block path, written out here rather than called: a call per block cost
                // a 3 KB frame set-up (perf annotate). It runs to the block's end or to the
                // last record the budget allows, whichever is first.
                let startCS = cpu.cs
                var last = budgetCut(entry, left: budget &- retired)
                var record = entry
                // Laps of a loop whose body is this block (see below), run but not yet retired, and
                // the records taken Jcc skipped inside it, retired with them (``PendingLaps``).
                laps.pointee.allowed = 0
                while true {
                    let step: Step
                    do {
                        step = try cpu.execute(record: &record, last: last)
                    } catch {
                        laps.pointee.flush(startCS: startCS, cpu: &cpu, retired: &retired)
                        if record != entry { retired &+= retire(entry, through: record - 1, startCS: startCS, cpu: &cpu) }
                        return .fault(error)
                    }
                    switch step {
                    case .next:
                        if record != last {
                            record += 1
                            continue
                        }
                        // The budget cut inside the block, at a boundary the run may cross: on
                        // with the block (and its laps' entry) rather than out and back in.
                        if cpu.crossingsLeft != 0 && record.pointee.blockLength > 1
                            && crossInsideBlock(
                                entry, at: record, startCS: startCS, budget: budget, retired: &retired, laps: laps,
                                cpu: &cpu)
                        {
                            last = budgetCut(entry, left: budget &- retired)
                            record += 1
                            continue
                        }
                        cpu.rip = record.pointee.address &+ UInt64(record.pointee.instruction.length)
                    case .codeWritten:  // retired; the code written is invalidated below
                        cpu.rip = record.pointee.address &+ UInt64(record.pointee.instruction.length)
                    case .jump:  // a taken branch, at the block's end or a conditional one before it
                        // The direct branch back that closes the counted laps (so nothing wrote code
                        // and RIP is the entry), while the count lasts: the lap is only counted.
                        if record == laps.pointee.branch && laps.pointee.allowed != 0 {
                            laps.pointee.allowed &-= 1
                            laps.pointee.pending &+= 1
                            record = entry
                            continue
                        }
                        if record.pointee.instruction.attributes.contains(.conditionalBranch) {
                            cpu.cycles &+= cpu.takenCycles
                            let target = record + Int(record.pointee.skipAhead)
                            if target != record && target <= last {
                                laps.pointee.skip(from: record, to: target)
                                record = target
                                continue
                            }
                        }
                        // Back to the entry (a loop whose body is this block): the next lap runs
                        // without a lookup if it fits as a new block would; the laps after it that
                        // are known to fit are only counted (above).
                        if cpu.rip == entry.pointee.address && !cpu.memory.codeWritten {
                            laps.pointee.flush(startCS: startCS, cpu: &cpu, retired: &retired)
                            laps.pointee.allowed = 0  // the count was for laps like the last counted one
                            retired &+= retire(entry, through: record, startCS: startCS, cpu: &cpu)
                            if retired >= budget || cpu.cycles >= cpu.cycleFuel {
                                // A boundary that may be crossed is crossed at the top of `blocks`:
                                // a call here, in the laps' loop, cost it registers (+2 a record).
                                guard retired == budget && cpu.crossingsLeft != 0 && cpu.cycles < cpu.cycleFuel
                                else { return .budgetSpent }
                                continue blocks
                            }
                            guard fits(entry, cpu: cpu, mostBlockCycles: mostBlockCycles) else { continue blocks }
                            laps.pointee.count(entry, to: record, budgetLeft: budget &- retired, cpu: cpu)
                            last = budgetCut(entry, left: budget &- retired)
                            record = entry
                            continue
                        }
                    default:
                        laps.pointee.flush(startCS: startCS, cpu: &cpu, retired: &retired)
                        if let exit = blockExit(
                            step, entry, record, startCS: startCS, cpu: &cpu, retired: &retired)
                        {
                            return exit
                        }
                    }
                    break
                }
                laps.pointee.flush(startCS: startCS, cpu: &cpu, retired: &retired)
                retired &+= retire(entry, through: record, startCS: startCS, cpu: &cpu)
                if cpu.memory.codeWritten {
                    cache.invalidate(pages: guestMemory.takeWrittenCodePages(), memory: guestMemory)
                }
            } else {
                let (exit, count) = runStepwise(entry, budget: budget &- retired, cpu: &cpu)
                retired &+= count
                if let exit { return exit }
            }
            if retired >= budget || cpu.cycles >= cpu.cycleFuel {
                let window = retired == budget ? cpu.crossBoundary(codeEnd: cache.end) : 0
                if window == 0 { return .budgetSpent }
                retired &-= window
            }
        }
    }

    /// Whether the block path may run the block from `entry`: its most cycles fit the fuel left,
    /// which holds without a look while the fuel left exceeds the most of any block decoded.
    @inline(__always)
    private func fits(_ entry: UnsafeMutablePointer<RecordStore.Entry>, cpu: borrowing CPU, mostBlockCycles: UInt64)
        -> Bool
    {
        guard cpu.cycles < cpu.cycleFuel else { return false }
        let fuelLeft = cpu.cycleFuel &- cpu.cycles
        if mostBlockCycles < fuelLeft { return true }
        return entry.mostCycles(taken: cpu.takenCycles) < fuelLeft
    }

    /// The last record of the block from `entry` that the budget (`left` > 0 instructions) allows.
    @inline(__always)
    private func budgetCut(_ entry: UnsafeMutablePointer<RecordStore.Entry>, left: Int)
        -> UnsafeMutablePointer<RecordStore.Entry>
    {
        entry + (min(Int(entry.pointee.blockLength), left) &- 1)
    }

    /// Runs a block record by record, stopping as soon as the budget or the cycle fuel is spent.
    private func runStepwise(_ entry: UnsafeMutablePointer<RecordStore.Entry>, budget: Int, cpu: inout CPU)
        -> (ExitReason?, Int)
    {
        var retired = 0
        var record = entry
        while true {
            let step: Step
            do {
                step = try cpu.execute(record: &record, last: record)  // one record at a time: never fused
            } catch {
                return (.fault(error), retired)
            }
            let insn = record.pointee.instruction
            switch step {
            case .next, .codeWritten: cpu.rip = record.pointee.address &+ UInt64(insn.length)
            case .jump:
                if insn.attributes.contains(.conditionalBranch) { cpu.cycles &+= cpu.takenCycles }
            case .hostCall: return (.hostCall(insn.opcode), retired)  // completeHostCall charges and retires it
            case .unsupported: return (.unsupported, retired)
            case .halt:
                cpu.retire(insn)
                cpu.cycles &+= record.cost
                return (.halt, retired + 1)
            case .trap(let vector):
                cpu.retire(insn)
                cpu.cycles &+= record.cost
                return (.trap(vector: vector), retired + 1)
            case .leaveRun:
                cpu.retire(insn)
                cpu.cycles &+= record.cost
                return (.stateChanged, retired + 1)
            }
            // Charged after completion, never for a fault (cycle-model.md §2, §3.2).
            cpu.cycles &+= record.cost
            cpu.retire(insn)
            retired += 1
            if cpu.memory.codeWritten {
                cache.invalidate(pages: guestMemory.takeWrittenCodePages(), memory: guestMemory)
                return (nil, retired)
            }
            if retired >= budget || cpu.cycles >= cpu.cycleFuel { return (nil, retired) }
            if case .jump = step { return (nil, retired) }
            if insn.attributes.contains(.blockEnd) { return (nil, retired) }
            record += 1
        }
    }
}

extension CPU {
    /// #PF (or #GP for a non-canonical RIP) for fetching at `address`.
    func fetchFault(at address: UInt64) -> GuestFault {
        guard isCanonical(address) else { return .generalProtection() }
        let present = !memory.permissions(at: address).isEmpty
        return .pageFault(at: address, code: (present ? 1 : 0) | (cpl == 3 ? 4 : 0) | 0x10)
    }
}

extension CPU {
    /// Adds `count` retired non-branch instructions to the class of `cs`.
    @inline(__always) mutating func countInstructions(_ count: UInt64, cs: UInt16) {
        if cs & 3 == 0 { kernelCounts.instructions &+= count } else { userCounts.instructions &+= count }
    }

    /// Counts a retired instruction for the privilege it ended at (events follow the instruction).
    @inline(__always) mutating func retire(_ insn: borrowing LoweredInstruction) {
        let branch: UInt64 = insn.opcode.isBranch ? 1 : 0
        let opcode = insn.opcode
        let frame: UInt64 = opcode == .enter || opcode == .leave ? 1 : 0
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
