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
    var stop = StopReason.end
    var fault: GuestFault? = nil
    var instructions: UInt64 = 0
    var branches: UInt64 = 0
    var exits = 0

    mutating func execute(decoder: X86Decoder) throws(InputError) {
        pmu.handleEvents(step: 0, afterInstructions: 0, rip: interpreter.rip)
        while true {
            let stopped = try runBatch(decoder: decoder)
            exits += 1
            pmu.handleEvents(step: exits, afterInstructions: instructions, rip: interpreter.rip)
            if stopped { return }
        }
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
            if batchLeft <= 0 { return false }
            let reason = interpreter.run(budget: min(batchLeft, limitLeft))
            batchLeft -= handOverRetirements()
            switch reason {
            case .budgetSpent:
                continue
            case .end:
                stop = .end
                return true
            case .halt:
                stop = .hlt
                return true
            case .fault(let guestFault):
                stop = .fault
                fault = guestFault
                return true
            case .trap(let vector):
                // No IDT delivery yet: a software interrupt ends the run after retiring (isa-subset.md §9).
                stop = .fault
                fault = GuestFault(vector: vector)
                return true
            case .unsupported:
                let rip = interpreter.rip
                throw .unsupportedInstruction(
                    mnemonic: Emulator.mnemonic(at: rip, memory: interpreter.memory, decoder: decoder), address: rip)
            case .hostCall(let opcode):
                guard let insn = interpreter.instructionAtRIP() else { return true }
                if let guestFault = performHostCall(opcode) {
                    stop = .fault
                    fault = guestFault
                    return true
                }
                interpreter.completeHostCall(insn)
                batchLeft -= handOverRetirements()
                let exitsHere =
                    (opcode == .cpuid && configuration.exitOn.contains(.cpuid))
                    || ((opcode == .rdmsr || opcode == .wrmsr) && configuration.exitOn.contains(.msr))
                if exitsHere && Int(instructions) < configuration.maxInstructions { return false }
            }
        }
    }

    /// Moves the interpreter's retirement counts into the PMU's event path; returns how many retired.
    private mutating func handOverRetirements() -> Int {
        let (kernel, user) = interpreter.takeRetirements()
        var retired = 0
        for (counts, cpl) in [(kernel, 0), (user, 3)] where counts.instructions != 0 {
            instructions &+= counts.instructions
            branches &+= counts.branches
            retired += Int(counts.instructions)
            // Quirks change PMU events only, never the architectural totals (isa-subset.md §8).
            let events = counts.instructions &+ (configuration.quirks.contains(.rep1024) ? counts.repChunks : 0)
            let branchEvents =
                counts.branches &+ (configuration.quirks.contains(.enterLeaveBranch) ? counts.enterLeave : 0)
            pmu.countEmulated(instructions: events, branches: branchEvents, cpl: cpl)
        }
        return retired
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
