import CCapstone

/// A failure to set up Capstone (a host problem, never a guest fault).
public struct CapstoneError: Error, CustomStringConvertible {
    public let description: String
}

/// Capstone 4.0.2 fills two process-wide tables lazily and without a lock: the architecture table
/// (`archs_enable`, run by `cs_open`) and the sorted copy of `insn_regs_intel` that
/// `X86_insn_reg_intel` (arch/X86/X86Mapping.c) memcpy's and qsort's in place on the first
/// instruction printed with detail. A thread that decodes its first instruction while another
/// thread is still sorting binary-searches a half-sorted table and loses an implicit accumulator
/// operand: `add eax, 1` (05 id) comes back with one operand, and the lowering rejects it
/// (`vpmu check -j 8` failed 46 of 200 runs this way). One decode with detail on, made before
/// any handle is opened and guarded by Swift's once-only global initialisation, fills both
/// tables while no other thread can be decoding.
private let capstoneProcessTablesReady: Bool = {
    var handle: csh = 0
    guard cs_open(CS_ARCH_X86, CS_MODE_64, &handle) == CS_ERR_OK else { return false }
    defer { cs_close(&handle) }
    cs_option(handle, CS_OPT_DETAIL, Int(CS_OPT_ON.rawValue))
    let addEAXImmediate: [UInt8] = [0x05, 0x01, 0x00, 0x00, 0x00]
    var instructions: UnsafeMutablePointer<cs_insn>? = nil
    let count = cs_disasm(handle, addEAXImmediate, addEAXImmediate.count, 0, 0, &instructions)
    if let instructions { cs_free(instructions, count) }
    return count == 1
}()

/// The one owner of a Capstone handle: opened in x86-64 mode with detail on, closed on deinit.
///
/// Only this module sees `csh` and `cs_insn`; nothing Capstone-typed crosses into the interpreter.
final class CapstoneHandle {
    private var raw: csh = 0
    /// Reused instruction buffer for `cs_disasm_iter`, so decoding allocates nothing per instruction.
    let instruction: UnsafeMutablePointer<cs_insn>

    init() throws(CapstoneError) {
        guard capstoneProcessTablesReady else {
            throw CapstoneError(description: "cannot open Capstone for its one-time table set-up")
        }
        var handle: csh = 0
        let status = cs_open(CS_ARCH_X86, CS_MODE_64, &handle)
        guard status == CS_ERR_OK else {
            throw CapstoneError(description: "cannot open Capstone: \(String(cString: cs_strerror(status)))")
        }
        cs_option(handle, CS_OPT_DETAIL, Int(CS_OPT_ON.rawValue))
        guard let buffer = cs_malloc(handle) else {
            cs_close(&handle)
            throw CapstoneError(description: "cannot allocate a Capstone instruction")
        }
        raw = handle
        instruction = buffer
    }

    deinit {
        cs_free(instruction, 1)
        cs_close(&raw)
    }

    /// Decodes one instruction at `address` from `bytes` into ``instruction``; false if Capstone rejects it.
    func decode(_ bytes: UnsafeRawBufferPointer, address: UInt64) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return false }
        var code: UnsafePointer<UInt8>? = base.assumingMemoryBound(to: UInt8.self)
        var size = bytes.count
        var pc = address
        return cs_disasm_iter(raw, &code, &size, &pc, instruction)
    }

    /// Capstone's name for register `id` ("rax", "r8d", "ah", "rip", ...).
    func registerName(_ id: UInt32) -> String? {
        guard let name = cs_reg_name(raw, id) else { return nil }
        return String(cString: name)
    }
}
