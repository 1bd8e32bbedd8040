import Interpreter
import VirtualPMU
import X86Decoder

/// `--trace FILE`: one JSON object per retired instruction and per VM-Enter step (JSON Lines), or
/// the same events as a Chrome trace (`--trace-format chrome`) that Perfetto opens.
///
/// Tracing single-steps the interpreter (budget 1), so the untraced run keeps its fast path; the
/// cost shown for an instruction is what the cycle model charged for it.
public final class TraceRecorder: @unchecked Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case jsonl, chrome
    }

    public let format: Format
    /// JSON Lines events, or Chrome trace events, in order.
    private var events: [String] = []
    private var texts: [UInt64: String] = [:]
    /// Instructions retired and core cycles charged so far (the Chrome trace's clock is instructions).
    private var retiredSoFar: UInt64 = 0
    private var batchStart: UInt64 = 0

    public init(format: Format) { self.format = format }

    /// Counter values before the instruction or step being traced.
    func snapshot(_ pmu: PMU) -> [UInt64] { pmu.counterValues() }

    /// Records the instruction(s) a single-stepped run retired.
    func recordInstruction(
        at address: UInt64, cycles: UInt64, branch: Bool, before: [UInt64], interpreter: Interpreter, pmu: PMU,
        decoder: X86Decoder
    ) {
        retiredSoFar += 1
        let after = pmu.counterValues()
        let names = pmu.counterNames
        let touched = after.indices.filter { $0 < before.count && after[$0] != before[$0] }
        let text = texts[address] ?? disassemble(at: address, interpreter: interpreter, decoder: decoder)
        texts[address] = text
        var raised = [JSON.string("instructions")]
        if branch { raised.append(.string("branches")) }
        switch format {
        case .jsonl:
            events.append(
                JSON.object([
                    ("type", .string("instruction")), ("address", .string(hex(address))), ("text", .string(text)),
                    ("cycles", .integer(cycles)), ("events", .array(raised)),
                    ("counters", .object(touched.map { (names[$0], JSON.integer(after[$0])) })),
                ]).compact)
        case .chrome:
            if !touched.isEmpty {
                events.append(
                    JSON.object([
                        ("name", .string("counters")), ("ph", .string("C")), ("ts", .integer(retiredSoFar)),
                        ("pid", .integer(1)), ("tid", .integer(1)),
                        ("args", .object(touched.map { (names[$0], JSON.integer(after[$0])) })),
                    ]).compact)
            }
        }
    }

    /// Records one VM-Enter step: what it folded, the overflows it reported and the PMI it accepted.
    func recordStep(
        _ step: Int, pending: [(emulated: UInt64, hardware: UInt64)], overflowsBefore: [Int], pmisBefore: Int,
        pmu: PMU, rip: UInt64
    ) {
        let names = pmu.counterNames
        let folds = pending.indices.filter { pending[$0].emulated != 0 || pending[$0].hardware != 0 }
        let overflows = pmu.overflowCounts()
        let overflowed = overflows.indices.filter { $0 < overflowsBefore.count && overflows[$0] != overflowsBefore[$0] }
        let pmis = pmu.pmis.count > pmisBefore ? Array(pmu.pmis[pmisBefore...]) : []
        switch format {
        case .jsonl:
            events.append(
                JSON.object([
                    ("type", .string("step")), ("step", .signed(step)), ("after_instructions", .integer(retiredSoFar)),
                    ("rip", .string(hex(rip))),
                    (
                        "folds",
                        .object(
                            folds.map {
                                (names[$0], .object([
                                    ("emulated", .integer(pending[$0].emulated)),
                                    ("hardware", .integer(pending[$0].hardware)),
                                ]))
                            })
                    ),
                    ("overflows", .array(overflowed.map { .string(names[$0]) })),
                    ("pmis", .array(pmis.map { .string("\($0.mode) vector \($0.vector)") })),
                    ("global_status", .string(hex(pmu.globalStatus))),
                ]).compact)
        case .chrome:
            if step > 0 {
                events.append(
                    JSON.object([
                        ("name", .string("batch \(step)")), ("ph", .string("X")), ("ts", .integer(batchStart)),
                        ("dur", .integer(retiredSoFar - batchStart)), ("pid", .integer(1)), ("tid", .integer(1)),
                    ]).compact)
            }
            batchStart = retiredSoFar
            for pmi in pmis {
                events.append(
                    JSON.object([
                        ("name", .string("PMI (\(pmi.sources.joined(separator: ", ")))")), ("ph", .string("i")),
                        ("ts", .integer(retiredSoFar)), ("s", .string("g")), ("pid", .integer(1)), ("tid", .integer(1)),
                    ]).compact)
            }
        }
    }

    /// The whole trace as written to the file.
    public func rendered() -> String {
        switch format {
        case .jsonl: return events.map { $0 + "\n" }.joined()
        case .chrome: return "{\"traceEvents\":[\n" + events.joined(separator: ",\n") + "\n]}\n"
        }
    }

    private func disassemble(at address: UInt64, interpreter: Interpreter, decoder: X86Decoder) -> String {
        guard let bytes = interpreter.memory.read(address, count: 1), !bytes.isEmpty else { return "?" }
        var window: [UInt8] = []
        var cursor = address
        while window.count < X86Decoder.maximumLength, let byte = interpreter.memory.read(cursor, count: 1) {
            window += byte
            cursor &+= 1
        }
        return window.withUnsafeBytes { decoder.disassemble($0, at: address).text }
    }
}

extension JSON {
    /// One-line rendering (for JSON Lines and trace events).
    var compact: String {
        switch self {
        case .object(let members):
            "{" + members.map { "\(JSON.quote($0.0)):\($0.1.compact)" }.joined(separator: ",") + "}"
        case .array(let items): "[" + items.map(\.compact).joined(separator: ",") + "]"
        default: rendered()
        }
    }
}
