import CUnicornRuntime
import Emulator
import X86IR

/// The bench's self-verification: a speed figure counts only if the run retired exactly what the
/// workload's model says, the PMU counted the same, and Unicorn (when present) agrees.
extension BenchRunner {
    func check(_ result: RunResult, workload: Workload, engine: String) -> [String] {
        var problems: [String] = []
        let expected = workload.expected
        func note(_ text: String) { problems.append("\(engine): \(text)") }
        if result.stop != .end { note("stopped with \(result.stop.rawValue), expected end") }
        if result.instructions != expected.instructions {
            note("\(result.instructions) instructions retired, model says \(expected.instructions)")
        }
        if result.branches != expected.branches {
            note("\(result.branches) branches retired, model says \(expected.branches)")
        }
        for (number, value) in expected.registers.sorted(by: { $0.key < $1.key })
        where result.registers[number] != value {
            note("\(generalRegisterNames[number]) = \(hex(result.registers[number])), model says \(hex(value))")
        }
        if engine != "vpmu no counters" {
            let counted = Dictionary(uniqueKeysWithValues: result.counters.map { ($0.name, $0.value) })
            if counted["gp0"] != expected.instructions {
                note("gp0 (instructions) reads \(counted["gp0"] ?? 0), model says \(expected.instructions)")
            }
            if counted["gp1"] != expected.branches {
                note("gp1 (branches) reads \(counted["gp1"] ?? 0), model says \(expected.branches)")
            }
        }
        return problems
    }

    func check(_ result: vpmu_unicorn_result, hook: Int, workload: Workload, vpmuRegisters: [UInt64]) -> [String] {
        let engine = Self.unicornEngines[hook]
        if result.error != 0 { return ["\(engine): uc error \(result.error)"] }
        var problems: [String] = []
        if hook == Int(VPMU_UNICORN_CODE_HOOK.rawValue), result.hook_count != workload.expected.instructions {
            problems.append(
                "\(engine): counted \(result.hook_count) instructions, model says \(workload.expected.instructions)")
        }
        let registers = withUnsafeBytes(of: result.registers) { Array($0.bindMemory(to: UInt64.self)) }
        for number in 0..<16 where number < vpmuRegisters.count && registers[number] != vpmuRegisters[number] {
            problems.append(
                "\(engine): \(generalRegisterNames[number]) = \(hex(registers[number])), vpmu has \(hex(vpmuRegisters[number]))")
        }
        return problems
    }
}
