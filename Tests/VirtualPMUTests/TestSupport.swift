import VirtualPMU

/// M = 2^48 − 1.
let M: UInt64 = 0xFFFF_FFFF_FFFF

/// One guest instruction, as far as the PMU can tell: what it does to PMU state and whether it is a branch.
enum Op {
    /// Any non-branch instruction with no PMU side effect (NOP, MOV, XOR, CPUID, CLFLUSH ...).
    case plain
    /// JMP, Jcc (taken or not), LOOP, CALL, RET ...
    case branch
    /// WRMSR: the write happens, then (unless it #GPs) the instruction retires.
    case wrmsr(UInt32, UInt64)
    /// RDMSR; the value lands in ``Guest/reads``.
    case rdmsr(UInt32)
    /// RDPMC; the value lands in ``Guest/reads``.
    case rdpmc(UInt32)
}

/// `count` copies of `op`.
func repeated(_ op: Op, _ count: Int) -> [Op] {
    Array(repeating: op, count: count)
}

/// S1 = ten NOPs.
let s1 = repeated(.plain, 10)
/// S2 = `mov ecx,10; loop self`: 1 plain + 10 LOOPs.
let s2: [Op] = [.plain] + repeated(.branch, 10)

/// A stand-in for the Emulator: runs ops in batches of at most `exitEvery`, with the VM-Enter step
/// before the first batch, after every batch, and never twice in a row (cli.md `--exit-every`).
/// Each op is flushed to the PMU on its own, as the emulator does around every MSR access.
final class Guest {
    let pmu: PMU
    let exitEvery: Int?
    var cpl: Int
    var cr4PCE = false
    private(set) var step = 0
    private(set) var retired: UInt64 = 0
    private(set) var faulted = false
    /// RDMSR / RDPMC results in order.
    private(set) var reads: [UInt64] = []
    /// PMIs accepted, one entry per step that accepted one.
    private(set) var acceptedSteps: [Int] = []

    init(_ pmu: PMU, exitEvery: Int? = nil, cpl: Int = 0) {
        self.pmu = pmu
        self.exitEvery = exitEvery
        self.cpl = cpl
        enter()
    }

    /// Runs `ops` to the end (or to the first #GP) and the final step.
    func run(_ ops: [Op]) {
        var inBatch = 0
        for op in ops {
            guard execute(op) else {
                faulted = true
                enter()  // a faulting instruction ends its batch; that step is the last
                return
            }
            retired += 1
            inBatch += 1
            if let exitEvery, inBatch == exitEvery {
                inBatch = 0
                enter()
            }
        }
        if inBatch > 0 || ops.isEmpty {
            enter()
        }
    }

    private func execute(_ op: Op) -> Bool {
        var isBranch = false
        switch op {
        case .plain:
            break
        case .branch:
            isBranch = true
        case .wrmsr(let index, let value):
            guard pmu.writeMSR(index, value: value) else { return false }
        case .rdmsr(let index):
            guard let value = pmu.readMSR(index) else { return false }
            reads.append(value)
        case .rdpmc(let ecx):
            guard let value = pmu.readPMC(ecx: ecx, cpl: cpl, cr4PCE: cr4PCE) else { return false }
            reads.append(value)
        }
        pmu.countEmulated(instructions: 1, branches: isBranch ? 1 : 0, cpl: cpl)
        return true
    }

    private func enter() {
        if pmu.handleEvents(step: step, afterInstructions: retired, rip: 0x40_0000 + retired) != nil {
            acceptedSteps.append(step)
        }
        step += 1
    }
}

/// Builds a PMU, applying `configure` to the default configuration.
func makePMU(
    _ vendor: Vendor = .intel, model: OverflowModel = .emulatedCounter,
    configure: (inout PMUConfiguration) -> Void = { _ in }
) throws -> PMU {
    var configuration = PMUConfiguration()
    configuration.vendor = vendor
    configuration.model = model
    configure(&configuration)
    return try PMU(configuration: configuration)
}

/// Builds a PMU and applies `--pmc` specs in order.
func makePMU(
    _ vendor: Vendor = .intel, model: OverflowModel = .emulatedCounter, pmc specs: [String],
    configure: (inout PMUConfiguration) -> Void = { _ in }
) throws -> PMU {
    let pmu = try makePMU(vendor, model: model, configure: configure)
    for spec in specs {
        try pmu.program(PMCProgram.parse(spec, vendor: vendor))
    }
    return pmu
}

extension PMU {
    /// The report of counter `name`.
    func counter(_ name: String) -> CounterReport? {
        counters.first { $0.name == name }
    }

    /// The visible value of counter `name` (UInt64.max if it does not exist, so a mistake fails loudly).
    func value(_ name: String) -> UInt64 {
        counter(name)?.value ?? .max
    }

    /// Overflows reported by counter `name` (−1 if it does not exist).
    func overflows(_ name: String) -> Int {
        counter(name)?.overflows ?? -1
    }
}

/// Runs `ops` on a fresh PMU and returns the guest.
func run(
    _ ops: [Op], vendor: Vendor = .intel, model: OverflowModel = .emulatedCounter, pmc specs: [String] = [],
    exitEvery: Int? = nil, cpl: Int = 0, configure: (inout PMUConfiguration) -> Void = { _ in }
) throws -> Guest {
    let pmu = try makePMU(vendor, model: model, pmc: specs, configure: configure)
    let guest = Guest(pmu, exitEvery: exitEvery, cpl: cpl)
    guest.run(ops)
    return guest
}

/// EDX:EAX as one 64-bit MSR value.
func edxEax(_ edx: UInt64, _ eax: UInt64) -> UInt64 {
    edx << 32 | eax
}
