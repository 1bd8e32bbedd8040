import Emulator
import Interpreter
import VirtualPMU
import X86IR

/// Runs a generated program in vpmu twice: through the interpreter directly (for memory) and
/// through the public ``Emulator/run(_:configuration:)`` path with gp0/gp1 counting instructions and
/// branches at a random `--exit-every`, so the PMU counts are checked against Unicorn too.
struct VPMUMachine {
    let emulator: Emulator

    init() throws(InputError) { emulator = try Emulator() }

    struct Result {
        var state: MachineState
        /// gp0 = instructions, gp1 = branches, and the run's architectural totals, from ``Emulator/run(_:configuration:)``.
        var counted: (gp0: UInt64, gp1: UInt64, instructions: UInt64, branches: UInt64, stop: String, rip: UInt64)
    }

    func run(_ program: GeneratedProgram, exitEvery: Int?) throws(InputError) -> Result {
        let code = try GuestCode(bytes: program.bytes, origin: "difftest")
        let interpreter = emulator.makeInterpreter(code: code, isIntel: true)
        interpreter.setRegister(GPR.rsp, GuestMachine.stackTop)
        var retired = 0
        var branches: UInt64 = 0
        var stop = Stop.limit
        loop: while retired < GuestMachine.instructionLimit {
            let reason = interpreter.run(budget: GuestMachine.instructionLimit - retired)
            let (kernel, user) = interpreter.takeRetirements()
            retired += Int(kernel.instructions + user.instructions)
            branches += kernel.branches + user.branches
            switch reason {
            case .budgetSpent, .stateChanged: continue
            case .end: stop = .end
            case .halt: stop = .other("hlt")
            case .fault(let fault): stop = .fault(vector: fault.vector)
            case .trap(let vector): stop = .fault(vector: vector)
            case .hostCall(let opcode): stop = .other("host call \(opcode)")
            case .unsupported: stop = .other("unsupported")
            }
            break loop
        }
        let state = MachineState(
            stop: stop, registers: (0..<16).map { interpreter.register($0) }, rip: interpreter.rip,
            rflags: interpreter.rflags, instructions: UInt64(retired), branches: branches,
            data: interpreter.memory.read(GuestMachine.dataBase, count: GuestMachine.regionSize) ?? [],
            stack: interpreter.memory.read(GuestMachine.stackBase, count: GuestMachine.regionSize) ?? [])

        var configuration = RunConfiguration()
        configuration.maxInstructions = GuestMachine.instructionLimit
        configuration.exitEvery = exitEvery
        try configuration.countInstructionsAndBranches()
        let result = try emulator.run(code, configuration: configuration)
        let gp0 = result.counters.first { $0.name == "gp0" }?.value ?? 0
        let gp1 = result.counters.first { $0.name == "gp1" }?.value ?? 0
        return Result(
            state: state,
            counted: (gp0, gp1, result.instructions, result.branches, result.stop.rawValue, result.rip))
    }
}
