import Interpreter
import VirtualPMU
import X86Decoder
import X86IR

/// Runs guest code on the interpreter against the virtual PMU: the batch / VM-Enter loop.
///
/// The one module that knows both sides. The interpreter reports retirements per privilege
/// class and stops for host calls (CPUID, RDMSR, WRMSR, RDPMC), which are handled here the way
/// KVM handles their VM-exits; the PMU sees batched event counts and a VM-Enter step before
/// every batch and once after the guest stops (pmu-semantics.md §6).
public final class Emulator {
    /// Default guest machine (cli.md Part A).
    public static let codeBase: UInt64 = 0x40_0000
    public static let dataBase: UInt64 = 0x60_0000
    public static let stackBase: UInt64 = 0x70_0000
    public static let stackTop: UInt64 = 0x80_0000
    public static let regionSize = 0x10_0000

    public let decoder: X86Decoder
    /// Guest memory as the most recent ``run(_:configuration:)`` left it (fixture memory expectations).
    public private(set) var lastMemory: GuestMemory?

    public init() throws(InputError) {
        do {
            decoder = try X86Decoder()
        } catch {
            throw .badOption("cannot start the decoder: \(error.description)")
        }
    }

    /// Builds the default machine with `code` loaded at 0x400000.
    public func makeInterpreter(code: GuestCode, isIntel: Bool, cycleCosts: CycleCosts = .free) -> Interpreter {
        let memory = GuestMemory(base: Self.codeBase, size: Int(Self.stackTop - Self.codeBase))
        let codeEnd = Self.codeBase + UInt64(code.bytes.count)
        let pageSize = UInt64(GuestMemory.pageSize)
        let codeLimit = (codeEnd + pageSize - 1) / pageSize * pageSize
        memory.map(Self.codeBase, count: Int(codeLimit - Self.codeBase), [.read, .write, .execute])
        memory.map(Self.dataBase, count: Self.regionSize, [.read, .write])
        memory.map(Self.stackBase, count: Self.regionSize, [.read, .write])
        memory.write(code.bytes, at: Self.codeBase)
        let decoder = self.decoder
        return Interpreter(
            memory: memory, codeStart: Self.codeBase, codeEnd: codeEnd, codeLimit: codeLimit, isIntel: isIntel,
            cycleCosts: cycleCosts, lowerer: { bytes, address in decoder.lower(bytes, at: address) })
    }

    /// Runs `code` with `configuration`.
    ///
    /// - Throws: ``InputError`` for bad PMU setup or when execution reaches an unsupported instruction.
    public func run(_ code: GuestCode, configuration: RunConfiguration) throws(InputError) -> RunResult {
        var pmuConfiguration = configuration.pmu
        pmuConfiguration.untruncatedLegacyWrite = configuration.quirks.contains(.untruncatedLegacyWrite)
        let pmu: PMU
        var configuration = configuration
        var sampler: Sampler? = nil
        do {
            pmu = try PMU(configuration: pmuConfiguration)
            for program in configuration.counters { try pmu.program(program) }
            if let request = configuration.hardware.sample {
                sampler = try armSampler(request, pmu: pmu, configuration: &configuration)
            }
            if let filter = configuration.filter { pmu.install(filter: filter) }
            if let lvtpc = configuration.lvtpc { try pmu.setLVTPC(hostValue: lvtpc) }
        } catch {
            throw .badOption(error.description)
        }
        let clock = HardwareClock(table: configuration.hardware.cycleTable)
        let interpreter = makeInterpreter(
            code: code, isIntel: configuration.pmu.vendor == .intel, cycleCosts: clock.interpreterCosts)
        lastMemory = interpreter.memory
        interpreter.setRegister(GPR.rsp, Self.stackTop)
        for (number, value) in configuration.registers { interpreter.setRegister(number, value) }
        interpreter.rflags = configuration.rflags
        interpreter.cr4 = configuration.cr4
        interpreter.setPrivilege(user: configuration.userMode)
        let initialRegisters = (0..<16).map { interpreter.register($0) }

        var run = BatchRun(interpreter: interpreter, pmu: pmu, configuration: configuration, clock: clock)
        run.sampler = sampler
        try run.execute(decoder: decoder)
        let host = pmu.hostStatistics
        // host.estimated_ns = created · create + reused · reuse (cycle-model.md §5.2).
        let estimate = configuration.hardware.hostCost.map { cost in
            UInt64(host.perfEventsCreated) &* cost.create &+ UInt64(host.perfEventsReused) &* cost.reuse
        }

        var result = RunResult(
            stop: run.stop, stopRIP: interpreter.rip, fault: run.fault.map { report(for: $0, interpreter: interpreter) },
            instructions: run.instructions, branches: run.branches, exits: run.exits,
            registers: (0..<16).map { interpreter.register($0) }, initialRegisters: initialRegisters,
            rip: interpreter.rip, rflags: interpreter.rflags, vendor: configuration.pmu.vendor,
            model: configuration.pmu.model, exitEvery: configuration.exitEvery, globalStatus: pmu.globalStatus,
            counters: pmu.counters, namedCounters: Set(configuration.counters.map(\.counterName)), pmis: pmu.pmis,
            pmisAccepted: pmu.pmisAccepted, pmisSuppressed: pmu.pmisSuppressed, host: host, origin: code.origin,
            hardware: HardwareReport(
                cycles: run.clock.coreCycles, refCycles: run.clock.referenceCycles,
                hostEstimatedNanoseconds: estimate,
                profile: run.sampler.map { sampler in
                    SampleProfile(
                        counter: sampler.counterName, event: sampler.event, period: sampler.period,
                        histogram: sampler.histogram.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                }, hostStrategy: configuration.pmu.hostStrategy))
        result.exitsCrossed = run.exitsCrossed
        return result
    }

    /// Programs the sampling counter (`--sample`) on the highest free GP counter; batches default to
    /// one instruction so each sample names the instruction that overflowed the counter.
    private func armSampler(_ request: SampleRequest, pmu: PMU, configuration: inout RunConfiguration)
        throws(PMUSetupError) -> Sampler
    {
        let taken = Set(configuration.counters.map(\.counterName))
        let gpCount = pmu.counterNames.filter { $0.hasPrefix("gp") }.count
        guard let spec = Sampler.program(for: request, gpCounters: gpCount, taken: taken) else {
            throw PMUSetupError("--sample '\(request.event)': no free GP counter left for sampling")
        }
        let program: PMCProgram
        do {
            program = try PMCProgram.parse(spec, vendor: configuration.pmu.vendor)
            try pmu.program(program)
        } catch {
            throw PMUSetupError("--sample '\(request.event),period=\(request.period)': \(error.description)")
        }
        if configuration.exitEvery == nil { configuration.exitEvery = 1 }
        return Sampler(counterName: program.counterName, event: request.event, period: request.period)
    }

    private func report(for fault: GuestFault, interpreter: Interpreter) -> FaultReport {
        var mnemonic: String? = nil
        if let bytes = interpreter.memory.read(interpreter.rip, count: 1),
            !bytes.isEmpty, interpreter.memory.permissions(at: interpreter.rip).contains(.execute)
        {
            mnemonic = Self.mnemonic(at: interpreter.rip, memory: interpreter.memory, decoder: decoder)
        }
        return FaultReport(
            exception: fault.name, vector: Int(fault.vector), errorCode: fault.errorCode, cr2: fault.cr2,
            mnemonic: mnemonic)
    }

    /// Capstone's mnemonic of the instruction at `address` (for messages).
    static func mnemonic(at address: UInt64, memory: GuestMemory, decoder: X86Decoder) -> String {
        var bytes: [UInt8] = []
        var cursor = address
        while bytes.count < X86Decoder.maximumLength, memory.permissions(at: cursor).contains(.execute),
            let byte = memory.read(cursor, count: 1)
        {
            bytes += byte
            cursor &+= 1
        }
        return bytes.withUnsafeBytes { decoder.disassemble($0, at: address).mnemonic }
    }
}
