import Interpreter
import VirtualPMU
import X86Decoder
import X86IR

/// One run's batch loop: batches of at most `--exit-every` instructions, each preceded by a
/// VM-Enter step, plus the final step after the guest stops (pmu-semantics.md §6.1).
struct BatchRun {
    let interpreter: Interpreter
    let pmu: PMU
    let configuration: RunConfiguration
    var clock: HardwareClock
    var interrupts = GuestInterrupts()
    var sampler: Sampler? = nil
    var stop = StopReason.end
    var fault: GuestFault? = nil
    var instructions: UInt64 = 0
    var branches: UInt64 = 0
    var exits = 0
    /// Exits whose step was played after a run crossed the batch boundary.
    var exitsCrossed = 0
    /// Address of the last instruction retired, when the run that retired it started there.
    var lastRetiredRIP: UInt64 = 0
    /// Branches among the instructions of the last hand-over.
    var lastBranches: UInt64 = 0
    /// Read once from the configuration: at every exit a look at the trace recorder (a class) cost
    /// a retain and a release, and a quirk a set lookup (callgrind).
    private let tracing: Bool
    private let countsREPChunks: Bool
    private let countsEnterLeave: Bool
    /// Whether runs may cross batch boundaries at all (``crossingAllowance(budget:batchLeft:limitLeft:counting:)``).
    private let mayCross: Bool

    init(interpreter: Interpreter, pmu: PMU, configuration: RunConfiguration, clock: HardwareClock) {
        self.interpreter = interpreter
        self.pmu = pmu
        self.configuration = configuration
        self.clock = clock
        tracing = configuration.hardware.trace != nil
        countsREPChunks = configuration.quirks.contains(.rep1024)
        countsEnterLeave = configuration.quirks.contains(.enterLeaveBranch)
        // The quirks add events the instruction counts do not bound (a trace or a sampler single-steps,
        // which `crossingAllowance` checks). Windows under 64 instructions are not crossed: the
        // allowance is a PMU scan per run, which a short window does not repay (`--exit-every 1`
        // fell from 10.6 to 9.2 M/s).
        mayCross =
            configuration.crossesBatchBoundaries && (configuration.exitEvery ?? 0) >= 64
            && !countsREPChunks && !countsEnterLeave
    }

    mutating func execute(decoder: X86Decoder) throws(InputError) {
        vmEnterStep(0, guestStopped: false)
        while true {
            let stopped = try runBatch(decoder: decoder)
            exitAndEnter(cpl: interpreter.cpl, guestStopped: stopped)
            if stopped { return }
        }
    }

    /// The end of a batch: the exit's cycles, the exit count, a sched-in if due, the VM-Enter step.
    private mutating func exitAndEnter(cpl: Int, guestStopped: Bool) {
        _ = clock.chargeExit(pmu: pmu, cpl: cpl)
        exits += 1
        if let every = configuration.hardware.schedInEvery, exits % every == 0 { pmu.schedIn() }
        vmEnterStep(exits, guestStopped: guestStopped)
    }

    /// The VM-Enter step, then PMI injection (never at the step after the guest stopped).
    private mutating func vmEnterStep(_ step: Int, guestStopped: Bool) {
        if tracing {
            let pending = pmu.pendingEvents()
            let overflowsBefore = pmu.overflowCounts()
            let pmisBefore = pmu.pmis.count
            handleEvents(step)
            configuration.hardware.trace?.recordStep(
                step, pending: pending, overflowsBefore: overflowsBefore, pmisBefore: pmisBefore, pmu: pmu,
                rip: interpreter.rip)
        } else {
            handleEvents(step)
        }
        if !guestStopped { interrupts.deliverHeld(interpreter: interpreter, pmu: pmu) }
    }

    /// `kvm_pmu_handle_event()` and the PMI it may accept.
    private mutating func handleEvents(_ step: Int) {
        if let record = pmu.handleEvents(step: step, afterInstructions: instructions, rip: interpreter.rip) {
            let index = pmu.pmisAccepted - 1  // beyond the record limit, marking it is a no-op
            sampler?.take(record, at: lastRetiredRIP, pmu: pmu)
            interrupts.accept(record, index: index, interpreter: interpreter)
        }
    }

    /// Whether the next run must stop after one instruction: the STI shadow, tracing, sampling.
    private var singleStepping: Bool {
        // Sampling single-steps too, so `lastRetiredRIP` is the last instruction, not a run's first.
        interrupts.shadowActive || tracing || sampler != nil
    }

    /// Runs one batch; returns true when the guest stopped.
    private mutating func runBatch(decoder: X86Decoder) throws(InputError) -> Bool {
        var batchLeft = configuration.exitEvery ?? Int.max
        while true {
            let limitLeft = configuration.maxInstructions - Int(instructions)
            if limitLeft <= 0 {
                stop = interpreter.rip == interpreter.codeEnd ? .end : .limit
                return true
            }
            if batchLeft <= 0 {
                // Reaching the end of the code is noticed by the batch that got there, not by an empty
                // one after it: S1 with --exit-every 1 has 10 exits and 11 steps (cycle-model.md §5.2).
                guard interpreter.rip == interpreter.codeEnd else { return false }
                stop = .end
                return true
            }
            // The configuration cannot change during a run (MSR writes are host calls) and the CPL
            // only at its last instruction, so one counting set holds for the whole run.
            let counting = clock.counting(pmu: pmu, cpl: interpreter.cpl)
            interpreter.cycleFuel = clock.fuel(for: counting, pmu: pmu)
            interpreter.leavesOn = interrupts.runStops
            let tracedRIP = interpreter.rip
            let traceBefore = tracing ? configuration.hardware.trace?.snapshot(pmu) : nil
            let budget = singleStepping ? 1 : min(batchLeft, limitLeft)
            let crossable = crossingAllowance(
                budget: budget, batchLeft: batchLeft, limitLeft: limitLeft, counting: counting)
            let startCPL = interpreter.cpl
            if crossable > 0 { interpreter.allowCrossings(crossable, window: configuration.exitEvery ?? 0) }
            let reason = interpreter.run(budget: budget)
            let runCycles = interpreter.takeCycles()
            var hardwarePMI = clock.charge(runCycles, to: counting, pmu: pmu)
            if crossable > 0 {
                let crossed = interpreter.takeCrossings()
                if crossed.count > 0 {
                    exitsCrossed += crossed.count
                    playCrossedSteps(crossed, cpl: startCPL)
                    batchLeft = configuration.exitEvery ?? Int.max
                }
            }
            var retired = handOverRetirements()
            batchLeft -= retired
            if retired > 0 { lastRetiredRIP = tracedRIP }
            if tracing, let trace = configuration.hardware.trace, let traceBefore, retired > 0 {
                trace.recordInstruction(
                    at: tracedRIP, cycles: runCycles, branch: lastBranches > 0, before: traceBefore,
                    interpreter: interpreter, pmu: pmu, decoder: decoder)
            }
            interrupts.observe(interpreter.takeNotices(), retired: retired)
            switch reason {
            case .budgetSpent, .stateChanged:
                break
            case .end:
                stop = .end
                return true
            case .halt:
                stop = .hlt
                return true
            case .fault(let guestFault):
                // Delivered through the IDT if it can be. cli.md B1 ends the batch at every faulting
                // instruction, but KVM does not exit on most guest exceptions: with EPT the VMX
                // exception bitmap intercepts #UD (for emulation), not #DE/#SS/#GP/#PF
                // (vmx_update_exception_bitmap()), so those are delivered inside the batch. The kernel
                // wins: only #UD ends it. (An MSR or RDPMC #GP is a host call and always an exit.)
                let pushesCode = guestFault.vector >= 12 && guestFault.vector <= 14  // #SS #GP #PF (isa-subset.md §7)
                if interpreter.deliverInterrupt(
                    vector: guestFault.vector, errorCode: pushesCode ? guestFault.errorCode ?? 0 : nil)
                {
                    interrupts.shadowActive = false
                    if guestFault.vector == 6 { return false }
                    break
                }
                stop = .fault
                fault = guestFault
                return true
            case .trap(let vector):
                // INT3 / INT n retired; without a gate the run ends (isa-subset.md §9).
                if interpreter.deliverInterrupt(vector: vector, errorCode: nil) {
                    interrupts.shadowActive = false
                    break
                }
                stop = .fault
                fault = GuestFault(vector: vector)
                return true
            case .unsupported:
                let rip = interpreter.rip
                throw .unsupportedInstruction(
                    mnemonic: Emulator.mnemonic(at: rip, memory: interpreter.memory, decoder: decoder), address: rip)
            case .hostCall(let opcode):
                guard let insn = interpreter.instructionAtRIP() else { return true }
                let isEOI = opcode == .wrmsr && interpreter.register(GPR.rcx) & 0xFFFF_FFFF == 0x80B
                if let guestFault = performHostCall(opcode) {
                    if interpreter.deliverInterrupt(vector: guestFault.vector, errorCode: guestFault.errorCode ?? 0) {
                        interrupts.shadowActive = false
                        return false
                    }
                    stop = .fault
                    fault = guestFault
                    return true
                }
                let hostBefore = configuration.hardware.trace?.snapshot(pmu)
                interpreter.completeHostCall(insn)
                // Charged with the configuration as the instruction started (cycle-model.md §3.2).
                let hostCycles = interpreter.takeCycles()
                hardwarePMI = clock.charge(hostCycles, to: counting, pmu: pmu) || hardwarePMI
                retired = handOverRetirements()
                batchLeft -= retired
                lastRetiredRIP = tracedRIP
                if let trace = configuration.hardware.trace, let hostBefore {
                    trace.recordInstruction(
                        at: tracedRIP, cycles: hostCycles, branch: false, before: hostBefore,
                        interpreter: interpreter, pmu: pmu, decoder: decoder)
                }
                interrupts.observe([], retired: retired)
                if isEOI { interrupts.endOfInterrupt() }
                let exitsHere =
                    (opcode == .cpuid && configuration.exitOn.contains(.cpuid))
                    || ((opcode == .rdmsr || opcode == .wrmsr) && configuration.exitOn.contains(.msr))
                if exitsHere && Int(instructions) < configuration.maxInstructions { return false }
            }
            if interrupts.windowOpened(interpreter: interpreter) { return false }
            if hardwarePMI && configuration.hardware.hwPMIExit { return false }
        }
    }

    /// How many batch boundaries the next run may cross (``Interpreter/allowCrossings(_:window:)``):
    /// none unless a VM-Enter step there could only fold events. That needs nothing that looks at
    /// every step (trace, sampler, STI shadow), no PMI held for delivery, no PMC fed by the cycle
    /// side (the exit's own cycles would reach it), a run that ends at a batch boundary rather than
    /// at the instruction limit, and room in every instruction and branch PMC for all that the run
    /// may retire, so that no fold in between can overflow.
    private func crossingAllowance(budget: Int, batchLeft: Int, limitLeft: Int, counting: CycleCounting) -> Int {
        guard mayCross, !singleStepping, interrupts.isIdle, counting.isEmpty, budget == batchLeft,
            let every = configuration.exitEvery, limitLeft > budget
        else { return 0 }
        let byLimit = (limitLeft - budget) / every
        // The run retires at most budget + crossings · every instructions, each at most one event of each kind.
        let room = pmu.emulatedEventRoom(cpl: interpreter.cpl)
        guard room > UInt64(budget) else { return 0 }
        return min(byLimit, Int(clamping: (room - UInt64(budget)) / UInt64(every)))
    }

    /// The VM-Enter steps of the boundaries the last run crossed, in order, as if it had stopped at
    /// each: the exit, the step, with the window's events counted and its reprogram requests made.
    ///
    /// The windows' events are handed over at once, before the first step: with no overflow
    /// possible (``crossingAllowance``) a counter folds to the same value whichever steps its
    /// events meet, and the interpreter knows only that each window retired at least one branch,
    /// not how many. Each later step gets the reprogram requests of a window that retired
    /// instructions and branches at `cpl` (a CPL change ends the run, so all the windows crossed
    /// are at the CPL it started at), so every step reprograms the PMCs it would have.
    private mutating func playCrossedSteps(_ crossed: BoundaryCrossings, cpl: Int) {
        assert(crossed.kernel.branches &+ crossed.user.branches >= UInt64(crossed.count))
        _ = handOver(crossed.kernel, cpl: 0)
        _ = handOver(crossed.user, cpl: 3)
        for window in 0..<crossed.count {
            if window > 0 { pmu.requestReprogramForRetirement(cpl: cpl) }
            exitAndEnter(cpl: cpl, guestStopped: false)
        }
    }

    /// Moves the interpreter's retirement counts into the PMU's event path; returns how many retired.
    private mutating func handOverRetirements() -> Int {
        let (kernel, user) = interpreter.takeRetirements()
        lastBranches = kernel.branches &+ user.branches
        // Two calls, not a loop over an array literal: that allocated on every exit (perf).
        return handOver(kernel, cpl: 0) + handOver(user, cpl: 3)
    }

    private mutating func handOver(_ counts: RetirementCounts, cpl: Int) -> Int {
        guard counts.instructions != 0 else { return 0 }
        instructions &+= counts.instructions
        branches &+= counts.branches
        // Quirks change PMU events only, never the architectural totals (isa-subset.md §8).
        let events = counts.instructions &+ (countsREPChunks ? counts.repChunks : 0)
        let branchEvents = counts.branches &+ (countsEnterLeave ? counts.enterLeave : 0)
        pmu.countEmulated(instructions: events, branches: branchEvents, cpl: cpl)
        return Int(counts.instructions)
    }

    /// CPUID, RDMSR, WRMSR, RDPMC as KVM handles their exits; returns the fault the guest takes, if any.
    private func performHostCall(_ opcode: Opcode) -> GuestFault? {
        let eax = interpreter.register(GPR.rax) & 0xFFFF_FFFF
        let ecx = UInt32(truncatingIfNeeded: interpreter.register(GPR.rcx))
        let edx = interpreter.register(GPR.rdx) & 0xFFFF_FFFF
        switch opcode {
        case .cpuid:
            let result = pmu.cpuid(leaf: UInt32(eax), subleaf: ecx)
            interpreter.setRegister(GPR.rax, UInt64(result.eax))
            interpreter.setRegister(GPR.rbx, UInt64(result.ebx))
            interpreter.setRegister(GPR.rcx, UInt64(result.ecx))
            interpreter.setRegister(GPR.rdx, UInt64(result.edx))
        case .rdmsr:
            guard let value = pmu.readMSR(ecx) else { return .generalProtection() }
            setEDXEAX(value)
        case .wrmsr:
            guard pmu.writeMSR(ecx, value: edx << 32 | eax) else { return .generalProtection() }
        default:  // rdpmc
            let pce = interpreter.cr4 & 0x100 != 0
            guard let value = pmu.readPMC(ecx: ecx, cpl: interpreter.cpl, cr4PCE: pce) else {
                return .generalProtection()
            }
            setEDXEAX(value)
        }
        return nil
    }

    /// EDX:EAX := value, clearing the upper halves of RAX and RDX.
    private func setEDXEAX(_ value: UInt64) {
        interpreter.setRegister(GPR.rax, value & 0xFFFF_FFFF)
        interpreter.setRegister(GPR.rdx, value >> 32)
    }
}
