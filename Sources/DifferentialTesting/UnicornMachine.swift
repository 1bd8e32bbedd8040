import CUnicorn
import X86IR

/// Runs a generated program in Unicorn 2 (QEMU TCG) on the same machine as vpmu's default one.
///
/// Unicorn's code hook fires before each instruction *starts*: per REP iteration and also for an
/// instruction that then faults (isa-subset.md §10). Retirement is therefore counted as hook calls
/// with consecutive REP iterations at one address collapsed to one, minus the faulting instruction;
/// likewise a store into code, whose hook fires again when QEMU retranslates around it.
/// The generator tells which addresses are branches and REP string instructions, so counting needs
/// no decoder of either engine.
enum UnicornMachine {
    /// What the hooks see during one run.
    final class HookState {
        var kinds: [UInt64: Assembler.Kind] = [:]
        var instructions: UInt64 = 0
        var branches: UInt64 = 0
        var lastAddress = UInt64.max
        var lastKind = Assembler.Kind.plain
        var interrupt: UInt32? = nil
        var invalid = false
        var overLimit = false
    }

    /// Unicorn's x86 registers in vpmu's encoding order (RAX…R15).
    static let registerIDs: [uc_x86_reg] = [
        UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP,
        UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
        UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
    ]

    struct EngineError: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ program: GeneratedProgram) throws(EngineError) -> MachineState {
        var engine: OpaquePointer? = nil
        guard uc_open(UC_ARCH_X86, UC_MODE_64, &engine) == UC_ERR_OK, let uc = engine else {
            throw EngineError(description: "uc_open failed")
        }
        defer { uc_close(uc) }
        // Haswell has POPCNT, LZCNT (ABM), TZCNT (BMI1) and LAHF/SAHF in 64-bit mode; the default
        // qemu64 model lacks LZCNT/TZCNT and would run them as BSR/BSF.
        _ = vpmu_uc_set_cpu_model(uc, Int32(UC_CPU_X86_HASWELL.rawValue))
        let codeSize = GuestMachine.pageRounded(program.bytes.count)
        let all = UInt32(UC_PROT_ALL.rawValue)
        let readWrite = UInt32(UC_PROT_READ.rawValue | UC_PROT_WRITE.rawValue)
        guard uc_mem_map(uc, GuestMachine.codeBase, codeSize, all) == UC_ERR_OK,
            uc_mem_map(uc, GuestMachine.dataBase, GuestMachine.regionSize, readWrite) == UC_ERR_OK,
            uc_mem_map(uc, GuestMachine.stackBase, GuestMachine.regionSize, readWrite) == UC_ERR_OK,
            uc_mem_write(uc, GuestMachine.codeBase, program.bytes, program.bytes.count) == UC_ERR_OK
        else { throw EngineError(description: "uc_mem_map/uc_mem_write failed") }
        for id in registerIDs { write(uc, id, 0) }
        write(uc, UC_X86_REG_RSP, GuestMachine.stackTop)
        write(uc, UC_X86_REG_RFLAGS, GuestMachine.initialRFLAGS)

        let state = HookState()
        for emitted in program.instructions {
            state.kinds[GuestMachine.codeBase + UInt64(emitted.offset)] = emitted.kind
        }
        let context = Unmanaged.passUnretained(state).toOpaque()
        var codeHook: uc_hook = 0
        var interruptHook: uc_hook = 0
        var invalidHook: uc_hook = 0
        _ = vpmu_uc_hook_code(uc, &codeHook, countInstruction, context)
        _ = vpmu_uc_hook_interrupt(uc, &interruptHook, stopOnInterrupt, context)
        _ = vpmu_uc_hook_invalid(uc, &invalidHook, stopOnInvalid, context)

        let end = GuestMachine.codeBase + UInt64(program.bytes.count)
        let status = withExtendedLifetime(state) { uc_emu_start(uc, GuestMachine.codeBase, end, 0, 0) }
        let rip = read(uc, UC_X86_REG_RIP)

        var stop: Stop
        var faulted = false
        switch status {
        case UC_ERR_OK:
            if state.overLimit {
                stop = .limit
            } else if let vector = state.interrupt {
                stop = .fault(vector: UInt8(truncatingIfNeeded: vector))
                faulted = vector != 3  // INT3 is a trap: it retired (isa-subset.md §8)
            } else if state.invalid {
                stop = .fault(vector: 6)
                faulted = true
            } else {
                stop = rip == end ? .end : .other("unicorn stopped at \(rip)")
            }
        case UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_UNMAPPED, UC_ERR_READ_PROT, UC_ERR_WRITE_PROT:
            stop = .fault(vector: 14)
            faulted = true
        case UC_ERR_FETCH_UNMAPPED, UC_ERR_FETCH_PROT:
            stop = .fault(vector: 14)  // no hook fired for the instruction that could not be fetched
        case UC_ERR_INSN_INVALID:
            stop = .fault(vector: 6)
            faulted = true
        default:
            stop = .other("unicorn error \(status.rawValue): " + String(cString: uc_strerror(status)))
        }
        if faulted && state.instructions > 0 {
            state.instructions -= 1
            if state.lastKind == .branch { state.branches -= 1 }
        }
        return MachineState(
            stop: stop, registers: registerIDs.map { read(uc, $0) }, rip: rip, rflags: read(uc, UC_X86_REG_RFLAGS),
            instructions: state.instructions, branches: state.branches,
            data: readMemory(uc, GuestMachine.dataBase), stack: readMemory(uc, GuestMachine.stackBase))
    }

    private static func write(_ uc: OpaquePointer, _ id: uc_x86_reg, _ value: UInt64) {
        var value = value
        _ = uc_reg_write(uc, Int32(id.rawValue), &value)
    }

    private static func read(_ uc: OpaquePointer, _ id: uc_x86_reg) -> UInt64 {
        var value: UInt64 = 0
        _ = uc_reg_read(uc, Int32(id.rawValue), &value)
        return value
    }

    private static func readMemory(_ uc: OpaquePointer, _ address: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: GuestMachine.regionSize)
        _ = bytes.withUnsafeMutableBytes { uc_mem_read(uc, address, $0.baseAddress, GuestMachine.regionSize) }
        return bytes
    }
}

/// Counts one started instruction, collapsing consecutive REP iterations at one address.
private func countInstruction(
    _ uc: OpaquePointer?, _ address: UInt64, _ size: UInt32, _ context: UnsafeMutableRawPointer?
) {
    guard let context else { return }
    let state = Unmanaged<UnicornMachine.HookState>.fromOpaque(context).takeUnretainedValue()
    let kind = state.kinds[address] ?? .plain
    defer {
        state.lastAddress = address
        state.lastKind = kind
    }
    if kind == .repString || kind == .codeStore, address == state.lastAddress { return }
    state.instructions += 1
    if kind == .branch { state.branches += 1 }
    if state.instructions > UInt64(GuestMachine.instructionLimit) {
        state.overLimit = true
        uc_emu_stop(uc)
    }
}

private func stopOnInterrupt(_ uc: OpaquePointer?, _ vector: UInt32, _ context: UnsafeMutableRawPointer?) {
    guard let context else { return }
    Unmanaged<UnicornMachine.HookState>.fromOpaque(context).takeUnretainedValue().interrupt = vector
    uc_emu_stop(uc)
}

private func stopOnInvalid(_ uc: OpaquePointer?, _ context: UnsafeMutableRawPointer?) -> Bool {
    guard let context else { return false }
    Unmanaged<UnicornMachine.HookState>.fromOpaque(context).takeUnretainedValue().invalid = true
    return false
}
